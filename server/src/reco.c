/* The recommendation service (see recsys/reco.h). */
#include "recsys/reco.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"

struct rs_reco_service {
    rs_engine *engine;
    const rs_movielens *ml;
    rs_db *db;
    const char *similar_default; /* borrowed from the engine or config */
    const char *cold;
    rs_reco_cache *cache; /* NULL: every request computes */
    rs_reco_cache_config cache_cfg;
};

static int has_cap(rs_engine *e, const char *name, uint32_t cap)
{
    const rs_plugin_entry *pe = rs_engine_instance_entry(e, name);
    return pe && (pe->capabilities & cap);
}

/* The cache's compute: exactly what an uncached request does, so the
 * refresher sees the user's latest ratings. */
static rs_status cache_compute(void *ctx, int64_t user_id, const char *source, rs_reco_list *out,
                               rs_error *err)
{
    return rs_reco_recommend(ctx, user_id, source, out, err);
}

static rs_status cache_new(rs_reco_service *s, const rs_reco_cache_config *cfg, rs_error *err)
{
    if (!cfg || !cfg->enabled)
        return RS_OK;
    s->cache_cfg = *cfg;
    if (s->cache_cfg.list_size > RS_RECO_K_MAX)
        s->cache_cfg.list_size = RS_RECO_K_MAX;
    rs_status st = rs_reco_cache_new(&s->cache_cfg, cache_compute, s, &s->cache, err);
    return st == RS_OK ? rs_reco_cache_start(s->cache, err) : st;
}

rs_status rs_reco_service_new(rs_engine *engine, const rs_movielens *ml, rs_db *db,
                              const rs_reco_cache_config *cache, rs_reco_service **out,
                              rs_error *err)
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
    rs_status st = cache_new(s, cache, err);
    if (st != RS_OK) {
        rs_reco_service_free(s);
        return st;
    }
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
    if (!svc)
        return;
    rs_reco_cache_free(svc->cache); /* its refresher computes through svc */
    free(svc);
}

const char *rs_reco_default_similar(const rs_reco_service *svc) { return svc->similar_default; }

const char *rs_reco_cold_source(const rs_reco_service *svc) { return svc->cold; }

static int by_item(const void *a, const void *b)
{
    const rs_rating *x = a, *y = b;
    return (x->item > y->item) - (x->item < y->item);
}

/* Collects the store's rows as catalogue ratings. */
typedef struct rating_vec {
    const rs_movielens *ml;
    rs_rating *v;
    size_t n, cap;
} rating_vec;

static rs_status add_rating(void *ctx, const rs_store_rating *r, rs_error *err)
{
    rating_vec *vec = ctx;
    int32_t item = rs_movielens_item_index(vec->ml, r->movie_id);
    if (item < 0)
        return RS_OK; /* a movie the current catalogue lacks */
    if (vec->n == vec->cap) {
        size_t cap = vec->cap ? 2 * vec->cap : 64;
        rs_rating *nv = realloc(vec->v, cap * sizeof *nv);
        if (!nv)
            return rs_error_set(err, RS_ERR_NOMEM, "reco: out of memory");
        vec->v = nv;
        vec->cap = cap;
    }
    vec->v[vec->n++] = (rs_rating){item, r->rating, r->timestamp};
    return RS_OK;
}

rs_status rs_reco_user_ratings(rs_reco_service *svc, int64_t user_id, rs_rating **out, size_t *n,
                               rs_error *err)
{
    *out = NULL;
    *n = 0;
    rating_vec vec = {svc->ml, NULL, 0, 0};
    rs_status st = rs_store_user_model_ratings(svc->db, user_id, add_rating, &vec, err);
    if (st != RS_OK) {
        free(vec.v);
        return st;
    }
    /* Plugins may binary-search the ratings; hand them sorted. */
    if (vec.n > 1)
        qsort(vec.v, vec.n, sizeof *vec.v, by_item);
    *out = vec.v;
    *n = vec.n;
    return RS_OK;
}

static rs_status check_source(rs_reco_service *svc, const char *source, uint32_t cap,
                              const char *what, rs_error *err)
{
    const rs_plugin_entry *pe = rs_engine_instance_entry(svc->engine, source);
    if (!pe)
        return rs_error_set(err, RS_ERR_NOT_FOUND, "unknown source '%s'", source);
    if (!(pe->capabilities & cap))
        return rs_error_set(err, RS_ERR_UNSUPPORTED, "instance %s does not support %s", source,
                            what);
    return RS_OK;
}

