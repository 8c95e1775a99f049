package network.noderr.controlplane.rollouts;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import network.noderr.controlplane.ApiClient;
import network.noderr.controlplane.IntegrationTest;
import network.noderr.controlplane.TestNodes;
import network.noderr.controlplane.TestUsers;
import network.noderr.controlplane.beacon.Beacon;
import network.noderr.controlplane.rollouts.engine.RolloutConfig;
import network.noderr.controlplane.rollouts.engine.RolloutThresholds;
import network.noderr.controlplane.security.ApiTokens;
import network.noderr.controlplane.security.Role;
import network.noderr.controlplane.security.UserAccounts;
import network.noderr.controlplane.shared.Tier;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Emergency rollbacks of tier ALL through the management API: one that is on-chain is carried out and answered as
 * done even when someone changes the rollout at the same moment; a rollback only ever returns the tier to what it ran
 * (never to a release that was itself rolled back, never up); and a repeated one says the tier is already there.
 * Leaves ALL with no open rollout and no rollback in force.
 */
@IntegrationTest
class EmergencyRollbackTest {

    private static final Tier TIER = Tier.ALL;
    private static final AtomicInteger SEQ = new AtomicInteger();
    private static final String DIGEST = "sha256:" + "e".repeat(64);
    private static final String CONFIG = "0x" + "f".repeat(64);

    @LocalServerPort
    int port;

    @Autowired
    Rollouts rollouts;

    @Autowired
    Beacon beacon;

    @Autowired
    JdbcClient jdbc;

    @Autowired
    UserAccounts users;

    @Autowired
    ApiTokens tokens;

    @Autowired
    PlatformTransactionManager transactionManager;

    @Autowired
    io.micrometer.core.instrument.MeterRegistry meters;

    private final String suffix = String.valueOf(System.nanoTime() % 1_000_000);
    private final String nodePrefix = "emergency-" + suffix + "-";
    private ApiClient api;
    private String manager;

    @BeforeEach
    void setUp() {
        api = new ApiClient(port);
        manager = TestUsers.token(users, tokens, "emergency-manager", Role.RELEASE_MANAGER);
        leaveTheTierAsOtherTestsExpect();
    }

    @AfterEach
    void tearDown() {
        leaveTheTierAsOtherTestsExpect();
        jdbc.sql("DELETE FROM node_versions WHERE node_id LIKE :p").param("p", nodePrefix + "%").update();
        jdbc.sql("DELETE FROM nodes WHERE node_id LIKE :p").param("p", nodePrefix + "%").update();
    }

    private void leaveTheTierAsOtherTestsExpect() {
        closeOpen("aborted");
        jdbc.sql("DELETE FROM tier_emergencies WHERE tier = :t").param("t", TIER.name()).update();
    }

    private void closeOpen(String status) {
        jdbc.sql("UPDATE deployments SET status = :s WHERE tier = :t AND status IN ('pending', 'active', 'paused')")
                .param("s", status).param("t", TIER.name()).update();
    }

    private static String version() {
        return "70." + SEQ.incrementAndGet() + "." + (System.nanoTime() % 1_000_000);
    }

    /** A release recorded in PostgreSQL only (the checks before the chain refuse before anything is sent). */
    private RolloutView start(String version) {
        return rollouts.start(new NewRelease(TIER, version, "registry.noderr.network/all:" + version, DIGEST, CONFIG,
                null), RolloutConfig.DEFAULT, RolloutThresholds.DEFAULT, "test");
    }

