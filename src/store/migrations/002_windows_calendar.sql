-- 002: a retired window's number can be given again (unique among active
-- windows only), and a local change to an official calendar day keeps the
-- official listing so that removing the change restores it.

CREATE TABLE windows_new (
    id          INTEGER PRIMARY KEY,
    hall_id     INTEGER NOT NULL REFERENCES halls(id),
    number      INTEGER NOT NULL,
    name        TEXT NOT NULL,
    dept_id     INTEGER NOT NULL REFERENCES departments(id),
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    retired_at  INTEGER
);
INSERT INTO windows_new SELECT id, hall_id, number, name, dept_id, created_at, updated_at, retired_at FROM windows;
DROP TABLE windows;
ALTER TABLE windows_new RENAME TO windows;
CREATE INDEX windows_dept ON windows(dept_id);
CREATE UNIQUE INDEX windows_active_number ON windows(hall_id, number) WHERE retired_at IS NULL;

-- the official listing under a local change (NULL: the day had none)
ALTER TABLE calendar_days ADD COLUMN official_kind TEXT CHECK (official_kind IN ('holiday', 'makeup'));
ALTER TABLE calendar_days ADD COLUMN official_name TEXT;
