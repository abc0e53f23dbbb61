-- Per-user lists beside ratings: 'hidden' ("Not interested": never
-- recommended or offered again until undone) and 'watchlist' (saved for
-- later). One row per user, list and movie; removing the row undoes it.
CREATE TABLE user_lists (
    user_id  bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    list     text NOT NULL CHECK (list IN ('hidden', 'watchlist')),
    movie_id bigint NOT NULL REFERENCES movies (id),
    added_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (user_id, list, movie_id)
);
-- The list pages, newest first.
CREATE INDEX user_lists_recent ON user_lists (user_id, list, added_at DESC);
