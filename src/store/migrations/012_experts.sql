-- 012 the bid-evaluation expert pool (评标专家库) and the draws of
-- evaluation committees (issue #11, R8; docs/experts.md).
--
-- An expert is an instance of data/flows/expert.json (state: applied,
-- active, suspended, retired, blacklisted, rejected). The ID number is kept
-- whole (avoidance compares it) and masked in every answer. Employers carry
-- their dates (avoidance looks 3 years back); relatives and drafting
-- participation are declared by the expert or the recommender.
CREATE TABLE experts (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    number        TEXT NOT NULL UNIQUE,           -- ZJ-000001: the flow subject
    name          TEXT NOT NULL,
    id_number     TEXT NOT NULL UNIQUE,           -- GB 11643
    birth_date    TEXT NOT NULL,                  -- from the ID number
    phone         TEXT NOT NULL,
    region_code   TEXT NOT NULL,
    title         TEXT NOT NULL,                  -- 职称
    seniority     INTEGER NOT NULL,               -- years in the profession
    state         TEXT NOT NULL,
    reason        TEXT NOT NULL DEFAULT '',       -- of the last status change
    entry         TEXT NOT NULL,                  -- application | recommendation
    applicant_id  INTEGER REFERENCES users(id),   -- the citizen account that applied
    recommender_dept_id INTEGER REFERENCES departments(id),
    user_id       INTEGER UNIQUE REFERENCES users(id), -- the expert's own login (role expert)
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
);
CREATE INDEX experts_state ON experts(state, region_code);
CREATE INDEX experts_applicant ON experts(applicant_id);

CREATE TABLE expert_specialties (
    expert_id INTEGER NOT NULL REFERENCES experts(id),
    code      TEXT NOT NULL,                      -- data/experts/specialties.json, second level
    PRIMARY KEY (expert_id, code)
) WITHOUT ROWID;
CREATE INDEX expert_specialties_code ON expert_specialties(code, expert_id);

CREATE TABLE expert_employers (
    id        INTEGER PRIMARY KEY,
    expert_id INTEGER NOT NULL REFERENCES experts(id),
    name      TEXT NOT NULL,
    uscc      TEXT NOT NULL,                      -- GB 32100
    since     TEXT NOT NULL,                      -- YYYY-MM-DD
    until     TEXT                                -- NULL: the current employer
);
CREATE INDEX expert_employers_expert ON expert_employers(expert_id);

CREATE TABLE expert_relatives (
    id        INTEGER PRIMARY KEY,
    expert_id INTEGER NOT NULL REFERENCES experts(id),
    name      TEXT NOT NULL,
    id_number TEXT NOT NULL,
    relation  TEXT NOT NULL                       -- 配偶, 父母, 子女, ...
);
CREATE INDEX expert_relatives_expert ON expert_relatives(expert_id);

CREATE TABLE expert_drafting (
    id           INTEGER PRIMARY KEY,
    expert_id    INTEGER NOT NULL REFERENCES experts(id),
    project_code TEXT NOT NULL,                   -- a project whose documents he helped draft
    note         TEXT NOT NULL DEFAULT ''
);
CREATE INDEX expert_drafting_expert ON expert_drafting(expert_id);

CREATE TABLE expert_unavailable (
    expert_id INTEGER NOT NULL REFERENCES experts(id),
    day       TEXT NOT NULL,                      -- a date he cannot serve
    PRIMARY KEY (expert_id, day)
) WITHOUT ROWID;

-- A draw (data/flows/expert_draw.json: seeding, drawn, published,
-- cancelled; refused: a request refused by the time rule or for want of a
-- supervisor, kept for supervision). request is the trading centre's request as sent (the project,
-- its groups, and the data avoidance needs); groups the candidate lists
-- committed at creation: [{specialty, count, reserve, candidates: [numbers],
-- sha256}]. The committee is secret until published.
CREATE TABLE expert_draws (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    number          TEXT NOT NULL UNIQUE,         -- CQ-2026-000001
    project_code    TEXT NOT NULL,
    project_name    TEXT NOT NULL,
    evaluation_date TEXT NOT NULL,
    region_code     TEXT NOT NULL,
    state           TEXT NOT NULL,
    request         TEXT NOT NULL,
    groups          TEXT NOT NULL,
    supervisor_id   INTEGER REFERENCES users(id), -- NULL: refused for want of one
    operator_id     INTEGER NOT NULL REFERENCES users(id),
    dept_code       TEXT NOT NULL,                -- the trading centre's department (its events')
    key             TEXT,                          -- the RFC 3797 key, once selected
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    published_at    INTEGER
);
CREATE INDEX expert_draws_project ON expert_draws(project_code);

-- Who the filters and avoidance left out, each with its rule (shown to the
-- centre and the supervisor, never to bidders).
CREATE TABLE expert_draw_exclusions (
    draw_id   INTEGER NOT NULL REFERENCES expert_draws(id),
    expert_id INTEGER NOT NULL REFERENCES experts(id),
    rule      TEXT NOT NULL,
    detail    TEXT NOT NULL,
    PRIMARY KEY (draw_id, expert_id, rule)
) WITHOUT ROWID;

-- Commit-reveal of the seed's sources: each party commits SHA-256 of its
-- reveal (recorded in the ledger) before any reveal; a reveal must match.
CREATE TABLE expert_draw_seeds (
    draw_id      INTEGER NOT NULL REFERENCES expert_draws(id),
    party        TEXT NOT NULL,                   -- supervision | centre | tenderer
    commitment   TEXT NOT NULL,
    committed_by INTEGER NOT NULL REFERENCES users(id),
    committed_at INTEGER NOT NULL,
    reveal       TEXT,
    revealed_at  INTEGER,
    PRIMARY KEY (draw_id, party)
) WITHOUT ROWID;

-- The picks in RFC 3797 order per group; seated ones make the committee.
CREATE TABLE expert_draw_picks (
    draw_id     INTEGER NOT NULL REFERENCES expert_draws(id),
    grp         INTEGER NOT NULL,
    seq         INTEGER NOT NULL,                 -- 1-based RFC index in the group
    expert_id   INTEGER NOT NULL REFERENCES experts(id),
    status      TEXT NOT NULL,                    -- waiting | reserve | called | accepted | refused | recused
    reason      TEXT NOT NULL DEFAULT '',
    answered_at INTEGER,
    declared_at INTEGER,                          -- his declaration of no conflict (无利害关系声明)
    recused_at  INTEGER,
    PRIMARY KEY (draw_id, grp, seq)
) WITHOUT ROWID;
CREATE INDEX expert_draw_picks_expert ON expert_draw_picks(expert_id);

-- Ratings after an evaluation (100 points): by the centre and by the
-- committee's chair (an expert of the committee, through his own login);
-- an expert whose average falls below experts.pass_mark is removed.
CREATE TABLE expert_ratings (
    draw_id   INTEGER NOT NULL REFERENCES expert_draws(id),
    expert_id INTEGER NOT NULL REFERENCES experts(id),
    rater     TEXT NOT NULL,                      -- centre | chair
    score     INTEGER NOT NULL CHECK (score BETWEEN 0 AND 100),
    note      TEXT NOT NULL DEFAULT '',
    rated_by  INTEGER NOT NULL REFERENCES users(id),
    rated_at  INTEGER NOT NULL,
    PRIMARY KEY (draw_id, expert_id, rater)
) WITHOUT ROWID;
CREATE INDEX expert_ratings_expert ON expert_ratings(expert_id);
