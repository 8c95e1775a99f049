package network.noderr.controlplane.rollouts;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import network.noderr.controlplane.ApiClient;
import network.noderr.controlplane.IntegrationTest;
import network.noderr.controlplane.Onboarding;
import network.noderr.controlplane.TestNodeKey;
import network.noderr.controlplane.TestNodes;
import network.noderr.controlplane.applications.Applications;
import network.noderr.controlplane.rollouts.engine.Cohort;
import network.noderr.controlplane.rollouts.engine.CohortAssignment;
import network.noderr.controlplane.rollouts.engine.RolloutConfig;
import network.noderr.controlplane.rollouts.engine.RolloutThresholds;
import network.noderr.controlplane.shared.Tier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * A rollout's cohorts follow that rollout's config (DESIGN §4): the nodes whose bucket falls in its canary are its
 * canary, in the version answers, in the rollout's counts and in the registry; a node registering while it runs
 * joins by the same split.
 */
@IntegrationTest
class RolloutCohortConfigTest {

    private static final Tier TIER = Tier.ALL;
    private static final RolloutConfig TEN_PERCENT_CANARY = new RolloutConfig(10, 10, 24);

    @LocalServerPort
    int port;

    @Autowired
    Rollouts rollouts;

    @Autowired
    NodeVersions versions;

    @Autowired
    Applications applications;

    @Autowired
    JdbcClient jdbc;

    private final String prefix = "cfg-" + UUID.randomUUID().toString().substring(0, 8) + "-";
    private final List<String> registered = new ArrayList<>();
    /** Nodes other tests left in this tier; suspended here (suspended nodes do not count) and reinstated after. */
    private List<String> foreignNodes = List.of();

    @BeforeEach
    void isolateTheTier() {
        rollouts.open().stream().filter(r -> r.tier() == TIER).forEach(r -> rollouts.abort(r.id(), "test", null));
        foreignNodes = jdbc.sql("UPDATE nodes SET status = 'SUSPENDED' WHERE tier = :tier AND status = 'ACTIVE' "
                        + "RETURNING node_id")
                .param("tier", TIER.name())
                .query(String.class)
                .list();
    }

    @AfterEach
    void restore() {
        rollouts.open().stream().filter(r -> r.tier() == TIER).forEach(r -> rollouts.abort(r.id(), "test", null));
        jdbc.sql("DELETE FROM node_versions WHERE node_id LIKE :p").param("p", prefix + "%").update();
        jdbc.sql("DELETE FROM nodes WHERE node_id LIKE :p").param("p", prefix + "%").update();
        if (!registered.isEmpty()) { // registered through the API: kept, but out of later tests' counts
            jdbc.sql("UPDATE nodes SET status = 'SUSPENDED' WHERE node_id IN (:ids)").param("ids", registered)
                    .update();
        }
        if (!foreignNodes.isEmpty()) {
            jdbc.sql("UPDATE nodes SET status = 'ACTIVE' WHERE node_id IN (:ids)").param("ids", foreignNodes).update();
        }
    }

