/* calendar_api.c - the calendar in the database and over HTTP. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/json.h"
#include "ledger/record.h"
#include "platform/platform.h"
#include "store/query.h"

static zt_app *APP(zt_req *r) { return zt_req_app(r); }

static zt_day_kind kind_of(const char *k) { return strcmp(k, "holiday") == 0 ? ZT_DAY_HOLIDAY : ZT_DAY_MAKEUP; }

/* Every listing and covered year the connection sees, into cal. */
static zt_err load_rows(zt_db *db, zt_calendar *cal, zt_error *e) {
    zt_stmt *st = zt_db_prepare(db, "SELECT day, kind, name, local FROM calendar_days", e);
    if (!st) return ZT_EINTERNAL;
    zt_err rc;
    while ((rc = zt_step(st, e)) == ZT_ROW) {
        zt_day d;
        if (zt_day_parse(zt_col_text(st, 0), &d) == 0)
            zt_cal_set(cal, d, kind_of(zt_col_text(st, 1)), zt_col_text(st, 2), (int)zt_col_int(st, 3));
    }
    if (zt_step_failed(rc)) return rc;
    if (!(st = zt_db_prepare(db, "SELECT year FROM calendar_years", e))) return ZT_EINTERNAL;
    while ((rc = zt_step(st, e)) == ZT_ROW) zt_cal_cover_year(cal, (int)zt_col_int(st, 0));
    return zt_step_failed(rc) ? rc : ZT_OK;
}

zt_err zt_calendar_load_db(zt_app *app, zt_error *e) {
    zt_db *db = zt_store_reader(app->store);
    zt_err rc = load_rows(db, app->cal, e);
    zt_db_release(db);
    return rc;
}

/* --- a change and what depends on it --- */

static zt_calendar_change_fn on_calendar_change;

void zt_platform_on_calendar_change(zt_calendar_change_fn fn) { on_calendar_change = fn; }

/* One change of the calendar at a time. A change applies itself to the
 * live calendar inside its write (so that the hook, and the writes after it
 * in the batch, count on the new calendar) and puts its snapshot back if
 * the write fails: two changes in one batch could put back each other's
 * snapshot. Calendar changes are an administrator's, rare and short. */
static pthread_mutex_t change_mu = PTHREAD_MUTEX_INITIALIZER;

typedef struct {
    zt_app *app;
    zt_calendar *prev; /* the live calendar before the change */
} live_change;

static void change_begin(live_change *lc, zt_app *app) {
    pthread_mutex_lock(&change_mu);
    lc->app = app;
    lc->prev = zt_cal_new();
    zt_cal_assign(lc->prev, app->cal);
}

/* After zt_store_write: a write that failed (its own error, or the batch's
 * commit after it) leaves the live calendar as it was. */
static void change_end(live_change *lc, zt_err rc) {
    if (rc) zt_cal_assign(lc->app->cal, lc->prev);
    zt_cal_free(lc->prev);
    pthread_mutex_unlock(&change_mu);
}

/* Inside the write, last, once the live calendar holds the change: what
 * depends on it follows in the same transaction. Its error undoes the
 * change at once (the writes after it in the batch count on the old
 * calendar again). */
static zt_err change_notify(zt_db *db, live_change *lc, const char *why, zt_error *e) {
    zt_err rc = on_calendar_change ? on_calendar_change(db, lc->app->cal, why, e) : ZT_OK;
    if (rc) zt_cal_assign(lc->app->cal, lc->prev);
    return rc;
}

/* --- import --- */

typedef struct {
    const char *text;
    size_t len;
    const char *source;
    int days, years;
    char why[512];
    live_change lc;
} import_arg;

/* "导入 2027 年工作日历", "导入 2004 至 2026 年工作日历", "导入 2025、2027 年工作日历";
 * a file of days without a year line: "导入工作日历中的 3 个日期（不含整年）". The
 * text was validated: year lines hold 1900-2999. */
