package network.noderr.controlplane.shared;

import com.vaadin.hilla.exception.EndpointException;
import java.util.function.Supplier;

/** Runs a domain call for a browser-callable service, turning refusals into messages the dashboard shows. */
public final class Endpoints {

    private Endpoints() {}

    public static <T> T call(Supplier<T> action) {
        try {
            return action.get();
        } catch (ProblemException | InvalidRequestException e) {
            throw new EndpointException(e.getMessage());
        }
    }
}
