package network.noderr.controlplane.nodes;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CompletableFuture;
import network.noderr.controlplane.IntegrationTest;
import network.noderr.controlplane.TestNodes;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

@IntegrationTest
class NodeStatusCacheTest {

    @Autowired
    NodeIdentity identity;

    @Autowired
    JdbcClient jdbc;

    @Autowired
    PlatformTransactionManager transactionManager;

    @Test
    void aRequestBeforeTheSuspensionCommitsDoesNotKeepTheNodeActive() {
        var node = "status-cache-" + System.nanoTime();
        TestNodes.insert(jdbc, node, "ORACLE");
        assertThat(identity.isActive(node)).isTrue();

        new TransactionTemplate(transactionManager).executeWithoutResult(tx -> {
            assertThat(identity.setStatus(node, NodeStatus.SUSPENDED)).isTrue();
            // A node request on another connection meanwhile still sees the committed ACTIVE and caches it.
            assertThat(CompletableFuture.supplyAsync(() -> identity.isActive(node)).join()).isTrue();
        });

        assertThat(identity.isActive(node)).isFalse();
    }

    @Test
    void aRolledBackSuspensionLeavesTheNodeActive() {
        var node = "status-cache-" + System.nanoTime();
        TestNodes.insert(jdbc, node, "ORACLE");
        assertThat(identity.isActive(node)).isTrue();

        new TransactionTemplate(transactionManager).executeWithoutResult(tx -> {
            identity.setStatus(node, NodeStatus.SUSPENDED);
            tx.setRollbackOnly();
        });

        assertThat(identity.isActive(node)).isTrue();
    }
}
