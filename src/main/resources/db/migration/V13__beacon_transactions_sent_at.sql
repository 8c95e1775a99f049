-- When a transaction was sent to the chain. A queued write (an automatic rollback while the chain was unreachable)
-- is sent long after it was created; its "not mined in time" deadline counts from here, not from created_at.
ALTER TABLE beacon_transactions ADD COLUMN sent_at TIMESTAMPTZ;
-- Earlier rows: a pending one was last updated when it was sent; anything else that has a hash was sent when it
-- was recorded or after, and is settled already.
UPDATE beacon_transactions SET sent_at = CASE WHEN status = 'pending' THEN updated_at ELSE created_at END
WHERE tx_hash IS NOT NULL;