    @Test
    void aRolloutWithATenPercentCanaryPutsExactlyTheNodesWhoseBucketIsUnderTenInTheCanary() {
        // Nodes as registration stores them (default split), including some in buckets 5-9: canary under 10 %,
        // cohort 1 under the default 5 %.
        var nodes = new ArrayList<String>();
        for (int i = 0; nodes.size() < 60 || nodes.stream().filter(id -> inBuckets(id, 5, 10)).count() < 3; i++) {
            var id = prefix + i;
            int bucket = CohortAssignment.bucket(id);
            TestNodes.insert(jdbc, id, TIER.name());
            jdbc.sql("""
                            INSERT INTO node_versions (node_id, tier, current_version, cohort, bucket)
                            VALUES (:id, :tier, '0.9.0', :cohort, :bucket)""")
                    .param("id", id).param("tier", TIER.name())
                    .param("cohort", CohortAssignment.cohortOf(bucket, RolloutConfig.DEFAULT).wireName())
                    .param("bucket", bucket).update();
            nodes.add(id);
        }
        var version = "4.0." + System.nanoTime() % 1_000_000;

        var rollout = rollouts.start(new NewRelease(TIER, version, "registry.noderr.network/all:" + version,
                "sha256:" + "c".repeat(64), "0x" + "d".repeat(64), null), TEN_PERCENT_CANARY,
                RolloutThresholds.DEFAULT, "test");

        var expectedCanary = nodes.stream().filter(id -> inBuckets(id, 0, 10)).toList();
        assertThat(expectedCanary).hasSizeGreaterThanOrEqualTo(3);
        for (var id : nodes) {
            var expected = CohortAssignment.cohortOf(CohortAssignment.bucket(id), TEN_PERCENT_CANARY);
            var answer = versions.answer(id, "0.9.0");
            assertThat(answer.cohort()).as("cohort of %s (bucket %d)", id, CohortAssignment.bucket(id))
                    .isEqualTo(expected.wireName());
            assertThat(answer.shouldUpdate()).as("%s told to update", id).isEqualTo(expected == Cohort.CANARY);
        }
        var canary = rollout.cohorts().stream().filter(c -> c.cohort().equals("canary")).findFirst().orElseThrow();
        assertThat(canary.nodes()).as("canary nodes in the rollout's counts").isEqualTo(expectedCanary.size());
        for (var cohort : Cohort.values()) {
            long expected = nodes.stream().filter(id -> CohortAssignment.cohortOf(CohortAssignment.bucket(id),
                    TEN_PERCENT_CANARY) == cohort).count();
            assertThat(rollouts.get(rollout.id()).cohorts()).filteredOn(c -> c.cohort().equals(cohort.wireName()))
                    .singleElement().extracting(CohortProgress::nodes).as(cohort.wireName()).isEqualTo(expected);
        }
        var api = new ApiClient(port);
        var registry = api.get("/api/v1/admin/nodes?cohort=canary&size=200&q=" + prefix, IntegrationTest.ADMIN_TOKEN);
        assertThat(registry.body().path("items").findValuesAsString("nodeId"))
                .as("the registry's canary filter").containsExactlyInAnyOrderElementsOf(expectedCanary);

        // A node registering while the rollout runs joins by the rollout's split too (one whose cohort differs
        // from the default split's: 65 % of buckets under this config).
        String[] login = null;
        for (int attempt = 0; attempt < 30 && (login == null || !differsFromDefault(login[0])); attempt++) {
            login = Onboarding.registerAndLogIn(api, applications, TestNodeKey.generate(), TIER);
            registered.add(login[0]);
        }
        assertThat(login).isNotNull();
        assertThat(differsFromDefault(login[0])).isTrue();
        var expected = CohortAssignment.cohortOf(CohortAssignment.bucket(login[0]), TEN_PERCENT_CANARY).wireName();
        for (var id : registered) {
            assertThat(jdbc.sql("SELECT cohort FROM node_versions WHERE node_id = :id").param("id", id)
                    .query(String.class).single()).as("stored cohort of new node %s", id)
                    .isEqualTo(CohortAssignment.cohortOf(CohortAssignment.bucket(id), TEN_PERCENT_CANARY).wireName());
        }
        var answer = api.get("/api/v1/version/" + login[0] + "?currentVersion=0.9.0", login[1]);
        assertThat(answer.text("cohort")).isEqualTo(expected);
        assertThat(rollouts.get(rollout.id()).cohorts()).filteredOn(c -> c.cohort().equals(expected))
                .singleElement().extracting(CohortProgress::nodes)
                .isEqualTo(java.util.stream.Stream.concat(nodes.stream(), registered.stream())
                        .filter(id -> CohortAssignment.cohortOf(CohortAssignment.bucket(id), TEN_PERCENT_CANARY)
                                .wireName().equals(expected))
                        .count());
    }

    private static boolean differsFromDefault(String nodeId) {
        int bucket = CohortAssignment.bucket(nodeId);
        return CohortAssignment.cohortOf(bucket, TEN_PERCENT_CANARY)
                != CohortAssignment.cohortOf(bucket, RolloutConfig.DEFAULT);
    }

    private static boolean inBuckets(String nodeId, int from, int to) {
        int bucket = CohortAssignment.bucket(nodeId);
        return bucket >= from && bucket < to;
    }
}
