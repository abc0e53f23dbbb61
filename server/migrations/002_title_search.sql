-- Title search: trigram index on lower(title), so "contains" searches
-- (lower(title) LIKE '%text%') use an index instead of scanning the
-- catalogue. pg_trgm ships with PostgreSQL and is a trusted extension.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX movies_title_trgm ON movies USING gin (lower(title) gin_trgm_ops);
