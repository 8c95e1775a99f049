package network.noderr.agent.update;

import java.time.Duration;

/**
 * @param tier the node's tier (the on-chain record is per tier)
 * @param healthWindow how long the new container must stay healthy before the update commits
 * @param rollbackTimeout how long the new container may take to become healthy before it is rolled back
 * @param stopGrace how long a container gets to stop before it is killed
 * @param pullTimeout how long a pull may take
 */
public record UpdateSettings(String tier, Duration healthWindow, Duration rollbackTimeout, Duration stopGrace,
        Duration pullTimeout) {}
