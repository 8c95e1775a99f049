package network.noderr.controlplane.security;

import com.vaadin.hilla.BrowserCallable;
import jakarta.annotation.security.PermitAll;
import java.util.List;
import java.util.UUID;
import network.noderr.controlplane.shared.Audited;
import org.jspecify.annotations.NonNull;
import org.jspecify.annotations.Nullable;

/** The dashboard's "my account": own API tokens and password, for every logged-in user. */
@BrowserCallable
@PermitAll
public class MyAccountService {

    private final MyAccount account;

    MyAccountService(MyAccount account) {
        this.account = account;
    }

    public @NonNull List<ApiTokens.@NonNull TokenInfo> tokens() {
        return FormErrors.call(account::tokens);
    }

    @Audited
    public ApiTokens.@NonNull IssuedToken createToken(@NonNull String name, @Nullable Integer expiresInDays) {
        return FormErrors.call(() -> account.createToken(name, expiresInDays));
    }

    @Audited
    public void revokeToken(@NonNull UUID id) {
        FormErrors.run(() -> account.revokeToken(id));
    }

    @Audited
    public void changePassword(@NonNull String currentPassword, @NonNull String newPassword) {
        FormErrors.run(() -> account.changePassword(currentPassword, newPassword));
    }
}
