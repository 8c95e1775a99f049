-- The port of the node agent's metrics endpoint, as the agent tells it at login (0: it serves none). Null: not told
-- (older agents, the installers' test login): service discovery uses noderr.sd.node-metrics-port.
ALTER TABLE nodes ADD COLUMN metrics_port INTEGER CHECK (metrics_port BETWEEN 0 AND 65535);
