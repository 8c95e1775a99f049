-- The address a node last logged in from (challenge/verify), for Prometheus service discovery of its agent's
-- metrics endpoint (GET /api/v1/sd/nodes).
ALTER TABLE nodes ADD COLUMN last_address VARCHAR(45);
