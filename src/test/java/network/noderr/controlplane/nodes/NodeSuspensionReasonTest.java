package network.noderr.controlplane.nodes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import network.noderr.controlplane.IntegrationTest;
import network.noderr.controlplane.TestNodes;
import network.noderr.controlplane.shared.InvalidRequestException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;

/** A dashboard suspension needs a reason, which the node's details show while it stays suspended (real PostgreSQL). */
@IntegrationTest
class NodeSuspensionReasonTest {

    @Autowired
    NodeIdentity identity;

    @Autowired
    NodeRegistry registry;

    @Autowired
    JdbcClient jdbc;

    private String node() {
        var node = "suspension-" + System.nanoTime();
        TestNodes.insert(jdbc, node, "ORACLE");
        return node;
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "   ", "two\nlines"})
    void aSuspensionWithoutAUsableReasonIsRefusedAndChangesNothing(String reason) {
        var node = node();
        assertThatThrownBy(() -> identity.suspend(node, reason, "admin"))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("reason: must be 1 to 200 characters on one line");
        assertThat(identity.isActive(node)).isTrue();
    }

    @Test
    void aReasonLongerThan200CharactersIsRefused() {
        var node = node();
        assertThatThrownBy(() -> identity.suspend(node, "x".repeat(201), "admin"))
                .isInstanceOf(InvalidRequestException.class);
        assertThat(identity.isActive(node)).isTrue();
        assertThat(identity.suspend(node, "x".repeat(200), "admin")).isTrue();
    }

    @Test
    void theReasonWhoAndWhenAreShownWhileSuspendedAndClearedOnReinstatement() {
        var node = node();
        assertThat(registry.details(node, 1).orElseThrow().suspension()).isNull();

        assertThat(identity.suspend(node, "  key leaked on a public paste site  ", "alice")).isTrue();

        assertThat(identity.isActive(node)).isFalse();
        var suspension = registry.details(node, 1).orElseThrow().suspension();
        assertThat(suspension).isNotNull();
        assertThat(suspension.reason()).isEqualTo("key leaked on a public paste site");
        assertThat(suspension.by()).isEqualTo("alice");
        assertThat(suspension.at()).isNotNull();

        assertThat(identity.setStatus(node, NodeStatus.ACTIVE)).isTrue();
        assertThat(registry.details(node, 1).orElseThrow().suspension()).isNull();
        assertThat(jdbc.sql("SELECT count(*) FROM nodes WHERE node_id = :id AND suspension_reason IS NULL "
                + "AND suspended_by IS NULL AND suspended_at IS NULL").param("id", node).query(Long.class).single())
                .isOne();
    }

    @Test
    void aSuspensionWithoutAReasonIsStillShownAsSuspended() {
        var node = node();
        assertThat(identity.setStatus(node, NodeStatus.SUSPENDED)).isTrue();
        var suspension = registry.details(node, 1).orElseThrow().suspension();
        assertThat(suspension).isNotNull();
        assertThat(suspension.reason()).isNull();
        assertThat(suspension.at()).isNotNull();
    }

    @Test
    void anUnknownNodeIsReportedAsMissing() {
        assertThat(identity.suspend("no-such-node-" + System.nanoTime(), "gone", "admin")).isFalse();
    }
}
