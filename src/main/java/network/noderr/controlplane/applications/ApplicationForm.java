package network.noderr.controlplane.applications;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Email;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import network.noderr.controlplane.shared.Texts;
import network.noderr.controlplane.shared.Tier;
import org.jspecify.annotations.Nullable;

/** What an operator submits to join the network ({@code POST /api/v1/applications}). */
public record ApplicationForm(
        @NotBlank @Size(max = 200)
                @Pattern(regexp = Texts.NO_CONTROL_CHARACTERS,
                        message = "must be one line without control or text-direction characters")
                String operatorName,
        @NotBlank @Email @Size(max = 254) String email,
        @NotBlank @Pattern(regexp = "0x[0-9a-fA-F]{40}", message = "must be a 0x-prefixed 20-byte hex address")
                String walletAddress,
        @NotNull Tier requestedTier,
        @NotNull @Valid Hardware hardware,
        @Size(max = 2000) @Nullable String message) {}
