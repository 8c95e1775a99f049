package network.noderr.controlplane.nodes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.UUID;
import network.noderr.controlplane.IntegrationTest;
import network.noderr.controlplane.TestNodes;
import network.noderr.controlplane.shared.InvalidRequestException;
import network.noderr.controlplane.shared.Tier;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;

/** Registry queries on real PostgreSQL. Each test uses its own node-id prefix, so leftover rows never interfere. */
@IntegrationTest
class NodeRegistryTest {

    @Autowired
    NodeRegistry registry;

    @Autowired
    JdbcClient jdbc;

    String prefix;

    @BeforeEach
    void seed() {
        prefix = "reg-" + UUID.randomUUID().toString().substring(0, 8) + "-";
        // Recent reports: older than three report intervals, the silence check would mark them unhealthy.
        var base = Instant.now().minus(Duration.ofMinutes(5)).truncatedTo(ChronoUnit.SECONDS);
        for (int i = 0; i < 30; i++) {
            var tier = Tier.values()[i % 3];
            String health = switch (i % 4) {
                case 0 -> "healthy";
                case 1 -> "degraded";
                case 2 -> "unhealthy";
                default -> null;
            };
            TestNodes.insert(jdbc, prefix + String.format("%03d", i), tier.name());
            jdbc.sql("""
                            INSERT INTO node_versions (node_id, tier, current_version, cohort, health_status,
                                                       last_health_check)
                            VALUES (:id, :tier, :version, :cohort, :health, :checked)""")
                    .param("id", prefix + String.format("%03d", i))
                    .param("tier", tier.name())
                    .param("version", i < 20 ? "1.0.0" : "1.1.0")
                    .param("cohort", i < 2 ? "canary" : "cohort1")
                    .param("health", health)
                    .param("checked", health == null ? null : Timestamp.from(base.plusSeconds(i * 5L)))
                    .update();
        }
    }

    private NodeQuery query(Tier tier, String health, String version, int page, int size, String sort, boolean desc) {
        return new NodeQuery(tier, null, health, version, null, prefix, page, size, sort, desc);
    }

    @Test
    void pagesThroughAllMatchingNodesInStableOrder() {
        var first = registry.find(query(null, null, null, 0, 12, null, false));
        var third = registry.find(query(null, null, null, 2, 12, null, false));
        assertThat(first.total()).isEqualTo(30);
        assertThat(first.items()).hasSize(12).first().extracting(NodeSummary::nodeId).isEqualTo(prefix + "000");
        assertThat(third.items()).hasSize(6).last().extracting(NodeSummary::nodeId).isEqualTo(prefix + "029");
    }

    @Test
    void filtersByTierHealthVersionAndText() {
        assertThat(registry.find(query(Tier.ORACLE, null, null, 0, 100, null, false)).total()).isEqualTo(10);
        assertThat(registry.find(query(null, "unhealthy", null, 0, 100, null, false)).items())
                .allSatisfy(n -> assertThat(n.healthStatus()).isEqualTo("unhealthy"))
                .hasSize(7);
        assertThat(registry.find(query(null, "unknown", null, 0, 100, null, false)).items())
                .allSatisfy(n -> assertThat(n.healthStatus()).isNull())
                .hasSize(7);
        assertThat(registry.find(query(null, null, "1.1.0", 0, 100, null, false)).total()).isEqualTo(10);
        var one = new NodeQuery(null, null, null, null, null, prefix + "017", 0, 10, null, false);
        assertThat(registry.find(one).items()).extracting(NodeSummary::nodeId).containsExactly(prefix + "017");
    }

    @Test
    void freeTextIsMatchedLiterallyNotAsAPattern() {
        var wildcard = new NodeQuery(null, null, null, null, null, prefix.replace("-", "_") + "%", 0, 10, null, false);
        assertThat(registry.find(wildcard).total()).isZero();
    }

