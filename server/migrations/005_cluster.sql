-- Several `recsys serve` replicas over one database (issue 13,
-- docs/scaling.md).

-- Model versions published for every replica: the leader's retrains and
-- admin reloads. Versions only grow per source (a rollback publishes the
-- old artifacts again under a new number), so "newer" is "larger". path is
-- a directory in the shared artifact store (cluster.artifact_dir);
-- checksum is the SHA-256 of its files (names and bytes, sorted by name),
-- which each replica checks before it loads.
CREATE TABLE model_versions (
    source     text NOT NULL,
    version    bigint NOT NULL CHECK (version > 0),
    path       text NOT NULL,
    checksum   text NOT NULL,
    metrics    jsonb NOT NULL DEFAULT '{}',
    created_by text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (source, version)
);

-- Which users' ratings changed, and when: every replica reads this each
-- refresh interval to mark its own cached lists of those users dirty, so a
-- rating written through one replica reaches the lists the others serve.
-- A trigger keeps it, so every writer (any replica, psql) is covered, and
-- deletes too (the ratings row itself is gone then). One row per user.
CREATE TABLE rating_changes (
    user_id    bigint PRIMARY KEY,
    changed_at timestamptz NOT NULL
);
CREATE INDEX rating_changes_time ON rating_changes (changed_at);

CREATE FUNCTION ratings_note_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO rating_changes (user_id, changed_at)
    VALUES (CASE TG_OP WHEN 'DELETE' THEN OLD.user_id ELSE NEW.user_id END, clock_timestamp())
    ON CONFLICT (user_id) DO UPDATE SET changed_at = EXCLUDED.changed_at;
    RETURN NULL;
END
$$;
CREATE TRIGGER ratings_note_change AFTER INSERT OR UPDATE OR DELETE ON ratings
    FOR EACH ROW EXECUTE FUNCTION ratings_note_change();
