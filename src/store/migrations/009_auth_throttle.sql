-- 009 login and registration throttles in the database (issue 22 F3, F4, F14, F18).
--
-- The counts lived in a fixed table in memory whose full slots were
-- overwritten: failed logins under crafted names evicted a locked account's
-- count, and a restart forgot every lock. A row here goes only when its
-- window is over (expires_at), whatever else is written. src/auth/throttle.c
-- says what the keys are.

CREATE TABLE auth_throttle (
    key          TEXT PRIMARY KEY,      -- login:{login}|{address}, address:{address}, account:{login}, register:{address}
    count        INTEGER NOT NULL,      -- failures (registrations) in the window
    window_start INTEGER NOT NULL,      -- the first of them
    expires_at   INTEGER NOT NULL       -- window_start + the window: the row says nothing after it
);
CREATE INDEX auth_throttle_expires ON auth_throttle(expires_at);

-- the addresses an account logged in from (F18: a login locked by failures
-- elsewhere still gets in from these); kept auth.known_address_days
CREATE TABLE auth_known_addresses (
    user_id    INTEGER NOT NULL REFERENCES users(id),
    address    TEXT NOT NULL,           -- as throttled: IPv4, or an IPv6 /64
    last_ok_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, address)
);