static void import_why(const char *text, size_t len, int listed, char *out, size_t cap) {
    enum { FIRST = 1900, SPAN = 2999 - 1900 + 1 };
    unsigned char seen[SPAN] = {0};
    int any = 0;
    for (const char *p = text; p + 5 <= text + len; p++) {
        if ((p != text && p[-1] != '\n') || memcmp(p, "year\t", 5) != 0) continue;
        int y = 0;
        for (const char *q = p + 5; q < text + len && q < p + 9 && *q >= '0' && *q <= '9'; q++) y = y * 10 + (*q - '0');
        if (y >= FIRST && y < FIRST + SPAN) seen[y - FIRST] = any = 1;
    }
    if (!any) {
        snprintf(out, cap, "导入工作日历中的 %d 个日期（不含整年）", listed);
        return;
    }
    size_t n = (size_t)snprintf(out, cap, "导入 ");
    int first = 1;
    for (int y = 0; y < SPAN; y++) {
        if (!seen[y]) continue;
        int z = y;
        while (z + 1 < SPAN && seen[z + 1]) z++;
        if (cap - n < 40) { /* room for "、2004 至 2026" and the end, not for every year */
            n += (size_t)snprintf(out + n, cap - n, "等");
            break;
        }
        const char *sep = first ? "" : "、";
        if (z == y)
            n += (size_t)snprintf(out + n, cap - n, "%s%d", sep, FIRST + y);
        else
            n += (size_t)snprintf(out + n, cap - n, "%s%d 至 %d", sep, FIRST + y, FIRST + z);
        first = 0;
        y = z;
    }
    snprintf(out + n, cap - n, " 年工作日历");
}

static zt_err import_rows(zt_db *db, void *arg, zt_error *e) {
    import_arg *a = arg;
    int64_t now = zt_now();
    /* a second pass over the already validated text: years first */
    const char *p = a->text, *end = a->text + a->len;
    for (int pass = 0; pass < 2; pass++) {
        for (p = a->text; p < end;) {
            const char *nl = memchr(p, '\n', (size_t)(end - p));
            size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
            char line[256];
            snprintf(line, sizeof line, "%.*s", (int)(n < sizeof line - 1 ? n : sizeof line - 1), p);
            p += n + 1;
            size_t l = strlen(line);
            if (l && line[l - 1] == '\r') line[--l] = 0;
            if (!l || line[0] == '#') continue;
            char *f1 = strchr(line, '\t');
            if (!f1) continue;
            *f1++ = 0;
            if (pass == 0 && strcmp(line, "year") == 0) {
                /* the year's official listings are replaced; local changes stay,
                 * and forget the official listing they covered */
                char like[16];
                snprintf(like, sizeof like, "%.4s-%%", f1);
                zt_stmt *st =
                    zt_db_query(db, e, "DELETE FROM calendar_days WHERE day LIKE ? AND local = 0", ZT_T(like));
                if (!st) return ZT_EINTERNAL;
                zt_err rc = zt_step_done(st, e);
                if (rc) return rc;
                if ((rc = zt_db_run(db, e,
                                    "UPDATE calendar_days SET official_kind = NULL, official_name = NULL"
                                    " WHERE day LIKE ? AND local = 1",
                                    ZT_T(like))))
                    return rc;
                if ((rc = zt_db_run(db, e,
                                    "INSERT INTO calendar_years (year, source, imported_at) VALUES (?, ?, ?)"
                                    " ON CONFLICT (year) DO UPDATE SET source = excluded.source,"
                                    " imported_at = excluded.imported_at",
                                    ZT_I(strtol(f1, NULL, 10)), ZT_T(a->source), ZT_I(now))))
                    return rc;
                a->years++;
            } else if (pass == 1 && strcmp(line, "year") != 0) {
                char *f2 = strchr(f1, '\t');
                if (f2) *f2++ = 0;
                zt_stmt *st = zt_db_query(db, e,
                                          "INSERT INTO calendar_days (day, kind, name, local, updated_at)"
                                          " VALUES (?, ?, ?, 0, ?) ON CONFLICT (day) DO UPDATE SET"
                                          " official_kind = CASE WHEN local = 1 THEN excluded.kind END,"
                                          " official_name = CASE WHEN local = 1 THEN excluded.name END,"
                                          " kind = CASE WHEN local = 1 THEN kind ELSE excluded.kind END,"
                                          " name = CASE WHEN local = 1 THEN name ELSE excluded.name END,"
                                          " updated_at = excluded.updated_at",
                                          ZT_T(line), ZT_T(f1), ZT_T(f2 ? f2 : ""), ZT_I(now));
                if (!st) return ZT_EINTERNAL;
                zt_err rc = zt_step_done(st, e);
                if (rc) return rc;
                a->days++;
            }
        }
    }
    json_t *d = json_pack("{s:s,s:i,s:i}", "source", a->source, "days", a->days, "years", a->years);
    zt_err rc = zt_record(db, NULL, "calendar.import", "calendar", a->source, 0, d, e);
    json_decref(d);
    if (rc) return rc;
    /* the live calendar becomes what this transaction holds, whole, then
     * what depends on it follows */
    zt_calendar *next = zt_cal_new();
    rc = load_rows(db, next, e);
    if (!rc) zt_cal_assign(a->lc.app->cal, next);
    zt_cal_free(next);
    if (rc) return rc;
    return change_notify(db, &a->lc, a->why, e);
}

