-- Accounts; see package account (internal/account). The email is stored
-- normalised (trimmed, lower case), so UNIQUE refuses a second account for
-- the same address whatever its case. AUTOINCREMENT: an id is never reused,
-- so a session that outlived a deleted account can never name a new one.
CREATE TABLE users (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    email         TEXT    NOT NULL UNIQUE,
    name          TEXT    NOT NULL,
    password_hash TEXT    NOT NULL, -- bcrypt
    role          TEXT    NOT NULL CHECK (role IN ('operator', 'user')),
    created       INTEGER NOT NULL  -- unix milliseconds
);
