package network.noderr.agent.update;

/**
 * A tier's published version on the VersionBeacon, read at one block.
 *
 * @param imageRef the recorded image reference (repository and tag), e.g. {@code registry.noderr.network/oracle:1.4.2}
 * @param imageDigest the recorded image digest, {@code sha256:<hex>}
 * @param versionId the version's id in its tier (1 for the first published, then one more for each)
 * @param currentVersionId the tier's current version: the latest published, or the one an emergency rollback went
 *     back to
 */
public record OnChainRelease(String imageRef, String imageDigest, long versionId, long currentVersionId) {

    /** The tier's current version on-chain. */
    public boolean isCurrent() {
        return versionId == currentVersionId;
    }

    /** Published after the tier's current version: an emergency rollback went back past it, it is withdrawn. */
    public boolean isWithdrawn() {
        return versionId > currentVersionId;
    }

    /** The repository of {@link #imageRef()}, without tag or digest, as {@link UpdateTarget#repository()} has it. */
    public String repository() {
        return new UpdateTarget("-", imageRef, imageDigest).repository();
    }
}
