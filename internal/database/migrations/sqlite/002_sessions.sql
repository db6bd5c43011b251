-- Sessions, in the layout scs's sqlite3store reads and writes (expiry is a
-- Julian day number). IF NOT EXISTS because, before this migration, the
-- session store created this table itself without a version: a database
-- from then is at version 1 and may already hold it, with live sessions.
CREATE TABLE IF NOT EXISTS sessions (
    token  TEXT PRIMARY KEY,
    data   BLOB NOT NULL,
    expiry REAL NOT NULL
);

-- The cleanup deletes expired sessions every few minutes.
CREATE INDEX IF NOT EXISTS sessions_expiry_idx ON sessions (expiry);
