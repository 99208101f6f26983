/* notify.c - telling the people responsible for a card: an in-app inbox
 * row for every active clerk and head of the card's department, and the
 * same text to the outside senders (SMS, e-mail).
 *
 * The outside senders never run inside a write: the write inserts its
 * notices into notify_outbox (migration 017), so that a write rolled back
 * (a failed commit, a later error of the same write) sends nothing. After
 * each commit that brought notices, the sender thread (zt_sv_sender_start)
 * sends every committed notice once, marks it sent, and retries a failed
 * one after notify.retry_seconds, doubled each time (at most an hour), up
 * to notify.max_attempts. Two senders are shipped: a log line (the demo has
 * no SMS gateway), or - with notify.spool_dir - one JSON file per notice in
 * that directory for a gateway to pick up, named by the notice's id (a
 * notice sent twice after a crash overwrites its own file). */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "auth/auth.h"
#include "base/arena.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/periodic.h"
#include "supervise/supervise.h"

const char *zt_sv_level_label(const char *level) {
    if (!strcmp(level, "warning")) return "预警";
    if (!strcmp(level, "yellow")) return "黄牌";
    if (!strcmp(level, "red")) return "红牌";
    return level;
}

static const char *action_label(const char *action) {
    static const char *const map[][2] = {
        {"raise", "新发"},    {"confirm", "已确认下发"}, {"feedback", "部门已反馈"},
        {"close", "已办结"},  {"escalate", "督办"},      {"appeal", "部门申诉"},
        {"revoke", "已撤销"}, {"send_back", "申诉退回"}, {"retract", "已撤回"},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (!strcmp(map[i][0], action)) return map[i][1];
    return action;
}

/* --- the outbox ------------------------------------------------------------ */

/* Set by a write that queued a notice; the commit hook pokes the sender
 * only then (a write rolled back sets it too: the sender finds nothing). */
static atomic_int queued;

static zt_err outbox_add(zt_db *db, const char *channel, const char *login, const char *phone, const char *text,
                         zt_error *e) {
    atomic_store(&queued, 1);
    return zt_db_run(db, e,
                     "INSERT INTO notify_outbox (channel, login, phone, text, created_at) VALUES (?, ?, ?, ?, ?)",
                     ZT_T(channel), ZT_T(login), phone && *phone ? ZT_T(phone) : ZT_NULL, ZT_T(text), ZT_I(zt_now()));
}

/* The recipients of a department's cards: its active clerks and head, by
 * user id. While a batch is open (zt_sv_notify_batch, the ticker's write)
 * each department's list is read once: nothing else writes users in the
 * middle of that write. Writer thread only. */
typedef struct {
    int64_t id;
    char login[65], phone[64];
} recipient;

typedef struct {
    char dept[64];
    recipient *r;
    size_t n;
} dept_recipients;

static int batch_open;
static dept_recipients *cache;
static size_t ncache, capcache;

static void cache_clear(void) {
    for (size_t i = 0; i < ncache; i++) free(cache[i].r);
    free(cache);
    cache = NULL;
    ncache = capcache = 0;
}

void zt_sv_notify_batch(int open) {
    cache_clear();
    batch_open = open;
}

typedef struct {
    dept_recipients *d;
    size_t cap;
} collect;

static void add_recipient(int64_t id, const char *login, const char *phone, void *ctx) {
    collect *c = ctx;
    dept_recipients *d = c->d;
    if (d->n == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 4;
        d->r = zt_realloc(d->r, c->cap * sizeof *d->r);
    }
    recipient *r = &d->r[d->n++];
    r->id = id;
    snprintf(r->login, sizeof r->login, "%s", login);
    snprintf(r->phone, sizeof r->phone, "%s", phone);
}

/* The recipients of dept into *out (owned by the cache while a batch is
 * open, else by the caller: *owned set). */
static zt_err recipients(zt_db *db, const char *dept, dept_recipients *out, int *owned, zt_error *e) {
    *owned = 0;
    for (size_t i = 0; batch_open && i < ncache; i++)
        if (!strcmp(cache[i].dept, dept)) {
            *out = cache[i];
            return ZT_OK;
        }
    dept_recipients d = {0};
    snprintf(d.dept, sizeof d.dept, "%s", dept);
    collect c = {&d, 0};
    zt_err rc = zt_users_of_dept(db, dept, ZT_R_CLERK | ZT_R_DEPT_HEAD, add_recipient, &c, e);
    zt_db_release(db);
    if (rc) {
        free(d.r);
        return rc;
    }
    if (batch_open) {
        if (ncache == capcache) {
            capcache = capcache ? capcache * 2 : 16;
            cache = zt_realloc(cache, capcache * sizeof *cache);
        }
        cache[ncache++] = d;
    } else {
        *owned = 1;
    }
    *out = d;
    return ZT_OK;
}

zt_err zt_sv_notify_card(zt_db *db, int64_t card_id, const char *number, const char *level, const char *card_title,
                         const char *dept, const char *state, const char *action, zt_error *e) {
    if (!strcmp(state, "pending")) return ZT_OK; /* not yet issued: the department is told on confirmation */
    char title[256], body[768], text[1100];
    snprintf(title, sizeof title, "【%s%s】%s", zt_sv_level_label(level), action_label(action), number);
    snprintf(body, sizeof body, "%s", card_title);
    snprintf(text, sizeof text, "%s %s", title, body);
    dept_recipients d = {0};
    int owned;
    zt_err rc = recipients(db, dept, &d, &owned, e);
    if (rc) return rc;
    int64_t now = zt_now();
    for (size_t i = 0; i < d.n && !rc; i++) {
        zt_stmt *st = zt_db_prepare(
            db, "INSERT INTO sv_inbox (user_id, card_id, title, body, created_at) VALUES (?, ?, ?, ?, ?)", e);
        if (!st) {
            rc = ZT_EINTERNAL;
            break;
        }
        zt_bind_int(st, 1, d.r[i].id);
        zt_bind_int(st, 2, card_id);
        zt_bind_text(st, 3, title);
        zt_bind_text(st, 4, body);
        zt_bind_int(st, 5, now);
        rc = zt_step_done(st, e);
    }
    for (size_t i = 0; i < d.n && !rc; i++) {
        rc = outbox_add(db, "sms", d.r[i].login, d.r[i].phone, text, e);
        if (!rc) rc = outbox_add(db, "email", d.r[i].login, NULL, text, e);
    }
    if (owned) free(d.r);
    return rc;
}

zt_err zt_sv_notify_user(zt_db *db, int64_t user_id, const char *login, const char *phone, const char *title,
                         const char *body, zt_error *e) {
    zt_stmt *st = zt_db_prepare(
        db, "INSERT INTO sv_inbox (user_id, card_id, title, body, created_at) VALUES (?, NULL, ?, ?, ?)", e);
    if (!st) return ZT_EINTERNAL;
    zt_bind_int(st, 1, user_id);
    zt_bind_text(st, 2, title);
    zt_bind_text(st, 3, body);
    zt_bind_int(st, 4, zt_now());
    zt_err rc = zt_step_done(st, e);
    if (rc) return rc;
    char text[1100];
    snprintf(text, sizeof text, "%s %s", title, body);
    if (phone && *phone && (rc = outbox_add(db, "sms", login, phone, text, e))) return rc;
    return outbox_add(db, "email", login, NULL, text, e);
}

/* --- the sender thread ------------------------------------------------------ */

typedef struct {
    int64_t id;
    char channel[8], login[65], phone[64];
    char *text;
    int attempts;
    int ok;
    char error[160];
} notice;

/* The log sender: one line per notice. */
static int log_send(const notice *n, char *err, size_t cap) {
    zt_info("notify %s to %s%s%s: %s (notice %lld)", n->channel, n->login, n->phone[0] ? " " : "", n->phone, n->text,
            (long long)n->id);
    return 0;
}

/* The spool sender: {dir}/{id}-{channel}.json, written whole then renamed. */
static int spool_send(const char *dir, const notice *n, char *err, size_t cap) {
    json_t *j = json_pack("{s:I,s:s,s:s,s:s?,s:s}", "id", (json_int_t)n->id, "channel", n->channel, "login", n->login,
                          "phone", n->phone[0] ? n->phone : NULL, "text", n->text);
    char *body = j ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    char tmp[4200], path[4200];
    snprintf(tmp, sizeof tmp, "%s/.%lld-%s.tmp", dir, (long long)n->id, n->channel);
    snprintf(path, sizeof path, "%s/%lld-%s.json", dir, (long long)n->id, n->channel);
    int fd = body ? open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640) : -1;
    size_t len = body ? strlen(body) : 0;
    int bad = fd < 0 || write(fd, body, len) != (ssize_t)len || fsync(fd) != 0;
    int saved = errno;
    if (fd >= 0) close(fd);
    if (!bad && rename(tmp, path) != 0) {
        bad = 1;
        saved = errno;
    }
    free(body);
    if (!bad) return 0;
    if (fd >= 0) unlink(tmp);
    snprintf(err, cap, "%s: %s", dir, strerror(saved ? saved : EIO));
    return -1;
}

