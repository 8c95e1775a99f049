-- Why, by whom and when a node was suspended, shown in the node's details while it stays suspended and cleared when
-- it is reinstated. The dashboard requires a reason; a suspension through the management API (whose contract has no
-- reason) records who and when only. Nodes suspended before this column have none of them.
ALTER TABLE nodes
    ADD COLUMN suspension_reason TEXT,
    ADD COLUMN suspended_by TEXT,
    ADD COLUMN suspended_at TIMESTAMPTZ;
