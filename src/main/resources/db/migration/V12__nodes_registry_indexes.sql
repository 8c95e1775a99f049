-- Indexes for the node registry screen at 100k+ nodes (docs/benchmarks.md, "Admin dashboard: node registry").
--
-- Search: the registry matches node id and host name with ILIKE '%text%'; without an index that is a scan of every
-- node (about 130 ms per query at 100k nodes, twice per search: count and page). Trigram indexes answer it from
-- three characters on.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX idx_nodes_node_id_trgm ON nodes USING gin (node_id gin_trgm_ops);
CREATE INDEX idx_nodes_hostname_trgm ON nodes USING gin (hostname gin_trgm_ops);

-- Sorts and filters on the node's own columns: the registry orders by the column, then by node id, and reads one
-- page. With (column, node_id) the page comes straight from the index instead of sorting every node (about 90 ms
-- at 100k nodes); a filter on tier or status reads its first page in node-id order the same way. These replace
-- the single-column indexes of V3. The volatile node_versions columns (last report, health) get none: every
-- health report writes them, and more indexes there would cost the ingest path.
CREATE INDEX idx_nodes_tier_node ON nodes (tier, node_id);
CREATE INDEX idx_nodes_status_node ON nodes (status, node_id);
CREATE INDEX idx_nodes_registered_node ON nodes (registered_at, node_id);
CREATE INDEX idx_nodes_hostname_node ON nodes (hostname, node_id);
CREATE INDEX idx_nodes_key_type_node ON nodes (key_type, node_id);
DROP INDEX idx_nodes_tier;
DROP INDEX idx_nodes_status;
DROP INDEX idx_nodes_registered;