    @Test
    void sortsByLastReportDescendingWithNeverReportedLast() {
        var page = registry.find(query(null, null, null, 0, 30, "lastHealthCheck", true));
        assertThat(page.items().getFirst().nodeId()).isEqualTo(prefix + "029");
        assertThat(page.items().subList(23, 30)).allSatisfy(n -> assertThat(n.lastHealthCheck()).isNull());
    }

    @Test
    void nodesThatNeverReportedAreListedWithoutVersionOrHealth() {
        TestNodes.insert(jdbc, prefix + "new", "ORACLE");
        var page = registry.find(new NodeQuery(null, null, null, null, null, prefix + "new", 0, 10, null, false));
        assertThat(page.items()).singleElement().satisfies(n -> {
            assertThat(n.tier()).isEqualTo(Tier.ORACLE);
            assertThat(n.status()).isEqualTo(NodeStatus.ACTIVE);
            assertThat(n.keyType()).isEqualTo(KeyType.SOFTWARE);
            assertThat(n.currentVersion()).isNull();
            assertThat(n.healthStatus()).isNull();
        });
    }

    @Test
    void filtersByStatus() {
        jdbc.sql("UPDATE nodes SET status = 'SUSPENDED' WHERE node_id = :id").param("id", prefix + "005").update();
        var suspended = registry.find(new NodeQuery(null, NodeStatus.SUSPENDED, null, null, null, prefix, 0, 10, null, false));
        assertThat(suspended.items()).extracting(NodeSummary::nodeId).containsExactly(prefix + "005");
    }

    @Test
    void filtersByCohortAlsoWithOtherFilters() {
        var canary = new NodeQuery(null, null, null, null, "canary", prefix, 0, 10, null, false);
        assertThat(registry.find(canary).items()).extracting(NodeSummary::nodeId)
                .containsExactly(prefix + "000", prefix + "001");
        var oracleCohort1 = new NodeQuery(Tier.ORACLE, null, "healthy", "1.0.0", "cohort1", prefix, 0, 30, null, false);
        assertThat(registry.find(oracleCohort1).items())
                .extracting(NodeSummary::nodeId)
                .containsExactly(prefix + "004", prefix + "016"); // i % 3 == 1, i % 4 == 0, 2 <= i < 20
    }

    @Test
    void listsTheVersionsInUseNewestFirst() {
        assertThat(registry.versionsInUse()).containsSubsequence("1.1.0", "1.0.0");
        assertThat(java.util.stream.Stream.of("1.9.0", "1.10.0", "1.10.0-rc.1", "0.9.12", "2.0.0")
                        .sorted(network.noderr.controlplane.shared.Versions.ORDER.reversed())
                        .toList())
                .containsExactly("2.0.0", "1.10.0", "1.10.0-rc.1", "1.9.0", "0.9.12");
    }

    @Test
    void refusesAnUnknownCohortAndOverlongText() {
        assertThatThrownBy(() -> registry.find(new NodeQuery(null, null, null, "v".repeat(51), "cohort5",
                        "x".repeat(256), 0, 10, null, false)))
                .isInstanceOf(InvalidRequestException.class)
                .satisfies(e -> assertThat(((InvalidRequestException) e).fieldErrors())
                        .containsKeys("cohort", "version", "text"));
    }

    @Test
    void refusesUnknownSortAndBadPaging() {
        assertThatThrownBy(() -> registry.find(query(null, null, null, -1, 0, "node_id; DROP TABLE x", false)))
                .isInstanceOf(InvalidRequestException.class)
                .satisfies(e -> assertThat(((InvalidRequestException) e).fieldErrors())
                        .containsKeys("page", "size", "sort"));
        assertThatThrownBy(() -> registry.find(query(null, "sick", null, 0, 10, null, false)))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("health");
        assertThatThrownBy(() -> registry.find(query(null, null, null, 0, NodeRegistry.MAX_PAGE_SIZE + 1, null, false)))
                .isInstanceOf(InvalidRequestException.class);
    }
}
