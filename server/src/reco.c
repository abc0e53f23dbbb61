/* The recommendation service (see recsys/reco.h). */
#include "recsys/reco.h"

#include <stdlib.h>
#include <string.h>

struct rs_reco_service {
    rs_engine *engine;
    const rs_movielens *ml;
    rs_db *db;
    const char *similar_default; /* borrowed from the engine or config */
    const char *cold;
};

static int has_cap(rs_engine *e, const char *name, uint32_t cap)
{
    const rs_plugin_entry *pe = rs_engine_instance_entry(e, name);
    return pe && (pe->capabilities & cap);
}

rs_status rs_reco_service_new(rs_engine *engine, const rs_movielens *ml,
                              rs_db *db, rs_reco_service **out, rs_error *err)
{
    rs_reco_service *s = calloc(1, sizeof *s);
    if (!s)
        return rs_error_set(err, RS_ERR_NOMEM, "reco: out of memory");
    s->engine = engine;
    s->ml = ml;
    s->db = db;
    /* Until rs_reco_service_set_roles: no cold-start source, and similar
     * from the first instance that can answer it. */
    size_t n = rs_engine_instance_count(engine);
    for (size_t i = 0; i < n && !s->similar_default; i++)
        if (has_cap(engine, rs_engine_instance_name(engine, i), RS_CAP_SIMILAR))
            s->similar_default = rs_engine_instance_name(engine, i);
    *out = s;
    return RS_OK;
}

/* A role's instance must be able to play it. */
static rs_status check_role(rs_reco_service *svc, const rs_config *cfg, rs_serving_role role,
                            uint32_t cap, const char *what, const char **out, rs_error *err)
{
    const char *name = rs_config_role(cfg, role);
    if (!name)
        return RS_OK;
    if (!has_cap(svc->engine, name, cap))
        return rs_error_set(err, RS_ERR_CONFIG, "%s: instance '%s' cannot %s",
                            rs_config_role_key(role), name, what);
    *out = name;
    return RS_OK;
}

rs_status rs_reco_service_set_roles(rs_reco_service *svc, const rs_config *cfg, rs_error *err)
{
    if (!cfg)
        return RS_OK;
    rs_status st = check_role(svc, cfg, RS_ROLE_COLD_START, RS_CAP_RECOMMEND, "recommend",
                              &svc->cold, err);
    return st == RS_OK ? check_role(svc, cfg, RS_ROLE_SIMILAR_SOURCE, RS_CAP_SIMILAR,
                                    "answer similar", &svc->similar_default, err)
                       : st;
}

void rs_reco_service_free(rs_reco_service *svc)
{
    free(svc);
}

const char *rs_reco_default_similar(const rs_reco_service *svc)
{
    return svc->similar_default;
}

const char *rs_reco_cold_source(const rs_reco_service *svc)
{
    return svc->cold;
}

static int by_item(const void *a, const void *b)
{
    const rs_rating *x = a, *y = b;
    return (x->item > y->item) - (x->item < y->item);
}

rs_status rs_reco_user_ratings(rs_reco_service *svc, int64_t user_id,
                               rs_rating **out, size_t *n, rs_error *err)
{
    *out = NULL;
    *n = 0;
    char uid[24];
    snprintf(uid, sizeof uid, "%lld", (long long)user_id);
    const char *p[1] = {uid};
    PGconn *c = rs_db_acquire(svc->db, err);
    if (!c)
        return RS_ERR_DATABASE;
    PGresult *r;
    /* "Not interested" reaches the models as the lowest rating: a model
     * that learns from dislikes (the content profile pushes away from films
     * rated below its neutral rating) takes it as one, and models that
     * read positives only ignore it. Either way it counts as rated, so no
     * model proposes it. A real rating of the same film wins. */
    rs_status st = rs_db_exec(c,
        "SELECT movie_id, rating, extract(epoch FROM updated_at)::bigint"
        " FROM ratings WHERE user_id = $1"
        " UNION ALL"
        " SELECT l.movie_id, " RS_RECO_HIDDEN_RATING_SQL ", extract(epoch FROM l.added_at)::bigint"
        " FROM user_lists l WHERE l.user_id = $1 AND l.list = 'hidden'"
        " AND NOT EXISTS (SELECT 1 FROM ratings x"
        "                 WHERE x.user_id = $1 AND x.movie_id = l.movie_id)",
        1, p, &r, err);
    rs_db_release(svc->db, c);
    if (st != RS_OK)
        return st;
    int rows = PQntuples(r);
    rs_rating *v = rows ? malloc((size_t)rows * sizeof *v) : NULL;
    if (rows && !v) {
        PQclear(r);
        return rs_error_set(err, RS_ERR_NOMEM, "reco: out of memory");
    }
    size_t k = 0;
    for (int i = 0; i < rows; i++) {
        int32_t item = rs_movielens_item_index(svc->ml,
                                               strtoll(PQgetvalue(r, i, 0), NULL, 10));
        if (item < 0)
            continue; /* a movie the current catalogue lacks */
        v[k].item = item;
        v[k].rating = strtof(PQgetvalue(r, i, 1), NULL);
        v[k].timestamp = strtoll(PQgetvalue(r, i, 2), NULL, 10);
        k++;
    }
    PQclear(r);
    /* Plugins may binary-search the ratings; hand them sorted. */
    if (k > 1)
        qsort(v, k, sizeof *v, by_item);
    *out = v;
    *n = k;
    return RS_OK;
}

