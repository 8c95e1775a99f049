package network.noderr.controlplane.overview;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Clock;
import java.time.Duration;
import network.noderr.controlplane.alerts.Alerts;
import network.noderr.controlplane.live.LiveEvents;
import network.noderr.controlplane.nodes.NodeRegistry;
import network.noderr.controlplane.rollouts.Rollouts;
import org.springframework.stereotype.Service;

/**
 * Computes the overview. Results are cached under the live change sequence: every browser that re-fetches after the
 * same change event shares one computation, and a new change (a new sequence) is never answered from the cache.
 * Changes that bypass the live events (none in the application; a person editing the database) show within
 * {@link #MAX_AGE}.
 */
@Service
public class OverviewQuery {

    static final Duration MAX_AGE = Duration.ofSeconds(2);
    static final int RECENT_ALERTS = 8;

    private final NodeRegistry registry;
    private final Rollouts rollouts;
    private final Alerts alerts;
    private final LiveEvents live;
    private final Clock clock;
    private final Cache<Long, Overview> cache = Caffeine.newBuilder().maximumSize(4).expireAfterWrite(MAX_AGE).build();

    OverviewQuery(NodeRegistry registry, Rollouts rollouts, Alerts alerts, LiveEvents live, Clock clock) {
        this.registry = registry;
        this.rollouts = rollouts;
        this.alerts = alerts;
        this.live = live;
        this.clock = clock;
    }

    public Overview current() {
        return cache.get(live.sequence(), this::compute);
    }

    private Overview compute(long sequence) {
        var totals = FleetCounts.of(registry.counts());
        return new Overview(totals.total(), totals.active(), totals.suspended(), totals.health(), totals.tiers(),
                rollouts.open(), alerts.firingCount(), alerts.list(null, RECENT_ALERTS), sequence, clock.instant());
    }
}
