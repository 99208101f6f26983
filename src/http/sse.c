/* sse.c - server-sent events on libmicrohttpd without holding a thread.
 *
 * A stream is an MHD response with a content-reader callback (reader). The
 * reader hands out what the producer (the handler's zt_stream_fn) appended;
 * when the producer is caught up it suspends the connection and returns 0,
 * which is the only way to return 0 in MHD's internal polling modes without
 * busy-waiting. Something else must then resume it: one waker thread per
 * process does, when a store commit hook called zt_stream_wake_all (merged:
 * at most one round every WAKE_GAP_US), when a stream has been silent for
 * ZT_STREAM_PING_S (the heartbeat), and zt_stream_shutdown does on stop.
 *
 * Locks, always taken in this order: g.mu (the registry) -> st->mu (one
 * stream) -> MHD's own. MHD_resume_connection is never called under g.mu:
 * MHD may destroy a response (our on_free takes g.mu) while holding its
 * cleanup lock, so the waker takes references under g.mu and resumes after
 * letting go of it. A connection is resumed only when the reader recorded
 * (under st->mu) that it suspended it: MHD's documentation leaves resuming
 * a connection that is not suspended undefined. A suspended connection
 * cannot complete, so it is alive when resumed.
 *
 * MHD_stop_daemon aborts when a connection is still suspended, hence
 * zt_stream_shutdown: it marks the server's streams closing and resumes
 * them (their reader then ends the response) and refuses new streams, so
 * that zt_server_stop's wait for requests in flight covers them. */
#include <assert.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/clock.h"
#include "base/log.h"
#include "http/internal.h"

#define WAKE_GAP_US  20000 /* commit wakes closer together than this are merged */
#define MAX_STOPPING 16    /* servers stopping at once (one in practice) */
#define BLOCK_SIZE   16384

struct zt_stream {
    zt_server *srv;
    int64_t owner; /* the user's id, or minus the API key's id (0: anonymous, no cap) */
    struct MHD_Connection *conn;
    int fd; /* the connection's socket: valid while the reader runs or the connection is suspended */
    zt_stream_fn fn;
    void *ctx;
    void (*free_ctx)(void *);
    /* output: only the reader's thread touches it */
    char *out;
    size_t out_len, out_off, out_cap;
    int more, ended;
    _Atomic int64_t last_write_us; /* monotonic: the waker reads it for the heartbeat */
    _Atomic int refs;              /* the registry's (dropped by on_free) + the waker's while it resumes */
    pthread_mutex_t mu;            /* guards the flags below */
    int pending, ping, closing, suspended;
    zt_stream *prev, *next; /* the registry, under g.mu */
};

static struct {
    pthread_mutex_t mu;
    pthread_cond_t cv; /* the waker sleeps on it (monotonic clock) */
    zt_stream *head;
    int n;
    zt_server *stopping[MAX_STOPPING];
    int dirty; /* a commit happened since the last wake round */
    int64_t last_round_us;
    pthread_t thread;
    int running;
    unsigned gen; /* a waker runs while g.gen is the one it was started with */
} g = {.mu = PTHREAD_MUTEX_INITIALIZER};

static pthread_once_t once = PTHREAD_ONCE_INIT;

static void init_cv(void) {
    pthread_condattr_t a;
    pthread_condattr_init(&a);
    pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
    pthread_cond_init(&g.cv, &a);
    pthread_condattr_destroy(&a);
}

static void unref(zt_stream *st) {
    if (atomic_fetch_sub(&st->refs, 1) != 1) return;
    if (st->free_ctx) st->free_ctx(st->ctx);
    pthread_mutex_destroy(&st->mu);
    free(st->out);
    free(st);
}

/* --- output --- */

void zt_stream_write(zt_stream *st, const char *data, size_t len) {
    if (st->out_off == st->out_len) st->out_off = st->out_len = 0;
    if (st->out_len + len > st->out_cap) {
        st->out_cap = (st->out_len + len) * 2;
        st->out = zt_realloc(st->out, st->out_cap);
    }
    memcpy(st->out + st->out_len, data, len);
    st->out_len += len;
}

static void write_str(zt_stream *st, const char *s) { zt_stream_write(st, s, strlen(s)); }

