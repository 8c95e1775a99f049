package network.noderr.controlplane.applications;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.util.Map;
import network.noderr.controlplane.ApiClient;
import network.noderr.controlplane.IntegrationTest;
import network.noderr.controlplane.Onboarding;
import network.noderr.controlplane.security.ApiTokens;
import network.noderr.controlplane.security.Role;
import network.noderr.controlplane.security.UserAccounts;
import network.noderr.controlplane.shared.Tier;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.json.JsonMapper;

/** The public application form and the management API that decides applications, over real HTTP. */
@IntegrationTest
class ApplicationsApiTest {

    @LocalServerPort
    int port;

    @Autowired
    UserAccounts users;

    @Autowired
    ApiTokens apiTokens;

    ApiClient api;

    @BeforeEach
    void client() {
        api = new ApiClient(port);
    }

    private Map<?, ?> validForm(String operator) {
        var json = JsonMapper.builder().build();
        return json.readValue(json.writeValueAsString(Onboarding.form(operator, Tier.ORACLE)), Map.class);
    }

    private String submit(String operator) {
        var response = api.post("/api/v1/applications", validForm(operator));
        assertThat(response.status()).isEqualTo(201);
        assertThat(response.text("status")).isEqualTo("PENDING");
        return response.text("applicationId");
    }

    @Test
    void operatorAppliesAndAdminApprovesWithATokenShownOnce() {
        var id = submit("Approve Me Ltd");
        var listed = api.get("/api/v1/admin/applications?status=PENDING", IntegrationTest.ADMIN_TOKEN);
        assertThat(listed.status()).isEqualTo(200);
        assertThat(listed.body().toString()).contains(id).contains("Approve Me Ltd");

        var approval = api.post("/api/v1/admin/applications/" + id + "/approve", "", IntegrationTest.ADMIN_TOKEN);
        assertThat(approval.status()).isEqualTo(200);
        var token = approval.text("installToken");
        assertThat(token).startsWith("nit_").hasSizeGreaterThanOrEqualTo(4 + 43);
        assertThat(approval.text("tier")).isEqualTo("ORACLE");
        assertThat(approval.text("installCommand")).contains("install.sh").contains("--tier ORACLE")
                .as("the token is not on the command line").doesNotContain(token).doesNotContain("--token");
        // The test's client reaches the control plane at 127.0.0.1, and no public URL is set: the approval says that
        // operators' machines will not reach the command's address.
        assertThat(approval.text("addressProblem")).contains("http://127.0.0.1:").contains("NODERR_PUBLIC_URL");

        var details = api.get("/api/v1/admin/applications/" + id, IntegrationTest.ADMIN_TOKEN);
        assertThat(details.text("status")).isEqualTo("APPROVED");
        assertThat(details.text("decidedBy")).isEqualTo("admin");
        assertThat(details.text("tokenState")).isEqualTo("ACTIVE");
        assertThat(details.body().toString()).as("the token is never shown again").doesNotContain(token);

        var again = api.post("/api/v1/admin/applications/" + id + "/approve", "", IntegrationTest.ADMIN_TOKEN);
        assertThat(again.status()).isEqualTo(409);
        assertThat(again.problemType()).isEqualTo("application-already-decided");
    }

