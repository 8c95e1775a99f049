-- When a replica last stored a health report from any node (its own clock). A fleet that has been reporting, and from
-- which no report at all arrives for longer than a report interval plus the outage gap, is not silent node by node:
-- the reports are not reaching the control plane (a load balancer or its network). Each beat in that state starts a
-- new period, as after an outage of the control plane itself (health.ReportingWindow).
ALTER TABLE health_reporting_heartbeat ADD COLUMN last_report TIMESTAMPTZ;
