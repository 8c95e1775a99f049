-- When the registry's current_version was last observed, by the node's own clock where the writer has it: a health
-- report's timestamp, an update report's timestamp. A version query (and an update report without a timestamp) has
-- only the control plane's receive time. A health report changes current_version only when its timestamp is newer
-- than this, so a report the node sent before an update but that is stored after the update report cannot set the
-- registry back to the old version (docs/api.md, "The registry's running version"). Null: no observation recorded
-- yet (rows from before this column): the next health report sets it.
ALTER TABLE node_versions ADD COLUMN version_observed_at TIMESTAMPTZ;
