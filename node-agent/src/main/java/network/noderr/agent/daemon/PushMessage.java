package network.noderr.agent.daemon;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Optional;
import java.util.regex.Pattern;
import network.noderr.agent.update.UpdateTarget;
import org.jspecify.annotations.Nullable;

/**
 * One message of the push stream (DESIGN §3): {@code {type: CHECK_NOW | ROLLBACK, tier, versionId}}, and the fields a
 * control plane may add: {@code version} and, on a {@code ROLLBACK}, the rollback target's {@code dockerImageTag}
 * and {@code imageDigest} (as the version query names them). Read field by field, so fields a later control plane
 * adds are ignored, and a message without the optional ones (an older control plane) is still understood.
 *
 * @param version the version the change is about (the rollback's target on a {@code ROLLBACK})
 */
public record PushMessage(String type, @Nullable String tier, @Nullable Long versionId, @Nullable String version,
        @Nullable String dockerImageTag, @Nullable String imageDigest) {

    public static final String CHECK_NOW = "CHECK_NOW";
    public static final String ROLLBACK = "ROLLBACK";

    /** The control plane's limit for version labels (and what the agent reports). */
    private static final int MAX_VERSION_LENGTH = Daemon.MAX_VERSION_LENGTH;
    /** An image reference's longest form Docker accepts (a repository of 255 and a tag of 128, roughly). */
    private static final int MAX_IMAGE_REF_LENGTH = 512;
    private static final Pattern DIGEST = Pattern.compile("sha256:[0-9a-f]{64}");
    private static final Pattern NO_CONTROL = Pattern.compile("[^\\p{Cntrl}]+");

    /** A message with just its type (tests, and what older control planes send). */
    public static PushMessage of(String type) {
        return new PushMessage(type, null, null, null, null, null);
    }

    /** The message in {@code json}; empty when it is not a JSON object with a known {@code type}. */
    public static Optional<PushMessage> parse(String json) {
        JsonNode node;
        try {
            node = network.noderr.agent.api.Shared.JSON.readTree(json);
        } catch (java.io.IOException e) {
            return Optional.empty();
        }
        if (node == null || !node.isObject()) {
            return Optional.empty();
        }
        var type = node.path("type").asText("");
        if (!type.equals(CHECK_NOW) && !type.equals(ROLLBACK)) {
            return Optional.empty();
        }
        var id = node.get("versionId");
        return Optional.of(new PushMessage(type, text(node, "tier"),
                id != null && id.canConvertToLong() && id.isIntegralNumber() ? id.asLong() : null,
                text(node, "version"), text(node, "dockerImageTag"), text(node, "imageDigest")));
    }

    /**
     * The target of a pushed emergency rollback for a node of {@code nodeTier}, when the message names it completely
     * and well-formed: a {@code ROLLBACK} for that tier with the version, image reference and {@code sha256} digest.
     * Empty otherwise — a {@code CHECK_NOW}, a message of an older control plane, or anything malformed — and the
     * node then asks the version query, as it always did. The target is only what the control plane says: the update
     * checks it against the VersionBeacon exactly as it checks the version query's answer.
     */
    public Optional<UpdateTarget> rollbackTarget(String nodeTier) {
        if (!ROLLBACK.equals(type) || !nodeTier.equals(tier) || version == null || dockerImageTag == null
                || imageDigest == null) {
            return Optional.empty();
        }
        if (version.length() > MAX_VERSION_LENGTH || !NO_CONTROL.matcher(version).matches()
                || dockerImageTag.length() > MAX_IMAGE_REF_LENGTH || !NO_CONTROL.matcher(dockerImageTag).matches()
                || !DIGEST.matcher(imageDigest).matches()) {
            return Optional.empty();
        }
        return Optional.of(new UpdateTarget(version, dockerImageTag, imageDigest));
    }

    private static @Nullable String text(JsonNode json, String field) {
        var node = json.get(field);
        return node == null || !node.isTextual() ? null : node.asText();
    }

    @Override
    public String toString() {
        return version == null ? type : type + " " + version + (imageDigest == null ? "" : " (" + imageDigest + ")");
    }
}
