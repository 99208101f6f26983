-- 005 supervision (R5): the projection of every supervised subject, the
-- deadline index the ticker reads, rules as data, cards and their
-- lifecycle, the in-app inbox, and monthly scores. Events themselves are in
-- sv_events (004). docs/supervision.md explains every table.

-- one row per supervised subject: a case (办件) of the platform or of a
-- department's own system, a consultation, a complaint, a rating follow-up
CREATE TABLE sv_subjects (
    id             INTEGER PRIMARY KEY,
    subject_type   TEXT NOT NULL,       -- case | consultation | complaint | rating
    subject        TEXT NOT NULL,       -- the number
    source         TEXT NOT NULL,       -- platform | dept:{code}
    dept_code      TEXT NOT NULL,
    region_code    TEXT NOT NULL,
    item_code      TEXT,
    item_version   INTEGER,
    item_name      TEXT,
    applicant_type TEXT,
    channel        TEXT,
    flow           TEXT,
    legal_days     INTEGER,
    promised_days  INTEGER,
    state          TEXT NOT NULL DEFAULT '',
    submitted_at   INTEGER,
    accepted_at    INTEGER,
    accept_day     TEXT,                -- the day limits count from (the next working day is WD_1)
    promised_due   TEXT,                -- end of WD_P, pushed back by finished special procedures
    legal_due      TEXT,                -- end of WD_L, likewise
    suspended_days INTEGER NOT NULL DEFAULT 0,
    suspended_at   INTEGER,             -- a special procedure under way since
    suspend_days   INTEGER,             -- the days granted to it
    due_day        TEXT,                -- consultations, complaints: the answer's due day; ratings: fix_due
    closed_at      INTEGER,             -- finished (lateness is judged against it, never against now)
    elapsed_days   INTEGER,             -- working days from acceptance to closing (or to the last evaluation)
    events         INTEGER NOT NULL DEFAULT 0,
    last_event_at  INTEGER,
    facts          TEXT NOT NULL DEFAULT '{}', -- what the rules read: step history, supplements, fee ...
    evaluated_at   INTEGER,
    updated_at     INTEGER NOT NULL,
    UNIQUE (subject_type, subject)
);
CREATE INDEX sv_subjects_dept ON sv_subjects(dept_code, closed_at);
CREATE INDEX sv_subjects_region ON sv_subjects(region_code, closed_at);

-- the deadline index: the next moment each rule must look at each subject
CREATE TABLE sv_timers (
    subject_id INTEGER NOT NULL REFERENCES sv_subjects(id),
    rule_id    TEXT NOT NULL,
    level      TEXT NOT NULL,
    due_at     INTEGER NOT NULL,        -- Unix seconds: the signal's moment
    PRIMARY KEY (subject_id, rule_id, level)
) WITHOUT ROWID;
CREATE INDEX sv_timers_due ON sv_timers(due_at);

-- rules as data (data/rules.json seeds them; changes make a new version)
CREATE TABLE sv_rules (
    id           TEXT PRIMARY KEY,
    version      INTEGER NOT NULL,
    category     TEXT NOT NULL CHECK (category IN ('time', 'procedure', 'fee', 'content', 'integrity')),
    kind         TEXT NOT NULL,         -- the evaluator: promised, legal, step_limit, pre_acceptance, ...
    name         TEXT NOT NULL,
    subject_type TEXT NOT NULL,         -- what it watches
    enabled      INTEGER NOT NULL DEFAULT 1,
    priority     INTEGER NOT NULL DEFAULT 100,
    region_scope TEXT NOT NULL DEFAULT '', -- '' = everywhere; else a region code and what lies below
    confirm      INTEGER NOT NULL DEFAULT 0, -- 1: cards wait for a supervisor's confirmation (pending)
    params       TEXT NOT NULL DEFAULT '{}',
    updated_at   INTEGER NOT NULL
);
CREATE TABLE sv_rule_versions (
    rule_id    TEXT NOT NULL,
    version    INTEGER NOT NULL,
    body       TEXT NOT NULL,           -- the rule as JSON at that version
    changed_by TEXT NOT NULL,
    changed_at INTEGER NOT NULL,
    PRIMARY KEY (rule_id, version)
) WITHOUT ROWID;

-- cards (预警, 黄牌, 红牌)
CREATE TABLE sv_cards (
    id            INTEGER PRIMARY KEY,
    number        TEXT NOT NULL UNIQUE,  -- JC-{region}-{YYYYMMDD}-{seq}
    subject_id    INTEGER NOT NULL REFERENCES sv_subjects(id),
    rule_id       TEXT NOT NULL,
    rule_version  INTEGER NOT NULL,
    level         TEXT NOT NULL CHECK (level IN ('warning', 'yellow', 'red')),
    category      TEXT NOT NULL,
    title         TEXT NOT NULL,
    facts         TEXT NOT NULL,         -- why: the moment, the deadline, the event, the numbers
    dept_code     TEXT NOT NULL,         -- the responsible department
    region_code   TEXT NOT NULL,
    step          TEXT NOT NULL DEFAULT '', -- the responsible step (state or action)
    signal_at     INTEGER NOT NULL,      -- the moment the rule says it happened
    state         TEXT NOT NULL CHECK (state IN ('pending', 'issued', 'answered', 'closed', 'escalated',
                                                 'appealed', 'revoked', 'retracted')),
    feedback_due  TEXT,                  -- the department answers by the end of this day
    escalated_due TEXT,                  -- 督办: handled by the end of this day
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    UNIQUE (subject_id, rule_id, level)
);
CREATE INDEX sv_cards_state ON sv_cards(state, level);
CREATE INDEX sv_cards_dept ON sv_cards(dept_code, state);
CREATE INDEX sv_cards_region ON sv_cards(region_code, created_at);

CREATE TABLE sv_card_events (
    id         INTEGER PRIMARY KEY,
    card_id    INTEGER NOT NULL REFERENCES sv_cards(id),
    seq        INTEGER NOT NULL,
    action     TEXT NOT NULL,            -- raise, confirm, feedback, close, escalate, appeal, revoke, send_back, retract
    from_state TEXT NOT NULL,
    to_state   TEXT NOT NULL,
    actor      TEXT NOT NULL,
    actor_role TEXT NOT NULL,
    at         INTEGER NOT NULL,
    reason     TEXT NOT NULL DEFAULT '',
    UNIQUE (card_id, seq)
);

-- the in-app inbox (SMS and e-mail go through a pluggable sender)
CREATE TABLE sv_inbox (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users(id),
    card_id    INTEGER REFERENCES sv_cards(id),
    title      TEXT NOT NULL,
    body       TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    read_at    INTEGER
);
CREATE INDEX sv_inbox_user ON sv_inbox(user_id, read_at);

-- monthly performance scores (绩效考核)
CREATE TABLE sv_scores (
    month      TEXT NOT NULL,            -- YYYY-MM
    scope      TEXT NOT NULL,            -- department | window | staff
    scope_id   TEXT NOT NULL,            -- department code, window id, user login
    dept_code  TEXT NOT NULL,
    score      REAL NOT NULL,
    detail     TEXT NOT NULL,            -- indicators, values, weights, deductions with reasons
    computed_at INTEGER NOT NULL,
    appeal_until TEXT,                   -- the last day of the appeal window
    PRIMARY KEY (month, scope, scope_id)
) WITHOUT ROWID;
