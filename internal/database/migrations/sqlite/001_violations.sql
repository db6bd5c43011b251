-- One row per kind of violation; see package store (internal/reports/store).
CREATE TABLE violations (
    id            INTEGER PRIMARY KEY,
    route_group   TEXT    NOT NULL,
    directive     TEXT    NOT NULL,
    blocked_url   TEXT    NOT NULL,
    document_path TEXT    NOT NULL,
    disposition   TEXT    NOT NULL,
    count         INTEGER NOT NULL,
    first_seen    INTEGER NOT NULL, -- unix milliseconds
    last_seen     INTEGER NOT NULL,
    sample        TEXT    NOT NULL,
    source_file   TEXT    NOT NULL,
    line          INTEGER NOT NULL,
    col           INTEGER NOT NULL,
    user_agent    TEXT    NOT NULL,
    UNIQUE (route_group, directive, blocked_url, document_path, disposition)
);

-- The dashboard lists newest first, and retention deletes oldest first.
CREATE INDEX violations_last_seen ON violations (last_seen, id);

-- Noise (extension and browser-internal violations) is only counted.
CREATE TABLE noise (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    count INTEGER NOT NULL
);
INSERT INTO noise (id, count) VALUES (1, 0);