void zt_stream_event(zt_stream *st, const char *id, const char *name, const char *data) {
    /* a newline would end the field and let data forge fields of its own */
    assert(!strpbrk(data, "\r\n") && (!id || !strpbrk(id, "\r\n")) && (!name || !strpbrk(name, "\r\n")));
    if (id) {
        write_str(st, "id: ");
        write_str(st, id);
        write_str(st, "\n");
    }
    if (name) {
        write_str(st, "event: ");
        write_str(st, name);
        write_str(st, "\n");
    }
    write_str(st, "data: ");
    write_str(st, data);
    write_str(st, "\n\n");
}

size_t zt_stream_pending(const zt_stream *st) { return st->out_len - st->out_off; }

/* Did the client close its end, or did the connection fail? A peek, never
 * a read: an event stream's client sends nothing after its request. */
static int peer_gone(int fd) {
    if (fd < 0) return 0;
    char c;
    ssize_t k = recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
    return k == 0 || (k < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR);
}

/* --- the content reader (an MHD thread) --- */

static ssize_t reader(void *cls, uint64_t pos, char *buf, size_t max) {
    zt_stream *st = cls;
    for (;;) {
        size_t have = st->out_len - st->out_off;
        if (have) {
            size_t n = have < max ? have : max;
            memcpy(buf, st->out + st->out_off, n);
            st->out_off += n;
            atomic_store(&st->last_write_us, zt_mono_us());
            return (ssize_t)n;
        }
        if (st->ended) return MHD_CONTENT_READER_END_OF_STREAM;
        pthread_mutex_lock(&st->mu);
        if (st->closing) {
            pthread_mutex_unlock(&st->mu);
            return MHD_CONTENT_READER_END_OF_STREAM;
        }
        /* a ping runs fn too: rows committed where no hook sees them (another
         * process, another node) arrive within one ping period */
        int ping = st->ping, run = st->pending || st->more || ping;
        st->pending = st->ping = 0;
        if (!run && !ping && peer_gone(st->fd)) {
            /* the client closed its end (a tab closed, a reload): end now
             * rather than at the next ping, and free the slot */
            pthread_mutex_unlock(&st->mu);
            return MHD_CONTENT_READER_END_WITH_ERROR;
        }
        if (!run && !ping) {
            /* caught up: park the connection until a wake (which sees
             * suspended under this lock, so none is lost) */
            st->suspended = 1;
            MHD_suspend_connection(st->conn);
            pthread_mutex_unlock(&st->mu);
            return 0;
        }
        pthread_mutex_unlock(&st->mu);
        if (run) {
            int rc = st->fn(st, st->ctx);
            st->more = rc == ZT_STREAM_MORE;
            if (rc == ZT_STREAM_END) st->ended = 1;
        }
        if (ping && st->out_len == st->out_off && !st->ended) write_str(st, ": ping\n\n");
    }
}

/* MHD destroyed the response: the connection is done with the stream. */
static void on_free(void *cls) {
    zt_stream *st = cls;
    pthread_mutex_lock(&g.mu);
    if (st->prev)
        st->prev->next = st->next;
    else
        g.head = st->next;
    if (st->next) st->next->prev = st->prev;
    g.n--;
    pthread_mutex_unlock(&g.mu);
    unref(st);
}

/* --- waking --- */

enum { WAKE_DATA = 1, WAKE_PING = 2, WAKE_CLOSE = 4 };

/* Set the flags and resume the stream if its reader parked it. Not under
 * g.mu (see the top of the file). */
static void poke(zt_stream *st, int what) {
    pthread_mutex_lock(&st->mu);
    if (what & WAKE_DATA) st->pending = 1;
    if (what & WAKE_PING) st->ping = 1;
    if (what & WAKE_CLOSE) st->closing = 1;
    if (st->suspended) {
        st->suspended = 0;
        MHD_resume_connection(st->conn);
    }
    pthread_mutex_unlock(&st->mu);
}

/* Under g.mu: take a reference on each stream that matches and note what
 * to do with it. The caller pokes them after unlocking. */
typedef struct {
    zt_stream **st;
    int *what;
    int n, cap;
} pick_list;

static void pick(pick_list *l, zt_stream *st, int what) {
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 64;
        l->st = zt_realloc(l->st, (size_t)l->cap * sizeof *l->st);
        l->what = zt_realloc(l->what, (size_t)l->cap * sizeof *l->what);
    }
    atomic_fetch_add(&st->refs, 1);
    l->st[l->n] = st;
    l->what[l->n++] = what;
}

