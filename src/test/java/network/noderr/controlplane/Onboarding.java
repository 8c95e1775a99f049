package network.noderr.controlplane;

import java.util.Map;
import network.noderr.controlplane.applications.ApplicationForm;
import network.noderr.controlplane.applications.Applications;
import network.noderr.controlplane.applications.Approval;
import network.noderr.controlplane.applications.Hardware;
import network.noderr.controlplane.shared.Tier;

/** Test steps of the onboarding journey through the real services. */
public final class Onboarding {

    private Onboarding() {}

    public static ApplicationForm form(String operator, Tier tier) {
        return new ApplicationForm(operator, operator.replaceAll("\\W", "") + "@example.org",
                "0x" + "ab".repeat(20), tier, new Hardware(8, 16, 200, 100, false), "Test node");
    }

    /** Submits and approves an application; returns the approval with its clear-text install token. */
    public static Approval approved(Applications applications, Tier tier) {
        var id = applications.submit(form("Operator " + System.nanoTime(), tier), "127.0.0.1");
        return applications.approve(id, "admin", "http://localhost");
    }

    /** A register request body for the node API. */
    public static Map<String, Object> registration(String installToken, TestNodeKey key, Tier tier) {
        var body = new java.util.LinkedHashMap<String, Object>();
        body.put("installToken", installToken);
        body.put("publicKey", key.publicKeyBase64());
        body.put("keyAttestation", Map.of("type", "SOFTWARE"));
        body.put("hostname", "test-host");
        body.put("hardware", Map.of("cpuCores", 8, "memoryGb", 16, "diskGb", 200, "networkMbps", 100, "gpu", false));
        if (tier != null) {
            body.put("tier", tier.name());
        }
        return body;
    }

    /** Registers, then authenticates with challenge/verify; returns {nodeId, accessToken}. */
    public static String[] registerAndLogIn(ApiClient api, Applications applications, TestNodeKey key, Tier tier) {
        var approval = approved(applications, tier);
        var registered = api.post("/api/v1/auth/register", registration(approval.installToken(), key, null));
        if (registered.status() != 201) {
            throw new AssertionError("register: " + registered);
        }
        var nodeId = registered.text("nodeId");
        return new String[] {nodeId, logIn(api, nodeId, key)};
    }

    /** Challenge + verify with the node's key; returns the access token. */
    public static String logIn(ApiClient api, String nodeId, TestNodeKey key) {
        return logIn(api, nodeId, key, Map.of());
    }

    /** Challenge + verify with the node's key and more fields in the verify body; returns the access token. */
    public static String logIn(ApiClient api, String nodeId, TestNodeKey key, Map<String, Object> more) {
        var nonce = api.post("/api/v1/auth/challenge", Map.of("nodeId", nodeId)).text("nonce");
        var body = new java.util.HashMap<String, Object>(more);
        body.putAll(Map.of("nodeId", nodeId, "nonce", nonce, "signature", key.sign(nonce)));
        var verified = api.post("/api/v1/auth/verify", body);
        if (verified.status() != 200) {
            throw new AssertionError("verify: " + verified);
        }
        return verified.text("accessToken");
    }
}
