package network.noderr.controlplane.shared;

import java.util.Map;

/**
 * A request that cannot be served as given. The API answers 400 problem+json with {@code errors} mapping each
 * field to what is wrong with it; the dashboard shows the message.
 */
public class InvalidRequestException extends RuntimeException {

    private final Map<String, String> fieldErrors;

    public InvalidRequestException(String field, String message) {
        this(Map.of(field, message));
    }

    public InvalidRequestException(Map<String, String> fieldErrors) {
        super(String.join("; ", fieldErrors.entrySet().stream()
                .map(e -> e.getKey() + ": " + e.getValue())
                .sorted()
                .toList()));
        this.fieldErrors = Map.copyOf(fieldErrors);
    }

    public Map<String, String> fieldErrors() {
        return fieldErrors;
    }
}
