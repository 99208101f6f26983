/* periodic.c - see periodic.h. */
#include "base/periodic.h"

#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "base/arena.h"

struct zt_periodic {
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int stop, poked, final;
    int64_t interval_ms;
    zt_periodic_fn fn;
    void *arg;
};

static void *periodic_main(void *p_) {
    zt_periodic *p = p_;
    pthread_mutex_lock(&p->mu);
    while (!p->stop) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += p->interval_ms / 1000;
        until.tv_nsec += (long)(p->interval_ms % 1000) * 1000000L;
        if (until.tv_nsec >= 1000000000L) until.tv_sec++, until.tv_nsec -= 1000000000L;
        while (!p->stop && !p->poked && pthread_cond_timedwait(&p->cv, &p->mu, &until) == 0) {
        }
        p->poked = 0;
        if (p->stop) break;
        pthread_mutex_unlock(&p->mu);
        p->fn(p->arg, 0);
        pthread_mutex_lock(&p->mu);
    }
    pthread_mutex_unlock(&p->mu);
    if (p->final) p->fn(p->arg, 1);
    return NULL;
}

zt_periodic *zt_periodic_start(int64_t interval_ms, int final, zt_periodic_fn fn, void *arg) {
    zt_periodic *p = zt_calloc(1, sizeof *p);
    *p = (zt_periodic){.interval_ms = interval_ms > 0 ? interval_ms : 1000, .final = final, .fn = fn, .arg = arg};
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    if (pthread_create(&p->thread, NULL, periodic_main, p)) {
        pthread_cond_destroy(&p->cv);
        pthread_mutex_destroy(&p->mu);
        free(p);
        return NULL;
    }
    return p;
}

void zt_periodic_poke(zt_periodic *p) {
    if (!p) return;
    pthread_mutex_lock(&p->mu);
    p->poked = 1;
    pthread_cond_signal(&p->cv);
    pthread_mutex_unlock(&p->mu);
}

void zt_periodic_stop(zt_periodic *p) {
    if (!p) return;
    pthread_mutex_lock(&p->mu);
    p->stop = 1;
    pthread_cond_signal(&p->cv);
    pthread_mutex_unlock(&p->mu);
    pthread_join(p->thread, NULL);
    pthread_cond_destroy(&p->cv);
    pthread_mutex_destroy(&p->mu);
    free(p);
}
