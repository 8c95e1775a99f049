package network.noderr.controlplane.applications;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.util.concurrent.atomic.AtomicReference;
import network.noderr.controlplane.shared.ProblemException;
import network.noderr.controlplane.shared.Sha256;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The private CA of the control plane's TLS certificate ({@code noderr.onboarding.ca-file}), for operators' installs:
 * public at {@value #PATH}, and named by its SHA-256 in install commands. Read from disk when its size or modification
 * time changed, so a renewed CA needs no restart. A configured file that is missing, unreadable or holds no
 * certificate (or a private key) is not served; install commands then carry no CA and say why ({@link State#problem}).
 */
@RestController
class ControlPlaneCa {

    static final String PATH = "/downloads/control-plane-ca.pem";

    /** The name install commands save it under (in the operator's current directory). */
    static final String FILE_NAME = "noderr-control-plane-ca.pem";

    private final OnboardingProperties properties;
    private final AtomicReference<Loaded> loaded = new AtomicReference<>();

    /** What the configured file held when last read. */
    private record Loaded(Path file, long size, long modified, State state) {}

    /**
     * The CA as configured now: {@code pem} and {@code sha256} when there is a usable one, {@code problem} when one is
     * configured but unusable; all null when none is configured.
     */
    record State(byte @Nullable [] pem, @Nullable String sha256, @Nullable String problem) {
        static final State NONE = new State(null, null, null);
    }

    ControlPlaneCa(OnboardingProperties properties) {
        this.properties = properties;
    }

    State current() {
        var configured = properties.caFile();
        if (configured == null || configured.isBlank()) {
            return State.NONE;
        }
        var file = Path.of(configured);
        long size;
        long modified;
        try {
            size = Files.size(file);
            modified = Files.getLastModifiedTime(file).toMillis();
        } catch (IOException e) {
            return problem(file, "it cannot be read (" + e.getClass().getSimpleName() + ": " + e.getMessage() + ")");
        }
        var known = loaded.get();
        if (known != null && known.file().equals(file) && known.size() == size && known.modified() == modified) {
            return known.state();
        }
        var state = read(file);
        loaded.set(new Loaded(file, size, modified, state));
        return state;
    }

    private static State read(Path file) {
        byte[] pem;
        try {
            pem = Files.readAllBytes(file);
        } catch (IOException e) {
            return problem(file, "it cannot be read (" + e.getMessage() + ")");
        }
        var text = new String(pem, StandardCharsets.US_ASCII);
        if (text.contains("PRIVATE KEY")) {
            return problem(file, "it holds a private key: give only the CA's certificate");
        }
        try {
            var certificates = CertificateFactory.getInstance("X.509")
                    .generateCertificates(new ByteArrayInputStream(pem));
            if (certificates.isEmpty() || !text.contains("-----BEGIN CERTIFICATE-----")) {
                return problem(file, "it holds no PEM certificate");
            }
        } catch (CertificateException e) {
            return problem(file, "it is not a PEM certificate (" + e.getMessage() + ")");
        }
        return new State(pem, Sha256.hex(pem), null);
    }

    private static State problem(Path file, String why) {
        return new State(null, null, "noderr.onboarding.ca-file names " + file + ", but " + why
                + "; install commands carry no CA until it is fixed");
    }

    @GetMapping(value = PATH)
    ResponseEntity<byte[]> download() {
        var state = current();
        if (state.pem() == null) {
            throw new ProblemException(404, "ca-unavailable", "No CA certificate",
                    state.problem() != null ? "This control plane's CA certificate is not available: ask its admins."
                            : "This control plane names no private CA: its certificate is one your machine trusts.");
        }
        return ResponseEntity.ok()
                .contentType(MediaType.parseMediaType("application/x-pem-file"))
                .header(HttpHeaders.CACHE_CONTROL, "no-cache")
                .body(state.pem());
    }
}
