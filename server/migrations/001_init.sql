-- The first schema: catalogue, accounts, sessions, ratings, exposures.
-- Applied once, inside the migration transaction (see core/server/migrate.c).

-- The catalogue, loaded from the dataset at start-up (catalog.c). base_* are
-- the MovieLens ratings; app_* are maintained by the ratings trigger below
-- so that mean/count over base + app ratings is one row read.
CREATE TABLE movies (
    id        bigint PRIMARY KEY,
    title     text NOT NULL,
    year      integer,
    genres    text[] NOT NULL DEFAULT '{}',
    tmdb_id   bigint,
    imdb_id   bigint,
    overview  text NOT NULL DEFAULT '',
    tags      text NOT NULL DEFAULT '',
    base_n    integer NOT NULL DEFAULT 0,
    base_sum  double precision NOT NULL DEFAULT 0,
    app_n     integer NOT NULL DEFAULT 0,
    app_sum   double precision NOT NULL DEFAULT 0
);
CREATE INDEX movies_popularity ON movies ((base_n + app_n) DESC, id);
CREATE INDEX movies_genres ON movies USING gin (genres);

CREATE TABLE users (
    id            bigserial PRIMARY KEY,
    username      text NOT NULL,
    password_hash text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now()
);
-- Usernames are unique regardless of case ("Alice" and "alice" collide).
CREATE UNIQUE INDEX users_username ON users (lower(username));

-- Only a hash of the 256-bit token is stored: a leaked table opens nothing.
CREATE TABLE sessions (
    token_hash text PRIMARY KEY,
    user_id    bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE ratings (
    user_id    bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    movie_id   bigint NOT NULL REFERENCES movies (id),
    rating     real NOT NULL
               CHECK (rating >= 0.5 AND rating <= 5.0 AND rating * 2 = floor(rating * 2)),
    updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (user_id, movie_id)
);
CREATE INDEX ratings_user_time ON ratings (user_id, updated_at DESC);

-- What was shown to whom, from which source/arm (the A/B issue reads it).
CREATE TABLE exposures (
    id       bigserial PRIMARY KEY,
    user_id  bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    movie_id bigint NOT NULL,
    source   text NOT NULL,
    arm      text,
    position integer NOT NULL,
    shown_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX exposures_user ON exposures (user_id, shown_at);

CREATE FUNCTION ratings_app_stats() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE movies SET app_n = app_n - 1, app_sum = app_sum - OLD.rating
         WHERE id = OLD.movie_id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        UPDATE movies SET app_n = app_n + 1, app_sum = app_sum + NEW.rating
         WHERE id = NEW.movie_id;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER ratings_app_stats AFTER INSERT OR UPDATE OR DELETE ON ratings
    FOR EACH ROW EXECUTE FUNCTION ratings_app_stats();
