-- The client that created each aggregate: an opaque id the report receiver
-- derives from the client's address with a per-process key (never the
-- address itself). The store budgets new aggregates per client and, past
-- its cap, evicts the newest of the client that created the most, so one
-- client's flood cannot push out everyone else's rows. Rows from before
-- have none ('') and are evicted last.
ALTER TABLE violations ADD COLUMN client TEXT NOT NULL DEFAULT '';

-- The budget counts a client's rows created within a window.
CREATE INDEX violations_client ON violations (client, first_seen);
