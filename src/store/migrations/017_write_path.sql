-- 017 the write path (issue #13): the status query's answer, materialised, and
-- the outbox of notices sent after the commit.
--
-- public_answer is the exact JSON text that POST /api/public/case-status
-- answers for the case (what its applicant may see: state, dates, result, the
-- public timeline), written in the same write as every step of the case
-- (src/services/case_public.c, case_public_store), so that a query is one
-- indexed read, a constant-time password check and these bytes. NULL = not
-- materialised (cases written before this migration, or whose department or
-- item was renamed since): the query computes the answer as before.
ALTER TABLE cases ADD COLUMN public_answer TEXT;

-- The outbox of SMS and e-mail notices (src/supervise/notify.c): the write
-- that raises a card (or tells a user) inserts its notices here, so that they
-- commit or roll back with it; the sender thread sends each committed notice
-- after the commit, marks it sent, and retries a failed one later (next_at,
-- the real clock in Unix seconds) until notify.max_attempts, then gives up
-- (failed_at). id is the notice's identity for a gateway that deduplicates
-- (a crash between sending and marking sends it again at the restart).
CREATE TABLE notify_outbox (
    id         INTEGER PRIMARY KEY,
    channel    TEXT NOT NULL,        -- sms, email
    login      TEXT NOT NULL,
    phone      TEXT,
    text       TEXT NOT NULL,
    created_at INTEGER NOT NULL,     -- the platform clock
    attempts   INTEGER NOT NULL DEFAULT 0,
    next_at    INTEGER NOT NULL DEFAULT 0,
    sent_at    INTEGER,
    failed_at  INTEGER,
    last_error TEXT
);
CREATE INDEX notify_outbox_due ON notify_outbox(next_at) WHERE sent_at IS NULL AND failed_at IS NULL;
