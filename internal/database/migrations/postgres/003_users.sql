-- Accounts; see package account (internal/account) and SQLite's migration
-- 003. The email is stored normalised (trimmed, lower case), so UNIQUE
-- refuses a second account for the same address whatever its case. An
-- identity column never hands out an id twice, so a session that outlived
-- a deleted account can never name a new one.
CREATE TABLE users (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email         text   NOT NULL UNIQUE,
    name          text   NOT NULL,
    password_hash text   NOT NULL, -- bcrypt
    role          text   NOT NULL CHECK (role IN ('operator', 'user')),
    created       bigint NOT NULL  -- unix milliseconds
);
