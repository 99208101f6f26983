-- 011 quotas, expiring uploads and the complainant's consent (issue #22 F13, F20).
--
-- quota_usage counts what each quota allows per fixed window (an hour, a
-- day, a minute, in the city's day): the row of the window in progress is
-- taken inside the write that does the work, so the count is exact and
-- survives restarts; rows of windows long past are pruned by the sweep
-- (src/services/sweep.c). quota names the configuration key and whose count
-- it is: 'quota.uploads_per_hour:user/42', 'quota.events_per_minute:key/7'.
CREATE TABLE quota_usage (
    quota        TEXT NOT NULL,
    window_start INTEGER NOT NULL,      -- Unix seconds
    used         INTEGER NOT NULL,
    PRIMARY KEY (quota, window_start)
) WITHOUT ROWID;
CREATE INDEX quota_usage_window ON quota_usage(window_start);

-- Uploads no case holds now expire (services.unattached_upload_ttl): an
-- upload's id must never be given again, or the audit trail and the ledger
-- (upload.create, upload.expire) would name two uploads by one id, so the
-- table is rebuilt with AUTOINCREMENT (SQLite otherwise reuses the highest
-- id once its row is deleted). The sweep finds them oldest first, and asks
-- case_materials by upload.
CREATE TABLE uploads_new (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    sha256     TEXT NOT NULL REFERENCES files(sha256),
    filename   TEXT NOT NULL,
    owner_id   INTEGER NOT NULL REFERENCES users(id),
    created_at INTEGER NOT NULL
);
INSERT INTO uploads_new (id, sha256, filename, owner_id, created_at)
    SELECT id, sha256, filename, owner_id, created_at FROM uploads;
DROP TABLE uploads;
ALTER TABLE uploads_new RENAME TO uploads;
CREATE INDEX uploads_owner ON uploads(owner_id);
CREATE INDEX uploads_created ON uploads(created_at);
CREATE INDEX case_materials_upload ON case_materials(upload_id);

-- 1: the complainant agreed that the department complained about sees who
-- he is (name, phone, his case); 0 (also every complaint filed before): only
-- the supervision office does
ALTER TABLE messages ADD COLUMN disclose INTEGER NOT NULL DEFAULT 0;
