package network.noderr.controlplane.security;

import com.vaadin.flow.server.auth.AnonymousAllowed;
import com.vaadin.hilla.BrowserCallable;
import org.jspecify.annotations.Nullable;
import org.springframework.web.context.request.RequestAttributes;
import org.springframework.web.context.request.RequestContextHolder;

/** Tells the login view why this session's last login was refused when it was not a wrong password. */
@BrowserCallable
@AnonymousAllowed
public class LoginStatusService {

    /** The message of the last refused login of this session (too many failed logins), or null. */
    public @Nullable String lastRefusal() {
        var attributes = RequestContextHolder.getRequestAttributes();
        if (attributes == null) {
            return null;
        }
        return (String) attributes.getAttribute(LoginThrottleFilter.REFUSAL_ATTRIBUTE, RequestAttributes.SCOPE_SESSION);
    }
}
