-- Title search without per-row work: the lower-cased title is stored (a
-- generated column) and trigram-indexed, so "contains" searches
-- (title_lc LIKE pattern) are answered from the index even under a
-- prepared statement's generic plan. Migration 002's expression index on
-- lower(title) made the planner compute lower() and the escaped pattern for
-- every row once the plan went generic (~20 ms a query); it is dropped.
ALTER TABLE movies ADD COLUMN title_lc text GENERATED ALWAYS AS (lower(title)) STORED;
CREATE INDEX movies_title_lc_trgm ON movies USING gin (title_lc gin_trgm_ops);
DROP INDEX movies_title_trgm;
