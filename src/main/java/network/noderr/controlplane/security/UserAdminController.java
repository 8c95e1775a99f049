package network.noderr.controlplane.security;

import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Size;
import java.util.List;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpStatus;
import org.springframework.security.access.prepost.PreAuthorize;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/** Management API: users, their roles, passwords and API tokens. ADMIN only. */
@RestController
@RequestMapping("/api/v1/admin/users")
@PreAuthorize("hasRole('ADMIN')")
class UserAdminController {

    record RoleChange(@NotNull Role role) {}

    /** Leave {@code password} out to have one generated (it is in the response only). */
    record PasswordRequest(
            @Nullable @Size(min = UserAccounts.MIN_PASSWORD_LENGTH, max = UserAccounts.MAX_PASSWORD_LENGTH,
                    message = "must have " + UserAccounts.MIN_PASSWORD_LENGTH + " to "
                            + UserAccounts.MAX_PASSWORD_LENGTH + " characters")
            String password) {}

    private final UserAdministration admin;

    UserAdminController(UserAdministration admin) {
        this.admin = admin;
    }

    @GetMapping
    List<UserAccount> list() {
        return admin.list();
    }

    @GetMapping("/{id}")
    UserAccount get(@PathVariable UUID id) {
        return admin.get(id);
    }

    @PostMapping
    @ResponseStatus(HttpStatus.CREATED)
    UserAccount create(@Valid @RequestBody NewUser user) {
        return admin.create(user);
    }

    @PutMapping("/{id}/role")
    UserAccount changeRole(@PathVariable UUID id, @Valid @RequestBody RoleChange change) {
        return admin.changeRole(id, change.role());
    }

    @PostMapping("/{id}/disable")
    UserAccount disable(@PathVariable UUID id) {
        return admin.setEnabled(id, false);
    }

    @PostMapping("/{id}/enable")
    UserAccount enable(@PathVariable UUID id) {
        return admin.setEnabled(id, true);
    }

    @PostMapping("/{id}/password")
    UserAccounts.PasswordReset resetPassword(
            @PathVariable UUID id, @Valid @RequestBody(required = false) @Nullable PasswordRequest request) {
        return admin.resetPassword(id, request == null ? null : request.password());
    }

    @GetMapping("/{id}/api-tokens")
    List<ApiTokens.TokenInfo> tokens(@PathVariable UUID id) {
        return admin.tokens(id);
    }

    @DeleteMapping("/{id}/api-tokens/{tokenId}")
    @ResponseStatus(HttpStatus.NO_CONTENT)
    void revokeToken(@PathVariable UUID id, @PathVariable UUID tokenId) {
        admin.revokeToken(id, tokenId);
    }
}
