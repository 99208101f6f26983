-- 004 services (R2, R3, R4): process definitions, power items and their
-- versions, uploaded files, cases (办件) with their events and materials,
-- consultations and complaints, ratings (好差评), and the supervision event
-- log that every domain writes in the schema of docs/supervision-events.md.
-- Times are Unix seconds (UTC); days are 'YYYY-MM-DD' in the city's zone.

-- every version of every process definition ever loaded (data/flows/*.json)
CREATE TABLE flow_defs (
    id        TEXT NOT NULL,
    version   INTEGER NOT NULL,
    kind      TEXT NOT NULL,
    name      TEXT NOT NULL,
    body      TEXT NOT NULL,            -- the definition, as JSON
    sha256    TEXT NOT NULL,            -- of body: a changed file with the same version is refused
    loaded_at INTEGER NOT NULL,
    PRIMARY KEY (id, version)
);

-- power items (权力事项): one row per version
CREATE TABLE items (
    id             INTEGER PRIMARY KEY,
    code           TEXT NOT NULL,
    version        INTEGER NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('draft', 'in_review', 'returned', 'published', 'superseded',
                                                   'suspended', 'cancelled')),
    name           TEXT NOT NULL,
    type           TEXT NOT NULL,       -- 行政许可 … 公共服务 其他
    dept_id        INTEGER NOT NULL REFERENCES departments(id),
    region_code    TEXT NOT NULL REFERENCES regions(code),
    flow_id        TEXT NOT NULL,       -- process definition: licensing | on_the_spot | joint_review
    legal_days     INTEGER NOT NULL,    -- 法定时限, working days (0 = 即办)
    promised_days  INTEGER NOT NULL,    -- 承诺时限
    online         TEXT NOT NULL,       -- 全程网办 | 网上预审 | 不可网办
    guide          TEXT NOT NULL,       -- the whole guide (办事指南) as JSON, every DOMAIN §2 element
    created_by     INTEGER REFERENCES users(id),
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL,
    submitted_at   INTEGER,
    reviewed_by    INTEGER REFERENCES users(id),
    reviewed_at    INTEGER,
    review_opinion TEXT NOT NULL DEFAULT '',
    published_at   INTEGER,
    UNIQUE (code, version)
);
-- at most one public version of a code
CREATE UNIQUE INDEX items_published ON items(code) WHERE status = 'published';
-- at most one version in the making (draft, in review or returned)
CREATE UNIQUE INDEX items_open ON items(code) WHERE status IN ('draft', 'in_review', 'returned');
CREATE INDEX items_dept ON items(dept_id, status);
CREATE INDEX items_status ON items(status, code);

-- every step of an item's life: submit, approve, return, suspend, resume, cancel
CREATE TABLE item_events (
    id       INTEGER PRIMARY KEY,
    item_id  INTEGER NOT NULL REFERENCES items(id),
    action   TEXT NOT NULL,
    actor_id INTEGER REFERENCES users(id),
    actor    TEXT NOT NULL,
    at       INTEGER NOT NULL,
    opinion  TEXT NOT NULL DEFAULT ''
);
CREATE INDEX item_events_item ON item_events(item_id);

-- uploaded bytes, stored once by content hash under data_dir/files/
CREATE TABLE files (
    sha256     TEXT PRIMARY KEY,
    mime       TEXT NOT NULL,           -- sniffed from the bytes: application/pdf, application/ofd, image/jpeg, image/png
    size       INTEGER NOT NULL,
    created_at INTEGER NOT NULL
);
-- who uploaded what under which name; a case refers to uploads
CREATE TABLE uploads (
    id         INTEGER PRIMARY KEY,
    sha256     TEXT NOT NULL REFERENCES files(sha256),
    filename   TEXT NOT NULL,
    owner_id   INTEGER NOT NULL REFERENCES users(id),
    created_at INTEGER NOT NULL
);
CREATE INDEX uploads_owner ON uploads(owner_id);

-- cases (办件)
CREATE TABLE cases (
    id             INTEGER PRIMARY KEY,
    number         TEXT NOT NULL UNIQUE, -- {region}-{YYYYMMDD}-{6-digit sequence}, docs/services.md
    item_id        INTEGER NOT NULL REFERENCES items(id), -- the exact version it runs under
    flow_id        TEXT NOT NULL,
    flow_version   INTEGER NOT NULL,
    dept_id        INTEGER NOT NULL REFERENCES departments(id),
    region_code    TEXT NOT NULL REFERENCES regions(code),
    applicant_id   INTEGER NOT NULL REFERENCES users(id),
    applicant_type TEXT NOT NULL CHECK (applicant_type IN ('citizen', 'enterprise')),
    applicant_name TEXT NOT NULL,
    applicant_no   TEXT NOT NULL,       -- ID number or credit code
    contact_phone  TEXT NOT NULL DEFAULT '',
    channel        TEXT NOT NULL DEFAULT 'online',
    title          TEXT NOT NULL DEFAULT '',
    form           TEXT NOT NULL DEFAULT '{}', -- the application form, JSON
    state          TEXT NOT NULL,
    state_since    INTEGER NOT NULL,
    due_day        TEXT,                -- the day the current step is due (to-do lists sort by it)
    query_hash     BLOB NOT NULL,       -- SHA-256 of the number and the query password
    idem_key       TEXT,
    submitted_at   INTEGER NOT NULL,
    accepted_at    INTEGER,
    accept_day     TEXT,                -- the acceptance date; limits count from the next working day
    promised_due   TEXT,                -- end of WD_P, pushed back by special procedures
    legal_due      TEXT,                -- end of WD_L, likewise
    suspended_days INTEGER NOT NULL DEFAULT 0, -- working days spent in special procedures
    suspended_at   INTEGER,             -- start of the special procedure under way
    suspend_granted INTEGER,            -- days granted to it
    supplements    INTEGER NOT NULL DEFAULT 0, -- 补正 requests made
    closed_at      INTEGER,
    result_type    TEXT,
    certificate_no TEXT,
    fee_charged    INTEGER,             -- fen
    updated_at     INTEGER NOT NULL,
    UNIQUE (applicant_id, idem_key)
);
CREATE INDEX cases_dept_state ON cases(dept_id, state, due_day);
CREATE INDEX cases_applicant ON cases(applicant_id, submitted_at);
CREATE INDEX cases_submitted ON cases(submitted_at);

-- the departments of a joint review (联审), each giving its opinion
CREATE TABLE case_joint (
    case_id INTEGER NOT NULL REFERENCES cases(id),
    dept_id INTEGER NOT NULL REFERENCES departments(id),
    PRIMARY KEY (case_id, dept_id)
) WITHOUT ROWID;

-- every action taken on a case, in order
CREATE TABLE case_events (
    id         INTEGER PRIMARY KEY,
    case_id    INTEGER NOT NULL REFERENCES cases(id),
    seq        INTEGER NOT NULL,
    event_id   TEXT NOT NULL UNIQUE,    -- the supervision event id
    action     TEXT NOT NULL,
    from_state TEXT NOT NULL,
    to_state   TEXT NOT NULL,
    actor_id   INTEGER REFERENCES users(id),
    actor      TEXT NOT NULL,
    actor_role TEXT NOT NULL,
    actor_dept INTEGER,
    at         INTEGER NOT NULL,
    fields     TEXT NOT NULL DEFAULT '{}',
    UNIQUE (case_id, seq)
);

-- materials of a case: those submitted with the application or a 补正, and
-- attachments of a staff action (event_seq)
CREATE TABLE case_materials (
    id        INTEGER PRIMARY KEY,
    case_id   INTEGER NOT NULL REFERENCES cases(id),
    material  TEXT NOT NULL,            -- the guide's material name, or an attachment's title
    upload_id INTEGER NOT NULL REFERENCES uploads(id),
    event_seq INTEGER,                  -- NULL: submitted by the applicant with the application
    added_by  INTEGER REFERENCES users(id),
    added_at  INTEGER NOT NULL
);
CREATE INDEX case_materials_case ON case_materials(case_id);

-- the last number given per prefix and day (cases, consultations, complaints)
CREATE TABLE number_seq (
    prefix TEXT PRIMARY KEY,            -- '360302-20261128', 'ZX-360300-20261128'
    last   INTEGER NOT NULL
) WITHOUT ROWID;

-- consultations (咨询) and complaints (投诉)
CREATE TABLE messages (
    id            INTEGER PRIMARY KEY,
    number        TEXT NOT NULL UNIQUE,
    kind          TEXT NOT NULL CHECK (kind IN ('consultation', 'complaint')),
    flow_id       TEXT NOT NULL,
    flow_version  INTEGER NOT NULL,
    state         TEXT NOT NULL,
    state_since   INTEGER NOT NULL,
    dept_id       INTEGER NOT NULL REFERENCES departments(id),
    region_code   TEXT NOT NULL REFERENCES regions(code),
    item_code     TEXT,
    case_id       INTEGER REFERENCES cases(id),
    submitter_id  INTEGER NOT NULL REFERENCES users(id),
    submitter_name TEXT NOT NULL,
    contact_phone TEXT NOT NULL DEFAULT '',
    title         TEXT NOT NULL,
    content       TEXT NOT NULL,
    answer        TEXT,
    answered_by   INTEGER REFERENCES users(id),
    answered_at   INTEGER,
    idem_key      TEXT,
    submitted_at  INTEGER NOT NULL,
    due_day       TEXT NOT NULL,        -- the day the answer is due (end of it)
    closed_at     INTEGER,
    updated_at    INTEGER NOT NULL,
    UNIQUE (submitter_id, idem_key)
);
CREATE INDEX messages_dept_state ON messages(dept_id, state);
CREATE INDEX messages_submitter ON messages(submitter_id, submitted_at);

CREATE TABLE message_events (
    id         INTEGER PRIMARY KEY,
    message_id INTEGER NOT NULL REFERENCES messages(id),
    seq        INTEGER NOT NULL,
    event_id   TEXT NOT NULL UNIQUE,
    action     TEXT NOT NULL,
    from_state TEXT NOT NULL,
    to_state   TEXT NOT NULL,
    actor_id   INTEGER REFERENCES users(id),
    actor      TEXT NOT NULL,
    actor_role TEXT NOT NULL,
    at         INTEGER NOT NULL,
    fields     TEXT NOT NULL DEFAULT '{}',
    UNIQUE (message_id, seq)
);

-- 好差评: one rating per case; a bad one (levels 1-2) opens a follow-up
-- (回访) and a fix (整改) due on fix_due
CREATE TABLE ratings (
    id             INTEGER PRIMARY KEY,
    case_id        INTEGER NOT NULL UNIQUE REFERENCES cases(id),
    level          INTEGER NOT NULL CHECK (level BETWEEN 1 AND 5), -- 5 非常满意 … 1 非常不满意
    criteria       TEXT NOT NULL DEFAULT '[]', -- the reasons ticked, JSON
    comment        TEXT NOT NULL DEFAULT '',
    rater_id       INTEGER NOT NULL REFERENCES users(id),
    rated_at       INTEGER NOT NULL,
    dept_id        INTEGER NOT NULL REFERENCES departments(id),
    followup       TEXT NOT NULL DEFAULT 'none' CHECK (followup IN ('none', 'open', 'visited', 'fixed')),
    fix_due        TEXT,
    visit_note     TEXT,
    visited_at     INTEGER,
    fix_note       TEXT,
    fixed_at       INTEGER,
    updated_at     INTEGER NOT NULL
);
CREATE INDEX ratings_followup ON ratings(dept_id, followup);

-- supervision events (docs/supervision-events.md): what the platform's own
-- services emit and what departments' systems report; #5 consumes them
CREATE TABLE sv_events (
    seq          INTEGER PRIMARY KEY,   -- arrival order
    event_id     TEXT NOT NULL UNIQUE,
    source       TEXT NOT NULL,         -- 'platform', or 'dept:{code}' for a department's system
    subject_type TEXT NOT NULL,         -- case | consultation | complaint | rating
    subject      TEXT NOT NULL,         -- the case/message number
    type         TEXT NOT NULL,         -- 'case.accept', ...
    occurred_at  INTEGER NOT NULL,      -- event time
    received_at  INTEGER NOT NULL,
    dept_code    TEXT NOT NULL,
    region_code  TEXT NOT NULL,
    body         TEXT NOT NULL          -- the whole event, JSON
);
CREATE INDEX sv_events_subject ON sv_events(subject_type, subject, occurred_at);