static void poke_all(pick_list *l) {
    for (int i = 0; i < l->n; i++) {
        poke(l->st[i], l->what[i]);
        unref(l->st[i]);
    }
    l->n = 0;
}

static void *waker_main(void *arg) {
    unsigned gen = (unsigned)(uintptr_t)arg;
    pick_list l = {0};
    const int64_t ping_us = (int64_t)ZT_STREAM_PING_S * 1000000;
    pthread_mutex_lock(&g.mu);
    while (g.gen == gen) {
        int64_t now = zt_mono_us();
        int64_t next = now + ping_us;
        int round = g.dirty && now - g.last_round_us >= WAKE_GAP_US;
        if (round) {
            g.dirty = 0;
            g.last_round_us = now;
        } else if (g.dirty) {
            next = g.last_round_us + WAKE_GAP_US;
        }
        for (zt_stream *st = g.head; st; st = st->next) {
            int64_t due = atomic_load(&st->last_write_us) + ping_us;
            int what = (round ? WAKE_DATA : 0) | (due <= now ? WAKE_PING : 0);
            if (due <= now) {
                /* the next ping is due a full period after this one, even
                 * if the reader runs late */
                atomic_store(&st->last_write_us, now);
                due = now + ping_us;
            }
            if (what) pick(&l, st, what);
            if (due < next) next = due;
        }
        if (l.n) {
            pthread_mutex_unlock(&g.mu);
            poke_all(&l);
            pthread_mutex_lock(&g.mu);
            continue; /* time passed while unlocked: look again before sleeping */
        }
        struct timespec ts = {.tv_sec = (time_t)(next / 1000000), .tv_nsec = (long)(next % 1000000) * 1000};
        pthread_cond_timedwait(&g.cv, &g.mu, &ts);
    }
    pthread_mutex_unlock(&g.mu);
    free(l.st);
    free(l.what);
    return NULL;
}

void zt_stream_wake_all(void *arg) {
    pthread_mutex_lock(&g.mu);
    if (g.head) {
        g.dirty = 1;
        pthread_cond_broadcast(&g.cv);
    }
    pthread_mutex_unlock(&g.mu);
}

/* --- set-up and shutdown --- */

static int is_stopping(zt_server *s) {
    for (int i = 0; i < MAX_STOPPING; i++)
        if (g.stopping[i] == s) return 1;
    return 0;
}

static int count_locked(zt_server *s) {
    int n = 0;
    for (zt_stream *st = g.head; st; st = st->next) n += st->srv == s;
    return n;
}

/* Under g.mu: the live streams of one owner on s. A parked stream whose
 * client has gone (a closed tab, a reload) is not counted but ended (picked
 * for WAKE_CLOSE): its socket is valid while MHD holds the connection
 * suspended, so it can be looked at from here. */
static int count_owner_locked(zt_server *s, int64_t owner, pick_list *dead) {
    int n = 0;
    for (zt_stream *st = g.head; st; st = st->next) {
        if (st->srv != s || st->owner != owner) continue;
        pthread_mutex_lock(&st->mu);
        int gone = st->closing || (st->suspended && peer_gone(st->fd));
        pthread_mutex_unlock(&st->mu);
        if (gone)
            pick(dead, st, WAKE_CLOSE);
        else
            n++;
    }
    return n;
}

int zt_stream_count(zt_server *s) {
    pthread_mutex_lock(&g.mu);
    int n = count_locked(s);
    pthread_mutex_unlock(&g.mu);
    return n;
}

