package network.noderr.controlplane.applications;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import network.noderr.controlplane.ApiClient;
import network.noderr.controlplane.IntegrationTest;
import network.noderr.controlplane.Onboarding;
import network.noderr.controlplane.shared.Sha256;
import network.noderr.controlplane.shared.Tier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * A control plane whose TLS certificate comes from a private CA ({@code noderr.onboarding.ca-file}): the CA is
 * checked and served, and install commands fetch it, check its SHA-256 and hand it to the installer. The suite's
 * control plane names no CA, so the approvals here go through an {@link Applications} of their own, on the real
 * database and install tokens, with the CA configured; the command's download-and-check runs in bash with curl and
 * sha256sum.
 */
@IntegrationTest
class ControlPlaneCaTest {

    @LocalServerPort
    int port;

    @Autowired
    JdbcClient jdbc;

    @Autowired
    InstallTokens tokens;

    @Autowired
    Applications suiteApplications;

    @Autowired
    org.springframework.transaction.support.TransactionTemplate transactions;

    /** Approves in a transaction, as the suite's (proxied) Applications does. */
    private Approval approve(Applications applications, java.util.UUID id, String baseUrl) {
        return transactions.execute(status -> applications.approve(id, "admin", baseUrl));
    }

    @TempDir
    Path dir;

    private static OnboardingProperties configured(Path caFile) {
        return new OnboardingProperties(Duration.ofHours(24), null, null, caFile.toString());
    }