zt_err zt_calendar_import(zt_app *app, const char *text, size_t len, const char *source, int *days, int *years,
                          zt_error *e) {
    /* validate whole with the calendar's own parser before touching anything */
    zt_calendar *tmp = zt_cal_new();
    char err[200];
    int n = zt_cal_load_tsv(tmp, text, len, err, sizeof err);
    zt_cal_free(tmp);
    if (n < 0) return zt_fail(e, ZT_EINVAL, "file", "日历文件有误：%s", err);
    int year_lines = 0;
    for (const char *p = text; p + 5 <= text + len; p++)
        if ((p == text || p[-1] == '\n') && memcmp(p, "year\t", 5) == 0) year_lines++;
    if (n == 0 && year_lines == 0) return zt_fail(e, ZT_EINVAL, "file", "日历文件中没有任何年份或日期");
    import_arg a = {.text = text, .len = len, .source = source};
    import_why(text, len, n, a.why, sizeof a.why);
    change_begin(&a.lc, app);
    zt_err rc = zt_store_write(app->store, import_rows, &a, e);
    change_end(&a.lc, rc);
    if (rc) return rc;
    if (days) *days = a.days;
    if (years) *years = a.years;
    return ZT_OK;
}

/* --- one day --- */

typedef struct {
    const zt_principal *actor;
    const char *date, *kind, *name;
    zt_day day;
    char why[320];
    live_change lc;
} day_arg;

static const char *kind_label(const char *k) { return strcmp(k, "holiday") == 0 ? "节假日" : "调休上班日"; }

/* "节假日（市庆）", or "节假日" without a name. */
static void listing_text(char *out, size_t cap, const char *kind, const char *name) {
    snprintf(out, cap, name && *name ? "%s（%s）" : "%s", kind_label(kind), name);
}

