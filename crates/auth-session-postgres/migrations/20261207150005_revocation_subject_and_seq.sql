-- Bounding what one subject adds to the revocation list, and reading the list's changes from
-- the table instead of trusting NOTIFY payloads (any role that can connect may NOTIFY).
--
-- `subject`: the subject a session revocation or a watermark names (NULL for token ids and
-- for session revocations that name none), so that one subject's entries can be counted and
-- collapsed into a watermark.
-- `seq`: a change number, set from the sequence on every insert and every update, under a
-- lock that serialises revocation writes, so rows commit in `seq` order and a listener that
-- has read every row up to N reads exactly the newer ones with `seq > N`.
ALTER TABLE revocations ADD COLUMN subject text;
ALTER TABLE revocations ADD COLUMN seq bigserial;
CREATE INDEX revocations_seq_idx ON revocations (seq);
CREATE INDEX revocations_subject_idx ON revocations (subject, expires_at) WHERE subject IS NOT NULL;
