package network.noderr.controlplane.rollouts.engine;

/** A rollout was asked to move to a state it cannot reach from where it is (the API answers 409). */
public class IllegalTransitionException extends RuntimeException {

    public IllegalTransitionException(RolloutStatus from, RolloutStatus to) {
        super(message(from, to));
    }

    public IllegalTransitionException(String message) {
        super(message);
    }

    private static String message(RolloutStatus from, RolloutStatus to) {
        var name = from.wireName();
        var article = "aeiou".indexOf(name.charAt(0)) >= 0 ? "An " : "A ";
        var base = article + name + " rollout cannot become " + to.wireName() + ".";
        return switch (from) {
            case COMPLETED, ROLLED_BACK, ABORTED -> base + " It is finished; publish a new version to start another.";
            case PENDING -> base + " It has not started yet: start it, or abort it.";
            case PAUSED -> base + " Resume it first, or abort it.";
            case ACTIVE -> base + " It is running: pause, promote, abort or roll it back.";
        };
    }
}