static zt_err set_day(zt_db *db, void *arg, zt_error *e) {
    day_arg *a = arg;
    zt_stmt *st;
    zt_err rc;
    char what[128], official_kind[16] = "", official_name[64] = "";
    if (a->kind) {
        /* an official listing under a local change is kept in official_* */
        if ((rc = zt_db_run(db, e,
                            "INSERT INTO calendar_days (day, kind, name, local, updated_at) VALUES (?, ?, ?, 1, ?)"
                            " ON CONFLICT (day) DO UPDATE SET"
                            " official_kind = CASE WHEN local = 0 THEN kind ELSE official_kind END,"
                            " official_name = CASE WHEN local = 0 THEN name ELSE official_name END,"
                            " kind = excluded.kind, name = excluded.name, local = 1, updated_at = excluded.updated_at",
                            ZT_T(a->date), ZT_T(a->kind), ZT_T(a->name ? a->name : ""), ZT_I(zt_now()))))
            return rc;
        listing_text(what, sizeof what, a->kind, a->name);
        snprintf(a->why, sizeof a->why, "设置 %s 为%s", a->date, what);
    } else {
        st = zt_db_query(db, e,
                         "SELECT local, official_kind, coalesce(official_name, ''), kind, name"
                         " FROM calendar_days WHERE day = ?",
                         ZT_T(a->date));
        if (!st) return ZT_EINTERNAL;
        if (zt_step(st, e) != ZT_ROW || zt_col_int(st, 0) == 0)
            return zt_fail(e, ZT_ENOTFOUND, "date", "该日期没有本地安排（官方安排须以导入方式更改）");
        listing_text(what, sizeof what, zt_col_text(st, 3), zt_col_text(st, 4));
        int n = snprintf(a->why, sizeof a->why, "取消 %s 的本地安排：%s", a->date, what);
        if (!zt_col_is_null(st, 1)) {
            snprintf(official_kind, sizeof official_kind, "%s", zt_col_text(st, 1));
            snprintf(official_name, sizeof official_name, "%s", zt_col_text(st, 2));
            listing_text(what, sizeof what, official_kind, official_name);
            snprintf(a->why + n, sizeof a->why - (size_t)n, "，恢复国务院安排：%s", what);
            st = zt_db_query(db, e,
                             "UPDATE calendar_days SET kind = official_kind, name = official_name, local = 0,"
                             " official_kind = NULL, official_name = NULL, updated_at = ? WHERE day = ?",
                             ZT_I(zt_now()), ZT_T(a->date));
            if (!st) return ZT_EINTERNAL;
        } else {
            if (!(st = zt_db_prepare(db, "DELETE FROM calendar_days WHERE day = ?", e))) return ZT_EINTERNAL;
            zt_bind_text(st, 1, a->date);
        }
        if ((rc = zt_step_done(st, e))) return rc;
    }
    json_t *d = a->kind ? json_pack("{s:s,s:s}", "kind", a->kind, "name", a->name ? a->name : "") : NULL;
    rc = zt_record(db, a->actor, a->kind ? "calendar.set_day" : "calendar.unset_day", "calendar_day", a->date, 0, d, e);
    json_decref(d);
    if (rc) return rc;
    /* the live calendar as the rows now say, then what depends on it */
    zt_calendar *cal = a->lc.app->cal;
    if (a->kind)
        zt_cal_set(cal, a->day, kind_of(a->kind), a->name ? a->name : "", 1);
    else if (official_kind[0])
        zt_cal_set(cal, a->day, kind_of(official_kind), official_name, 0);
    else
        zt_cal_unset(cal, a->day);
    return change_notify(db, &a->lc, a->why, e);
}

zt_err zt_calendar_set_day(zt_app *app, const zt_principal *actor, const char *date, const char *kind, const char *name,
                           zt_error *e) {
    zt_day d;
    if (zt_day_parse(date, &d) != 0) return zt_fail(e, ZT_EINVAL, "date", "日期须为 YYYY-MM-DD：%s", date);
    if (kind && strcmp(kind, "holiday") && strcmp(kind, "makeup"))
        return zt_fail(e, ZT_EINVAL, "kind", "kind 须为 holiday（休息日）或 makeup（调休上班）");
    if (kind && strcmp(kind, "makeup") == 0 && zt_day_weekday(d) < 6)
        return zt_fail(e, ZT_EINVAL, "kind", "调休上班日只能是周六或周日");
    day_arg a = {.actor = actor, .date = date, .kind = kind, .name = name, .day = d};
    change_begin(&a.lc, app);
    zt_err rc = zt_store_write(app->store, set_day, &a, e);
    change_end(&a.lc, rc);
    return rc;
}

/* --- how far it reaches --- */

json_t *zt_calendar_coverage_json(const zt_app *app, int full) {
    static const char howto[] = "（命令 zhengtong calendar import 文件，或在“系统管理 → 工作日历”中导入）";
    zt_day today = zt_today();
    int warn = (int)app->cfg->calendar_warn_days;
    zt_cal_coverage c;
    zt_cal_coverage_at(app->cal, today, warn, &c);
    char until[11], msg[512];
    zt_day_format(c.until, until);
    int until_year;
    zt_day_to_ymd(c.until, &until_year, NULL, NULL);
    int left = (int)((int64_t)c.until - today), y = c.next_year;
    if (!c.any)
        snprintf(msg, sizeof msg, "工作日历未覆盖任何年度：所有期限只按周末规则暂计。请导入工作日历%s。", howto);
    else if (!c.degraded)
        snprintf(msg, sizeof msg, "工作日历覆盖至 %s。", until);
    else if (c.missing_year && c.missing_year <= until_year) /* a hole */
        snprintf(msg, sizeof msg,
                 "工作日历缺少 %d 年：落在该年的期限暂按周末规则计算（暂定）。请导入 %d 年工作日历%s。", y, y, howto);
    else if (left >= 0)
        snprintf(msg, sizeof msg,
                 "工作日历只覆盖到 %s，还剩 %d 天：落在 %d 年的期限暂按周末规则计算（暂定）。"
                 "国务院公布 %d 年节假日安排后，请导入 %d 年工作日历%s。",
                 until, left, y, y, y, howto);
    else
        snprintf(msg, sizeof msg,
                 "工作日历只覆盖到 %s，已过 %d 天：%d 年的期限只按周末规则暂计，可能不准。"
                 "请尽快导入 %d 年工作日历%s。",
                 until, -left, y, y, howto);
    json_t *o = json_pack("{s:s,s:o,s:i,s:s}", "status", c.degraded ? "degraded" : "ok", "covered_until",
                          c.any ? json_string(until) : json_null(), "warn_days", warn, "message", msg);
    if (full) {
        int years[400];
        int n = zt_cal_years(app->cal, years, 400);
        json_t *a = json_array();
        for (int i = 0; i < n; i++) json_array_append_new(a, json_integer(years[i]));
        char t[11];
        zt_day_format(today, t);
        json_object_set_new(o, "years", a);
        json_object_set_new(o, "next_year", json_integer(c.next_year));
        json_object_set_new(o, "today", json_string(t));
    }
    return o;
}

