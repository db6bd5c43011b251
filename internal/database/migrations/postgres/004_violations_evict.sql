-- Past its cap the report store evicts the least-seen kinds first, the
-- least recently seen among equals (package store, Options): this index
-- holds the rows in that order, so an eviction reads as many entries as
-- it deletes. The dashboard's suggestions read it backwards, most
-- reported first.
CREATE INDEX violations_evict ON violations (count, last_seen, id);
