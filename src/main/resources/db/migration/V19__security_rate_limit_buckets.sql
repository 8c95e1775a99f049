-- Token buckets of the login throttle and of the rate limits on low-volume public endpoints, shared by every replica
-- (bucket4j's PostgreSQL proxy manager with advisory locks). id: limit name | capacity/period | source address or
-- username. state: the bucket, serialised by bucket4j. expires_at: epoch milliseconds from which the bucket would be
-- full again (plus a minute), so the row may be deleted. lock_id: the advisory lock taken around each use of the
-- bucket and by the job that deletes expired rows.
CREATE TABLE rate_limit_buckets (
    id         text   PRIMARY KEY,
    state      bytea  NOT NULL,
    expires_at bigint NOT NULL,
    lock_id    bigint NOT NULL
);

CREATE INDEX rate_limit_buckets_expires_at ON rate_limit_buckets (expires_at);
