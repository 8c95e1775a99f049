package network.noderr.controlplane.rollouts;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import network.noderr.controlplane.ApiClient;
import network.noderr.controlplane.IntegrationTest;
import network.noderr.controlplane.TestNodes;
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
 * Finished rollouts show their own result (the counts recorded when they finished), not today's registry; the
 * history is paged; a resume after a gate pause holds the gate for the grace instead of pausing again at once.
 */
@IntegrationTest
class RolloutHistoryTest {

    private static final String DIGEST = "sha256:" + "c".repeat(64);
    private static final String CONFIG = "0x" + "d".repeat(64);
    private static final Tier TIER = Tier.ALL;

    @LocalServerPort
    int port;

    @Autowired
    Rollouts rollouts;

    @Autowired
    JdbcClient jdbc;

    private final String prefix = "hist-" + UUID.randomUUID().toString().substring(0, 8) + "-";
    private final String run = String.valueOf(System.nanoTime() % 1_000_000);
    private List<String> foreignNodes = List.of();

    @BeforeEach
    void isolateTheTier() {
        // Another test's open rollout or nodes in this tier would change what is counted and what may start.
        jdbc.sql("UPDATE deployments SET status = 'aborted' WHERE tier = :t AND status IN ('pending', 'active', "
                + "'paused')").param("t", TIER.name()).update();
        foreignNodes = jdbc.sql("UPDATE nodes SET status = 'SUSPENDED' WHERE tier = :t AND status = 'ACTIVE' "
                        + "RETURNING node_id")
                .param("t", TIER.name())
                .query(String.class)
                .list();
    }

    @AfterEach
    void cleanUp() {
        jdbc.sql("UPDATE deployments SET status = 'aborted' WHERE tier = :t AND status IN ('pending', 'active', "
                + "'paused')").param("t", TIER.name()).update();
        jdbc.sql("DELETE FROM node_versions WHERE node_id LIKE :p").param("p", prefix + "%").update();
        jdbc.sql("DELETE FROM nodes WHERE node_id LIKE :p").param("p", prefix + "%").update();
        if (!foreignNodes.isEmpty()) {
            jdbc.sql("UPDATE nodes SET status = 'ACTIVE' WHERE node_id IN (:ids)").param("ids", foreignNodes).update();
        }
    }

    @Test
    void aCompletedRolloutKeepsShowingItsOwnFinalCountsAfterTheTierMovesOn() {
        for (int i = 0; i < 10; i++) {
            node("n" + i, "0.9.0");
        }
        var v1 = start("1.1." + run);
        allRun("1.1." + run);
        for (int k = 1; k <= 4; k++) {
            rollouts.promote(v1.id(), "test");
        }
        rollouts.reconcileAll();
        var done = rollouts.get(v1.id());
        assertThat(done.status()).isEqualTo("completed");
        assertThat(done.countsRecorded()).isTrue();
        assertThat(done.updatedNodes()).isEqualTo(10);

        // The tier moves on: every node now runs 1.2, and a node joins.
        var v2 = start("1.2." + run);
        allRun("1.2." + run);
        node("late", "1.2." + run);

        var after = rollouts.get(v1.id());
        assertThat(after.countsRecorded()).isTrue();
        assertThat(after.totalNodes()).isEqualTo(10);
        assertThat(after.updatedNodes()).as("1.1's own result, not today's registry").isEqualTo(10);
        assertThat(after.cohorts()).hasSize(5).allMatch(CohortProgress::active);
        assertThat(after.cohorts().getFirst().updated()).isEqualTo(10);
        assertThat(rollouts.get(v2.id()).updatedNodes()).as("the open rollout counts live").isEqualTo(11);

        // An abort records the counts at that moment too.
        rollouts.abort(v2.id(), "test", "enough");
        jdbc.sql("UPDATE node_versions SET current_version = '0.1.0' WHERE node_id LIKE :p")
                .param("p", prefix + "%").update();
        var aborted = rollouts.get(v2.id());
        assertThat(aborted.countsRecorded()).isTrue();
        assertThat(aborted.updatedNodes()).isEqualTo(11);
        assertThat(aborted.totalNodes()).isEqualTo(11);
    }

    @Test
    void aRolloutThatFinishedBeforeCountsWereRecordedShowsNoneRatherThanTodays() {
        node("n0", "2.1." + run);
        var old = start("2.1." + run);
        // Finished the way rollouts finished before final counts were kept.
        jdbc.sql("UPDATE deployments SET status = 'completed', activated_through = 4, final_counts = NULL "
                + "WHERE id = :id").param("id", old.id()).update();

        var view = rollouts.get(old.id());
        assertThat(view.countsRecorded()).isFalse();
        assertThat(view.cohorts()).isEmpty();
        assertThat(view.updatedNodes()).isZero();
        assertThat(view.phase()).isEqualTo("complete");
    }

    /** Counts recorded before operators were counted (no unhealthyOperators / failureOperators) still read. */
    @Test
    void countsRecordedBeforeOperatorsWereCountedStillRead() {
        node("n0", "2.2." + run);
        var old = start("2.2." + run);
        var cohort = "{\"nodes\": 4, \"updated\": 3, \"healthy\": 1, \"unhealthy\": 2, \"updateAttempts\": 3,"
                + " \"updateFailures\": 1}";
        jdbc.sql("UPDATE deployments SET status = 'rolled_back', activated_through = 0,"
                + " final_counts = CAST(:c AS jsonb) WHERE id = :id").param("c", "{\"canary\": " + cohort + "}").param("id", old.id()).update();

        var view = rollouts.get(old.id());
        assertThat(view.countsRecorded()).isTrue();
        assertThat(view.totalNodes()).isEqualTo(4);
        assertThat(view.cohorts().getFirst()).satisfies(c -> {
            assertThat(c.unhealthy()).isEqualTo(2);
            assertThat(c.failed()).isEqualTo(1);
        });
    }

