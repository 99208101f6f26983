-- 003 ledger: the tamper-evident Merkle log (RFC 6962) of every recorded
-- event, its interior nodes, and signed checkpoints (C2SP signed notes).

CREATE TABLE ledger_entries (
    idx           INTEGER PRIMARY KEY,  -- 0, 1, 2, ... consecutive
    entry         BLOB NOT NULL,        -- the canonical bytes, hashed as stored
    leaf_hash     BLOB NOT NULL,        -- SHA-256(0x00 || entry)
    subject       TEXT NOT NULL,        -- "user/12", "case/…": what the event is about
    owner_user_id INTEGER               -- the citizen/enterprise who may read it, if any
);
CREATE INDEX ledger_subject ON ledger_entries(subject);
CREATE INDEX ledger_owner ON ledger_entries(owner_user_id) WHERE owner_user_id IS NOT NULL;

-- perfect subtrees of 2^level leaves (level >= 1), index = first leaf >> level
CREATE TABLE ledger_nodes (
    level INTEGER NOT NULL,
    idx   INTEGER NOT NULL,
    hash  BLOB NOT NULL,
    PRIMARY KEY (level, idx)
) WITHOUT ROWID;

CREATE TABLE ledger_checkpoints (
    size       INTEGER PRIMARY KEY,
    root       BLOB NOT NULL,
    note       TEXT NOT NULL,           -- the signed note, as served
    created_at INTEGER NOT NULL
);
