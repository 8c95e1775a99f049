package network.noderr.controlplane.security;

import com.vaadin.hilla.exception.EndpointException;
import com.vaadin.hilla.exception.EndpointValidationException;
import com.vaadin.hilla.exception.EndpointValidationException.ValidationErrorData;
import java.util.function.Supplier;
import network.noderr.controlplane.shared.InvalidRequestException;
import network.noderr.controlplane.shared.ProblemException;

/**
 * Runs a domain call for the Users and My account screens. Field errors go back as Hilla validation errors named
 * after the field, so the form shows each one under its input; other refusals become a message for a toast.
 */
final class FormErrors {

    private FormErrors() {}

    static <T> T call(Supplier<T> action) {
        try {
            return action.get();
        } catch (InvalidRequestException e) {
            var errors = e.fieldErrors().entrySet().stream()
                    .sorted(java.util.Map.Entry.comparingByKey())
                    .map(f -> new ValidationErrorData(f.getValue(), f.getKey()))
                    .toList();
            throw new EndpointValidationException(e.getMessage(), errors);
        } catch (ProblemException e) {
            throw new EndpointException(e.getMessage());
        }
    }

    static void run(Runnable action) {
        call(() -> {
            action.run();
            return null;
        });
    }
}
