/* hashpool.c - Argon2id off the HTTP threads (issue 22 F4).
 *
 * One Argon2id costs auth.argon2_mem_kib of memory (64 MiB) and tens of
 * milliseconds of a core. Run on the server's own threads, a stream of
 * anonymous logins or registrations held every one of them, and a public
 * search waited seconds behind the hashing. Here a fixed set of threads
 * (auth.hash_threads) takes jobs from a bounded queue (auth.hash_queue):
 * an HTTP request that needs a hash parks itself (zt_req_defer) and its
 * connection waits without a thread, so hashing can never hold more than
 * the pool's threads and memory, and a full queue is refused at once with
 * 503 and Retry-After instead of queueing without end. Callers that may
 * wait (administrators' account changes, the command line) use
 * zt_hash_sync, which runs in the pool too when it is started, so the
 * bound counts every hash of the process. Without a started pool (the
 * command line, the fuzzer) the work runs on the calling thread. */
#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "auth/auth.h"
#include "base/log.h"

static struct {
    pthread_mutex_t mu;
    pthread_cond_t cv;      /* workers wait for jobs */
    pthread_cond_t done_cv; /* zt_hash_sync callers wait for theirs */
    zt_hash_job *head, *tail;
    int64_t queued, running, max_queue;
    int nthreads, stop, started;
    pthread_t threads[64];
    _Atomic uint64_t jobs, refused, running_max;
} pool = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER, .done_cv = PTHREAD_COND_INITIALIZER};

static void run_job(zt_hash_job *j) {
    size_t n = strlen(j->password);
    if (j->verify) {
        j->ok = crypto_pwhash_str_verify(j->hash, j->password, n) == 0;
    } else {
        zt_error ignored = {0};
        j->ok = zt_password_hash(j->cfg, j->password, j->hash, &ignored) == ZT_OK;
    }
    /* the password leaves memory as soon as it is used */
    sodium_memzero(j->password, sizeof j->password);
    atomic_fetch_add(&pool.jobs, 1);
}

static void *worker(void *arg) {
    pthread_mutex_lock(&pool.mu);
    for (;;) {
        while (!pool.head && !pool.stop) pthread_cond_wait(&pool.cv, &pool.mu);
        if (!pool.head) break; /* stopping, nothing left */
        zt_hash_job *j = pool.head;
        pool.head = j->next;
        if (!pool.head) pool.tail = NULL;
        pool.queued--;
        pool.running++;
        if ((uint64_t)pool.running > atomic_load(&pool.running_max)) atomic_store(&pool.running_max, pool.running);
        pthread_mutex_unlock(&pool.mu);
        run_job(j);
        pthread_mutex_lock(&pool.mu);
        pool.running--;
        if (j->req) {
            zt_req *r = j->req;
            pthread_mutex_unlock(&pool.mu);
            zt_req_resume(r); /* j lives in r's arena: not touched after this */
            pthread_mutex_lock(&pool.mu);
        } else {
            j->done = 1;
            pthread_cond_broadcast(&pool.done_cv);
        }
    }
    pthread_mutex_unlock(&pool.mu);
    return NULL;
}

zt_err zt_hashpool_start(const zt_config *cfg, zt_error *e) {
    int n = (int)cfg->hash_threads;
    if (n <= 0) {
        long cores = sysconf(_SC_NPROCESSORS_ONLN);
        n = cores > 1 ? (int)(cores / 2) : 1;
    }
    if (n > (int)(sizeof pool.threads / sizeof pool.threads[0]))
        n = (int)(sizeof pool.threads / sizeof pool.threads[0]);
    pthread_mutex_lock(&pool.mu);
    pool.max_queue = cfg->hash_queue;
    pool.stop = 0;
    pool.nthreads = 0;
    for (int i = 0; i < n; i++) {
        if (pthread_create(&pool.threads[i], NULL, worker, NULL) != 0) break;
        pool.nthreads++;
    }
    pool.started = pool.nthreads > 0;
    pthread_mutex_unlock(&pool.mu);
    if (!pool.started) return zt_fail(e, ZT_EUNAVAIL, "auth.hash_threads", "cannot start the password hashing threads");
    return ZT_OK;
}

