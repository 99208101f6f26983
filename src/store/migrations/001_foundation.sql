-- 001 foundation: organisations, accounts, sessions, keys, audit, calendar.
-- Times are Unix seconds (INTEGER), set by the application's clock.

CREATE TABLE regions (
    code        TEXT PRIMARY KEY,           -- GB/T 2260: 6 digits, townships 9
    name        TEXT NOT NULL,
    level       INTEGER NOT NULL CHECK (level BETWEEN 1 AND 3), -- 1 city, 2 county/district, 3 township/street
    parent_code TEXT REFERENCES regions(code),
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    retired_at  INTEGER
);
CREATE INDEX regions_parent ON regions(parent_code);

CREATE TABLE departments (
    id          INTEGER PRIMARY KEY,
    code        TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    short_name  TEXT NOT NULL DEFAULT '',
    region_code TEXT NOT NULL REFERENCES regions(code),
    kind        TEXT NOT NULL DEFAULT 'bureau',
    phone       TEXT NOT NULL DEFAULT '',
    address     TEXT NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    retired_at  INTEGER
);
CREATE INDEX departments_region ON departments(region_code);

CREATE TABLE halls (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    region_code TEXT NOT NULL REFERENCES regions(code),
    address     TEXT NOT NULL DEFAULT '',
    hours       TEXT NOT NULL DEFAULT '',
    phone       TEXT NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    retired_at  INTEGER
);
CREATE INDEX halls_region ON halls(region_code);

CREATE TABLE windows (
    id          INTEGER PRIMARY KEY,
    hall_id     INTEGER NOT NULL REFERENCES halls(id),
    number      INTEGER NOT NULL,
    name        TEXT NOT NULL,
    dept_id     INTEGER NOT NULL REFERENCES departments(id),
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    retired_at  INTEGER,
    UNIQUE (hall_id, number)
);
CREATE INDEX windows_dept ON windows(dept_id);

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    login         TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    role          TEXT NOT NULL,
    dept_id       INTEGER REFERENCES departments(id),
    region_code   TEXT REFERENCES regions(code),
    id_number     TEXT UNIQUE,       -- citizens: 18-digit ID (GB 11643)
    credit_code   TEXT UNIQUE,       -- enterprises: 统一社会信用代码 (GB 32100)
    phone         TEXT NOT NULL DEFAULT '',
    password_hash TEXT NOT NULL,     -- Argon2id, libsodium's string format
    disabled      INTEGER NOT NULL DEFAULT 0,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    last_login_at INTEGER
);
CREATE INDEX users_dept ON users(dept_id);

CREATE TABLE sessions (
    token_hash   BLOB PRIMARY KEY,   -- SHA-256 of the cookie value; the token itself is never stored
    user_id      INTEGER NOT NULL REFERENCES users(id),
    csrf         TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    client       TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE api_keys (
    id           INTEGER PRIMARY KEY,
    dept_id      INTEGER NOT NULL REFERENCES departments(id),
    name         TEXT NOT NULL,
    prefix       TEXT NOT NULL UNIQUE, -- first characters, shown in lists to recognise a key
    key_hash     BLOB NOT NULL,        -- SHA-256 of the whole key
    created_by   INTEGER REFERENCES users(id),
    created_at   INTEGER NOT NULL,
    revoked_at   INTEGER,
    last_used_at INTEGER
);
CREATE INDEX api_keys_dept ON api_keys(dept_id);

CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY,
    at          INTEGER NOT NULL,
    actor_id    INTEGER,             -- NULL: the command line or the system
    actor_login TEXT NOT NULL,
    action      TEXT NOT NULL,       -- user.create, user.disable, key.create, department.update ...
    target_type TEXT NOT NULL,
    target_id   TEXT NOT NULL,
    detail      TEXT NOT NULL DEFAULT '{}' -- JSON: what changed
);
CREATE INDEX audit_target ON audit_log(target_type, target_id);

CREATE TABLE calendar_days (
    day        TEXT PRIMARY KEY,     -- YYYY-MM-DD
    kind       TEXT NOT NULL CHECK (kind IN ('holiday', 'makeup')),
    name       TEXT NOT NULL DEFAULT '',
    local      INTEGER NOT NULL DEFAULT 0, -- 1: a local holiday the city added
    updated_at INTEGER NOT NULL
);

CREATE TABLE calendar_years (
    year        INTEGER PRIMARY KEY,
    source      TEXT NOT NULL,
    imported_at INTEGER NOT NULL
);