zt_err zt_office_hours_parse(const char *s, zt_office_hours *h, zt_error *e) {
    memset(h, 0, sizeof *h);
    int n = 0;
    const char *p = s;
    while (*p) {
        int h1, m1, h2, m2, used = 0;
        if (n == 2 || sscanf(p, "%2d:%2d-%2d:%2d%n", &h1, &m1, &h2, &m2, &used) != 4 || h1 > 23 || h2 > 24 || m1 > 59 ||
            m2 > 59 || h1 * 60 + m1 >= h2 * 60 + m2)
            return zt_fail(e, ZT_EINVAL, "calendar.office_hours",
                           "office hours must be like 09:00-12:00,13:30-17:30 (at most two periods)");
        h->start[n] = (h1 * 60 + m1) * 60;
        h->end[n] = (h2 * 60 + m2) * 60;
        n++;
        p += used;
        if (*p == ',') p++;
    }
    return ZT_OK;
}

/* --- HTTP --- */

static json_t *day_json(const zt_calendar *cal, zt_day d) {
    char date[11], name[64];
    zt_day_kind kind;
    int working = zt_cal_is_working(cal, d, &kind, name, sizeof name);
    int y, m, dd;
    zt_day_to_ymd(d, &y, &m, &dd);
    zt_day_format(d, date);
    static const char *wk[] = {"", "星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日"};
    static const char *why[] = {"工作日", "周末", "节假日", "调休上班"};
    json_t *o = json_pack("{s:s,s:b,s:s,s:s,s:i,s:s,s:b}", "date", date, "working", working, "reason",
                          zt_day_kind_name(kind), "reason_label", why[kind], "weekday", zt_day_weekday(d),
                          "weekday_label", wk[zt_day_weekday(d)], "covered", zt_cal_covers(cal, y));
    json_object_set_new(o, "name", json_string(name));
    return o;
}

static zt_err date_param(const char *v, const char *field, zt_day *d, zt_error *e) {
    if (!v || !*v) return zt_fail(e, ZT_EINVAL, field, "缺少参数 %s（YYYY-MM-DD）", field);
    if (zt_day_parse(v, d) != 0) return zt_fail(e, ZT_EINVAL, field, "参数 %s 须为有效日期 YYYY-MM-DD：%s", field, v);
    return ZT_OK;
}

static zt_err h_day(zt_req *r, zt_error *e) {
    zt_day d;
    zt_err rc = date_param(zt_req_param(r, "date"), "date", &d, e);
    if (rc) return rc;
    zt_reply_json(r, 200, day_json(APP(r)->cal, d));
    return ZT_OK;
}

static zt_err h_add(zt_req *r, zt_error *e) {
    zt_day start;
    int64_t n;
    zt_err rc = date_param(zt_req_query(r, "start"), "start", &start, e);
    if (!rc) rc = zt_req_query_need(r, "days", -36500, 36500, &n, e);
    if (rc) return rc;
    zt_day end = zt_cal_add(APP(r)->cal, start, (int)n);
    char a[11], b[11];
    zt_day_format(start, a);
    zt_day_format(end, b);
    json_t *o =
        json_pack("{s:s,s:I,s:s,s:o}", "start", a, "days", (json_int_t)n, "date", b, "day", day_json(APP(r)->cal, end));
    zt_reply_json(r, 200, o);
    return ZT_OK;
}