void zt_hashpool_stop(void) {
    pthread_mutex_lock(&pool.mu);
    if (!pool.started) {
        pthread_mutex_unlock(&pool.mu);
        return;
    }
    pool.stop = 1; /* the workers finish the queue first */
    pthread_cond_broadcast(&pool.cv);
    int n = pool.nthreads;
    pthread_mutex_unlock(&pool.mu);
    for (int i = 0; i < n; i++) pthread_join(pool.threads[i], NULL);
    pthread_mutex_lock(&pool.mu);
    pool.started = 0;
    pool.nthreads = 0;
    pthread_mutex_unlock(&pool.mu);
}

/* Queue j (pool.mu held, the pool started): 0, or -1 when the queue is full. */
static int enqueue(zt_hash_job *j) {
    if (pool.queued >= pool.max_queue) {
        atomic_fetch_add(&pool.refused, 1);
        return -1;
    }
    j->next = NULL;
    if (pool.tail)
        pool.tail->next = j;
    else
        pool.head = j;
    pool.tail = j;
    pool.queued++;
    pthread_cond_signal(&pool.cv);
    return 0;
}

static zt_err busy(zt_req *r, zt_error *e) {
    if (r) zt_reply_header(r, "Retry-After", "1");
    return zt_fail(e, ZT_EUNAVAIL, NULL, "系统繁忙（密码校验排队已满），请稍后再试");
}

zt_err zt_hash_async(zt_req *r, zt_hash_job *j, zt_then_fn then, void *ctx, zt_error *e) {
    j->req = r;
    pthread_mutex_lock(&pool.mu);
    if (!pool.started) {
        pthread_mutex_unlock(&pool.mu);
        run_job(j);
        return then(r, ctx, e);
    }
    /* deferred before the job can run: a worker resumes only what is parked or about to be */
    if (pool.queued >= pool.max_queue) {
        atomic_fetch_add(&pool.refused, 1);
        pthread_mutex_unlock(&pool.mu);
        sodium_memzero(j->password, sizeof j->password);
        return busy(r, e);
    }
    zt_req_defer(r, then, ctx);
    enqueue(j);
    pthread_mutex_unlock(&pool.mu);
    return ZT_OK;
}

zt_err zt_hash_sync(zt_hash_job *j, zt_error *e) {
    j->req = NULL;
    j->done = 0;
    pthread_mutex_lock(&pool.mu);
    if (!pool.started) {
        pthread_mutex_unlock(&pool.mu);
        run_job(j);
    } else {
        if (enqueue(j) != 0) {
            pthread_mutex_unlock(&pool.mu);
            sodium_memzero(j->password, sizeof j->password);
            return busy(NULL, e);
        }
        while (!j->done) pthread_cond_wait(&pool.done_cv, &pool.mu);
        pthread_mutex_unlock(&pool.mu);
    }
    if (!j->verify && !j->ok) return zt_fail(e, ZT_EUNAVAIL, NULL, "密码哈希失败（内存不足）");
    return ZT_OK;
}

void zt_hash_job_init(zt_hash_job *j, const zt_config *cfg, int verify, const char *password, const char *hash) {
    memset(j, 0, sizeof *j);
    j->cfg = cfg;
    j->verify = verify;
    snprintf(j->password, sizeof j->password, "%s", password);
    if (hash) snprintf(j->hash, sizeof j->hash, "%s", hash);
}

void zt_hashpool_stats_get(zt_hashpool_stats *st) {
    pthread_mutex_lock(&pool.mu);
    st->threads = pool.nthreads;
    st->queued = pool.queued;
    st->running = pool.running;
    st->max_queue = pool.max_queue;
    pthread_mutex_unlock(&pool.mu);
    st->jobs = atomic_load(&pool.jobs);
    st->refused = atomic_load(&pool.refused);
    st->running_max = atomic_load(&pool.running_max);
}
