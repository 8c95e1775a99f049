-- An emergency rollback request records the tier's version in force when it was filed (what it rolls back from):
-- approved after the tier moved on (a release published since, another rollback), it is refused instead of rolling
-- back a release nobody filed it against. NULL for publishes and for requests filed before this was recorded.
ALTER TABLE approvals ADD COLUMN rolls_back_from VARCHAR(50);
