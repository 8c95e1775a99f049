package network.noderr.controlplane.security;

import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;

/** A user to create (the Users screen's form and {@code POST /api/v1/admin/users}). */
public record NewUser(
        @NotBlank
        @Pattern(regexp = UserAccounts.USERNAME_PATTERN,
                message = "use 1-64 letters, digits, '.', '_', '@' or '-'")
        String username,
        @NotBlank
        @Size(min = UserAccounts.MIN_PASSWORD_LENGTH, max = UserAccounts.MAX_PASSWORD_LENGTH,
                message = "must have " + UserAccounts.MIN_PASSWORD_LENGTH + " to " + UserAccounts.MAX_PASSWORD_LENGTH
                        + " characters")
        String password,
        @NotNull Role role) {}
