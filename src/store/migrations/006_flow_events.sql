-- 006 one history for every process (issue #8): the numbered steps of every
-- instance that moves through src/flow (cases, consultations, complaints,
-- power items' versions, supervision cards, ratings' follow-ups) in one
-- table, written by zt_flow_step. The histories the domains kept in tables
-- of their own are copied in; 008 drops those tables.

CREATE TABLE flow_events (
    id           INTEGER PRIMARY KEY,   -- arrival order (the live feed's cursor for cards)
    subject_type TEXT NOT NULL,         -- case | consultation | complaint | item | card | rating ...
    subject      TEXT NOT NULL,         -- the instance's number (an item's code: every version)
    seq          INTEGER NOT NULL,      -- 1 = its creation, then each step
    row_id       INTEGER NOT NULL,      -- its row in the owner's table (cases.id, items.id ...)
    event_id     TEXT NOT NULL,         -- platform/{subject_type}/{subject}/{seq}
    action       TEXT NOT NULL,
    from_state   TEXT NOT NULL,         -- '' for the creation
    to_state     TEXT NOT NULL,
    actor_id     INTEGER REFERENCES users(id),
    actor        TEXT NOT NULL,         -- login, 'system', 'cli'
    actor_role   TEXT NOT NULL,
    actor_dept   TEXT NOT NULL DEFAULT '', -- the actor's department code
    at           INTEGER NOT NULL,
    fields       TEXT NOT NULL DEFAULT '{}', -- what the actor entered, as the definition declares it
    UNIQUE (subject_type, subject, seq)
);
CREATE INDEX flow_events_row ON flow_events(subject_type, row_id);

-- cases
INSERT INTO flow_events (subject_type, subject, seq, row_id, event_id, action, from_state, to_state, actor_id, actor,
                         actor_role, actor_dept, at, fields)
SELECT 'case', c.number, v.seq, v.case_id, v.event_id, v.action, v.from_state, v.to_state, v.actor_id, v.actor,
       v.actor_role, coalesce(d.code, ''), v.at, v.fields
FROM case_events v JOIN cases c ON c.id = v.case_id LEFT JOIN departments d ON d.id = v.actor_dept
ORDER BY v.id;

-- consultations and complaints
INSERT INTO flow_events (subject_type, subject, seq, row_id, event_id, action, from_state, to_state, actor_id, actor,
                         actor_role, actor_dept, at, fields)
SELECT m.kind, m.number, v.seq, v.message_id, v.event_id, v.action, v.from_state, v.to_state, v.actor_id, v.actor,
       v.actor_role,
       coalesce((SELECT d.code FROM users u JOIN departments d ON d.id = u.dept_id WHERE u.id = v.actor_id), ''), v.at,
       v.fields
FROM message_events v JOIN messages m ON m.id = v.message_id
ORDER BY v.id;

-- power items: one history per code across its versions; the old table kept
-- neither the numbers nor the states, so they are derived
INSERT INTO flow_events (subject_type, subject, seq, row_id, event_id, action, from_state, to_state, actor_id, actor,
                         actor_role, actor_dept, at, fields)
SELECT 'item', x.code, x.n, x.item_id, 'platform/item/' || x.code || '/' || x.n, x.action, '',
       CASE x.action WHEN 'submit' THEN 'in_review' WHEN 'approve' THEN 'published' WHEN 'return' THEN 'returned'
                     WHEN 'suspend' THEN 'suspended' WHEN 'resume' THEN 'published' WHEN 'cancel' THEN 'cancelled'
                     WHEN 'supersede' THEN 'superseded' WHEN 'import' THEN 'published' ELSE 'draft' END,
       x.actor_id, x.actor,
       coalesce((SELECT u.role FROM users u WHERE u.id = x.actor_id), 'system'),
       coalesce((SELECT d.code FROM users u JOIN departments d ON d.id = u.dept_id WHERE u.id = x.actor_id), ''), x.at,
       CASE WHEN x.opinion = '' THEN '{}'
            WHEN x.action = 'import' THEN json_object('source', x.opinion)
            WHEN x.action IN ('suspend', 'resume', 'cancel') THEN json_object('reason', x.opinion)
            ELSE json_object('opinion', x.opinion) END
FROM (SELECT i.code, v.item_id, v.action, v.actor_id, v.actor, v.at, v.opinion, v.id,
             row_number() OVER (PARTITION BY i.code ORDER BY v.id) AS n
      FROM item_events v JOIN items i ON i.id = v.item_id) x
ORDER BY x.id;

-- supervision cards
INSERT INTO flow_events (subject_type, subject, seq, row_id, event_id, action, from_state, to_state, actor_id, actor,
                         actor_role, actor_dept, at, fields)
SELECT 'card', c.number, v.seq, v.card_id, 'platform/card/' || c.number || '/' || v.seq, v.action, v.from_state,
       v.to_state, (SELECT u.id FROM users u WHERE u.login = v.actor), v.actor, v.actor_role,
       coalesce((SELECT d.code FROM users u JOIN departments d ON d.id = u.dept_id WHERE u.login = v.actor), ''), v.at,
       CASE WHEN v.reason = '' THEN '{}'
            WHEN v.action = 'feedback' THEN json_object('feedback', v.reason)
            ELSE json_object('reason', v.reason) END
FROM sv_card_events v JOIN sv_cards c ON c.id = v.card_id
ORDER BY v.id;

-- ratings: their steps were only supervision events
INSERT INTO flow_events (subject_type, subject, seq, row_id, event_id, action, from_state, to_state, actor_id, actor,
                         actor_role, actor_dept, at, fields)
SELECT 'rating', v.subject, json_extract(v.body, '$.seq'), r.id, v.event_id, substr(v.type, 8),
       CASE substr(v.type, 8) WHEN 'rate' THEN '' WHEN 'visit' THEN 'open'
            ELSE CASE WHEN r.visited_at IS NULL THEN 'open' ELSE 'visited' END END,
       CASE substr(v.type, 8) WHEN 'rate' THEN CASE WHEN r.level <= 2 THEN 'open' ELSE 'none' END
            WHEN 'visit' THEN 'visited' ELSE 'fixed' END,
       u.id, coalesce(u.login, 'system'), coalesce(u.role, 'system'), coalesce(d.code, ''), v.occurred_at,
       CASE substr(v.type, 8)
            WHEN 'rate' THEN json_object('level', r.level, 'criteria', json(r.criteria), 'comment', r.comment)
            ELSE json_object('note', json_extract(v.body, '$.rating.note')) END
FROM sv_events v
JOIN cases c ON c.number = v.subject
JOIN ratings r ON r.case_id = c.id
LEFT JOIN users u ON u.login = (SELECT a.actor_login FROM audit_log a WHERE a.action = v.type
                                AND a.target_type = 'rating' AND a.target_id = v.subject ORDER BY a.id LIMIT 1)
LEFT JOIN departments d ON d.id = u.dept_id
WHERE v.source = 'platform' AND v.subject_type = 'rating'
ORDER BY v.seq;
