package network.noderr.controlplane.security;

import java.util.List;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpStatus;
import org.springframework.security.access.prepost.PreAuthorize;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/** Management API: the caller's own API tokens. */
@RestController
class MyAccountController {

    record NewToken(String name, @Nullable Integer expiresInDays) {}

    private final MyAccount account;

    MyAccountController(MyAccount account) {
        this.account = account;
    }

    @GetMapping("/api/v1/admin/me/api-tokens")
    @PreAuthorize("hasRole('VIEWER')")
    List<ApiTokens.TokenInfo> tokens() {
        return account.tokens();
    }

    /** The token is in this response only. */
    @PostMapping("/api/v1/admin/me/api-tokens")
    @PreAuthorize("hasRole('VIEWER')")
    @ResponseStatus(HttpStatus.CREATED)
    ApiTokens.IssuedToken create(@RequestBody NewToken body) {
        return account.createToken(body.name(), body.expiresInDays());
    }

    @DeleteMapping("/api/v1/admin/me/api-tokens/{id}")
    @PreAuthorize("hasRole('VIEWER')")
    @ResponseStatus(HttpStatus.NO_CONTENT)
    void revoke(@PathVariable UUID id) {
        account.revokeToken(id);
    }
}
