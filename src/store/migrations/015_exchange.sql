-- 015 the data centre (issue #17, R10): the catalogue of government
-- information resources (政务信息资源目录), the base databases it serves
-- (人口, 法人), sharing requests and the grants they issue, and the log of
-- every exchange call (X-Road's operational monitoring). docs/exchange.md.

-- A catalogue record (GB/T 21063): the provider's working copy and where it
-- is in data/flows/catalogue.json. doc is the record as JSON (identity,
-- description, data items, sharing, maintenance); version counts published
-- versions (the working copy is version + 1 while a draft).
CREATE TABLE ex_resources (
    id          INTEGER PRIMARY KEY,
    identifier  TEXT NOT NULL UNIQUE,  -- 信息资源标识符: {class}/{sequence}
    dept_id     INTEGER NOT NULL REFERENCES departments(id), -- 提供方
    state       TEXT NOT NULL,         -- draft, submitted, published
    version     INTEGER NOT NULL DEFAULT 0,
    doc         TEXT NOT NULL,
    dataset     TEXT,                  -- a base database the exchange serves: persons, legal_persons
    created_by  INTEGER REFERENCES users(id),
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);
CREATE INDEX ex_resources_dept ON ex_resources(dept_id, state);

-- Every published version, as published.
CREATE TABLE ex_resource_versions (
    resource_id  INTEGER NOT NULL REFERENCES ex_resources(id),
    version      INTEGER NOT NULL,
    doc          TEXT NOT NULL,
    published_at INTEGER NOT NULL,
    published_by TEXT NOT NULL,
    PRIMARY KEY (resource_id, version)
);

-- The published catalogue (the newest published version of each record):
-- what search and the DCAT export read.
CREATE TABLE ex_catalogue (
    resource_id  INTEGER PRIMARY KEY REFERENCES ex_resources(id),
    identifier   TEXT NOT NULL,
    version      INTEGER NOT NULL,
    class_code   TEXT NOT NULL,
    name         TEXT NOT NULL,
    summary      TEXT NOT NULL,
    keywords     TEXT NOT NULL,         -- space separated
    items_text   TEXT NOT NULL,         -- the data items' labels, for search
    dept_id      INTEGER NOT NULL REFERENCES departments(id),
    share_type   TEXT NOT NULL,         -- unconditional, conditional, none
    open         INTEGER NOT NULL,      -- 开放属性: 1 = open data
    published_on TEXT NOT NULL,         -- YYYY-MM-DD
    doc          TEXT NOT NULL,
    retired_at   INTEGER                -- 撤销: no longer offered (its grants' history stays)
);
CREATE INDEX ex_catalogue_class ON ex_catalogue(class_code);
CREATE INDEX ex_catalogue_dept ON ex_catalogue(dept_id);

-- 人口基础信息库: one row per person (GB 11643 ID number).
CREATE TABLE ex_persons (
    id_number   TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    sex         TEXT NOT NULL,          -- 男 / 女
    birth_date  TEXT NOT NULL,
    ethnicity   TEXT NOT NULL,
    region_code TEXT NOT NULL,          -- 户籍地 (GB/T 2260)
    address     TEXT NOT NULL,
    marital     TEXT NOT NULL,
    education   TEXT NOT NULL,
    phone       TEXT NOT NULL,
    updated_at  INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX ex_persons_name ON ex_persons(name);

-- 法人单位基础信息库: one row per legal person (GB 32100 credit code).
CREATE TABLE ex_legal_persons (
    uscc            TEXT PRIMARY KEY,
    name            TEXT NOT NULL,
    kind            TEXT NOT NULL,
    representative  TEXT NOT NULL,
    capital         INTEGER NOT NULL,   -- 注册资本, 万元
    established     TEXT NOT NULL,
    region_code     TEXT NOT NULL,
    address         TEXT NOT NULL,
    business_scope  TEXT NOT NULL,
    status          TEXT NOT NULL,
    updated_at      INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX ex_legal_persons_name ON ex_legal_persons(name);

-- A sharing request (共享申请), data/flows/sharing_request.json: checked for
-- compliance by the data office by check_due, answered by the provider by
-- answer_due (conditional resources), then granted or refused.
CREATE TABLE ex_requests (
    id          INTEGER PRIMARY KEY,
    number      TEXT NOT NULL UNIQUE,
    resource_id INTEGER NOT NULL REFERENCES ex_resources(id),
    consumer_id INTEGER NOT NULL REFERENCES departments(id),
    provider_id INTEGER NOT NULL REFERENCES departments(id),
    items       TEXT NOT NULL,          -- JSON array of data item names
    purpose     TEXT NOT NULL,
    basis       TEXT NOT NULL,
    valid_days  INTEGER NOT NULL,
    hours       TEXT NOT NULL,
    state       TEXT NOT NULL,
    check_due   TEXT NOT NULL,
    answer_due  TEXT,
    reason      TEXT,
    created_by  INTEGER REFERENCES users(id),
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);
CREATE INDEX ex_requests_consumer ON ex_requests(consumer_id, created_at);
CREATE INDEX ex_requests_provider ON ex_requests(provider_id, created_at);

-- A grant (授权): what an approved request lets the consumer's systems read.
-- The application key (应用密钥) is issued to the consumer and shown once;
-- only its SHA-256 is kept (as API keys are).
CREATE TABLE ex_grants (
    id          INTEGER PRIMARY KEY,
    request_id  INTEGER NOT NULL UNIQUE REFERENCES ex_requests(id),
    consumer_id INTEGER NOT NULL REFERENCES departments(id),
    resource_id INTEGER NOT NULL REFERENCES ex_resources(id),
    items       TEXT NOT NULL,
    purpose     TEXT NOT NULL,
    expires_at  INTEGER NOT NULL,
    rate_per_minute INTEGER NOT NULL,
    key_prefix  TEXT UNIQUE,            -- NULL until the consumer issues its key
    key_hash    BLOB UNIQUE,
    key_issued_at INTEGER,
    created_at  INTEGER NOT NULL,
    hours       TEXT NOT NULL,          -- HH:MM-HH:MM: when its calls are expected (city time)
    expired_use_at INTEGER,             -- the first call after expiry (carded)
    volume_alert_window INTEGER,        -- the window of its last volume alert (one per window)
    off_hours_alert_day TEXT            -- the day of its last off-hours alert (one per day)
);
CREATE INDEX ex_grants_consumer ON ex_grants(consumer_id);

-- One record per exchange call (X-Road operational monitoring).
CREATE TABLE ex_calls (
    id            INTEGER PRIMARY KEY,
    grant_id      INTEGER,
    consumer_id   INTEGER NOT NULL,
    provider_id   INTEGER,
    resource_id   INTEGER,
    dataset       TEXT NOT NULL,
    subject       TEXT NOT NULL,        -- the record read (ID number, credit code) or the query
    user_ref      TEXT NOT NULL,        -- messageUserId: who at the consumer
    issue         TEXT NOT NULL,        -- messageIssue: the case or document number served
    method        TEXT NOT NULL,
    path          TEXT NOT NULL,
    request_in_ms INTEGER NOT NULL,
    response_out_ms INTEGER NOT NULL,
    request_size  INTEGER NOT NULL,
    response_size INTEGER NOT NULL,
    rows          INTEGER NOT NULL,
    status        INTEGER NOT NULL,
    succeeded     INTEGER NOT NULL,
    fault_code    TEXT,
    fault_string  TEXT
);
CREATE INDEX ex_calls_grant ON ex_calls(grant_id, request_in_ms);
CREATE INDEX ex_calls_subject ON ex_calls(subject, request_in_ms);
CREATE INDEX ex_calls_provider ON ex_calls(provider_id, request_in_ms);

-- Changes a provider's system made to a base database (one row per call),
-- for the mass-change alert.
CREATE TABLE ex_dataset_changes (
    id        INTEGER PRIMARY KEY,
    dataset   TEXT NOT NULL,
    dept_id   INTEGER NOT NULL REFERENCES departments(id),
    at        INTEGER NOT NULL,
    inserted  INTEGER NOT NULL,
    updated   INTEGER NOT NULL,
    deleted   INTEGER NOT NULL
);
CREATE INDEX ex_dataset_changes_at ON ex_dataset_changes(dataset, at);

-- A mass change or deletion in a base database (data/flows/dataset_change.json):
-- raised by the system, closed by the data office.
CREATE TABLE ex_change_alerts (
    id          INTEGER PRIMARY KEY,
    number      TEXT NOT NULL UNIQUE,
    dataset     TEXT NOT NULL,
    dept_id     INTEGER NOT NULL REFERENCES departments(id),
    state       TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);
CREATE INDEX ex_change_alerts_dataset ON ex_change_alerts(dataset, state);