    @Test
    void adminsSeeTheDeclaredHardwareBelowTheRequestedTiersMinimumsAndMayStillApprove() {
        var form = new java.util.LinkedHashMap<Object, Object>(validForm("Small Guardian Ltd"));
        form.put("requestedTier", "GUARDIAN");
        form.put("hardware", Map.of("cpuCores", 2, "memoryGb", 4, "diskGb", 200, "networkMbps", 0, "gpu", false));
        var submitted = api.post("/api/v1/applications", form);
        assertThat(submitted.status()).isEqualTo(201);
        var id = submitted.text("applicationId");

        var check = api.get("/api/v1/admin/applications/" + id, IntegrationTest.ADMIN_TOKEN).body()
                .path("hardwareCheck");
        assertThat(check.path("tier").asText()).isEqualTo("GUARDIAN");
        var shortfalls = check.path("shortfalls");
        assertThat(shortfalls).hasSize(2);
        assertThat(shortfalls.get(0).path("resource").asText()).isEqualTo("CPU_CORES");
        assertThat(shortfalls.get(0).path("found").asInt()).isEqualTo(2);
        assertThat(shortfalls.get(0).path("needed").asInt()).isEqualTo(8);
        assertThat(shortfalls.get(1).path("resource").asText()).isEqualTo("MEMORY_GB");
        assertThat(shortfalls.get(1).path("found").asInt()).isEqualTo(4);
        assertThat(shortfalls.get(1).path("needed").asInt()).isEqualTo(16);
        assertThat(check.path("notMeasured").toString()).as("0 Mbps: not measured, not a shortfall")
                .isEqualTo("[\"NETWORK_MBPS\"]");
        assertThat(check.path("summary").asText())
                .isEqualTo("Below the GUARDIAN minimums: 2 of 8 CPU cores, 4 of 16 GB memory");

        var listed = api.get("/api/v1/admin/applications?status=PENDING&limit=500", IntegrationTest.ADMIN_TOKEN);
        var row = java.util.stream.StreamSupport.stream(listed.body().spliterator(), false)
                .filter(a -> a.path("id").asText().equals(id)).findFirst().orElseThrow();
        assertThat(row.path("hardwareCheck")).isEqualTo(check);

        var fits = api.get("/api/v1/admin/applications/" + submit("Big Oracle Ltd"), IntegrationTest.ADMIN_TOKEN)
                .body().path("hardwareCheck");
        assertThat(fits.path("tier").asText()).isEqualTo("ORACLE");
        assertThat(fits.path("shortfalls")).isEmpty();
        assertThat(fits.path("notMeasured")).isEmpty();
        assertThat(fits.path("summary").isNull()).isTrue();

        assertThat(api.post("/api/v1/admin/applications/" + id + "/approve", "", IntegrationTest.ADMIN_TOKEN)
                        .status())
                .as("the admin decides").isEqualTo(200);
    }

    @Test
    void rejectionNeedsAReasonAndIsFinal() {
        var id = submit("Reject Me Ltd");
        var noReason = api.post("/api/v1/admin/applications/" + id + "/reject", Map.of("reason", " "),
                IntegrationTest.ADMIN_TOKEN);
        assertThat(noReason.status()).isEqualTo(400);
        assertThat(noReason.body().path("errors").has("reason")).isTrue();

        var rejected = api.post("/api/v1/admin/applications/" + id + "/reject",
                Map.of("reason", "Hardware below the ORACLE minimum"), IntegrationTest.ADMIN_TOKEN);
        assertThat(rejected.status()).isEqualTo(200);
        assertThat(rejected.text("status")).isEqualTo("REJECTED");
        assertThat(rejected.text("decisionReason")).isEqualTo("Hardware below the ORACLE minimum");
        assertThat(api.post("/api/v1/admin/applications/" + id + "/approve", "", IntegrationTest.ADMIN_TOKEN)
                        .status())
                .isEqualTo(409);
    }

