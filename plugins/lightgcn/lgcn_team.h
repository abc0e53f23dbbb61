/*
 * The synchronisation of a training step's phases inside one OpenMP
 * parallel region: a phase barrier that waits briefly and then sleeps, and
 * dynamic claiming of a phase's chunks.
 *
 * Why not OpenMP's own worksharing barriers: libgomp's default wait (no
 * OMP_WAIT_POLICY set) spins for ~300k iterations (~3 ms) before it sleeps,
 * and a training step has ~10 barriers. On a machine whose cores are busy
 * with other work, a thread that waits for a preempted partner spins away
 * its own time slice, at the expense of the competitor and then of itself
 * (see docs/lightgcn.md, "Training on a busy machine"). The wait policy is
 * read once, when libgomp initialises, from the environment of whichever
 * process loaded it (the server, the CLI, a test): the plugin cannot choose
 * it. So the step runs in one region and meets at lgcn_team_sync, whose
 * spin is bounded in time (LGCN_TEAM_SPIN_NS) and then blocks on a
 * condition variable, whatever the environment says.
 *
 * Results do not depend on which thread runs which chunk: every chunk
 * writes its own rows with a fixed order of arithmetic, and reductions are
 * done by one thread in a fixed order. So dynamic claiming (a preempted
 * thread delays the phase by one chunk, not by its static share) keeps the
 * bits of a run independent of scheduling and of the team size.
 *
 * Thread contract: lgcn_team_init/_destroy by one thread outside the
 * region; inside, every thread of the region calls lgcn_team_join once
 * first, then the same sequence of lgcn_team_sync calls (a thread that
 * skips one deadlocks the others), and lgcn_team_claim between them.
 */
#ifndef LGCN_TEAM_H
#define LGCN_TEAM_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>

typedef struct lgcn_team {
    atomic_int n;       /* threads in the region (set by lgcn_team_join) */
    atomic_size_t next; /* the next unclaimed chunk of the current phase */
    atomic_int arrived; /* threads at the current barrier */
    atomic_uint gen;    /* barrier generation: bumped to release */
    pthread_mutex_t mu; /* guards the sleep on cv */
    pthread_cond_t cv;
} lgcn_team;

/* 0 on success, an errno value on failure. */
int lgcn_team_init(lgcn_team *tm);
void lgcn_team_destroy(lgcn_team *tm);

/* Inside the region, once per thread before anything else: records the
 * team's size as the region has it. Returns this thread's index. */
int lgcn_team_join(lgcn_team *tm);

/* Barrier for every thread of the region; the last to arrive resets the
 * chunk counter for the next phase. Writes before it are visible after
 * it on every thread. */
void lgcn_team_sync(lgcn_team *tm);

/* Claim the next chunk of [0, n_chunks) of the current phase into *c;
 * 0 when none is left. Every thread claims until 0, then syncs. */
static inline int lgcn_team_claim(lgcn_team *tm, size_t n_chunks, size_t *c)
{
    *c = atomic_fetch_add_explicit(&tm->next, 1, memory_order_relaxed);
    return *c < n_chunks;
}

#endif /* LGCN_TEAM_H */
