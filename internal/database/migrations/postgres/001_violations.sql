-- One row per kind of violation; see package store (internal/reports/store).
-- The same columns as SQLite's, which reached this shape over its
-- migrations 001 and 004. Times are unix milliseconds in both.
CREATE TABLE violations (
    id            bigint  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    route_group   text    NOT NULL,
    directive     text    NOT NULL,
    blocked_url   text    NOT NULL,
    document_path text    NOT NULL,
    disposition   text    NOT NULL,
    count         bigint  NOT NULL,
    first_seen    bigint  NOT NULL,
    last_seen     bigint  NOT NULL,
    sample        text    NOT NULL,
    source_file   text    NOT NULL,
    line          integer NOT NULL,
    col           integer NOT NULL,
    user_agent    text    NOT NULL,
    -- The opaque id of the client that created the aggregate; see SQLite's
    -- migration 004.
    client        text    NOT NULL DEFAULT '',
    -- The receiver caps every field (reports.MaxURLLen...), so a key stays
    -- far below the 2.7 kB a btree index entry may hold.
    UNIQUE (route_group, directive, blocked_url, document_path, disposition)
);

-- The dashboard lists newest first, and retention deletes oldest first.
CREATE INDEX violations_last_seen ON violations (last_seen, id);

-- The per-client budget counts a client's rows created within a window.
CREATE INDEX violations_client ON violations (client, first_seen);

-- Noise (extension and browser-internal violations) is only counted.
CREATE TABLE noise (
    id    integer PRIMARY KEY CHECK (id = 1),
    count bigint  NOT NULL
);
INSERT INTO noise (id, count) VALUES (1, 0);