zt_err zt_reply_stream(zt_req *r, zt_stream_fn fn, void *ctx, void (*free_ctx)(void *), zt_error *e) {
    zt_server *s = r->srv;
    int max = s->o.max_streams > 0 ? s->o.max_streams : ZT_STREAM_MAX_DEFAULT;
    int per_user = s->o.max_streams_per_user > 0 ? s->o.max_streams_per_user : ZT_STREAMS_PER_USER_DEFAULT;
    const zt_principal *p = zt_req_principal(r);
    pthread_once(&once, init_cv);
    zt_stream *st = zt_calloc(1, sizeof *st);
    st->srv = s;
    st->owner = p->user_id ? p->user_id : -p->key_id;
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CONNECTION_FD);
    st->fd = ci ? ci->connect_fd : -1;
    if (st->fd >= 0) {
        /* a client that vanished without closing (a network gone) stops
         * acknowledging the pings: the kernel then gives up on the
         * connection after this long instead of retrying for many minutes */
        unsigned int ms = (2 * ZT_STREAM_PING_S + 15) * 1000;
        setsockopt(st->fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &ms, sizeof ms);
    }
    st->conn = r->conn;
    st->fn = fn;
    st->ctx = ctx;
    st->free_ctx = free_ctx;
    st->pending = 1; /* the first call: fn may have a backlog to send (Last-Event-ID) */
    atomic_store(&st->refs, 1);
    atomic_store(&st->last_write_us, zt_mono_us());
    pthread_mutex_init(&st->mu, NULL);
    /* the first bytes (the reconnection delay) make MHD send the headers now */
    write_str(st, "retry: 3000\n\n");

    pick_list dead = {0};
    pthread_mutex_lock(&g.mu);
    int stopping = is_stopping(s), full = !stopping && count_locked(s) >= max;
    int mine = st->owner && !stopping && !full && count_owner_locked(s, st->owner, &dead) >= per_user;
    if (stopping || full || mine) {
        pthread_mutex_unlock(&g.mu);
        poke_all(&dead);
        free(dead.st);
        free(dead.what);
        unref(st);
        if (stopping) return zt_fail(e, ZT_EUNAVAIL, NULL, "服务正在停止，请稍后重新连接");
        if (full) return zt_fail(e, ZT_EUNAVAIL, NULL, "实时推送连接数已满（上限 %d），请稍后重试", max);
        atomic_fetch_add(&s->refused_streams, 1);
        zt_reply_header(r, "Retry-After", "5");
        return zt_fail(e, ZT_ETHROTTLED, NULL,
                       "您已打开 %d 个实时推送连接，达到每个用户的上限（http.max_streams_per_user = %d）："
                       "请关闭其他监察大屏页面后重试",
                       per_user, per_user);
    }
    struct MHD_Response *resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, BLOCK_SIZE, reader, st, on_free);
    if (!resp) {
        pthread_mutex_unlock(&g.mu);
        unref(st);
        return zt_fail(e, ZT_EINTERNAL, NULL, "cannot create the event-stream response");
    }
    st->next = g.head;
    if (g.head) g.head->prev = st;
    g.head = st;
    g.n++;
    if (!g.running) {
        if (pthread_create(&g.thread, NULL, waker_main, (void *)(uintptr_t)g.gen) != 0) {
            /* without the waker a stream would stay parked forever */
            zt_error_log("sse: cannot start the waker thread: %s", strerror(errno));
            abort();
        }
        g.running = 1;
    }
    pthread_mutex_unlock(&g.mu);
    poke_all(&dead);
    free(dead.st);
    free(dead.what);

    MHD_add_response_header(resp, "Content-Type", "text/event-stream; charset=utf-8");
    MHD_add_response_header(resp, "Cache-Control", "no-store");
    MHD_add_response_header(resp, "X-Accel-Buffering", "no");
    zt_reply_mhd(r, 200, resp, 0);
    return ZT_OK;
}

void zt_stream_shutdown(zt_server *s, int on) {
    pthread_once(&once, init_cv);
    pick_list l = {0};
    pthread_t join = 0;
    int do_join = 0;
    pthread_mutex_lock(&g.mu);
    if (on) {
        if (!is_stopping(s)) {
            int i = 0;
            while (i < MAX_STOPPING && g.stopping[i]) i++;
            if (i == MAX_STOPPING) {
                pthread_mutex_unlock(&g.mu);
                zt_error_log("sse: more than %d servers stopping at once", MAX_STOPPING);
                abort();
            }
            g.stopping[i] = s;
        }
        for (zt_stream *st = g.head; st; st = st->next)
            if (st->srv == s) pick(&l, st, WAKE_CLOSE);
    } else {
        for (int i = 0; i < MAX_STOPPING; i++)
            if (g.stopping[i] == s) g.stopping[i] = NULL;
        /* the last server gone: stop the waker (it is started again by the
         * next stream) */
        if (!g.head && g.running) {
            g.gen++;
            g.running = 0;
            pthread_cond_broadcast(&g.cv);
            join = g.thread;
            do_join = 1;
        }
    }
    pthread_mutex_unlock(&g.mu);
    if (l.n) zt_info("http: ending %d event stream%s", l.n, l.n == 1 ? "" : "s");
    poke_all(&l);
    free(l.st);
    free(l.what);
    if (do_join) pthread_join(join, NULL);
}