    private Path certificate(String name) throws Exception {
        var pem = dir.resolve(name + ".pem");
        var openssl = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                "ec_paramgen_curve:P-256", "-nodes", "-keyout", dir.resolve(name + ".key").toString(), "-out",
                pem.toString(), "-subj", "/CN=" + name, "-days", "2")
                .redirectErrorStream(true).start();
        var output = new String(openssl.getInputStream().readAllBytes());
        assertThat(openssl.waitFor()).as(output).isZero();
        return pem;
    }

    @Test
    void aUsableCaIsServedWithItsSha256AndAnythingElseIsExplained() throws Exception {
        var pem = certificate("Noderr Test CA");
        var ca = new ControlPlaneCa(configured(pem));
        var state = ca.current();
        assertThat(state.problem()).isNull();
        assertThat(state.pem()).isEqualTo(Files.readAllBytes(pem));
        assertThat(state.sha256()).isEqualTo(Sha256.hex(Files.readAllBytes(pem)));
        assertThat(ca.download().getBody()).isEqualTo(Files.readAllBytes(pem));

        // A renewed CA is served without a restart.
        var renewed = certificate("Noderr Test CA 2");
        Files.copy(renewed, pem, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.setLastModifiedTime(pem, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() + 5000));
        assertThat(ca.current().sha256()).isEqualTo(Sha256.hex(Files.readAllBytes(renewed)));

        assertThat(new ControlPlaneCa(new OnboardingProperties(Duration.ofHours(24), null, null, null)).current())
                .isEqualTo(ControlPlaneCa.State.NONE);
        assertThat(new ControlPlaneCa(configured(dir.resolve("missing.pem"))).current().problem())
                .contains("missing.pem").contains("cannot be read");
        var withKey = dir.resolve("with-key.pem");
        Files.writeString(withKey, Files.readString(pem) + Files.readString(dir.resolve("Noderr Test CA 2.key")));
        assertThat(new ControlPlaneCa(configured(withKey)).current().problem()).contains("private key");
        var garbage = dir.resolve("garbage.pem");
        Files.writeString(garbage, "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n");
        assertThat(new ControlPlaneCa(configured(garbage)).current().problem()).contains("not a PEM certificate");
        assertThat(new ControlPlaneCa(configured(garbage)).current().pem()).isNull();
    }

    @Test
    void theInstallCommandFetchesTheCaChecksItsSha256AndPassesItToTheInstaller() throws Exception {
        var pem = certificate("Noderr Command CA");
        var applications = new Applications(jdbc, tokens, Clock.systemUTC(), configured(pem),
                new ControlPlaneCa(configured(pem)));
        var id = suiteApplications.submit(Onboarding.form("Private CA Operator", Tier.ORACLE), "127.0.0.1");
        var approval = approve(applications, id, "https://control.example:8443");
        var sha = Sha256.hex(Files.readAllBytes(pem));
        assertThat(approval.caSha256()).isEqualTo(sha);
        assertThat(approval.caProblem()).isNull();
        assertThat(approval.addressProblem()).as("an address other machines reach").isNull();
        var file = ControlPlaneCa.FILE_NAME;
        assertThat(approval.installCommand()).isEqualTo("curl -fsSLk -o " + file
                + " https://control.example:8443/downloads/control-plane-ca.pem && echo '" + sha + "  " + file
                + "' | sha256sum -c --quiet - && curl -fsSL --cacert " + file
                + " https://control.example:8443/install.sh | sudo bash -s -- --url https://control.example:8443"
                + " --tier ORACLE --ca-file " + file);

        // The command's first part, run for real against a server that serves the CA (and then a CA of its own).
        var served = new java.util.concurrent.atomic.AtomicReference<>(Files.readAllBytes(pem));
        var server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext(ControlPlaneCa.PATH, exchange -> {
            var body = served.get();
            exchange.sendResponseHeaders(200, body.length);
            try (var out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
        try {
            var url = "http://127.0.0.1:" + server.getAddress().getPort();
            var fetchAndCheck = approval.installCommand().replace("https://control.example:8443", url)
                    .replaceAll(" && curl -fsSL --cacert .*$", "");
            var work = Files.createDirectories(dir.resolve("operator"));
            assertThat(bash(fetchAndCheck, work)).as("the right CA passes the check").isZero();
            assertThat(Files.readAllBytes(work.resolve(file))).isEqualTo(Files.readAllBytes(pem));

            served.set(Files.readAllBytes(certificate("Someone Else's CA")));
            var elsewhere = Files.createDirectories(dir.resolve("operator-2"));
            assertThat(bash(fetchAndCheck, elsewhere)).as("another CA stops the command").isNotZero();
        } finally {
            server.stop(0);
        }
    }

    @Test
    void aConfiguredCaThatCannotBeUsedLeavesTheCommandWithoutOneAndSaysWhy() {
        var missing = dir.resolve("not-there.pem");
        var applications = new Applications(jdbc, tokens, Clock.systemUTC(), configured(missing),
                new ControlPlaneCa(configured(missing)));
        var id = suiteApplications.submit(Onboarding.form("Missing CA Operator", Tier.ALL), "127.0.0.1");
        var approval = approve(applications, id, "https://control.example");
        assertThat(approval.installToken()).isNotBlank();
        assertThat(approval.caSha256()).isNull();
        assertThat(approval.caProblem()).contains("not-there.pem");
        assertThat(approval.installCommand()).isEqualTo(
                "curl -fsSL https://control.example/install.sh | sudo bash -s -- --url https://control.example"
                        + " --tier ALL");
    }

    @Test
    void theDownloadIsPublicAndSaysWhenThereIsNoCa() {
        var response = new ApiClient(port).get(ControlPlaneCa.PATH, null);
        assertThat(response.status()).isEqualTo(404);
        assertThat(response.problemType()).isEqualTo("ca-unavailable");
        var approval = new ApiClient(port).post("/api/v1/admin/applications/" + suiteApplications.submit(
                Onboarding.form("No CA Operator", Tier.ALL), "127.0.0.1") + "/approve", Map.of(),
                IntegrationTest.ADMIN_TOKEN);
        assertThat(approval.status()).isEqualTo(200);
        assertThat(approval.body().path("caSha256").isNull()).isTrue();
        assertThat(approval.text("installCommand")).doesNotContain("--ca-file");
    }

    private static int bash(String command, Path workDir) throws Exception {
        var process = new ProcessBuilder("bash", "-c", command).directory(workDir.toFile()).redirectErrorStream(true)
                .start();
        process.getInputStream().readAllBytes();
        return process.waitFor();
    }
}