    /** Published on the real chain and indexed: its rollout has started. */
    private String publishAndConfirm(String version) {
        var sent = api.post(ApiClient.PUBLISH_ANY_VERSION, Map.of("tier", TIER.name(), "versionString", version,
                "imageRef", "registry.noderr.network/all:" + version, "imageDigest", DIGEST, "configHash", CONFIG),
                manager);
        assertThat(sent.status()).as(sent.toString()).isEqualTo(202);
        Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).until(() -> {
            beacon.sync();
            return jdbc.sql("SELECT count(*) FROM deployments WHERE tier = :t AND version_string = :v")
                    .param("t", TIER.name()).param("v", version).query(Long.class).single() > 0;
        });
        return version;
    }

    private String statusOf(String version) {
        return jdbc.sql("SELECT status FROM deployments WHERE tier = :t AND version_string = :v")
                .param("t", TIER.name()).param("v", version).query(String.class).single();
    }

    private ApiClient.Response rollBack(String toVersion, String reason) {
        return api.post("/api/v1/admin/tiers/" + TIER + "/emergency-rollback",
                Map.of("toVersion", toVersion, "reason", reason), manager);
    }

    /** Keeps a scheduled job (on this or any replica) from starting, by holding its ShedLock while it is free. */
    private void holdJob(String name) {
        Awaitility.await("job " + name + " free").atMost(Duration.ofSeconds(30)).until(() -> jdbc.sql("""
                        INSERT INTO shedlock (name, lock_until, locked_at, locked_by)
                        VALUES (:n, now() + interval '10 minutes', now(), 'emergency-rollback-test')
                        ON CONFLICT (name) DO UPDATE SET lock_until = EXCLUDED.lock_until,
                            locked_at = EXCLUDED.locked_at, locked_by = EXCLUDED.locked_by
                        WHERE shedlock.lock_until <= now()""")
                .param("n", name).update() == 1);
    }

    private void releaseJob(String name) {
        jdbc.sql("UPDATE shedlock SET lock_until = now() WHERE name = :n AND locked_by = 'emergency-rollback-test'")
                .param("n", name).update();
    }

    /**
     * A pause committed while the rollback is on its way: the chain has rolled back, so the engine's half is carried
     * out (on the paused rollout) and the request is answered and audited as done, not as a 409. The pause is held
     * open in its own transaction until the rollback's engine half waits for it, then committed: the exact moment of
     * the race, every run.
     */
    @Test
    void aPauseAtTheSameMomentDoesNotTurnAnOnChainRollbackIntoARefusal() throws Exception {
        var earlier = publishAndConfirm(version());
        closeOpen("completed");
        var later = publishAndConfirm(version());
        var rolloutId = rollouts.current(TIER).orElseThrow().id();
        assertThat(statusOf(later)).isEqualTo("active");

        // Only the two people act on the rollout: the indexer (which would apply the on-chain rollback itself) and
        // the reconciler wait.
        holdJob("beacon");
        holdJob("rollout-reconcile");
        var pauseBackend = new CompletableFuture<Integer>();
        var commitPause = new CountDownLatch(1);
        // Threads of their own: on two cores the common pool has one worker, which the waiting pause would occupy,
        // and the rollback request would never start.
        var threads = java.util.concurrent.Executors.newFixedThreadPool(2);
        var pause = CompletableFuture.runAsync(() -> new TransactionTemplate(transactionManager).executeWithoutResult(
                s -> {
                    var pid = jdbc.sql("SELECT pg_backend_pid()").query(Integer.class).single();
                    rollouts.pause(rolloutId, "second-user", "race");
                    // Only now, with the pause holding the tier's lock until it commits, may the rollback start: told
                    // before, a rollback that got to the lock first was answered before the pause (seen on a busy
                    // machine), and the race this test is about did not happen.
                    pauseBackend.complete(pid);
                    try {
                        assertThat(commitPause.await(2, TimeUnit.MINUTES)).isTrue();
                    } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                }), threads);
        try {
            var pid = pauseBackend.get(30, TimeUnit.SECONDS);
            var answer = CompletableFuture.supplyAsync(() -> rollBack(earlier, "race"), threads);
            // The rollback went on-chain and its engine half now waits for the uncommitted pause.
            Awaitility.await("the rollback waits for the pause").atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(50))
                    .until(() -> answer.isDone() || jdbc.sql(
                                    "SELECT count(*) FROM pg_stat_activity WHERE :pid = ANY(pg_blocking_pids(pid))")
                            .param("pid", pid).query(Long.class).single() > 0);
            assertThat(answer.isDone()).as("answered before the pause committed: %s", answer.getNow(null)).isFalse();
            commitPause.countDown();
            pause.get(30, TimeUnit.SECONDS);
            var response = answer.get(60, TimeUnit.SECONDS);

            assertThat(response.status()).as(response.toString()).isEqualTo(200);
            assertThat(response.text("status")).isEqualTo("rolled_back");
            assertThat(statusOf(later)).isEqualTo("rolled_back");
            var timeline = rollouts.get(rolloutId).timeline().stream().map(RolloutEvent::event).toList();
            assertThat(timeline).anySatisfy(e -> assertThat(e).startsWith("paused: race"));
            assertThat(timeline.getLast()).startsWith("emergency rollback to " + earlier);
            Awaitility.await("audited").atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                    assertThat(jdbc.sql("""
                                    SELECT outcome FROM audit_log WHERE actor = 'emergency-manager'
                                    AND action LIKE '%emergency-rollback%' ORDER BY id DESC LIMIT 1""")
                            .query(String.class).optional()).contains("success"));
        } finally {
            commitPause.countDown();
            threads.shutdown();
            releaseJob("beacon");
            releaseJob("rollout-reconcile");
        }
        // The indexer, reading the rollback from the chain, finds it applied already.
        beacon.sync();
        assertThat(statusOf(later)).isEqualTo("rolled_back");
        assertThat(jdbc.sql("SELECT target_version FROM tier_emergencies WHERE tier = :t").param("t", TIER.name())
                .query(String.class).single()).isEqualTo(earlier);
    }

    /**
     * ALL ran 1.0.0, 1.1.0 was rolled back, 1.2.0 is in its canary: a rollback "to 1.1.0" would move every node up to a
     * release that was itself rolled back. An aborted release released after what the tier ran is refused too, unless
     * some of the tier's nodes run it.
     */
    @Test
    void aRollbackNeverMovesTheTierUpNorToAReleaseThatWasRolledBack() {
        var ran = start(version());
        closeOpen("completed");
        var bad = start(version());
        rollouts.applyRollback(TIER, ran.versionString(), "bad build", "test", RolloutTransitioned.Cause.CHAIN);
        assertThat(statusOf(bad.versionString())).isEqualTo("rolled_back");
        var canary = start(version());

        var refused = rollBack(bad.versionString(), "back to the previous one");
        assertThat(refused.status()).as(refused.toString()).isEqualTo(409);
        assertThat(refused.problemType()).isEqualTo("rollback-target-rolled-back");
        assertThat(refused.text("detail")).contains(bad.versionString() + " was itself rolled back")
                .contains("ALL ran " + ran.versionString());
        assertThat(statusOf(canary.versionString())).as("nothing changed").isEqualTo("active");

        // An aborted release, released after what the tier ran and run by no node: above what the tier runs.
        rollouts.abort(canary.id(), "test", "wrong config");
        var next = start(version());
        var above = rollBack(canary.versionString(), "back");
        assertThat(above.status()).as(above.toString()).isEqualTo(409);
        assertThat(above.problemType()).isEqualTo("rollback-target-above");
        assertThat(above.text("detail")).contains("ALL ran " + ran.versionString() + " when " + next.versionString())
                .contains("none of its nodes runs " + canary.versionString());
        // Once nodes run it (they updated before the abort), it is what they run: the check lets it through (the
        // chain, which never saw these releases, refuses it).
        TestNodes.insertRunning(jdbc, nodePrefix + "1", TIER.name(), canary.versionString(), "canary");
        var accepted = rollBack(canary.versionString(), "back");
        assertThat(accepted.problemType()).as(accepted.toString()).isEqualTo("not-on-chain");
        // What the tier ran is a target, as before.
        assertThat(rollBack(ran.versionString(), "back").problemType()).isEqualTo("not-on-chain");
    }

    /**
     * A rollout that completed and was rolled back afterwards stays completed (finished rollouts change no more), but
     * its phase says its tier went back, and its release is marked rolled back: before, the Rollouts screen said "all
     * nodes run" the release the nodes were leaving.
     */
    @Test
    void aCompletedRolloutRolledBackAfterwardsSaysSoAndItsReleaseIsMarked() {
        var earlier = start(version());
        complete();
        var later = start(version());
        complete();
        var rollbacksBefore = manualRollbacks();
        rollouts.applyRollback(TIER, earlier.versionString(), "memory leak found a day later", "test-manager",
                RolloutTransitioned.Cause.CHAIN);
        // noderr_rollbacks_total counts it, as it counts the rollback of an unfinished rollout (it did not).
        assertThat(manualRollbacks()).isEqualTo(rollbacksBefore + 1);

        var view = api.get("/api/v1/admin/rollouts/" + later.id(), manager);
        assertThat(view.text("status")).isEqualTo("completed");
        assertThat(view.text("phase")).isEqualTo("rolled_back");
        assertThat(view.text("phaseMessage")).isEqualTo("completed, then rolled back to " + earlier.versionString()
                + " by test-manager: memory leak found a day later");
        var earlierView = api.get("/api/v1/admin/rollouts/" + earlier.id(), manager);
        assertThat(earlierView.text("phase")).as("the version returned to").isEqualTo("complete");
        // The node API's status says it once (it read "rolled back to X: completed, then rolled back to X by …").
        var status = api.get("/api/v1/rollout/status?tier=" + TIER, manager);
        assertThat(status.text("rolloutPhase")).isEqualTo("rolled_back");
        assertThat(status.text("message")).isEqualTo("completed, then rolled back to " + earlier.versionString()
                + " by test-manager: memory leak found a day later");

        // What the release list marks rolled back (these releases are recorded in PostgreSQL only, not on-chain, so
        // the list itself, which shows the chain's releases, does not show them).
        assertThat(rollouts.rolledBackVersions().get(TIER)).contains(later.versionString())
                .doesNotContain(earlier.versionString());

        // A fixed release goes out and completes: the rollback is no longer in force, but the withdrawn release
        // stays withdrawn. Before, its rollout read "complete" again, its release was no longer marked, and an
        // emergency rollback of the fixed release could move every node to it.
        var fixed = start(version());
        complete();
        var afterFix = api.get("/api/v1/admin/rollouts/" + later.id(), manager);
        assertThat(afterFix.text("phase")).isEqualTo("rolled_back");
        assertThat(afterFix.text("phaseMessage")).isEqualTo("completed, then rolled back to "
                + earlier.versionString() + " by test-manager: memory leak found a day later");
        assertThat(api.get("/api/v1/admin/rollouts/" + fixed.id(), manager).text("phase")).isEqualTo("complete");
        assertThat(rollouts.rolledBackVersions().get(TIER)).contains(later.versionString())
                .doesNotContain(earlier.versionString(), fixed.versionString());
        var refused = rollBack(later.versionString(), "back to the one before the fix");
        assertThat(refused.status()).as(refused.toString()).isEqualTo(409);
        assertThat(refused.problemType()).isEqualTo("rollback-target-rolled-back");
        assertThat(rollBack(earlier.versionString(), "back to the one the tier ran").problemType())
                .as("an earlier release not withdrawn passes the checks (the chain, which never saw it, refuses)")
                .isEqualTo("not-on-chain");
    }

    private double manualRollbacks() {
        var counter = meters.find("noderr.rollbacks").tag("tier", TIER.name()).tag("kind", "manual").counter();
        return counter == null ? 0 : counter.count();
    }

    /** Finishes the open rollout as the engine does: completed, with the time it completed. */
    private void complete() {
        jdbc.sql("""
                        UPDATE deployments SET status = 'completed', completed_at = now() - interval '1 second'
                        WHERE tier = :t AND status IN ('pending', 'active', 'paused')""")
                .param("t", TIER.name()).update();
    }

    /**
     * A rollout rolled back to the release before it, whose tier a second emergency rollback then took back further:
     * its phase names the second rollback after its own (its card showed only the first, naming a version the tier
     * had left).
     */
    @Test
    void aSecondRollbackFurtherBackIsNamedOnTheRolledBackRollout() {
        var oldest = start(version());
        closeOpen("completed");
        var ran = start(version());
        closeOpen("completed");
        var bad = start(version());
        rollouts.applyRollback(TIER, ran.versionString(), "bad build", "test-manager",
                RolloutTransitioned.Cause.REQUEST);
        var first = api.get("/api/v1/admin/rollouts/" + bad.id(), manager);
        assertThat(first.text("phaseMessage")).isEqualTo("emergency rollback to " + ran.versionString()
                + " by test-manager: bad build");

        rollouts.applyRollback(TIER, oldest.versionString(), "the one before is bad too", "second-manager",
                RolloutTransitioned.Cause.REQUEST);
        var view = api.get("/api/v1/admin/rollouts/" + bad.id(), manager);
        assertThat(view.text("status")).isEqualTo("rolled_back");
        assertThat(view.text("phaseMessage")).isEqualTo("emergency rollback to " + ran.versionString()
                + " by test-manager: bad build; then emergency rollback to " + oldest.versionString()
                + " by second-manager: the one before is bad too");
    }

    /**
     * A second rollback to the version in force says the tier is already there, and one to a release it withdrew is
     * refused.
     */
    @Test
    void aRepeatedRollbackSaysTheTierIsAlreadyOnThatVersion() {
        var oldest = start(version());
        closeOpen("completed");
        var ran = start(version());
        closeOpen("completed");
        var bad = start(version());
        rollouts.applyRollback(TIER, oldest.versionString(), "bad build", "test", RolloutTransitioned.Cause.CHAIN);

        var again = rollBack(oldest.versionString(), "still bad");
        assertThat(again.status()).as(again.toString()).isEqualTo(409);
        assertThat(again.problemType()).isEqualTo("already-rolled-back");
        assertThat(again.text("detail")).contains("ALL is already rolled back to " + oldest.versionString())
                .contains("from " + bad.versionString());

        // The rollback to the oldest withdrew what came after it, the release the tier ran before too.
        var up = rollBack(ran.versionString(), "one step back only");
        assertThat(up.status()).as(up.toString()).isEqualTo(409);
        assertThat(up.problemType()).isEqualTo("rollback-target-rolled-back");
        assertThat(up.text("detail")).contains(ran.versionString() + " was itself rolled back")
                .contains("ALL ran " + oldest.versionString());
    }
}
