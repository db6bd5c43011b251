-- Sessions, in the layout scs's postgresstore reads and writes.
CREATE TABLE sessions (
    token  text        PRIMARY KEY,
    data   bytea       NOT NULL,
    expiry timestamptz NOT NULL
);

-- The cleanup deletes expired sessions every few minutes.
CREATE INDEX sessions_expiry_idx ON sessions (expiry);
