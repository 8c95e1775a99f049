package network.noderr.agent.update;

/**
 * A step failed. {@link Retryable}: try the same step again later (registry or daemon unreachable); {@link Fatal}:
 * the update cannot succeed (digest mismatch, image missing) and ends with the given outcome.
 */
public sealed class UpdateException extends Exception permits UpdateException.Retryable, UpdateException.Fatal {

    UpdateException(String message, Throwable cause) {
        super(message, cause);
    }

    /** Transient: the step is retried; the state stays where it is. */
    public static final class Retryable extends UpdateException {
        public Retryable(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** Permanent for this target: the update ends (FAILED before the swap, ROLLED_BACK after it). */
    public static final class Fatal extends UpdateException {
        public Fatal(String message) {
            super(message, null);
        }

        public Fatal(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
