package network.noderr.agent.update;

import java.util.Objects;

/**
 * The version the node should run, as the control plane answered the version query.
 *
 * @param imageRef the image's repository and tag, e.g. {@code registry.noderr.network/oracle:1.4.2}
 * @param imageDigest {@code sha256:<64 hex>}; the image is pulled by this digest only
 */
public record UpdateTarget(String versionString, String imageRef, String imageDigest) {

    public UpdateTarget {
        Objects.requireNonNull(versionString, "versionString");
        Objects.requireNonNull(imageRef, "imageRef");
        if (imageDigest == null || !imageDigest.matches("sha256:[0-9a-f]{64}")) {
            throw new IllegalArgumentException("imageDigest must be sha256:<64 hex>, was " + imageDigest);
        }
    }

    /** The repository without tag or digest ({@code registry/oracle}). */
    public String repository() {
        var ref = imageRef.contains("@") ? imageRef.substring(0, imageRef.indexOf('@')) : imageRef;
        int slash = ref.lastIndexOf('/');
        int colon = ref.lastIndexOf(':');
        return colon > slash ? ref.substring(0, colon) : ref;
    }

    /** The immutable reference the container is created from: {@code repository@sha256:…}. */
    public String pinned() {
        return repository() + "@" + imageDigest;
    }
}
