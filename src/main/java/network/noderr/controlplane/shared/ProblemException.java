package network.noderr.controlplane.shared;

import java.net.URI;

/**
 * A refusal with a stable problem type, answered as RFC 9457 problem+json. Features throw it for the errors their
 * clients must tell apart (an expired install token, a replayed nonce, ...).
 */
public class ProblemException extends RuntimeException {

    /** Base of every problem type URI. */
    public static final String TYPE_BASE = "https://noderr.network/problems/";

    private final int status;
    private final String type;
    private final String title;

    /**
     * @param status HTTP status
     * @param type the short type name, e.g. {@code install-token-expired}
     * @param title a short, stable summary
     * @param detail what happened and what to do, for a person
     */
    public ProblemException(int status, String type, String title, String detail) {
        super(detail);
        this.status = status;
        this.type = type;
        this.title = title;
    }

    public int status() {
        return status;
    }

    public URI type() {
        return URI.create(TYPE_BASE + type);
    }

    /** The short type name, e.g. {@code install-token-expired}. */
    public String typeName() {
        return type;
    }

    public String title() {
        return title;
    }
}
