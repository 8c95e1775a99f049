package network.noderr.controlplane.applications;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import network.noderr.controlplane.IntegrationTest;
import network.noderr.controlplane.Onboarding;
import network.noderr.controlplane.shared.Tier;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Two reissues of one application's install token at once leave exactly one usable token. The first reissue's
 * transaction is held open until the second has started and is waiting on a lock, so the interleaving that used to
 * leave two valid tokens happens every run.
 */
@IntegrationTest
class ConcurrentReissueTest {

    @Autowired
    Applications applications;

    @Autowired
    JdbcClient jdbc;

    @Autowired
    TransactionTemplate transactions;

    private int waitingOnLocks() {
        return jdbc.sql("""
                        SELECT count(*) FROM pg_stat_activity
                        WHERE datname = current_database() AND wait_event_type = 'Lock'""")
                .query(Integer.class)
                .single();
    }

    @Test
    void twoConcurrentReissuesLeaveExactlyOneUsableToken() throws Exception {
        var id = applications.submit(Onboarding.form("Reissue Race " + System.nanoTime(), Tier.ORACLE), "127.0.0.1");
        applications.approve(id, "admin", "http://localhost");

        var firstIssued = new CountDownLatch(1);
        var releaseFirst = new CountDownLatch(1);
        try (var pool = Executors.newFixedThreadPool(2)) {
            var first = pool.submit(() -> transactions.execute(status -> {
                var approval = applications.reissueToken(id, "admin-a", "http://localhost", null);
                firstIssued.countDown();
                try {
                    assertThat(releaseFirst.await(30, TimeUnit.SECONDS)).isTrue();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(e);
                }
                return approval;
            }));
            assertThat(firstIssued.await(30, TimeUnit.SECONDS)).isTrue();
            var second = pool.submit(() -> applications.reissueToken(id, "admin-b", "http://localhost", null));

            var deadline = Instant.now().plus(Duration.ofSeconds(30));
            while (waitingOnLocks() == 0 && Instant.now().isBefore(deadline)) {
                Thread.sleep(20);
            }
            assertThat(waitingOnLocks()).as("the second reissue waits for the first").isPositive();
            releaseFirst.countDown();
            first.get(30, TimeUnit.SECONDS);
            var latest = second.get(30, TimeUnit.SECONDS);

            var usable = jdbc.sql("""
                            SELECT token_hash FROM install_tokens
                            WHERE application_id = :id AND used_at IS NULL AND revoked_at IS NULL""")
                    .param("id", id)
                    .query(String.class)
                    .list();
            assertThat(usable).as("one usable install token, the last one issued")
                    .containsExactly(InstallTokens.hash(latest.installToken()));
        }
    }
}
