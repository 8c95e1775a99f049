package network.noderr.controlplane.rollouts;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.LoadingCache;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import network.noderr.controlplane.rollouts.engine.Rollout;
import network.noderr.controlplane.shared.Tier;
import org.jspecify.annotations.Nullable;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.event.TransactionalEventListener;

/**
 * What each tier should run right now (its current rollout, the release behind it, an emergency rollback in force),
 * cached for a second so the version query does not hit the database for it. A change drops its tier's entry once it
 * has committed (dropped earlier, a version query in between would cache the old state again); every replica, this
 * one included, drops it again when the change's push notice arrives, before the push goes to its nodes, so nodes
 * that act on the push at once get the new answer.
 */
@Component
public class TierTargets {

    /** A released version's identity, as the version query returns it. */
    record ReleaseInfo(@Nullable Long versionId, String versionString, String imageRef, String imageDigest,
            String configHash) {}

    record Target(@Nullable UUID rolloutId, @Nullable Rollout rollout, @Nullable ReleaseInfo release,
            @Nullable String emergencyVersion, @Nullable ReleaseInfo emergencyRelease) {}

    private final RolloutRepository repository;
    private final JdbcClient jdbc;
    private final LoadingCache<Tier, Target> cache;
    private final Cache<TierVersion, Optional<ReleaseInfo>> releases =
            Caffeine.newBuilder().maximumSize(1_000).expireAfterWrite(Duration.ofSeconds(10)).build();

    private record TierVersion(Tier tier, String version) {}

    TierTargets(RolloutRepository repository, JdbcClient jdbc) {
        this.repository = repository;
        this.jdbc = jdbc;
        this.cache = Caffeine.newBuilder().expireAfterWrite(Duration.ofSeconds(1)).build(this::load);
    }

    Target get(Tier tier) {
        return cache.get(tier);
    }

    /** Drops the tier's cached answer: the next version query reads the committed state. */
    public void invalidate(Tier tier) {
        cache.invalidate(tier);
    }

    /** A change on this replica: dropped after it commits (at once when it ran without a transaction). */
    @TransactionalEventListener(fallbackExecution = true)
    void on(TierChanged change) {
        invalidate(change.tier());
    }

    private Target load(Tier tier) {
        var current = repository.currentForTier(tier);
        var emergency = jdbc.sql("SELECT target_version FROM tier_emergencies WHERE tier = :tier")
                .param("tier", tier.name())
                .query(String.class)
                .optional()
                .orElse(null);
        return new Target(
                current.map(StoredRollout::id).orElse(null),
                current.map(StoredRollout::rollout).orElse(null),
                current.map(s -> release(tier, s.rollout().targetVersion())).orElse(null),
                emergency,
                emergency == null ? null : release(tier, emergency));
    }

    /**
     * The tier's release of that version, or null when there is none; cached for a few seconds (a release's row only
     * gains its on-chain id once mined), so that the version queries of a tier whose rollout was aborted, which name
     * each node's own release, do not each read it.
     */
    @Nullable ReleaseInfo releaseOf(Tier tier, String version) {
        return releases.get(new TierVersion(tier, version),
                key -> Optional.ofNullable(release(key.tier(), key.version()))).orElse(null);
    }

    private @Nullable ReleaseInfo release(Tier tier, String version) {
        return jdbc.sql("""
                        SELECT version_id, version_string, image_ref, image_digest, config_hash FROM releases
                        WHERE tier = :tier AND version_string = :v""")
                .param("tier", tier.name())
                .param("v", version)
                .query((rs, i) -> {
                    long id = rs.getLong("version_id");
                    Long versionId = rs.wasNull() ? null : id;
                    return new ReleaseInfo(versionId, rs.getString("version_string"), rs.getString("image_ref"),
                            rs.getString("image_digest"), rs.getString("config_hash"));
                })
                .optional()
                .orElse(null);
    }
}