/* Name the instance that answered and the version it served. */
static void set_source(rs_reco_service *svc, const char *source, rs_reco_list *out)
{
    snprintf(out->source, sizeof out->source, "%s", source);
    out->model_version = rs_engine_instance_version(svc->engine, source);
}

static rs_status check_k(const rs_reco_list *out, rs_error *err)
{
    if (out->cap < 1 || out->cap > RS_RECO_K_MAX)
        return rs_error_set(err, RS_ERR_INVALID, "k must be in 1..%d", RS_RECO_K_MAX);
    return RS_OK;
}

rs_status rs_reco_recommend(rs_reco_service *svc, int64_t user_id, const char *source,
                            rs_reco_list *out, rs_error *err)
{
    out->n = 0;
    rs_status st = check_k(out, err);
    if (st == RS_OK)
        st = check_source(svc, source, RS_CAP_RECOMMEND, "recommend", err);
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

    rs_query q = {.struct_size = sizeof q,
                  .user_id = RS_USER_NONE,
                  .ratings = ratings,
                  .n_ratings = n_ratings};
    int want_explain = out->explain && n_ratings > 0 &&
                       has_cap(svc->engine, source, RS_CAP_EXPLAIN);
    /* What the plugin leaves untouched reads "no explanation". */
    rs_reco_list_clear_explanations(out, 0, out->cap);
    size_t n = 0;
    st = rs_engine_recommend(svc->engine, source, &q, out->cap, out->items,
                             want_explain ? out->explain : NULL, &n, err);
    free(ratings);
    if (st != RS_OK)
        return st;
    out->n = n > out->cap ? out->cap : n;
    set_source(svc, source, out);
    return RS_OK;
}

rs_status rs_reco_get(rs_reco_service *svc, int64_t user_id, const char *source, rs_reco_list *out,
                      int64_t *generated_at_ms, rs_error *err)
{
    if (generated_at_ms)
        *generated_at_ms = 0;
    if (!svc->cache || out->cap > svc->cache_cfg.list_size)
        return rs_reco_recommend(svc, user_id, source, out, err);
    rs_reco_meta meta;
    rs_status st = rs_reco_cache_get(svc->cache, user_id, source, out, &meta, err);
    if (st == RS_OK && generated_at_ms)
        *generated_at_ms = meta.generated_at_ms;
    return st;
}

rs_status rs_reco_similar(rs_reco_service *svc, int32_t item, const char *source, rs_reco_list *out,
                          rs_error *err)
{
    out->n = 0;
    rs_status st = check_k(out, err);
    if (st != RS_OK)
        return st;
    if (!source)
        source = svc->similar_default;
    if (!source)
        return rs_error_set(err, RS_ERR_UNSUPPORTED, "no configured instance supports similar");
    st = check_source(svc, source, RS_CAP_SIMILAR, "similar", err);
    if (st != RS_OK)
        return st;
    size_t n = 0;
    st = rs_engine_similar(svc->engine, source, item, out->cap, out->items, &n, err);
    if (st != RS_OK)
        return st;
    rs_reco_list_clear_explanations(out, 0, out->cap);
    out->n = n > out->cap ? out->cap : n;
    set_source(svc, source, out);
    return RS_OK;
}

/* ---- what makes cached lists stale ---------------------------------------- */

void rs_reco_rating_changed(rs_reco_service *svc, int64_t user_id, int32_t item)
{
    if (!svc->cache)
        return;
    /* Now: drop the rated movie, and a cold-start list altogether (the
     * user is not cold any more). Within one interval: the rest. */
    if (item >= 0)
        rs_reco_cache_exclude(svc->cache, user_id, item);
    rs_reco_cache_drop_fallbacks(svc->cache, user_id);
    rs_reco_cache_mark_dirty(svc->cache, user_id);
}

void rs_reco_models_changed(rs_reco_service *svc)
{
    if (svc->cache)
        rs_reco_cache_mark_all_dirty(svc->cache);
}

void rs_reco_user_deleted(rs_reco_service *svc, int64_t user_id)
{
    if (svc->cache)
        rs_reco_cache_forget(svc->cache, user_id);
}

int rs_reco_cache_info(rs_reco_service *svc, rs_reco_cache_stats *stats,
                       rs_reco_cache_config *config)
{
    if (!svc->cache)
        return 0;
    rs_reco_cache_get_stats(svc->cache, stats);
    *config = svc->cache_cfg;
    return 1;
}