/* Dates give working days in (from, to]; RFC 3339 instants add working
 * seconds, in all and within office hours. */
static zt_err h_between(zt_req *r, zt_error *e) {
    const char *fs = zt_req_query(r, "from"), *ts = zt_req_query(r, "to");
    zt_app *app = APP(r);
    int64_t t1, t2;
    if (fs && ts && zt_time_parse(fs, &t1) == 0 && zt_time_parse(ts, &t2) == 0) {
        zt_day d1 = zt_day_of_instant(t1), d2 = zt_day_of_instant(t2);
        zt_reply_json(r, 200,
                      json_pack("{s:s,s:s,s:i,s:I,s:I}", "from", fs, "to", ts, "working_days",
                                zt_cal_between(app->cal, d1, d2), "working_seconds",
                                (json_int_t)zt_cal_working_seconds(app->cal, t1, t2, NULL), "office_seconds",
                                (json_int_t)zt_cal_working_seconds(app->cal, t1, t2, &app->office_hours)));
        return ZT_OK;
    }
    zt_day d1, d2;
    zt_err rc = date_param(fs, "from", &d1, e);
    if (!rc) rc = date_param(ts, "to", &d2, e);
    if (rc) return rc;
    zt_reply_json(r, 200,
                  json_pack("{s:s,s:s,s:i}", "from", fs, "to", ts, "working_days", zt_cal_between(app->cal, d1, d2)));
    return ZT_OK;
}

static zt_err h_years(zt_req *r, zt_error *e) {
    int years[400];
    int n = zt_cal_years(APP(r)->cal, years, 400);
    json_t *a = json_array();
    for (int i = 0; i < n; i++) json_array_append_new(a, json_integer(years[i]));
    zt_reply_json(r, 200, json_pack("{s:o}", "years", a));
    return ZT_OK;
}

static zt_err h_coverage(zt_req *r, zt_error *e) {
    zt_reply_json(r, 200, zt_calendar_coverage_json(APP(r), 1));
    return ZT_OK;
}

/* The listed days of a year (holidays, make-up days, local days). */
static zt_err h_days(zt_req *r, zt_error *e) {
    int64_t year;
    zt_err rc = zt_req_query_need(r, "year", 1900, 2999, &year, e);
    if (rc) return rc;
    zt_stmt *st = zt_db_prepare(zt_store_reader(APP(r)->store),
                                "SELECT day, kind, name, local FROM calendar_days WHERE day LIKE ? ORDER BY day", e);
    if (!st) return ZT_EINTERNAL;
    char like[16];
    snprintf(like, sizeof like, "%04d-%%", (int)year);
    zt_bind_text(st, 1, like);
    json_t *items = json_array();
    zt_err s;
    while ((s = zt_step(st, e)) == ZT_ROW)
        json_array_append_new(items,
                              json_pack("{s:s,s:s,s:s,s:b}", "date", zt_col_text(st, 0), "kind", zt_col_text(st, 1),
                                        "name", zt_col_text(st, 2), "local", (int)zt_col_int(st, 3)));
    if (zt_step_failed(s)) {
        json_decref(items);
        return s;
    }
    zt_reply_json(r, 200,
                  json_pack("{s:I,s:b,s:o}", "year", (json_int_t)year, "covered", zt_cal_covers(APP(r)->cal, (int)year),
                            "items", items));
    return ZT_OK;
}

static zt_err h_set_day(zt_req *r, zt_error *e) {
    static const char *const allowed[] = {"kind", "name", NULL};
    json_t *b;
    const char *kind, *name;
    zt_err rc = zt_req_json(r, &b, e);
    if (!rc) rc = zt_json_only(b, allowed, e);
    if (!rc) rc = zt_json_str(b, "kind", 1, 16, &kind, e);
    if (!rc) rc = zt_json_str(b, "name", 1, 30, &name, e);
    if (!rc) rc = zt_calendar_set_day(APP(r), zt_req_principal(r), zt_req_param(r, "date"), kind, name, e);
    if (rc) return rc;
    zt_day d;
    zt_day_parse(zt_req_param(r, "date"), &d);
    zt_reply_json(r, 200, day_json(APP(r)->cal, d));
    return ZT_OK;
}