struct zt_sv_sender {
    zt_app *app;
    zt_periodic *job;
    notice *marks; /* sent, not yet marked (the marking write failed): never sent again */
    size_t nmarks;
};
typedef zt_sv_sender sender_state;

static pthread_mutex_t sender_mu = PTHREAD_MUTEX_INITIALIZER;
static sender_state *sender_running;

static int64_t real_now(void) { return (int64_t)time(NULL); }

static zt_err mark_write(zt_db *db, void *arg, zt_error *e) {
    sender_state *st = arg;
    zt_app *app = st->app;
    for (size_t i = 0; i < st->nmarks; i++) {
        notice *n = &st->marks[i];
        zt_err rc;
        if (n->ok) {
            rc = zt_db_run(db, e, "UPDATE notify_outbox SET sent_at = ?, attempts = attempts + 1 WHERE id = ?",
                           ZT_I(zt_now()), ZT_I(n->id));
        } else {
            int64_t delay = app->cfg->notify_retry_seconds;
            for (int k = 1; k < n->attempts + 1 && delay < 3600; k++) delay *= 2;
            if (delay > 3600) delay = 3600;
            int give_up = n->attempts + 1 >= app->cfg->notify_max_attempts;
            rc = zt_db_run(db, e,
                           "UPDATE notify_outbox SET attempts = attempts + 1, next_at = ?, last_error = ?,"
                           " failed_at = ? WHERE id = ?",
                           ZT_I(real_now() + delay), ZT_T(n->error), give_up ? ZT_I(zt_now()) : ZT_NULL, ZT_I(n->id));
            if (!rc && give_up)
                zt_warn("notify: notice %lld (%s to %s) given up after %d attempts: %s", (long long)n->id, n->channel,
                        n->login, n->attempts + 1, n->error);
        }
        if (rc) return rc;
    }
    return ZT_OK;
}