    @Test
    void invalidApplicationsGetFieldErrorsAndAreNotStored() {
        var before = api.get("/api/v1/admin/applications", IntegrationTest.ADMIN_TOKEN).body().size();
        var response = api.post("/api/v1/applications", Map.of(
                "operatorName", "",
                "email", "not-an-email",
                "walletAddress", "0x123",
                "requestedTier", "ORACLE",
                "hardware", Map.of("cpuCores", 0, "memoryGb", 8, "diskGb", 50, "networkMbps", 25, "gpu", false)));
        assertThat(response.status()).isEqualTo(400);
        assertThat(response.problemType()).isEqualTo("invalid-request");
        assertThat(response.body().path("errors").propertyNames())
                .contains("operatorName", "email", "walletAddress", "hardware.cpuCores");
        var badTier = api.post("/api/v1/applications", "{\"requestedTier\":\"PLATINUM\"}");
        assertThat(badTier.status()).isEqualTo(400);
        assertThat(badTier.problemType()).isEqualTo("invalid-request");
        assertThat(badTier.body().path("errors").path("requestedTier").asString())
                .isEqualTo("must be one of ALL, ORACLE, GUARDIAN");
        var silver = api.post("/api/v1/applications", """
                {"operatorName": "Acme", "email": "ops@acme.example",
                 "walletAddress": "0x52908400098527886E0F7030069857D2E4169EE7", "requestedTier": "SILVER",
                 "hardware": {"cpuCores": 8, "memoryGb": 16, "diskGb": 200, "networkMbps": 100, "gpu": false}}""");
        assertThat(silver.status()).isEqualTo(400);
        assertThat(silver.body().path("errors").propertyNames()).containsExactly("requestedTier");
        assertThat(silver.text("detail")).doesNotContain("SILVER");
        var wordCores = api.post("/api/v1/applications", """
                {"operatorName": "Acme", "email": "ops@acme.example",
                 "walletAddress": "0x52908400098527886E0F7030069857D2E4169EE7", "requestedTier": "ORACLE",
                 "hardware": {"cpuCores": "eight", "memoryGb": 16, "diskGb": 200, "networkMbps": 100, "gpu": false}}""");
        assertThat(wordCores.status()).isEqualTo(400);
        assertThat(wordCores.body().path("errors").path("hardware.cpuCores").asString())
                .isEqualTo("must be a whole number");
        var severalWrong = api.post("/api/v1/applications", """
                {"operatorName": "Acme", "email": "ops@acme.example",
                 "walletAddress": "0x52908400098527886E0F7030069857D2E4169EE7", "requestedTier": "GOLD",
                 "hardware": {"cpuCores": "eight", "memoryGb": "lots", "diskGb": 200, "networkMbps": 100,
                 "gpu": false}}""");
        assertThat(severalWrong.status()).isEqualTo(400);
        assertThat(severalWrong.body().path("errors").propertyNames()).as("every wrongly typed field at once")
                .containsExactlyInAnyOrder("requestedTier", "hardware.cpuCores", "hardware.memoryGb");
        assertThat(severalWrong.body().path("errors").path("hardware.memoryGb").asString())
                .isEqualTo("must be a whole number");
        assertThat(severalWrong.text("detail")).doesNotContain("GOLD").doesNotContain("lots");
        // A value the reader cannot step over (an array for a number) ends the reading; what came before is named.
        var arrayCores = api.post("/api/v1/applications", """
                {"operatorName": "Acme", "requestedTier": "GOLD", "hardware": {"cpuCores": [8], "memoryGb": 16}}""");
        assertThat(arrayCores.status()).isEqualTo(400);
        assertThat(arrayCores.body().path("errors").propertyNames())
                .containsExactlyInAnyOrder("requestedTier", "hardware.cpuCores");
        // A name that reads differently from what it is (a right-to-left override), or spans lines, or colours a
        // terminal.
        for (var name : java.util.List.of("Acme \u202Eexe.gnp", "Acme\nInc", "Acme \u001B[31mInc")) {
            var form = new java.util.HashMap<Object, Object>(validForm("unused"));
            form.put("operatorName", name);
            var refused = api.post("/api/v1/applications", form);
            assertThat(refused.status()).isEqualTo(400);
            assertThat(refused.body().path("errors").path("operatorName").asString())
                    .isEqualTo("must be one line without control or text-direction characters");
        }
        assertThat(api.get("/api/v1/admin/applications", IntegrationTest.ADMIN_TOKEN).body().size())
                .isEqualTo(before);
    }