    @Test
    void theHistoryIsPagedNewestFirstByBefore() {
        var created = new ArrayList<UUID>();
        for (int i = 0; i < 5; i++) {
            var r = start("3." + i + "." + run);
            rollouts.abort(r.id(), "test", "next");
            created.add(r.id());
        }
        var seen = new ArrayList<UUID>();
        UUID before = null;
        Instant previous = null;
        for (int pages = 0; pages < 100; pages++) {
            var page = rollouts.list(TIER, null, before, 2);
            assertThat(page.rollouts()).hasSizeLessThanOrEqualTo(2);
            for (var r : page.rollouts()) {
                assertThat(seen).doesNotContain(r.id());
                if (previous != null) {
                    assertThat(r.createdAt()).isBeforeOrEqualTo(previous);
                }
                previous = r.createdAt();
                seen.add(r.id());
            }
            before = page.nextBefore();
            if (before == null) {
                break;
            }
            assertThat(page.rollouts()).hasSize(2);
            assertThat(before).isEqualTo(page.rollouts().getLast().id());
        }
        assertThat(before).as("the last page says so").isNull();
        assertThat(seen.subList(0, 5)).containsExactlyElementsOf(created.reversed());

        // The API: still an array; a full page names the next one in a Link header.
        var api = new ApiClient(port);
        var first = api.get("/api/v1/admin/rollouts?tier=ALL&limit=2", IntegrationTest.ADMIN_TOKEN);
        assertThat(first.status()).isEqualTo(200);
        assertThat(first.body().isArray()).isTrue();
        assertThat(first.body()).hasSize(2);
        assertThat(first.headers().get("link")).singleElement().asString()
                .isEqualTo("</api/v1/admin/rollouts?tier=ALL&before=" + created.get(3) + "&limit=2>; rel=\"next\"");
        var second = api.get("/api/v1/admin/rollouts?tier=ALL&limit=2&before=" + created.get(3),
                IntegrationTest.ADMIN_TOKEN);
        assertThat(second.body().get(0).path("id").asText()).isEqualTo(created.get(2).toString());
        assertThat(api.get("/api/v1/admin/rollouts?limit=0", IntegrationTest.ADMIN_TOKEN).status()).isEqualTo(400);
        assertThat(api.get("/api/v1/admin/rollouts?before=" + UUID.randomUUID(), IntegrationTest.ADMIN_TOKEN)
                .status()).isEqualTo(400);
    }

    @Test
    void aResumeAfterAGatePauseDoesNotPauseAgainWithinTheGraceButDoesAfterIt() {
        for (int i = 0; i < 10; i++) {
            node("n" + i, "0.9.0");
        }
        var r = start("4.1." + run);
        // A day passes and no canary node updated: the gate pauses the rollout before cohort1.
        jdbc.sql("UPDATE deployments SET resumed_at = resumed_at - interval '24 hours' WHERE id = :id")
                .param("id", r.id()).update();
        rollouts.reconcileAll();
        var gated = rollouts.get(r.id());
        assertThat(gated.status()).isEqualTo("paused");
        assertThat(gated.reason()).startsWith("paused before cohort1: canary not healthy yet");

        var resumed = rollouts.resume(r.id(), "test");
        assertThat(resumed.timeline().getLast().event())
                .isEqualTo("resumed: for 15 minutes a closed cohort gate holds the next cohort without pausing again");
        rollouts.reconcileAll();
        var held = rollouts.get(r.id());
        assertThat(held.status()).as("within the grace the closed gate does not pause it").isEqualTo("active");
        assertThat(held.cohorts()).filteredOn(CohortProgress::active).extracting(CohortProgress::cohort)
                .containsExactly("canary");

        // The grace is over and the canary is still not updated: paused again, with the reason.
        jdbc.sql("UPDATE deployments SET gate_hold_until = now() - interval '1 second' WHERE id = :id")
                .param("id", r.id()).update();
        rollouts.reconcileAll();
        var again = rollouts.get(r.id());
        assertThat(again.status()).isEqualTo("paused");
        assertThat(again.reason()).isEqualTo(gated.reason());
    }

    private RolloutView start(String version) {
        return rollouts.start(new NewRelease(TIER, version, "registry.noderr.network/all:" + version, DIGEST, CONFIG,
                null), RolloutConfig.DEFAULT, RolloutThresholds.DEFAULT, "test");
    }

    /** A node in the canary (no bucket: its stored cohort counts), healthy now. */
    private void node(String name, String version) {
        var id = prefix + name;
        TestNodes.insert(jdbc, id, TIER.name());
        jdbc.sql("""
                        INSERT INTO node_versions (node_id, tier, current_version, cohort, health_status,
                            last_health_check) VALUES (:id, :tier, :v, 'canary', 'healthy', :at)""")
                .param("id", id).param("tier", TIER.name()).param("v", version)
                .param("at", Timestamp.from(Instant.now())).update();
    }

    private void allRun(String version) {
        jdbc.sql("UPDATE node_versions SET current_version = :v WHERE node_id LIKE :p")
                .param("v", version).param("p", prefix + "%").update();
    }
}
