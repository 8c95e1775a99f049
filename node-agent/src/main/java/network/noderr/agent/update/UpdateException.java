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
    public static sealed class Fatal extends UpdateException permits NotTheOldContainer {
        public Fatal(String message) {
            super(message, null);
        }

        public Fatal(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * A rollback found no container with the old container's recorded id to go back to, only another one under its
     * names (the kept one was removed and someone created another): that one is not started, the update ends FAILED
     * and is reported so, and the operator has to bring the node's container back.
     */
    public static final class NotTheOldContainer extends Fatal {
        NotTheOldContainer(String message) {
            super(message);
        }
    }
}