static void marks_clear(sender_state *st) {
    for (size_t i = 0; i < st->nmarks; i++) free(st->marks[i].text);
    free(st->marks);
    st->marks = NULL;
    st->nmarks = 0;
}

#define SEND_BATCH 64

/* One batch: the due notices, sent, then marked in one write. Returns how
 * many were due (SEND_BATCH: look again), or -1 when the marks could not be
 * written (kept for the next run, those notices are not sent again). */
static int send_batch(sender_state *st) {
    zt_app *app = st->app;
    zt_error e = {0};
    if (st->nmarks) { /* the last run sent them but could not say so */
        if (zt_store_write(app->store, mark_write, st, &e)) return -1;
        marks_clear(st);
    }
    zt_db *db = zt_store_reader(app->store);
    zt_stmt *q = zt_db_query(db, &e,
                             "SELECT id, channel, login, coalesce(phone, ''), text, attempts FROM notify_outbox"
                             " WHERE sent_at IS NULL AND failed_at IS NULL AND next_at <= ? ORDER BY id LIMIT ?",
                             ZT_I(real_now()), ZT_I(SEND_BATCH));
    if (!q) {
        zt_warn("notify: %s", e.message);
        return -1;
    }
    notice *v = zt_calloc(SEND_BATCH, sizeof *v);
    size_t n = 0;
    while (n < SEND_BATCH && zt_step(q, &e) == ZT_ROW) {
        notice *x = &v[n++];
        x->id = zt_col_int(q, 0);
        snprintf(x->channel, sizeof x->channel, "%s", zt_col_text(q, 1));
        snprintf(x->login, sizeof x->login, "%s", zt_col_text(q, 2));
        snprintf(x->phone, sizeof x->phone, "%s", zt_col_text(q, 3));
        x->text = zt_strdup(zt_col_text(q, 4));
        x->attempts = (int)zt_col_int(q, 5);
    }
    zt_db_release(db);
    const char *dir = app->cfg->notify_spool_dir;
    for (size_t i = 0; i < n; i++) {
        notice *x = &v[i];
        x->ok =
            (dir && *dir ? spool_send(dir, x, x->error, sizeof x->error) : log_send(x, x->error, sizeof x->error)) == 0;
    }
    st->marks = v;
    st->nmarks = n;
    if (n && zt_store_write(app->store, mark_write, st, &e)) {
        zt_warn("notify: cannot mark %zu notices as sent (%s); they are marked later, not sent again", n, e.message);
        return -1;
    }
    marks_clear(st);
    return (int)n;
}

static void sender_job(void *arg, int stopping) {
    sender_state *st = arg;
    for (int round = 0; round < 64 && send_batch(st) == SEND_BATCH; round++) {
    }
}

/* After every durable commit (writer thread): poke the sender when the
 * batch may have brought notices. */
static void sender_wake(void *arg) {
    if (!atomic_exchange(&queued, 0)) return;
    pthread_mutex_lock(&sender_mu);
    if (sender_running) zt_periodic_poke(sender_running->job);
    pthread_mutex_unlock(&sender_mu);
}

zt_sv_sender *zt_sv_sender_start(zt_app *app) {
    sender_state *st = zt_calloc(1, sizeof *st);
    st->app = app;
    /* every 5 s for the retries, at once after a commit with notices, and
     * once more on the way out */
    st->job = zt_periodic_start(5000, 1, sender_job, st);
    if (!st->job) {
        free(st);
        return NULL;
    }
    pthread_mutex_lock(&sender_mu);
    sender_running = st;
    pthread_mutex_unlock(&sender_mu);
    zt_store_on_commit(app->store, sender_wake, NULL);
    zt_periodic_poke(st->job); /* what an earlier run left */
    return st;
}

void zt_sv_sender_stop(zt_sv_sender *s) {
    sender_state *st = s;
    if (!st) return;
    pthread_mutex_lock(&sender_mu);
    sender_running = NULL;
    pthread_mutex_unlock(&sender_mu);
    zt_periodic_stop(st->job);
    marks_clear(st);
    free(st);
}
