-- 008 supervision kinds (issue #8) and event sources (issue #18 F1, F2).
--
-- sv_subjects keeps only what every kind of subject has; what a kind knows
-- of its subjects (a case's item, limits, acceptance and deadlines ...) is
-- `detail`, the JSON its kind writes (src/supervise/kinds/). Instants in
-- detail are Unix seconds under names ending in _at or _since.
--
-- A subject and an event id belong to their source: the platform's and each
-- department system's are separate, so nothing a key sends can collide with
-- or block the platform's own (UNIQUE now includes the source).
--
-- The histories the domains kept apart are in flow_events since 006.

CREATE TABLE sv_subjects_new (
    id            INTEGER PRIMARY KEY,
    subject_type  TEXT NOT NULL,        -- a kind: case | consultation | complaint | rating ...
    subject       TEXT NOT NULL,        -- the number
    source        TEXT NOT NULL,        -- platform | dept:{code}
    dept_code     TEXT NOT NULL,
    region_code   TEXT NOT NULL,
    topic         TEXT,                 -- what it is about in the catalogue: a case's power item
    title         TEXT NOT NULL DEFAULT '', -- what lists and card titles show beside the number (the item's name)
    state         TEXT NOT NULL DEFAULT '',
    opened_at     INTEGER,              -- its first event
    due_day       TEXT,                 -- the day it is due (a case: its promised deadline; a message: the answer's)
    closed_at     INTEGER,              -- finished (lateness is judged against it, never against now)
    events        INTEGER NOT NULL DEFAULT 0,
    last_event_at INTEGER,
    detail        TEXT NOT NULL DEFAULT '{}', -- the kind's projection
    digest        TEXT NOT NULL DEFAULT '{}', -- the events the last evaluation folded (for the ticker)
    evaluated_at  INTEGER,
    updated_at    INTEGER NOT NULL,
    UNIQUE (subject_type, subject, source)
);
INSERT INTO sv_subjects_new (id, subject_type, subject, source, dept_code, region_code, topic, title, state,
                             opened_at, due_day, closed_at, events, last_event_at, detail, digest, evaluated_at,
                             updated_at)
SELECT id, subject_type, subject, source, dept_code, region_code, item_code,
       CASE subject_type WHEN 'case' THEN coalesce(item_name, '') ELSE '' END, state, submitted_at,
       CASE subject_type WHEN 'case' THEN promised_due ELSE due_day END, closed_at, events, last_event_at,
       CASE subject_type
            WHEN 'case' THEN json_object('item_code', item_code, 'item_version', item_version, 'item_name', item_name,
                                         'applicant_type', applicant_type, 'channel', channel, 'flow', flow,
                                         'legal_days', legal_days, 'promised_days', promised_days,
                                         'submitted_at', submitted_at, 'accepted_at', accepted_at,
                                         'accept_day', accept_day, 'promised_due', promised_due,
                                         'legal_due', legal_due, 'suspended_days', suspended_days,
                                         'suspended_since', suspended_at, 'suspend_granted', suspend_days,
                                         'elapsed_days', elapsed_days)
            WHEN 'rating' THEN json_object('fix_due', due_day)
            ELSE json_object('item_code', item_code) END,
       '{}', evaluated_at, updated_at
FROM sv_subjects;
DROP TABLE sv_subjects;
ALTER TABLE sv_subjects_new RENAME TO sv_subjects;
CREATE INDEX sv_subjects_dept ON sv_subjects(dept_code, closed_at);
CREATE INDEX sv_subjects_region ON sv_subjects(region_code, closed_at);
CREATE INDEX sv_subjects_closed ON sv_subjects(subject_type, closed_at);

CREATE TABLE sv_events_new (
    seq          INTEGER PRIMARY KEY,   -- arrival order
    event_id     TEXT NOT NULL,         -- unique within its source
    source       TEXT NOT NULL,         -- 'platform', or 'dept:{code}' for a department's system
    subject_type TEXT NOT NULL,
    subject      TEXT NOT NULL,
    type         TEXT NOT NULL,         -- 'case.accept', ...
    occurred_at  INTEGER NOT NULL,      -- event time
    received_at  INTEGER NOT NULL,
    dept_code    TEXT NOT NULL,
    region_code  TEXT NOT NULL,
    body         TEXT NOT NULL,         -- the whole event, JSON
    UNIQUE (source, event_id)
);
INSERT INTO sv_events_new SELECT seq, event_id, source, subject_type, subject, type, occurred_at, received_at,
                                 dept_code, region_code, body FROM sv_events;
DROP TABLE sv_events;
ALTER TABLE sv_events_new RENAME TO sv_events;
CREATE INDEX sv_events_subject ON sv_events(subject_type, subject, source, occurred_at);
CREATE INDEX sv_events_time ON sv_events(subject_type, occurred_at);
-- the intake asks whether another source used an id (UNIQUE(source, event_id) cannot answer that)
CREATE INDEX sv_events_id ON sv_events(event_id);

DROP TABLE case_events;
DROP TABLE message_events;
DROP TABLE item_events;
DROP TABLE sv_card_events;