static zt_err h_unset_day(zt_req *r, zt_error *e) {
    zt_err rc = zt_calendar_set_day(APP(r), zt_req_principal(r), zt_req_param(r, "date"), NULL, NULL, e);
    if (rc) return rc;
    zt_day d;
    zt_day_parse(zt_req_param(r, "date"), &d);
    zt_reply_json(r, 200, day_json(APP(r)->cal, d));
    return ZT_OK;
}

static zt_err h_import(zt_req *r, zt_error *e) {
    size_t len;
    const char *body = zt_req_body(r, &len);
    if (!len) return zt_fail(e, ZT_EINVAL, "body", "请求体须为日历文件（TSV 文本）");
    int days, years;
    zt_err rc = zt_calendar_import(APP(r), body, len, "upload", &days, &years, e);
    if (rc) return rc;
    zt_reply_json(r, 200, json_pack("{s:i,s:i}", "days", days, "years", years));
    return ZT_OK;
}

/* --- clock --- */

static zt_clock_set_fn on_clock_set;

void zt_platform_on_clock_set(zt_clock_set_fn fn) { on_clock_set = fn; }

static zt_err h_clock(zt_req *r, zt_error *e) {
    char ts[32];
    zt_time_format(zt_now(), ts);
    zt_reply_json(r, 200,
                  json_pack("{s:s,s:b,s:s}", "now", ts, "fake", zt_clock_is_fake(), "timezone", APP(r)->cfg->timezone));
    return ZT_OK;
}

static zt_err h_set_clock(zt_req *r, zt_error *e) {
    static const char *const allowed[] = {"now", NULL};
    json_t *b;
    const char *now;
    int64_t t;
    zt_err rc = zt_req_json(r, &b, e);
    if (!rc) rc = zt_json_only(b, allowed, e);
    if (!rc) rc = zt_json_str(b, "now", 1, 40, &now, e);
    if (rc) return rc;
    if (zt_time_parse(now, &t) != 0)
        return zt_fail(e, ZT_EINVAL, "now", "now 须为 RFC 3339 时间，如 2026-03-02T09:00:00+08:00");
    zt_clock_set_us(t * 1000000);
    /* what main wired (the supervision tick: the signals now due fire at
     * once, and it is done when the answer comes) */
    if (on_clock_set && (rc = on_clock_set(APP(r), t, e))) return rc;
    return h_clock(r, e);
}

static const zt_route routes[] = {
    {"GET", "/api/calendar/day/{date}", h_day, ZT_PUBLIC, "is the date a working day, and why"},
    {"GET", "/api/calendar/add", h_add, ZT_PUBLIC, "start + N working days (start not counted)"},
    {"GET", "/api/calendar/between", h_between, ZT_PUBLIC, "working days in (from, to]; instants add seconds"},
    {"GET", "/api/calendar/years", h_years, ZT_PUBLIC, "years the official calendar covers"},
    {"GET", "/api/calendar/coverage", h_coverage, ZT_PUBLIC,
     "how far the official calendar reaches: covered_until, status (degraded from calendar.warn_days before it), "
     "message, years, next_year"},
    {"GET", "/api/calendar/days", h_days, ZT_PUBLIC, "listed days of a year"},
    {"PUT", "/api/admin/calendar/days/{date}", h_set_day, ZT_R_ADMIN, "list a local holiday or make-up day"},
    {"DELETE", "/api/admin/calendar/days/{date}", h_unset_day, ZT_R_ADMIN, "remove a listed day"},
    {"POST", "/api/admin/calendar/import", h_import, ZT_R_ADMIN, "import a calendar file (TSV body)"},
    {"GET", "/api/clock", h_clock, ZT_PUBLIC, "the server's now and whether it is fake"},
    /* only with --fake-clock: */
    {"PUT", "/api/admin/clock", h_set_clock, ZT_R_ADMIN, "set the fake clock {now}"},
};

const zt_route *zt_platform_routes(int fake_clock, size_t *n) {
    *n = sizeof routes / sizeof routes[0] - (fake_clock ? 0 : 1);
    return routes;
}
