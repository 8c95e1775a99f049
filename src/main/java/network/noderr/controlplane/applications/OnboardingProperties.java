package network.noderr.controlplane.applications;

import java.time.Duration;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Onboarding settings.
 *
 * @param installTokenTtl how long an install token stays valid (default 24 h)
 * @param publicUrl the control plane's address as operators' machines reach it, used in install commands
 *     ({@code NODERR_PUBLIC_URL}); when empty, the address of the admin's request is used
 * @param agentJar the node agent's jar the installers download from {@code /downloads/noderr-agent.jar}
 *     ({@code NODERR_AGENT_JAR}); when empty or missing, that address answers 404 and installers need
 *     {@code --agent-jar}
 * @param caFile the certificate (PEM) of the private CA that issued the control plane's TLS certificate
 *     ({@code NODERR_ONBOARDING_CA_FILE}): served at {@code /downloads/control-plane-ca.pem}, and install commands
 *     fetch it, check it against its SHA-256 (which the command carries) and pass it to the installer's
 *     {@code --ca-file}. Empty: the control plane's certificate is one the operators' machines already trust
 */
@ConfigurationProperties("noderr.onboarding")
public record OnboardingProperties(
        @DefaultValue("PT24H") Duration installTokenTtl, @Nullable String publicUrl, @Nullable String agentJar,
        @Nullable String caFile) {}
