/* Phase barrier and chunk claiming for a training step's team. */
#include "lgcn_team.h"

#include <time.h>

#ifdef _OPENMP
#include <omp.h>
#endif

/*
 * How long a thread that reaches a barrier first polls before it sleeps.
 * Long enough to cover the usual imbalance at the end of a phase on an
 * idle machine (a chunk, or thread 0's serial bookkeeping between phases:
 * tens of microseconds), so a quiet run rarely pays a sleep and wake-up;
 * short against a scheduler time slice (~3 ms), so a thread whose partner
 * was preempted gives its core back soon. On an idle machine pinned to 2
 * cores with two competing CPU-bound threads, the loaded/quiet epoch ratio
 * was 2.5-2.7x at 50 us, 2.0-2.2x at 200 us and 2.1-2.2x at 1 ms (fair
 * share: 2x); docs/results-lightgcn.md ("Training on a busy machine").
 */
#ifndef LGCN_TEAM_SPIN_NS /* a -D override is for measuring only */
#define LGCN_TEAM_SPIN_NS 200000LL
#endif

static long long now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ volatile("yield");
#endif
}

int lgcn_team_init(lgcn_team *tm)
{
    atomic_init(&tm->n, 1);
    atomic_init(&tm->next, 0);
    atomic_init(&tm->arrived, 0);
    atomic_init(&tm->gen, 0);
    int rc = pthread_mutex_init(&tm->mu, NULL);
    if (rc)
        return rc;
    if ((rc = pthread_cond_init(&tm->cv, NULL)) != 0)
        pthread_mutex_destroy(&tm->mu);
    return rc;
}

void lgcn_team_destroy(lgcn_team *tm)
{
    pthread_cond_destroy(&tm->cv);
    pthread_mutex_destroy(&tm->mu);
}

int lgcn_team_join(lgcn_team *tm)
{
#ifdef _OPENMP
    /* every thread stores the same value before its first sync */
    atomic_store_explicit(&tm->n, omp_get_num_threads(), memory_order_relaxed);
    return omp_get_thread_num();
#else
    atomic_store_explicit(&tm->n, 1, memory_order_relaxed);
    return 0;
#endif
}

void lgcn_team_sync(lgcn_team *tm)
{
    int n = atomic_load_explicit(&tm->n, memory_order_relaxed);
    if (n <= 1) {
        atomic_store_explicit(&tm->next, 0, memory_order_relaxed);
        return;
    }
    /* gen cannot move before this thread arrives: read it first */
    unsigned g = atomic_load_explicit(&tm->gen, memory_order_acquire);
    if (atomic_fetch_add_explicit(&tm->arrived, 1, memory_order_acq_rel) == n - 1) {
        /* Last in: everyone has stopped claiming; reset for the next
         * phase, then release (under the mutex, so a thread on its way
         * into the sleep below cannot miss the broadcast). */
        atomic_store_explicit(&tm->arrived, 0, memory_order_relaxed);
        atomic_store_explicit(&tm->next, 0, memory_order_relaxed);
        pthread_mutex_lock(&tm->mu);
        atomic_store_explicit(&tm->gen, g + 1, memory_order_release);
        pthread_cond_broadcast(&tm->cv);
        pthread_mutex_unlock(&tm->mu);
        return;
    }
    long long deadline = now_ns() + LGCN_TEAM_SPIN_NS;
    for (;;) {
        for (int k = 0; k < 64; k++) {
            if (atomic_load_explicit(&tm->gen, memory_order_acquire) != g)
                return;
            cpu_relax();
        }
        if (now_ns() > deadline)
            break;
    }
    pthread_mutex_lock(&tm->mu);
    while (atomic_load_explicit(&tm->gen, memory_order_acquire) == g)
        pthread_cond_wait(&tm->cv, &tm->mu);
    pthread_mutex_unlock(&tm->mu);
}
