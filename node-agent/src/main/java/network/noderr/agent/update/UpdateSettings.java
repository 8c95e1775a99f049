package network.noderr.agent.update;

import java.time.Duration;
import network.noderr.agent.docker.FirstContainer;

/**
 * @param tier the node's tier (the on-chain record is per tier)
 * @param healthWindow how long the new container must stay healthy before the update commits
 * @param rollbackTimeout how long the new container may take to become healthy before it is rolled back
 * @param stopGrace how long a container gets to stop before it is killed
 * @param pullTimeout how long a pull may take
 * @param firstContainer how the node's first container is created when the node has none
 */
public record UpdateSettings(String tier, Duration healthWindow, Duration rollbackTimeout, Duration stopGrace,
        Duration pullTimeout, FirstContainer firstContainer) {

    /** With the {@linkplain FirstContainer#DEFAULTS default} first container. */
    public UpdateSettings(String tier, Duration healthWindow, Duration rollbackTimeout, Duration stopGrace,
            Duration pullTimeout) {
        this(tier, healthWindow, rollbackTimeout, stopGrace, pullTimeout, FirstContainer.DEFAULTS);
    }
}
