-- 013 public resource trading (公共资源交易, issue #10): projects of the four
-- types, enterprises' registrations and sealed bids, questions, committee
-- scores and objections. A project is an instance of data/flows/tender.json
-- (state), a bid of data/flows/tender_bid.json (state). Money in fen (分).
CREATE TABLE trade_projects (
    id            INTEGER PRIMARY KEY,
    number        TEXT NOT NULL UNIQUE,          -- JY-2026-0001
    type          TEXT NOT NULL,                 -- engineering | procurement | land | property
    method        TEXT NOT NULL,                 -- the Chinese method: 公开招标, 竞争性谈判, 挂牌 ...
    title         TEXT NOT NULL,
    dept_id       INTEGER NOT NULL REFERENCES departments(id),  -- the buyer (招标人/采购人/出让人)
    region_code   TEXT NOT NULL,
    budget        INTEGER NOT NULL,              -- budget, estimate or reserve price
    lots          TEXT NOT NULL DEFAULT '[]',    -- JSON [{title, budget}]
    legal_basis   TEXT NOT NULL,
    category      TEXT NOT NULL DEFAULT '',      -- 采购品目 (procurement: splitting is judged by it)
    budget_item   TEXT NOT NULL DEFAULT '',      -- 预算项目
    eval_method   TEXT NOT NULL,                 -- 综合评估法 | 经评审的最低投标价法 | 价高者得
    criteria      TEXT NOT NULL DEFAULT '[]',    -- JSON [{name, weight}]
    deposit_max   INTEGER NOT NULL DEFAULT 0,    -- the deposit the documents ask (≤ 2 % of budget)
    flow_version  INTEGER NOT NULL,
    state         TEXT NOT NULL,
    paused_from   TEXT,                          -- the state an objection paused
    docs_from     TEXT,                          -- documents on sale from / to (days)
    docs_to       TEXT,
    published_at  INTEGER,
    deadline      INTEGER,                       -- bid deadline = opening time (Unix seconds)
    opened_at     INTEGER,
    window_end    INTEGER,                       -- the end of the decryption window
    committee     TEXT,                          -- JSON {experts: [ids], representatives: [names]}
    report        TEXT,                          -- JSON ranking of the committee's report
    reported_at   INTEGER,
    publicity_from INTEGER,
    publicity_to  INTEGER,
    award_bid_id  INTEGER,
    award_reason  TEXT,
    awarded_at    INTEGER,
    contract_amount INTEGER,
    contracted_at INTEGER,
    failed_reason TEXT,
    auction_increment INTEGER,                   -- 现场竞价: the increment, the standing price, its bid
    auction_price INTEGER,
    auction_leader INTEGER REFERENCES trade_bids(id),
    round         INTEGER NOT NULL DEFAULT 1,    -- re-tenders (重新招标) count up
    created_by    INTEGER NOT NULL REFERENCES users(id),
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
);
CREATE INDEX trade_projects_state ON trade_projects(state, type);

-- One enterprise's registration and bid for one round of a project. The bid
-- is sealed: ciphertext (AES-256-GCM by the bidder's browser, tag appended)
-- and its SHA-256 only, until the bidder unlocks it at the opening.
CREATE TABLE trade_bids (
    id            INTEGER PRIMARY KEY,
    number        TEXT NOT NULL UNIQUE,          -- JY-2026-0001-B1
    project_id    INTEGER NOT NULL REFERENCES trade_projects(id),
    round         INTEGER NOT NULL,
    enterprise_id INTEGER NOT NULL REFERENCES users(id),
    deposit       INTEGER NOT NULL,
    deposit_account TEXT NOT NULL DEFAULT '',    -- the account the deposit came from (collusion: one account)
    state         TEXT NOT NULL,                 -- registered | submitted | unlocked | invalid
    registered_at INTEGER NOT NULL,
    ciphertext    BLOB,
    iv            BLOB,
    sha256        TEXT,
    submitted_at  INTEGER,
    ip            TEXT,
    device        TEXT,                          -- the browser's device fingerprint
    price         INTEGER,                       -- after unlocking
    content       TEXT,                          -- the unlocked bid (JSON)
    auction_price INTEGER,                       -- its last raise at the auction
    unlocked_at   INTEGER,
    updated_at    INTEGER NOT NULL,
    UNIQUE (project_id, round, enterprise_id)
);

CREATE TABLE trade_questions (
    id          INTEGER PRIMARY KEY,
    project_id  INTEGER NOT NULL REFERENCES trade_projects(id),
    asker_id    INTEGER NOT NULL REFERENCES users(id),   -- never shown (answered to all, anonymously)
    question    TEXT NOT NULL,
    answer      TEXT,
    asked_at    INTEGER NOT NULL,
    answered_at INTEGER
);

-- Each committee member's score of each valid bid (综合评估法), 0..100.
CREATE TABLE trade_scores (
    project_id INTEGER NOT NULL REFERENCES trade_projects(id),
    round      INTEGER NOT NULL,
    member     TEXT NOT NULL,                   -- an expert id or a representative
    bid_id     INTEGER NOT NULL REFERENCES trade_bids(id),
    scores     TEXT NOT NULL,                   -- JSON {criterion: score}
    total      REAL NOT NULL,                   -- weighted, 0..100
    PRIMARY KEY (project_id, round, member, bid_id)
) WITHOUT ROWID;

CREATE TABLE trade_objections (
    id            INTEGER PRIMARY KEY,
    project_id    INTEGER NOT NULL REFERENCES trade_projects(id),
    enterprise_id INTEGER NOT NULL REFERENCES users(id),
    text          TEXT NOT NULL,
    answer        TEXT,
    raised_at     INTEGER NOT NULL,
    answered_at   INTEGER
);