    @Test
    void viewersSeeApplicationsButCannotDecide() {
        var viewer = users.findByUsername("apps-viewer")
                .orElseGet(() -> users.create("apps-viewer", "apps-viewer-password", Role.VIEWER));
        var token = apiTokens.issue(viewer.id(), "test").token();
        var id = submit("Viewer Cannot Approve");
        assertThat(api.get("/api/v1/admin/applications", token).status()).isEqualTo(200);
        var refused = api.post("/api/v1/admin/applications/" + id + "/approve", "", token);
        assertThat(refused.status()).isEqualTo(403);
        assertThat(api.get("/api/v1/admin/applications/" + id, token).text("status")).isEqualTo("PENDING");
        assertThat(api.get("/api/v1/admin/applications", null).status()).isEqualTo(401);
    }

    /**
     * An applicant looks up their application by the id the submission answered with, without an account: its
     * status, tier and times, nothing an admin wrote or another person entered.
     */
    @Test
    void anApplicantLooksUpWhereTheirApplicationStands() throws Exception {
        var applicant = new ApiClient(port, InetAddress.getByName("127.0.0.11"));
        var approvedId = submit("Standing Approved Ltd");
        var pending = applicant.get("/api/v1/applications/" + approvedId, null);
        assertThat(pending.status()).as(pending.toString()).isEqualTo(200);
        assertThat(pending.text("applicationId")).isEqualTo(approvedId);
        assertThat(pending.text("status")).isEqualTo("PENDING");
        assertThat(pending.text("requestedTier")).isEqualTo("ORACLE");
        assertThat(pending.text("submittedAt")).matches("20\\d\\d-.*Z");
        assertThat(pending.body().path("decidedAt").isNull()).isTrue();
        assertThat(pending.body().toString()).doesNotContain("Standing Approved Ltd").doesNotContain("@")
                .doesNotContain("walletAddress");

        assertThat(api.post("/api/v1/admin/applications/" + approvedId + "/approve", "", IntegrationTest.ADMIN_TOKEN)
                .status()).isEqualTo(200);
        var approved = applicant.get("/api/v1/applications/" + approvedId, null);
        assertThat(approved.text("status")).isEqualTo("APPROVED");
        assertThat(approved.text("decidedAt")).matches("20\\d\\d-.*Z");
        assertThat(approved.body().toString()).as("no token, no decider").doesNotContain("nit_")
                .doesNotContain("admin");

        var rejectedId = submit("Standing Rejected Ltd");
        api.post("/api/v1/admin/applications/" + rejectedId + "/reject", Map.of("reason", "internal: seen before"),
                IntegrationTest.ADMIN_TOKEN);
        var rejected = applicant.get("/api/v1/applications/" + rejectedId, null);
        assertThat(rejected.text("status")).isEqualTo("REJECTED");
        assertThat(rejected.body().toString()).as("the reason is the admins'").doesNotContain("seen before");

        var unknown = applicant.get("/api/v1/applications/" + java.util.UUID.randomUUID(), null);
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(applicant.get("/api/v1/applications/not-a-uuid", null).status()).isEqualTo(400);
        assertThat(applicant.get("/api/v1/applications", null).status()).as("no listing without a role")
                .isIn(401, 403);

        // Rate limited per address, as submissions are (30 a minute by default).
        ApiClient.Response last = null;
        for (int i = 0; i < 100 && (last == null || last.status() != 429); i++) {
            last = applicant.get("/api/v1/applications/" + approvedId, null);
        }
        assertThat(last.status()).isEqualTo(429);
    }

    @Test
    void applicationsAreRateLimitedPerAddress() throws Exception {
        var limited = new ApiClient(port, InetAddress.getByName("127.0.0.10"));
        ApiClient.Response last = null;
        for (int i = 0; i < 3000 && (last == null || last.status() != 429); i++) {
            last = limited.post("/api/v1/applications", "{}");
        }
        assertThat(last.status()).isEqualTo(429);
        assertThat(last.headers().get("retry-after")).isNotEmpty();
    }
}
