-- 016 the two zones (R15, docs/zones.md): the crossing's outbox, inbox and
-- the last sequence number taken from the other zone.
--
-- zone_outbox holds every message this instance sends to the other zone, in
-- the write that caused it (an application, a step): seq is the sender's
-- monotonically increasing number (AUTOINCREMENT: never given twice), the
-- payload the exact signed text. The crossing's job writes unsent rows to
-- the spool (temp name, fsync, rename; a material's file first, as
-- SEQ-ID.bin, its hash in the signed body) and sets sent_at; a refusal the other
-- side reports back sets refused_at and refused_reason.
CREATE TABLE zone_outbox (
    seq            INTEGER PRIMARY KEY AUTOINCREMENT,
    msg_id         TEXT NOT NULL UNIQUE,
    type           TEXT NOT NULL,
    subject        TEXT NOT NULL DEFAULT '',
    payload        TEXT NOT NULL,
    blob           TEXT,             -- material.uploaded: the SHA-256 of the stored file sent beside it
    created_at     INTEGER NOT NULL,
    sent_at        INTEGER,
    refused_at     INTEGER,
    refused_reason TEXT
);
CREATE INDEX zone_outbox_unsent ON zone_outbox(seq) WHERE sent_at IS NULL;

-- zone_inbox: every file read from the spool, taken or refused. msg_id and
-- seq are NULL for a file whose signature or envelope did not check (it is
-- not known to come from the other zone); sha256 is the file's.
CREATE TABLE zone_inbox (
    id          INTEGER PRIMARY KEY,
    file        TEXT NOT NULL,
    sha256      TEXT NOT NULL,
    msg_id      TEXT,
    sender      TEXT,
    seq         INTEGER,
    type        TEXT,
    subject     TEXT,
    status      TEXT NOT NULL CHECK (status IN ('accepted', 'refused')),
    reason      TEXT,
    field       TEXT,
    payload     TEXT,
    received_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX zone_inbox_msg ON zone_inbox(msg_id) WHERE msg_id IS NOT NULL AND status = 'accepted';
CREATE INDEX zone_inbox_received ON zone_inbox(received_at);

-- the highest sequence number taken from each sender (accepted, or refused
-- after its signature checked): a message must come with a higher one
CREATE TABLE zone_peer (
    sender   TEXT PRIMARY KEY,
    last_seq INTEGER NOT NULL
) WITHOUT ROWID;
