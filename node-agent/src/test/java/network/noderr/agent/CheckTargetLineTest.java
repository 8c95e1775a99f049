package network.noderr.agent;

import static org.assertj.core.api.Assertions.assertThat;

import network.noderr.agent.api.ControlPlane;
import org.junit.jupiter.api.Test;

/**
 * {@code check}'s target line says whether the control plane moves the node to the target: a paused rollout (or a
 * cohort whose turn has not come) answers {@code shouldUpdate} false, and the node stays where it is.
 */
class CheckTargetLineTest {

    private static final String DIGEST = "sha256:" + "c".repeat(64);

    @Test
    void aTargetTheNodeIsNotMovedToIsANote() {
        var paused = CheckCommand.target("ALL", new ControlPlane.VersionAnswer("3.0.0", "registry/node:3.0.0",
                DIGEST, "canary", false, "normal"));
        assertThat(paused.outcome()).isEqualTo(CheckCommand.Outcome.NOTE);
        assertThat(paused.printed()).isEqualTo("[note] target           ALL 3.0.0 (" + DIGEST + ", cohort canary, "
                + "priority normal): the control plane does not move this node to it now (the rollout is paused, or "
                + "this node's cohort has not had its turn); the node stays on its version");

        var moving = CheckCommand.target("ALL", new ControlPlane.VersionAnswer("3.0.0", "registry/node:3.0.0",
                DIGEST, "canary", true, "normal"));
        assertThat(moving.printed()).startsWith("[ ok ] target").endsWith(": the control plane moves this node to it");
    }
}