static rs_status check_source(rs_reco_service *svc, const char *source,
                              uint32_t cap, const char *what, rs_error *err)
{
    const rs_plugin_entry *pe = rs_engine_instance_entry(svc->engine, source);
    if (!pe)
        return rs_error_set(err, RS_ERR_NOT_FOUND, "unknown source '%s'", source);
    if (!(pe->capabilities & cap))
        return rs_error_set(err, RS_ERR_UNSUPPORTED,
                            "instance %s does not support %s", source, what);
    return RS_OK;
}

/* Copy the engine's top list into out, naming the instance that answered. */
static void fill_result(rs_reco_service *svc, const char *source, const rs_scored *scored,
                        size_t n, size_t k, rs_reco_result *out)
{
    memset(out->source, 0, sizeof out->source);
    strncpy(out->source, source, sizeof out->source - 1);
    out->model_version = rs_engine_instance_version(svc->engine, source);
    out->n = n > k ? k : n;
    for (size_t i = 0; i < out->n; i++) {
        out->items[i].item = scored[i].item;
        out->items[i].score = scored[i].score;
        out->items[i].has_explanation = 0;
    }
}

rs_status rs_reco_recommend(rs_reco_service *svc, int64_t user_id,
                            const char *source, size_t k,
                            rs_reco_result *out, rs_error *err)
{
    if (k < 1 || k > RS_RECO_K_MAX)
        return rs_error_set(err, RS_ERR_INVALID, "k must be in 1..%d", RS_RECO_K_MAX);
    rs_status st = check_source(svc, source, RS_CAP_RECOMMEND, "recommend", err);
    if (st != RS_OK)
        return st;
    rs_rating *ratings;
    size_t n_ratings;
    st = rs_reco_user_ratings(svc, user_id, &ratings, &n_ratings, err);
    if (st != RS_OK)
        return st;
    /* A cold user has nothing to fold in: the cold-start source (a
     * popularity list, say) is the honest answer, and the only one some
     * models can give. */
    if (n_ratings == 0 && svc->cold)
        source = svc->cold;

    rs_query q = {.struct_size = sizeof q, .user_id = RS_USER_NONE,
                  .ratings = ratings, .n_ratings = n_ratings};
    rs_scored scored[RS_RECO_K_MAX];
    rs_explanation expl[RS_RECO_K_MAX];
    int want_explain = n_ratings > 0 &&
                       has_cap(svc->engine, source, RS_CAP_EXPLAIN);
    memset(expl, 0, sizeof expl);
    for (size_t i = 0; i < k; i++)
        expl[i].because_item = -1;
    size_t n = 0;
    st = rs_engine_recommend(svc->engine, source, &q, k, scored,
                             want_explain ? expl : NULL, &n, err);
    free(ratings);
    if (st != RS_OK)
        return st;
    fill_result(svc, source, scored, n, k, out);
    for (size_t i = 0; i < out->n; i++) {
        out->items[i].has_explanation =
            want_explain && (expl[i].because_item >= 0 || expl[i].n_parts > 0);
        out->items[i].explanation = expl[i];
    }
    return RS_OK;
}

rs_status rs_reco_similar(rs_reco_service *svc, int32_t item,
                          const char *source, size_t k,
                          rs_reco_result *out, rs_error *err)
{
    if (k < 1 || k > RS_RECO_K_MAX)
        return rs_error_set(err, RS_ERR_INVALID, "k must be in 1..%d", RS_RECO_K_MAX);
    if (!source)
        source = svc->similar_default;
    if (!source)
        return rs_error_set(err, RS_ERR_UNSUPPORTED,
                            "no configured instance supports similar");
    rs_status st = check_source(svc, source, RS_CAP_SIMILAR, "similar", err);
    if (st != RS_OK)
        return st;
    rs_scored scored[RS_RECO_K_MAX];
    size_t n = 0;
    st = rs_engine_similar(svc->engine, source, item, k, scored, &n, err);
    if (st != RS_OK)
        return st;
    fill_result(svc, source, scored, n, k, out);
    return RS_OK;
}
