/* quota.c - how much one account, address or API key may do per window
 * (issue #22 F13): uploads and their bytes per account, registrations per
 * address, supervision events per key.
 *
 * A quota counts in fixed windows (a minute, an hour, a day) that start at
 * the city's midnight, so "per day" is the city's day. The count lives in
 * quota_usage and is taken inside the write that does the work: a refused
 * write takes nothing, two requests at once cannot both slip under the
 * limit (the writer runs writes one at a time), and a restart forgets
 * nothing, unlike the in-memory failure throttles of auth.c. */
#include <stdio.h>

#include "auth/auth.h"
#include "base/calendar.h"

/* The window holding now: [start, start + window). */
static int64_t window_start(int64_t now, int64_t window) {
    int64_t day = zt_day_start(zt_day_of_instant(now));
    if (window <= 0 || window >= 86400) return day;
    return day + (now - day) / window * window;
}

static const char *per(int64_t window) {
    return window == 60 ? "每分钟" : window == 3600 ? "每小时" : window == 86400 ? "每天" : "每个周期";
}

/* "100" or "200 MiB" */
static const char *amount_text(const zt_quota *q, int64_t v, char *buf, size_t cap) {
    if (q->bytes && v >= (1 << 20) && v % (1 << 20) == 0)
        snprintf(buf, cap, "%lld MiB", (long long)(v >> 20));
    else
        snprintf(buf, cap, "%lld%s", (long long)v, q->bytes ? " 字节" : "");
    return buf;
}

static void quota_key(const zt_quota *q, char *out, size_t cap) { snprintf(out, cap, "%s:%s", q->name, q->who); }

/* The answer when the window has not enough left. */
static zt_err over(const zt_quota *q, int64_t now, int64_t start, int64_t *retry_after, zt_error *e) {
    char lim[40];
    int64_t retry = start + q->window - now;
    if (retry < 1) retry = 1;
    if (retry_after) *retry_after = retry;
    return zt_fail(e, ZT_ETHROTTLED, q->name, "%s已达上限（%s %s，配置项 %s），请 %lld 秒后再试", q->what,
                   per(q->window), amount_text(q, q->limit, lim, sizeof lim), q->name, (long long)retry);
}

/* An amount the whole window cannot hold: waiting does not help. */
static zt_err too_large(const zt_quota *q, zt_error *e) {
    char lim[40], amt[40];
    return zt_fail(e, ZT_ETOOLARGE, q->name, "本次%s（%s）超过%s的上限 %s（配置项 %s）", q->what,
                   amount_text(q, q->amount, amt, sizeof amt), per(q->window),
                   amount_text(q, q->limit, lim, sizeof lim), q->name);
}

zt_err zt_quota_check(zt_db *db, const zt_quota *q, int64_t now, int64_t *retry_after, zt_error *e) {
    if (q->limit <= 0) return ZT_OK;
    if (q->amount > q->limit) return too_large(q, e);
    char key[192];
    quota_key(q, key, sizeof key);
    int64_t start = window_start(now, q->window);
    zt_stmt *st =
        zt_db_query(db, e, "SELECT used FROM quota_usage WHERE quota = ? AND window_start = ?", ZT_T(key), ZT_I(start));
    if (!st) return ZT_EINTERNAL;
    zt_err rc = zt_step(st, e);
    if (zt_step_failed(rc)) return rc;
    int64_t used = rc == ZT_ROW ? zt_col_int(st, 0) : 0;
    zt_db_release(db);
    return used + q->amount > q->limit ? over(q, now, start, retry_after, e) : ZT_OK;
}

zt_err zt_quota_take(zt_db *db, const zt_quota *q, int64_t now, int64_t *retry_after, zt_error *e) {
    if (q->limit <= 0 || q->amount <= 0) return ZT_OK;
    if (q->amount > q->limit) return too_large(q, e);
    char key[192];
    quota_key(q, key, sizeof key);
    int64_t start = window_start(now, q->window);
    /* the new window's row, or what is left of it: no row back when the
     * update's condition fails, i.e. the window has not that much left */
    zt_stmt *st = zt_db_query(db, e,
                              "INSERT INTO quota_usage (quota, window_start, used) VALUES (?, ?, ?)"
                              " ON CONFLICT (quota, window_start) DO UPDATE SET used = used + excluded.used"
                              " WHERE used + excluded.used <= ? RETURNING used",
                              ZT_T(key), ZT_I(start), ZT_I(q->amount), ZT_I(q->limit));
    if (!st) return ZT_EINTERNAL;
    zt_err rc = zt_step(st, e);
    zt_db_release(db);
    if (zt_step_failed(rc)) return rc;
    return rc == ZT_ROW ? ZT_OK : over(q, now, start, retry_after, e);
}

zt_err zt_quota_prune(zt_db *db, int64_t before, int64_t *n, zt_error *e) {
    zt_err rc = zt_db_run(db, e, "DELETE FROM quota_usage WHERE window_start < ?", ZT_I(before));
    if (n) *n = rc ? 0 : zt_db_changes(db);
    return rc;
}

void zt_quota_retry_after(zt_req *r, int64_t seconds) {
    char ra[24];
    snprintf(ra, sizeof ra, "%lld", (long long)(seconds > 0 ? seconds : 1));
    zt_reply_header(r, "Retry-After", ra);
}
