package network.noderr.controlplane.security;

/** The refusal-audit limits of {@link ProblemResponses}, for tests in other packages. */
public final class ProblemResponsesAccess {

    private ProblemResponsesAccess() {}

    public static int userRefusalsPerMinute() {
        return ProblemResponses.USER_REFUSALS_PER_MINUTE;
    }
}
