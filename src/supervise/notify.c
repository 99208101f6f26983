/* notify.c - telling the people responsible for a card: an in-app inbox
 * row for every active clerk and head of the card's department, and the
 * same text to the outside senders (SMS, e-mail). The senders are
 * pluggable; the one shipped writes a log line (the demo has no SMS
 * gateway), which is where a city's gateway client goes. */
#include <stdio.h>
#include <string.h>

#include "auth/auth.h"
#include "base/arena.h"
#include "base/clock.h"
#include "base/log.h"
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

/* The log sender: one line per recipient and channel. */
static void log_sender(const char *channel, const char *login, const char *phone, const char *text) {
    zt_info("notify %s to %s%s%s: %s", channel, login, phone && *phone ? " " : "", phone ? phone : "", text);
}

static void (*sender)(const char *, const char *, const char *, const char *) = log_sender;

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
        sender("sms", d.r[i].login, d.r[i].phone, text);
        sender("email", d.r[i].login, NULL, text);
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
    if (phone && *phone) sender("sms", login, phone, text);
    sender("email", login, NULL, text);
    return ZT_OK;
}
