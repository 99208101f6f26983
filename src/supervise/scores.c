/* scores.c - monthly performance assessment (绩效考核, R5; DOMAIN §4).
 *
 * The indicators are data (data/scores.json, docs/scores.md): each names a
 * source of facts this file knows how to count and a formula kind this file
 * knows how to compute:
 *
 *   rate        points = weight × numerator / denominator
 *   average     points = weight × mean / scale − unfixed_per × unfixed bad ratings
 *   deduct_per  points = weight − min(weight, per × occurrences)
 *
 * The weights add up to 100 and the total is the sum of the indicators'
 * points, plus the adjustments of accepted appeals (申诉), kept in 0..100.
 * Every point lost has a reason naming the cases, cards or complaints.
 *
 * A month is computed for every department with a subject, card or rating
 * in it, every staff member who acted on a case event in it, and every
 * window an event names; cases, cards, complaints and ratings are
 * attributed to the staff member (and window) who accepted the case. The
 * facts are read from the supervision tables (sv_subjects, sv_cards,
 * sv_events); the result replaces the month in sv_scores, each row's
 * detail holding the indicator definitions it was computed with, so that
 * reading a month never needs the data file again. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xlsxwriter.h>

#include "auth/auth.h"
#include "base/arena.h"
#include "base/calendar.h"
#include "base/clock.h"
#include "base/json.h"
#include "base/log.h"
#include "base/tsv.h"
#include "ledger/record.h"
#include "org/org.h"
#include "store/query.h"
#include "supervise/supervise.h"

static zt_app *APP(zt_req *r) { return zt_req_app(r); }

/* --- indicators (data/scores.json) ------------------------------------------------------------ */

enum { K_RATE, K_AVERAGE, K_DEDUCT_PER };
enum { SRC_ON_TIME, SRC_EARLY, SRC_YELLOW, SRC_RED, SRC_COMPLAINT, SRC_RATING, N_SRC };
enum { SC_DEPT, SC_STAFF, SC_WINDOW, N_SCOPE };

static const char *const KINDS[] = {"rate", "average", "deduct_per", NULL};
static const char *const SOURCE_NAMES[N_SRC] = {"case_on_time", "case_early", "card_yellow",
                                                "card_red",     "complaint",  "rating_level"};
/* the kind each source is counted for */
static const int SOURCE_KIND[N_SRC] = {K_RATE, K_RATE, K_DEDUCT_PER, K_DEDUCT_PER, K_DEDUCT_PER, K_AVERAGE};
/* what one occurrence of a source is called in a reason */
static const char *const UNITS[N_SRC] = {"件", "件", "张", "张", "件", "次"};
static const char *const SCOPES[N_SCOPE] = {"department", "staff", "window"};
static const char *const SCOPE_LABELS[N_SCOPE] = {"部门", "人员", "窗口"};

#define MAX_IND   16
#define MAX_REFS  50 /* numbers kept per indicator in a row's detail */
#define SHOW_REFS 10 /* numbers quoted in a reason */

typedef struct {
    char id[32];
    char name[64];
    int kind, source;
    double weight;
    double per;         /* deduct_per: points per occurrence */
    int64_t days;       /* case_early: working days before the promised due day */
    double scale;       /* average: the value that is 100% */
    double unfixed_per; /* rating_level: points per bad rating not fixed by its fix_due */
} indicator;

typedef struct {
    indicator v[MAX_IND];
    int n;
} indicator_set;

static int index_of(const char *const *list, const char *s) {
    for (int i = 0; list[i]; i++)
        if (!strcmp(list[i], s)) return i;
    return -1;
}

static zt_err num_param(json_t *params, const char *key, double lo, double hi, double def, double *out,
                        const char *where, zt_error *e) {
    json_t *v = params ? json_object_get(params, key) : NULL;
    if (!v) {
        *out = def;
        return ZT_OK;
    }
    if (!json_is_number(v) || json_number_value(v) < lo || json_number_value(v) > hi)
        return zt_fail(e, ZT_EINVAL, key, "%s: params.%s 须为 %g 到 %g 之间的数", where, key, lo, hi);
    *out = json_number_value(v);
    return ZT_OK;
}

/* Validate the file's text into set. Errors name the indicator. */
static zt_err indicators_parse(const char *text, indicator_set *set, zt_error *e) {
    json_error_t je;
    json_t *root = json_loads(text, JSON_REJECT_DUPLICATES, &je);
    if (!json_is_object(root)) {
        json_decref(root);
        return zt_fail(e, ZT_EINVAL, "scores", "scores.json 第 %d 行: %s", je.line, je.text);
    }
    zt_err rc = ZT_OK;
    json_t *list = json_object_get(root, "indicators");
    const char *format = json_string_value(json_object_get(root, "format"));
    set->n = 0;
    double total = 0;
    int seen[N_SRC] = {0};
    if (!format || strcmp(format, "zhengtong.scores/1") != 0)
        rc = zt_fail(e, ZT_EINVAL, "format", "scores.json: format 须为 zhengtong.scores/1");
    else if (!json_is_array(list) || json_array_size(list) == 0 || json_array_size(list) > MAX_IND)
        rc = zt_fail(e, ZT_EINVAL, "indicators", "scores.json: indicators 须为 1 到 %d 个指标", MAX_IND);
    size_t i;
    json_t *o;
    json_array_foreach(list, i, o) {
        if (rc) break;
        static const char *const keys[] = {"id", "name", "kind", "source", "weight", "params", NULL};
        indicator *d = &set->v[set->n];
        memset(d, 0, sizeof *d);
        const char *id, *name, *kind, *source;
        double weight = 0;
        char where[64];
        snprintf(where, sizeof where, "indicators[%zu]", i);
        if (!json_is_object(o)) {
            rc = zt_fail(e, ZT_EINVAL, "indicators", "scores.json: %s 须为对象", where);
            break;
        }
        if (!(rc = zt_json_only(o, keys, e)) && !(rc = zt_json_str(o, "id", 1, sizeof d->id - 1, &id, e)) &&
            !(rc = zt_json_str(o, "name", 1, sizeof d->name - 1, &name, e)) &&
            !(rc = zt_json_str(o, "kind", 1, 16, &kind, e)) && !(rc = zt_json_str(o, "source", 1, 32, &source, e)) &&
            !(rc = num_param(o, "weight", 0, 100, -1, &weight, where, e))) {
            json_t *params = json_object_get(o, "params");
            int src = -1;
            for (int s = 0; s < N_SRC; s++)
                if (!strcmp(SOURCE_NAMES[s], source)) src = s;
            d->kind = index_of(KINDS, kind);
            d->source = src;
            d->weight = weight;
            snprintf(d->id, sizeof d->id, "%s", id);
            snprintf(d->name, sizeof d->name, "%s", name);
            if (strspn(id, "abcdefghijklmnopqrstuvwxyz0123456789_") != strlen(id))
                rc = zt_fail(e, ZT_EINVAL, "id", "scores.json: %s 的 id 只能含小写字母、数字和下划线", where);
            else if (d->kind < 0)
                rc = zt_fail(e, ZT_EINVAL, "kind", "scores.json: %s 的 kind 须为 rate、average 或 deduct_per", where);
            else if (src < 0)
                rc = zt_fail(e, ZT_EINVAL, "source", "scores.json: %s 的 source「%s」未知", where, source);
            else if (SOURCE_KIND[src] != d->kind)
                rc = zt_fail(e, ZT_EINVAL, "kind", "scores.json: %s: source %s 须用 kind %s", where, source,
                             KINDS[SOURCE_KIND[src]]);
            else if (seen[src]++)
                rc = zt_fail(e, ZT_EINVAL, "source", "scores.json: %s: source %s 已被其他指标使用", where, source);
            else if (weight < 0)
                rc = zt_fail(e, ZT_EINVAL, "weight", "scores.json: %s 缺少 weight", where);
            else if (params && !json_is_object(params))
                rc = zt_fail(e, ZT_EINVAL, "params", "scores.json: %s 的 params 须为对象", where);
            for (int k = 0; k < set->n && !rc; k++)
                if (!strcmp(set->v[k].id, d->id))
                    rc = zt_fail(e, ZT_EINVAL, "id", "scores.json: 指标 id「%s」重复", d->id);
            double days = 1;
            if (!rc && d->kind == K_DEDUCT_PER) rc = num_param(params, "per", 0.01, 100, 1, &d->per, where, e);
            if (!rc && src == SRC_EARLY) rc = num_param(params, "days", 1, 30, 1, &days, where, e);
            if (!rc && d->kind == K_AVERAGE) rc = num_param(params, "scale", 1, 100, 5, &d->scale, where, e);
            if (!rc && d->kind == K_AVERAGE)
                rc = num_param(params, "unfixed_per", 0, 100, 0, &d->unfixed_per, where, e);
            d->days = (int64_t)days;
            total += weight;
            set->n++;
        }
    }
    if (!rc && fabs(total - 100) > 1e-9)
        rc = zt_fail(e, ZT_EINVAL, "weight", "scores.json: 各指标 weight 之和须为 100（现为 %g）", total);
    json_decref(root);
    return rc;
}

static zt_err indicators_load(const zt_config *cfg, indicator_set *set, zt_error *e) {
    char path[4096];
    snprintf(path, sizeof path, "%s/scores.json", cfg->source_dir);
    size_t len;
    char *text = zt_read_file(path, &len, e);
    if (!text) return ZT_EINTERNAL;
    zt_err rc = indicators_parse(text, set, e);
    free(text);
    if (rc) zt_log(ZT_LOG_ERROR, "%s: %s", path, e->message);
    return rc == ZT_OK ? ZT_OK : zt_fail(e, ZT_EINTERNAL, "scores", "%s", e->message);
}

/* --- months --------------------------------------------------------------------------------- */

typedef struct {
    int y, m;
    int64_t from, to; /* [from, to): the month in the city's time zone */
    char text[8];     /* YYYY-MM */
    char appeal[11];  /* the 5th working day of the next month */
} month;

static zt_err month_parse(const zt_calendar *cal, const char *s, const char *field, month *out, zt_error *e) {
    if (!s || strlen(s) != 7 || s[4] != '-' || strspn(s, "0123456789-") != 7 || strchr(s, '-') != s + 4)
        return zt_fail(e, ZT_EINVAL, field, "月份须为 YYYY-MM");
    out->y = (int)strtol(s, NULL, 10);
    out->m = (int)strtol(s + 5, NULL, 10);
    if (out->y < 2000 || out->y > 2999 || out->m < 1 || out->m > 12)
        return zt_fail(e, ZT_EINVAL, field, "月份须为 2000-01 到 2999-12 之间的 YYYY-MM");
    zt_day first = zt_day_from_ymd(out->y, out->m, 1), next = zt_day_from_ymd(out->y, out->m + 1, 1);
    out->from = zt_day_start(first);
    out->to = zt_day_start(next);
    snprintf(out->text, sizeof out->text, "%04d-%02d", out->y, out->m);
    /* the last day of the month is not counted: WD_5 of the next month */
    zt_day_format(zt_cal_add(cal, next - 1, 5), out->appeal);
    return ZT_OK;
}

/* --- formatting ----------------------------------------------------------------------------- */

static double round2(double v) { return (double)llround(v * 100) / 100; }

/* 22.5, 4, 66.67: at most two decimals, no trailing zeros */
static const char *num_text(zt_arena *a, double v) {
    char *s = zt_arena_printf(a, "%.2f", round2(v) + 0.0);
    char *dot = strchr(s, '.');
    if (dot) {
        char *end = s + strlen(s) - 1;
        while (end > dot && *end == '0') *end-- = 0;
        if (end == dot) *end = 0;
    }
    return strcmp(s, "-0") ? s : "0";
}

static const char *pct_text(zt_arena *a, double frac) { return zt_arena_printf(a, "%s%%", num_text(a, frac * 100)); }

/* "（A、B、C 等 12 件）" from refs */
static const char *refs_text(zt_arena *a, const char *label, json_t *refs, int64_t count, const char *unit) {
    if (!count) return "";
    char *s = zt_arena_printf(a, "（%s", label);
    size_t i;
    json_t *v;
    json_array_foreach(refs, i, v) {
        if (i == SHOW_REFS) break;
        s = zt_arena_printf(a, "%s%s%s", s, i ? "、" : "", json_string_value(v));
    }
    if (count > SHOW_REFS) s = zt_arena_printf(a, "%s 等 %lld %s", s, (long long)count, unit);
    return zt_arena_printf(a, "%s）", s);
}

/* --- facts: tallies per department, staff member and window ---------------------------------- */

typedef struct {
    int64_t num, den; /* rate: hits / all; deduct_per: den occurrences; average: den values */
    double sum;       /* average: the sum of the values */
    json_t *refs;     /* the numbers behind points lost: late cases, cards, complaints, bad ratings */
    int64_t unfixed;  /* rating_level: bad ratings not fixed by their fix_due */
    json_t *unfixed_refs;
    int64_t fix_open; /* bad ratings whose fix_due has not passed yet */
} tally;

typedef struct {
    int scope;
    const char *id, *dept, *region;
    tally t[N_SRC];
} entity;

typedef struct {
    zt_app *app;
    zt_arena *a;
    zt_db *db;
    const month *mo;
    int64_t now;
    int early_days;
    entity **v;
    size_t n, cap;
    json_t *index;     /* "scope/id" -> position in v */
    json_t *acceptors; /* case number -> [actor, actor's department, window] or null */
} calc;

static entity *entity_get(calc *c, int scope, const char *id, const char *dept, const char *region) {
    if (!id || !*id) return NULL;
    char *key = zt_arena_printf(c->a, "%d/%s", scope, id);
    json_t *at = json_object_get(c->index, key);
    if (at) {
        entity *x = c->v[json_integer_value(at)];
        if (!*x->region && region && *region) x->region = zt_arena_strdup(c->a, region);
        return x;
    }
    if (c->n == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 64;
        c->v = zt_realloc(c->v, c->cap * sizeof *c->v);
    }
    entity *x = zt_arena_calloc(c->a, sizeof *x);
    x->scope = scope;
    x->id = zt_arena_strdup(c->a, id);
    x->dept = zt_arena_strdup(c->a, dept ? dept : "");
    x->region = zt_arena_strdup(c->a, region ? region : "");
    json_object_set_new(c->index, key, json_integer((json_int_t)c->n));
    c->v[c->n++] = x;
    return x;
}

static void calc_free(calc *c) {
    for (size_t i = 0; i < c->n; i++)
        for (int s = 0; s < N_SRC; s++) {
            json_decref(c->v[i]->t[s].refs);
            json_decref(c->v[i]->t[s].unfixed_refs);
        }
    free(c->v);
    json_decref(c->index);
    json_decref(c->acceptors);
}

static void ref_add(json_t **refs, const char *number) {
    if (!*refs) *refs = json_array();
    if (json_array_size(*refs) < MAX_REFS) json_array_append_new(*refs, json_string(number));
}

/* Who accepted the case: the actor of its acceptance step, or - a 即办件
 * accepted on receipt has none - the actor who completed it; and the
 * window the event names (step.window or case.window). Cached. */
static json_t *acceptor(calc *c, const char *number, zt_error *e) {
    json_t *known = json_object_get(c->acceptors, number);
    if (known) return json_is_array(known) ? known : NULL;
    zt_stmt *st = zt_db_prepare(
        c->db,
        "SELECT json_extract(body, '$.step.actor'), coalesce(json_extract(body, '$.step.actor_department'), dept_code),"
        " coalesce(json_extract(body, '$.step.window'), json_extract(body, '$.case.window')) FROM sv_events"
        " WHERE subject_type = 'case' AND subject = ? AND json_extract(body, '$.step.result') IN ('accept', 'complete')"
        " ORDER BY json_extract(body, '$.step.result') = 'accept' DESC, occurred_at, seq LIMIT 1",
        e);
    if (!st) return NULL;
    zt_bind_text(st, 1, number);
    json_t *v = json_null();
    if (zt_step(st, e) == ZT_ROW && !zt_col_is_null(st, 0))
        v = json_pack("[s,s,s?]", zt_col_text(st, 0), zt_col_is_null(st, 1) ? "" : zt_col_text(st, 1),
                      zt_col_is_null(st, 2) ? NULL : zt_col_text(st, 2));
    if (!v) v = json_null(); /* not UTF-8: not attributable */
    json_object_set_new(c->acceptors, number, v);
    return json_is_array(v) ? v : NULL;
}

/* The department's entity and those of the staff member and the window who
 * accepted case `number` (NULL when not a case or unknown). */
static void targets(calc *c, const char *dept, const char *region, const char *number, entity *out[N_SCOPE],
                    zt_error *e) {
    out[SC_DEPT] = entity_get(c, SC_DEPT, dept, dept, region);
    out[SC_STAFF] = out[SC_WINDOW] = NULL;
    json_t *who = number ? acceptor(c, number, e) : NULL;
    if (who) {
        const char *sdept = json_string_value(json_array_get(who, 1));
        out[SC_STAFF] = entity_get(c, SC_STAFF, json_string_value(json_array_get(who, 0)), *sdept ? sdept : dept, "");
        out[SC_WINDOW] = entity_get(c, SC_WINDOW, json_string_value(json_array_get(who, 2)), dept, region);
    }
}

/* Cases closed in the month with a promised due day: on time when closed
 * on or before it; early when at least `days` working days before it. */
static zt_err facts_cases(calc *c, zt_error *e) {
    zt_stmt *st = zt_db_prepare(c->db,
                                "SELECT subject, dept_code, region_code, promised_due, closed_at FROM sv_subjects"
                                " WHERE subject_type = 'case' AND closed_at >= ? AND closed_at < ?"
                                " AND promised_due IS NOT NULL ORDER BY closed_at, subject",
                                e);
    if (!st) return ZT_EINTERNAL;
    zt_bind_int(st, 1, c->mo->from);
    zt_bind_int(st, 2, c->mo->to);
    /* the acceptor look-up shares the connection: collect first */
    json_t *rows = json_array();
    zt_err rc;
    while ((rc = zt_step(st, e)) == ZT_ROW)
        json_array_append_new(rows, json_pack("[s,s,s,s,I]", zt_col_text(st, 0), zt_col_text(st, 1), zt_col_text(st, 2),
                                              zt_col_text(st, 3), (json_int_t)zt_col_int(st, 4)));
    size_t i;
    json_t *row;
    if (zt_step_failed(rc)) json_array_clear(rows);
    json_array_foreach(rows, i, row) {
        const char *number = json_string_value(json_array_get(row, 0));
        zt_day due;
        if (!number || zt_day_parse(json_string_value(json_array_get(row, 3)), &due) != 0) continue;
        zt_day closed = zt_day_of_instant(json_integer_value(json_array_get(row, 4)));
        int on_time = closed <= due;
        int early = zt_cal_between(c->app->cal, closed, due) >= c->early_days;
        entity *t[N_SCOPE];
        targets(c, json_string_value(json_array_get(row, 1)), json_string_value(json_array_get(row, 2)), number, t, e);
        for (int s = 0; s < N_SCOPE; s++) {
            if (!t[s]) continue;
            tally *a = &t[s]->t[SRC_ON_TIME], *b = &t[s]->t[SRC_EARLY];
            a->den++, b->den++;
            if (on_time)
                a->num++;
            else
                ref_add(&a->refs, number);
            if (early)
                b->num++;
            else
                ref_add(&b->refs, number);
        }
    }
    json_decref(rows);
    return zt_step_failed(rc) ? rc : ZT_OK;
}

/* Yellow and red cards whose signal falls in the month, unless revoked,
 * retracted or still waiting for confirmation. */
static zt_err facts_cards(calc *c, zt_error *e) {
    zt_stmt *st = zt_db_prepare(
        c->db,
        "SELECT c.number, c.level, c.dept_code, c.region_code, s.subject_type, s.subject FROM sv_cards c"
        " JOIN sv_subjects s ON s.id = c.subject_id WHERE c.level IN ('yellow', 'red') AND c.signal_at >= ?"
        " AND c.signal_at < ? AND c.state NOT IN ('pending', 'revoked', 'retracted') ORDER BY c.signal_at, c.number",
        e);
    if (!st) return ZT_EINTERNAL;
    zt_bind_int(st, 1, c->mo->from);
    zt_bind_int(st, 2, c->mo->to);
    json_t *rows = json_array();
    zt_err rc;
    while ((rc = zt_step(st, e)) == ZT_ROW)
        json_array_append_new(rows,
                              json_pack("[s,s,s,s,s,s]", zt_col_text(st, 0), zt_col_text(st, 1), zt_col_text(st, 2),
                                        zt_col_text(st, 3), zt_col_text(st, 4), zt_col_text(st, 5)));
    size_t i;
    json_t *row;
    if (zt_step_failed(rc)) json_array_clear(rows);
    json_array_foreach(rows, i, row) {
        const char *type = json_string_value(json_array_get(row, 4));
        /* a rating's subject is its case's number */
        const char *number = type && (!strcmp(type, "case") || !strcmp(type, "rating"))
                                 ? json_string_value(json_array_get(row, 5))
                                 : NULL;
        int src = !strcmp(json_string_value(json_array_get(row, 1)), "red") ? SRC_RED : SRC_YELLOW;
        entity *t[N_SCOPE];
        targets(c, json_string_value(json_array_get(row, 2)), json_string_value(json_array_get(row, 3)), number, t, e);
        for (int s = 0; s < N_SCOPE; s++)
            if (t[s]) {
                t[s]->t[src].den++;
                ref_add(&t[s]->t[src].refs, json_string_value(json_array_get(row, 0)));
            }
    }
    json_decref(rows);
    return zt_step_failed(rc) ? rc : ZT_OK;
}

/* Complaints received in the month (their submission, or first event),
 * against the department; against the acceptor of the case a complaint
 * names, if any. */
static zt_err facts_complaints(calc *c, zt_error *e) {
    zt_stmt *st = zt_db_prepare(
        c->db,
        "SELECT subject, dept_code, region_code, case_number FROM (SELECT s.subject, s.dept_code, s.region_code,"
        " coalesce(s.submitted_at, (SELECT min(v.occurred_at) FROM sv_events v WHERE v.subject_type = s.subject_type"
        " AND v.subject = s.subject)) AS at, (SELECT json_extract(v.body, '$.message.case_number') FROM sv_events v"
        " WHERE v.subject_type = s.subject_type AND v.subject = s.subject"
        " AND json_extract(v.body, '$.message.case_number') IS NOT NULL ORDER BY v.occurred_at LIMIT 1) AS case_number"
        " FROM sv_subjects s WHERE s.subject_type = 'complaint') x WHERE x.at >= ? AND x.at < ? ORDER BY x.at, "
        "x.subject",
        e);
    if (!st) return ZT_EINTERNAL;
    zt_bind_int(st, 1, c->mo->from);
    zt_bind_int(st, 2, c->mo->to);
    json_t *rows = json_array();
    zt_err rc;
    while ((rc = zt_step(st, e)) == ZT_ROW)
        json_array_append_new(rows, json_pack("[s,s,s,s?]", zt_col_text(st, 0), zt_col_text(st, 1), zt_col_text(st, 2),
                                              zt_col_is_null(st, 3) ? NULL : zt_col_text(st, 3)));
    size_t i;
    json_t *row;
    if (zt_step_failed(rc)) json_array_clear(rows);
    json_array_foreach(rows, i, row) {
        entity *t[N_SCOPE];
        targets(c, json_string_value(json_array_get(row, 1)), json_string_value(json_array_get(row, 2)),
                json_string_value(json_array_get(row, 3)), t, e);
        for (int s = 0; s < N_SCOPE; s++)
            if (t[s]) {
                t[s]->t[SRC_COMPLAINT].den++;
                ref_add(&t[s]->t[SRC_COMPLAINT].refs, json_string_value(json_array_get(row, 0)));
            }
    }
    json_decref(rows);
    return zt_step_failed(rc) ? rc : ZT_OK;
}

/* Ratings given in the month (rating.rate events): the level counts for the
 * average; a bad one (1-2) whose fix (rating.fix) did not come by the end
 * of its fix_due - once that day has passed - is unfixed. */
static zt_err facts_ratings(calc *c, zt_error *e) {
    zt_stmt *st = zt_db_prepare(
        c->db,
        "SELECT e.subject, json_extract(e.body, '$.rating.level'), coalesce(json_extract(e.body,"
        " '$.rating.department'), e.dept_code), e.region_code, json_extract(e.body, '$.rating.fix_due'),"
        " (SELECT min(f.occurred_at) FROM sv_events f WHERE f.subject_type = 'rating' AND f.subject = e.subject"
        " AND f.type = 'rating.fix') FROM sv_events e WHERE e.type = 'rating.rate' AND e.occurred_at >= ?"
        " AND e.occurred_at < ? ORDER BY e.occurred_at, e.seq",
        e);
    if (!st) return ZT_EINTERNAL;
    zt_bind_int(st, 1, c->mo->from);
    zt_bind_int(st, 2, c->mo->to);
    json_t *rows = json_array();
    zt_err rc;
    while ((rc = zt_step(st, e)) == ZT_ROW)
        json_array_append_new(rows, json_pack("[s,I,s,s,s?,I]", zt_col_text(st, 0), (json_int_t)zt_col_int(st, 1),
                                              zt_col_text(st, 2), zt_col_text(st, 3),
                                              zt_col_is_null(st, 4) ? NULL : zt_col_text(st, 4),
                                              (json_int_t)(zt_col_is_null(st, 5) ? -1 : zt_col_int(st, 5))));
    size_t i;
    json_t *row;
    if (zt_step_failed(rc)) json_array_clear(rows);
    json_array_foreach(rows, i, row) {
        const char *number = json_string_value(json_array_get(row, 0));
        int64_t level = json_integer_value(json_array_get(row, 1)),
                fixed_at = json_integer_value(json_array_get(row, 5));
        if (level < 1 || level > 5) continue;
        int bad = level <= 2, unfixed = 0, open = 0;
        zt_day due;
        const char *due_text = json_string_value(json_array_get(row, 4));
        if (bad && due_text && zt_day_parse(due_text, &due) == 0) {
            int64_t deadline = zt_day_start(due + 1);
            if (fixed_at >= 0 && fixed_at < deadline)
                ;
            else if (c->now >= deadline)
                unfixed = 1;
            else
                open = 1;
        }
        entity *t[N_SCOPE];
        targets(c, json_string_value(json_array_get(row, 2)), json_string_value(json_array_get(row, 3)), number, t, e);
        for (int s = 0; s < N_SCOPE; s++) {
            if (!t[s]) continue;
            tally *a = &t[s]->t[SRC_RATING];
            a->den++;
            a->sum += (double)level;
            if (bad) ref_add(&a->refs, number);
            if (unfixed) a->unfixed++, ref_add(&a->unfixed_refs, number);
            a->fix_open += open;
        }
    }
    json_decref(rows);
    return zt_step_failed(rc) ? rc : ZT_OK;
}

/* Who is assessed besides what the facts name: every department with a
 * subject submitted or closed in the month, and every staff member (and
 * window) on a case event of the month - applicants excepted. */
static zt_err facts_presence(calc *c, zt_error *e) {
    zt_stmt *st = zt_db_prepare(c->db,
                                "SELECT DISTINCT dept_code, region_code FROM sv_subjects WHERE (submitted_at >= ?1"
                                " AND submitted_at < ?2) OR (closed_at >= ?1 AND closed_at < ?2)",
                                e);
    if (!st) return ZT_EINTERNAL;
    zt_bind_int(st, 1, c->mo->from);
    zt_bind_int(st, 2, c->mo->to);
    zt_err rc;
    while ((rc = zt_step(st, e)) == ZT_ROW)
        entity_get(c, SC_DEPT, zt_col_text(st, 0), zt_col_text(st, 0), zt_col_text(st, 1));
    if (zt_step_failed(rc)) return rc;
    st = zt_db_prepare(
        c->db,
        "SELECT DISTINCT json_extract(body, '$.step.actor'), coalesce(json_extract(body, '$.step.actor_role'), ''),"
        " coalesce(json_extract(body, '$.step.actor_department'), dept_code), coalesce(json_extract(body,"
        " '$.step.window'), json_extract(body, '$.case.window')), dept_code, region_code FROM sv_events"
        " WHERE subject_type = 'case' AND occurred_at >= ? AND occurred_at < ?",
        e);
    if (!st) return ZT_EINTERNAL;
    zt_bind_int(st, 1, c->mo->from);
    zt_bind_int(st, 2, c->mo->to);
    while ((rc = zt_step(st, e)) == ZT_ROW) {
        const char *role = zt_col_text(st, 1);
        if (!zt_col_is_null(st, 0) && strcmp(role, "citizen") && strcmp(role, "enterprise") &&
            strcmp(role, "applicant"))
            entity_get(c, SC_STAFF, zt_col_text(st, 0), zt_col_text(st, 2), "");
        if (!zt_col_is_null(st, 3))
            entity_get(c, SC_WINDOW, zt_col_text(st, 3), zt_col_text(st, 4), zt_col_text(st, 5));
    }
    return zt_step_failed(rc) ? rc : ZT_OK;
}

/* --- scoring ---------------------------------------------------------------------------------- */

static json_t *refs_json(json_t *refs) { return refs ? json_deep_copy(refs) : json_array(); }

/* One indicator of one entity: its JSON and, for points lost, the
 * deductions with their reasons (appended to deds). Returns the points. */
static double score_indicator(zt_arena *a, const indicator *d, const tally *t, json_t *out, json_t *deds) {
    double points = d->weight;
    json_t *o = json_pack("{s:s,s:s,s:s,s:s,s:f}", "id", d->id, "name", d->name, "kind", KINDS[d->kind], "source",
                          SOURCE_NAMES[d->source], "weight", d->weight);
    const char *w = num_text(a, d->weight);
    if (d->kind == K_RATE) {
        json_object_set_new(o, "numerator", json_integer(t->num));
        json_object_set_new(o, "denominator", json_integer(t->den));
        if (!t->den) {
            json_object_set_new(o, "value", json_null());
            json_object_set_new(o, "note", json_string("本月无办结件，按满分计"));
        } else {
            double rate = (double)t->num / (double)t->den;
            points = round2(d->weight * rate);
            json_object_set_new(o, "value", json_real(rate));
            if (d->weight - points > 0.004) {
                const char *what = d->source == SRC_ON_TIME
                                       ? zt_arena_printf(a, "%lld/%lld 件按时", (long long)t->num, (long long)t->den)
                                       : zt_arena_printf(a, "%lld/%lld 件提前 %lld 个工作日以上", (long long)t->num,
                                                         (long long)t->den, (long long)d->days);
                const char *reason =
                    zt_arena_printf(a, "%s %s（%s），%s 分 × %s = %s 分，扣 %s 分%s", d->name, pct_text(a, rate), what,
                                    w, pct_text(a, rate), num_text(a, points), num_text(a, d->weight - points),
                                    refs_text(a, d->source == SRC_ON_TIME ? "逾期办结：" : "未提前办结：", t->refs,
                                              t->den - t->num, "件"));
                json_array_append_new(deds, json_pack("{s:s,s:s,s:f,s:s,s:o}", "indicator", d->id, "name", d->name,
                                                      "points", round2(d->weight - points), "reason", reason, "refs",
                                                      refs_json(t->refs)));
            }
        }
    } else if (d->kind == K_AVERAGE) {
        json_object_set_new(o, "count", json_integer(t->den));
        json_object_set_new(o, "unfixed", json_integer(t->unfixed));
        json_object_set_new(o, "fix_open", json_integer(t->fix_open));
        if (!t->den) {
            json_object_set_new(o, "value", json_null());
            json_object_set_new(o, "note", json_string("本月无评价，按满分计"));
        } else {
            double mean = t->sum / (double)t->den, rate = mean / d->scale;
            if (rate > 1) rate = 1;
            double base = round2(d->weight * rate);
            json_object_set_new(o, "value", json_real(mean));
            json_object_set_new(o, "rate", json_real(rate));
            points = base;
            if (d->weight - base > 0.004)
                json_array_append_new(
                    deds,
                    json_pack("{s:s,s:s,s:f,s:s,s:o}", "indicator", d->id, "name", d->name, "points",
                              round2(d->weight - base), "reason",
                              zt_arena_printf(a, "%s 平均 %s 级（%lld 次评价）= %s，%s 分 × %s = %s 分，扣 %s 分%s",
                                              d->name, num_text(a, mean), (long long)t->den, pct_text(a, rate), w,
                                              pct_text(a, rate), num_text(a, base), num_text(a, d->weight - base),
                                              refs_text(a, "差评：", t->refs, json_array_size(t->refs), "件")),
                              "refs", refs_json(t->refs)));
            double extra = d->unfixed_per * (double)t->unfixed;
            if (extra > base) extra = base;
            if (t->unfixed && d->unfixed_per > 0) {
                points = round2(base - extra);
                const char *cap = d->unfixed_per * (double)t->unfixed > extra
                                      ? zt_arena_printf(a, "，以本项余分 %s 分为限", num_text(a, extra))
                                      : "";
                json_array_append_new(deds,
                                      json_pack("{s:s,s:s,s:f,s:s,s:o}", "indicator", d->id, "name", d->name, "points",
                                                round2(extra), "reason",
                                                zt_arena_printf(a, "差评未按期整改 %lld 件 × %s 分 = %s 分%s%s",
                                                                (long long)t->unfixed, num_text(a, d->unfixed_per),
                                                                num_text(a, d->unfixed_per * (double)t->unfixed), cap,
                                                                refs_text(a, "", t->unfixed_refs, t->unfixed, "件")),
                                                "refs", refs_json(t->unfixed_refs)));
            }
        }
    } else {
        double off = d->per * (double)t->den, taken = off > d->weight ? d->weight : off;
        points = round2(d->weight - taken);
        json_object_set_new(o, "count", json_integer(t->den));
        json_object_set_new(o, "value", json_integer(t->den));
        if (t->den) {
            const char *cap = off > d->weight ? zt_arena_printf(a, "，以 %s 分为限", w) : "";
            json_array_append_new(
                deds, json_pack("{s:s,s:s,s:f,s:s,s:o}", "indicator", d->id, "name", d->name, "points", round2(taken),
                                "reason",
                                zt_arena_printf(a, "%s %lld %s × %s 分 = %s 分%s%s", d->name, (long long)t->den,
                                                UNITS[d->source], num_text(a, d->per), num_text(a, off), cap,
                                                refs_text(a, "", t->refs, t->den, UNITS[d->source])),
                                "refs", refs_json(t->refs)));
        }
    }
    json_object_set_new(o, "points", json_real(points));
    json_object_set_new(o, "lost", json_real(round2(d->weight - points)));
    json_array_append_new(out, o);
    return points;
}

/* Score and adjustment: the sum of the points, plus accepted appeals, in 0..100. */
static double clamp_score(double v) { return v < 0 ? 0 : v > 100 ? 100 : round2(v); }

static double adjustment_of(json_t *appeals) {
    double adj = 0;
    size_t i;
    json_t *ap;
    json_array_foreach(appeals, i, ap) {
        const char *state = json_string_value(json_object_get(ap, "state"));
        if (state && !strcmp(state, "accepted")) adj += json_number_value(json_object_get(ap, "adjustment"));
    }
    return round2(adj);
}

/* Names: a department's from the directory, a staff member's from the
 * accounts (a department system's actor may have none), a window's from the
 * halls when the event named a window id. */
static void names_of(calc *c, entity *x, const char **name, const char **dept_name) {
    zt_error ne;
    *name = x->id;
    *dept_name = x->dept;
    zt_stmt *st;
    zt_dept d;
    if (zt_dept_by_code(c->db, x->dept, &d, &ne) == ZT_OK) {
        *dept_name = zt_arena_strdup(c->a, d.name);
        if (x->scope == SC_DEPT || !*x->region) x->region = zt_arena_strdup(c->a, d.region_code);
    }
    if (x->scope == SC_DEPT) {
        *name = *dept_name;
    } else if (x->scope == SC_STAFF) {
        st = zt_db_prepare(c->db, "SELECT name FROM users WHERE login = ?", &ne);
        if (st) {
            zt_bind_text(st, 1, x->id);
            if (zt_step(st, &ne) == ZT_ROW) *name = zt_arena_strdup(c->a, zt_col_text(st, 0));
        }
    } else if (strspn(x->id, "0123456789") == strlen(x->id) && strlen(x->id) < 12) {
        st = zt_db_prepare(c->db,
                           "SELECT h.name, w.number, w.name FROM windows w JOIN halls h ON h.id = w.hall_id"
                           " WHERE w.id = ?",
                           &ne);
        if (st) {
            zt_bind_int(st, 1, strtoll(x->id, NULL, 10));
            if (zt_step(st, &ne) == ZT_ROW)
                *name = zt_arena_printf(c->a, "%s %lld 号 %s", zt_col_text(st, 0), (long long)zt_col_int(st, 1),
                                        zt_col_text(st, 2));
        }
    }
}

static int by_scope_id(const void *pa, const void *pb) {
    const entity *a = *(entity *const *)pa, *b = *(entity *const *)pb;
    if (a->scope != b->scope) return a->scope - b->scope;
    return strcmp(a->id, b->id);
}

/* Compute the month into rows: [{scope, scope_id, dept_code, detail}] */
static zt_err compute(zt_app *app, zt_arena *a, const month *mo, const indicator_set *set, int64_t now, json_t *rows,
                      zt_error *e) {
    calc c = {.app = app, .a = a, .db = zt_store_reader(app->store), .mo = mo, .now = now, .early_days = 1};
    c.index = json_object();
    c.acceptors = json_object();
    for (int i = 0; i < set->n; i++)
        if (set->v[i].source == SRC_EARLY) c.early_days = (int)set->v[i].days;
    zt_err rc = facts_cases(&c, e);
    if (!rc) rc = facts_cards(&c, e);
    if (!rc) rc = facts_complaints(&c, e);
    if (!rc) rc = facts_ratings(&c, e);
    if (!rc) rc = facts_presence(&c, e);
    if (rc) {
        calc_free(&c);
        return rc;
    }
    if (c.n) qsort(c.v, c.n, sizeof *c.v, by_scope_id);
    char computed_at[32];
    zt_time_format(now, computed_at);
    json_t *defs = json_array();
    for (int i = 0; i < set->n; i++) {
        const indicator *d = &set->v[i];
        json_t *o = json_pack("{s:s,s:s,s:s,s:s,s:f}", "id", d->id, "name", d->name, "kind", KINDS[d->kind], "source",
                              SOURCE_NAMES[d->source], "weight", d->weight);
        if (d->kind == K_DEDUCT_PER) json_object_set_new(o, "per", json_real(d->per));
        if (d->source == SRC_EARLY) json_object_set_new(o, "days", json_integer(d->days));
        if (d->kind == K_AVERAGE) {
            json_object_set_new(o, "scale", json_real(d->scale));
            json_object_set_new(o, "unfixed_per", json_real(d->unfixed_per));
        }
        json_array_append_new(defs, o);
    }
    for (size_t k = 0; k < c.n; k++) {
        entity *x = c.v[k];
        const char *name, *dept_name;
        names_of(&c, x, &name, &dept_name);
        json_t *inds = json_array(), *deds = json_array();
        double sum = 0;
        for (int i = 0; i < set->n; i++) sum += score_indicator(a, &set->v[i], &x->t[set->v[i].source], inds, deds);
        sum = clamp_score(sum);
        json_t *detail =
            json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:b,s:s,s:s,s:f,s:f,s:f,s:o,s:o,s:O,s:[]}", "month", mo->text,
                      "scope", SCOPES[x->scope], "scope_id", x->id, "name", name, "dept_code", x->dept, "dept_name",
                      dept_name, "region", x->region, "provisional", now < mo->to, "computed_at", computed_at,
                      "appeal_until", mo->appeal, "computed", sum, "adjustment", 0.0, "score", sum, "indicators", inds,
                      "deductions", deds, "definitions", defs, "appeals");
        json_array_append_new(rows, detail);
    }
    json_decref(defs);
    calc_free(&c);
    return ZT_OK;
}

/* --- storing a month ------------------------------------------------------------------------- */

typedef struct {
    const zt_principal *p;
    const month *mo;
    json_t *rows;
    int64_t now;
    int counts[N_SCOPE];
} store_arg;

/* Replace the month. Appeals already lodged (and their decisions) stay with
 * their department: a recomputation changes the facts, not the appeals. */
static zt_err store_write(zt_db *db, void *arg, zt_error *e) {
    store_arg *s = arg;
    json_t *old = json_object();
    zt_stmt *st = zt_db_prepare(db, "SELECT scope, scope_id, detail FROM sv_scores WHERE month = ?", e);
    if (!st) {
        json_decref(old);
        return ZT_EINTERNAL;
    }
    zt_bind_text(st, 1, s->mo->text);
    zt_err rc;
    while ((rc = zt_step(st, e)) == ZT_ROW) {
        json_t *d = json_loads(zt_col_text(st, 2), 0, NULL);
        json_t *ap = json_object_get(d, "appeals");
        if (json_is_array(ap) && json_array_size(ap)) {
            char key[300];
            snprintf(key, sizeof key, "%s/%s", zt_col_text(st, 0), zt_col_text(st, 1));
            json_object_set(old, key, ap);
        }
        json_decref(d);
    }
    zt_db_release(db);
    zt_err err = zt_step_failed(rc) ? rc : ZT_OK;
    if (!err) {
        st = zt_db_prepare(db, "DELETE FROM sv_scores WHERE month = ?", e);
        if (!st) err = ZT_EINTERNAL;
        if (!err) {
            zt_bind_text(st, 1, s->mo->text);
            err = zt_step_done(st, e);
        }
    }
    size_t i;
    json_t *d;
    json_array_foreach(s->rows, i, d) {
        if (err) break;
        const char *scope = json_string_value(json_object_get(d, "scope"));
        const char *id = json_string_value(json_object_get(d, "scope_id"));
        char key[300];
        snprintf(key, sizeof key, "%s/%s", scope, id);
        json_t *ap = json_object_get(old, key);
        if (ap) {
            double adj = adjustment_of(ap);
            json_object_set(d, "appeals", ap);
            json_object_set_new(d, "adjustment", json_real(adj));
            json_object_set_new(d, "score",
                                json_real(clamp_score(json_number_value(json_object_get(d, "computed")) + adj)));
        }
        char *text = json_dumps(d, JSON_COMPACT);
        st = zt_db_prepare(db,
                           "INSERT INTO sv_scores (month, scope, scope_id, dept_code, score, detail, computed_at,"
                           " appeal_until) VALUES (?, ?, ?, ?, ? / 100.0, ?, ?, ?)",
                           e);
        if (!st) {
            free(text);
            err = ZT_EINTERNAL;
            break;
        }
        zt_bind_text(st, 1, s->mo->text);
        zt_bind_text(st, 2, scope);
        zt_bind_text(st, 3, id);
        zt_bind_text(st, 4, json_string_value(json_object_get(d, "dept_code")));
        /* the store binds no floating point: the score goes in as hundredths */
        zt_bind_int(st, 5, llround(json_number_value(json_object_get(d, "score")) * 100));
        zt_bind_text(st, 6, text);
        zt_bind_int(st, 7, s->now);
        zt_bind_text(st, 8, s->mo->appeal);
        err = zt_step_done(st, e);
        free(text);
        for (int k = 0; k < N_SCOPE; k++)
            if (!strcmp(scope, SCOPES[k])) s->counts[k]++;
    }
    json_decref(old);
    if (!err) {
        json_t *detail =
            json_pack("{s:s,s:b,s:i,s:i,s:i}", "month", s->mo->text, "provisional", s->now < s->mo->to, "departments",
                      s->counts[SC_DEPT], "staff", s->counts[SC_STAFF], "windows", s->counts[SC_WINDOW]);
        err = zt_record(db, s->p, "score.compute", "score", s->mo->text, 0, detail, e);
        json_decref(detail);
    }
    return err;
}

/* --- access ------------------------------------------------------------------------------------ */

/* The city's supervision office (a supervisor whose region is the city) and
 * administrators compute; county supervisors read their county. */
static int city_level(const zt_principal *p) {
    if (p->role_bit & ZT_R_ADMIN) return 1;
    return (p->role_bit & ZT_R_SUPERVISOR) && p->region && strlen(p->region) == 6 && zt_region_prefix(p->region) == 4;
}

/* Supervisors read the departments of their region (the directory's
 * region of the row's department); administrators and auditors all. */
static void region_filter(zt_req *r, zt_qb *f) {
    const zt_principal *p = zt_req_principal(r);
    if ((p->role_bit & (ZT_R_ADMIN | ZT_R_AUDITOR)) || !(p->role_bit & ZT_R_SUPERVISOR)) return;
    const char *region = p->region ? p->region : "";
    zt_qb_region(f, "coalesce(d.region_code, '')", region);
}

/* The principal's department code (the authenticator's); 403 when the
 * account has none. */
static zt_err own_dept(const zt_principal *p, const char **code, zt_error *e) {
    if (!p->dept_code || !*p->dept_code) return zt_fail(e, ZT_EFORBIDDEN, "role", "账号未关联部门");
    *code = p->dept_code;
    return ZT_OK;
}

/* --- reading rows ------------------------------------------------------------------------------- */

#define ROW_FROM "sv_scores s LEFT JOIN departments d ON d.code = s.dept_code"

static const char *str_of(json_t *o, const char *key) {
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

/* the stored indicator entry of row d for definition id */
static json_t *indicator_in(json_t *d, const char *id) {
    size_t i;
    json_t *o;
    json_array_foreach(json_object_get(d, "indicators"), i, o) if (!strcmp(str_of(o, "id"), id)) return o;
    return NULL;
}

/* A stored row's detail, with its rank in the list it was read in. */
static json_t *row_json(zt_stmt *st, int detail_col, int rank_col) {
    json_t *d = json_loads(zt_col_text(st, detail_col), 0, NULL);
    if (!json_is_object(d)) {
        json_decref(d);
        d = json_object();
    }
    json_object_del(d, "definitions");
    if (rank_col >= 0) json_object_set_new(d, "rank", json_integer(zt_col_int(st, rank_col)));
    return d;
}

typedef struct {
    json_t *items;
} rows_ctx;

static void list_row(zt_stmt *st, void *ctx) { json_array_append_new(((rows_ctx *)ctx)->items, row_json(st, 0, 1)); }

/* The month's state: computed, provisional, when, appeal window. */
static json_t *month_meta(zt_db *db, const month *mo, zt_error *e) {
    json_t *m = json_pack("{s:s,s:b,s:n,s:n,s:s}", "month", mo->text, "computed", 0, "provisional", "computed_at",
                          "appeal_until", mo->appeal);
    zt_stmt *st = zt_db_prepare(db, "SELECT detail FROM sv_scores WHERE month = ? LIMIT 1", e);
    if (!st) return m;
    zt_bind_text(st, 1, mo->text);
    if (zt_step(st, e) == ZT_ROW) {
        json_t *d = json_loads(zt_col_text(st, 0), 0, NULL);
        json_object_set_new(m, "computed", json_true());
        json_object_set(m, "provisional", json_object_get(d, "provisional"));
        json_object_set(m, "computed_at", json_object_get(d, "computed_at"));
        json_decref(d);
    }
    return m;
}

static zt_err scope_param(zt_req *r, int *scope, zt_error *e) {
    const char *s = zt_req_query(r, "scope");
    *scope = SC_DEPT;
    if (!s || !*s) return ZT_OK;
    for (int i = 0; i < N_SCOPE; i++)
        if (!strcmp(s, SCOPES[i])) {
            *scope = i;
            return ZT_OK;
        }
    return zt_fail(e, ZT_EINVAL, "scope", "scope 须为 department、staff 或 window");
}

/* --- handlers ------------------------------------------------------------------------------------ */

/* POST /api/supervision/scores/{month}/compute */
static zt_err h_compute(zt_req *r, zt_error *e) {
    const zt_principal *p = zt_req_principal(r);
    if (!city_level(p)) return zt_fail(e, ZT_EFORBIDDEN, "role", "只有市级监察人员或系统管理员可以计算绩效考核");
    zt_app *app = APP(r);
    month mo;
    zt_err rc = month_parse(app->cal, zt_req_param(r, "month"), "month", &mo, e);
    if (rc) return rc;
    int64_t now = zt_now();
    if (now < mo.from) return zt_fail(e, ZT_ECONFLICT, "month", "%s 尚未开始，不能计算", mo.text);
    indicator_set set;
    if ((rc = indicators_load(app->cfg, &set, e))) return rc;
    store_arg s = {.p = p, .mo = &mo, .rows = json_array(), .now = now};
    rc = compute(app, zt_req_arena(r), &mo, &set, now, s.rows, e);
    zt_db_release(zt_store_reader(app->store));
    if (!rc) rc = zt_store_write(app->store, store_write, &s, e);
    json_decref(s.rows);
    if (rc) return rc;
    char ts[32];
    zt_time_format(now, ts);
    zt_reply_json(r, 200,
                  json_pack("{s:s,s:b,s:s,s:s,s:i,s:i,s:i}", "month", mo.text, "provisional", now < mo.to,
                            "computed_at", ts, "appeal_until", mo.appeal, "departments", s.counts[SC_DEPT], "staff",
                            s.counts[SC_STAFF], "windows", s.counts[SC_WINDOW]));
    return ZT_OK;
}

/* GET /api/supervision/scores?month=&scope=&dept=: the ranking, best
 * first, with rank numbers (equal scores share a rank). */
static zt_err h_list(zt_req *r, zt_error *e) {
    zt_app *app = APP(r);
    month mo;
    int scope;
    zt_err rc = month_parse(app->cal, zt_req_query(r, "month"), "month", &mo, e);
    if (!rc) rc = scope_param(r, &scope, e);
    int64_t limit, offset, total;
    if (!rc) rc = zt_req_page(r, &limit, &offset, e);
    if (rc) return rc;
    zt_qb f;
    zt_qb_init(&f, zt_req_arena(r), "s.month = ? AND s.scope = ?");
    zt_qb_text(&f, mo.text);
    zt_qb_text(&f, SCOPES[scope]);
    region_filter(r, &f);
    const char *dept = zt_req_query(r, "dept");
    if (dept && *dept) {
        zt_qb_sql(&f, " AND s.dept_code = ?");
        zt_qb_text(&f, dept);
    }
    rows_ctx c = {json_array()};
    zt_db *db = zt_store_reader(app->store);
    rc = zt_qb_list(db, &f, "s.detail, rank() OVER (ORDER BY s.score DESC)", ROW_FROM,
                    "ORDER BY s.score DESC, s.scope_id", limit, offset, list_row, &c, &total, e);
    if (rc) {
        json_decref(c.items);
        return rc;
    }
    json_t *page = zt_page_json(c.items, total, limit, offset);
    json_t *meta = month_meta(db, &mo, e);
    json_object_update(page, meta);
    json_decref(meta);
    json_object_set_new(page, "scope", json_string(SCOPES[scope]));
    zt_reply_json(r, 200, page);
    return ZT_OK;
}

/* GET /api/dept/scores?month=: the department's own score (ranked among
 * every department of the city), its staff's and its windows'. */
static zt_err h_dept(zt_req *r, zt_error *e) {
    zt_app *app = APP(r);
    const zt_principal *p = zt_req_principal(r);
    month mo;
    zt_err rc = month_parse(app->cal, zt_req_query(r, "month"), "month", &mo, e);
    if (rc) return rc;
    zt_db *db = zt_store_reader(app->store);
    const char *code = NULL;
    if ((rc = own_dept(p, &code, e))) return rc;
    json_t *out = month_meta(db, &mo, e);
    json_object_set_new(out, "dept_code", json_string(code));
    zt_stmt *st = zt_db_prepare(db,
                                "SELECT detail, rk, n FROM (SELECT scope_id, detail, rank() OVER (ORDER BY score DESC)"
                                " AS rk, count(*) OVER () AS n FROM sv_scores WHERE month = ? AND scope = 'department')"
                                " x WHERE x.scope_id = ?",
                                e);
    if (!st) {
        json_decref(out);
        return ZT_EINTERNAL;
    }
    zt_bind_text(st, 1, mo.text);
    zt_bind_text(st, 2, code);
    json_t *dept = json_null();
    zt_err s = zt_step(st, e);
    if (s == ZT_ROW) {
        dept = row_json(st, 0, 1);
        json_object_set_new(dept, "of", json_integer(zt_col_int(st, 2)));
    }
    json_object_set_new(out, "department", dept);
    for (int sc = SC_STAFF; sc <= SC_WINDOW && !zt_step_failed(s); sc++) {
        st = zt_db_prepare(db,
                           "SELECT detail, rank() OVER (ORDER BY score DESC) FROM sv_scores WHERE month = ?"
                           " AND scope = ? AND dept_code = ? ORDER BY score DESC, scope_id",
                           e);
        if (!st) {
            s = ZT_EINTERNAL;
            break;
        }
        zt_bind_text(st, 1, mo.text);
        zt_bind_text(st, 2, SCOPES[sc]);
        zt_bind_text(st, 3, code);
        json_t *list = json_array();
        while ((s = zt_step(st, e)) == ZT_ROW) json_array_append_new(list, row_json(st, 0, 1));
        json_object_set_new(out, sc == SC_STAFF ? "staff" : "windows", list);
    }
    if (zt_step_failed(s)) {
        json_decref(out);
        return s;
    }
    zt_reply_json(r, 200, out);
    return ZT_OK;
}

/* --- appeals (申诉) ------------------------------------------------------------------------------- */

typedef struct {
    const zt_principal *p;
    const month *mo;
    const char *dept, *indicator, *reason;
    int decide, accept;
    double adjustment;
    int64_t now;
    json_t *result;
} appeal_arg;

static zt_err appeal_write(zt_db *db, void *arg, zt_error *e) {
    appeal_arg *a = arg;
    zt_stmt *st = zt_db_prepare(
        db, "SELECT detail, appeal_until FROM sv_scores WHERE month = ? AND scope = 'department' AND scope_id = ?", e);
    if (!st) return ZT_EINTERNAL;
    zt_bind_text(st, 1, a->mo->text);
    zt_bind_text(st, 2, a->dept);
    zt_err s = zt_step(st, e);
    if (zt_step_failed(s)) return s;
    if (s == ZT_DONE) return zt_fail(e, ZT_ENOTFOUND, "month", "%s 没有部门 %s 的考核结果", a->mo->text, a->dept);
    json_t *d = json_loads(zt_col_text(st, 0), 0, NULL);
    char until[16];
    snprintf(until, sizeof until, "%s", zt_col_is_null(st, 1) ? "" : zt_col_text(st, 1));
    zt_db_release(db);
    if (!json_is_object(d)) {
        json_decref(d);
        return zt_fail(e, ZT_EINTERNAL, "detail", "考核明细损坏");
    }
    json_t *appeals = json_object_get(d, "appeals");
    if (!json_is_array(appeals)) {
        appeals = json_array();
        json_object_set_new(d, "appeals", appeals);
    }
    char ts[32];
    zt_time_format(a->now, ts);
    zt_err rc = ZT_OK;
    json_t *target = NULL;
    size_t i;
    json_t *ap;
    json_array_foreach(appeals, i, ap) {
        const char *state = json_string_value(json_object_get(ap, "state"));
        const char *ind = json_string_value(json_object_get(ap, "indicator"));
        if (state && !strcmp(state, "pending") && ind && (!a->indicator || !strcmp(ind, a->indicator))) {
            target = ap;
            break;
        }
    }
    if (!a->decide) {
        zt_day last, today = zt_day_of_instant(a->now);
        const char *name = json_string_value(json_object_get(indicator_in(d, a->indicator), "name"));
        if (json_is_true(json_object_get(d, "provisional")))
            rc = zt_fail(e, ZT_ECONFLICT, "month", "%s 的考核尚为暂定结果，月度结束并重新计算后才能申诉", a->mo->text);
        else if (zt_day_parse(until, &last) != 0 || today > last)
            rc = zt_fail(e, ZT_ECONFLICT, "month", "申诉期已过（截至 %s）", until);
        else if (!name)
            rc = zt_fail(e, ZT_EINVAL, "indicator", "没有指标「%s」", a->indicator);
        else if (target)
            rc = zt_fail(e, ZT_ECONFLICT, "indicator", "该指标已有待处理的申诉");
        if (!rc)
            json_array_append_new(appeals,
                                  json_pack("{s:I,s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "seq",
                                            (json_int_t)json_array_size(appeals) + 1, "indicator", a->indicator,
                                            "indicator_name", name, "reason", a->reason, "by", a->p->login, "by_name",
                                            a->p->name ? a->p->name : a->p->login, "at", ts, "state", "pending"));
    } else if (!target) {
        rc = zt_fail(e, ZT_ECONFLICT, "dept", "部门 %s 在 %s 没有待处理的申诉", a->dept, a->mo->text);
    } else {
        json_object_set_new(target, "state", json_string(a->accept ? "accepted" : "rejected"));
        json_object_set_new(target, "adjustment", json_real(a->accept ? round2(a->adjustment) : 0));
        json_object_set_new(target, "decision_reason", json_string(a->reason));
        json_object_set_new(target, "decided_by", json_string(a->p->login));
        json_object_set_new(target, "decided_at", json_string(ts));
        double adj = adjustment_of(appeals);
        json_object_set_new(d, "adjustment", json_real(adj));
        json_object_set_new(d, "score",
                            json_real(clamp_score(json_number_value(json_object_get(d, "computed")) + adj)));
    }
    if (!rc) {
        char *text = json_dumps(d, JSON_COMPACT);
        st = zt_db_prepare(db,
                           "UPDATE sv_scores SET detail = ?, score = ? / 100.0 WHERE month = ? AND scope = 'department'"
                           " AND scope_id = ?",
                           e);
        if (!st) rc = ZT_EINTERNAL;
        if (!rc) {
            zt_bind_text(st, 1, text);
            zt_bind_int(st, 2, llround(json_number_value(json_object_get(d, "score")) * 100));
            zt_bind_text(st, 3, a->mo->text);
            zt_bind_text(st, 4, a->dept);
            rc = zt_step_done(st, e);
        }
        free(text);
    }
    if (!rc) {
        char target_id[160];
        snprintf(target_id, sizeof target_id, "%s/%s", a->mo->text, a->dept);
        json_t *detail =
            a->decide ? json_pack("{s:s,s:b,s:f,s:s,s:O}", "dept", a->dept, "accept", a->accept, "adjustment",
                                  a->accept ? round2(a->adjustment) : 0.0, "reason", a->reason, "appeal", target)
                      : json_pack("{s:s,s:s,s:s}", "dept", a->dept, "indicator", a->indicator, "reason", a->reason);
        rc = zt_record(db, a->p, a->decide ? "score.appeal_decide" : "score.appeal", "score", target_id, 0, detail, e);
        json_decref(detail);
    }
    if (!rc) {
        json_object_del(d, "definitions");
        a->result = d;
    } else {
        json_decref(d);
    }
    return rc;
}

/* POST /api/supervision/scores/{month}/appeal {indicator, reason}: the
 * head of a department, within the appeal window. */
static zt_err h_appeal(zt_req *r, zt_error *e) {
    static const char *const keys[] = {"indicator", "reason", NULL};
    zt_app *app = APP(r);
    const zt_principal *p = zt_req_principal(r);
    month mo;
    json_t *b;
    appeal_arg a = {.p = p, .mo = &mo, .now = zt_now()};
    zt_err rc = month_parse(app->cal, zt_req_param(r, "month"), "month", &mo, e);
    if (!rc) rc = zt_req_json(r, &b, e);
    if (!rc) rc = zt_json_only(b, keys, e);
    if (!rc) rc = zt_json_str(b, "indicator", 1, 32, &a.indicator, e);
    if (!rc) rc = zt_json_str(b, "reason", 1, 2000, &a.reason, e);
    if (rc) return rc;
    if ((rc = own_dept(p, &a.dept, e))) return rc;
    if ((rc = zt_store_write(app->store, appeal_write, &a, e))) return rc;
    zt_reply_json(r, 201, a.result);
    return ZT_OK;
}

/* POST /api/supervision/scores/{month}/appeal/decide {dept, accept,
 * adjustment, reason[, indicator]}: a supervisor of the department's
 * region answers its oldest pending appeal (or the one on indicator). */
static zt_err h_decide(zt_req *r, zt_error *e) {
    static const char *const keys[] = {"dept", "accept", "adjustment", "reason", "indicator", NULL};
    zt_app *app = APP(r);
    const zt_principal *p = zt_req_principal(r);
    month mo;
    json_t *b;
    appeal_arg a = {.p = p, .mo = &mo, .decide = 1, .now = zt_now()};
    zt_err rc = month_parse(app->cal, zt_req_param(r, "month"), "month", &mo, e);
    if (!rc) rc = zt_req_json(r, &b, e);
    if (!rc) rc = zt_json_only(b, keys, e);
    if (!rc) rc = zt_json_str(b, "dept", 1, 63, &a.dept, e);
    if (!rc) rc = zt_json_str(b, "reason", 1, 2000, &a.reason, e);
    if (!rc) rc = zt_json_str(b, "indicator", 0, 32, &a.indicator, e);
    if (rc) return rc;
    json_t *acc = json_object_get(b, "accept"), *adj = json_object_get(b, "adjustment");
    if (!json_is_boolean(acc)) return zt_fail(e, ZT_EINVAL, "accept", "accept 须为 true 或 false");
    a.accept = json_is_true(acc);
    if (adj && !json_is_null(adj) && !json_is_number(adj))
        return zt_fail(e, ZT_EINVAL, "adjustment", "adjustment 须为数字");
    a.adjustment = adj ? json_number_value(adj) : 0;
    if (a.accept && (!adj || a.adjustment <= 0 || a.adjustment > 100))
        return zt_fail(e, ZT_EINVAL, "adjustment", "采纳申诉须给出调整分值（大于 0，不超过 100）");
    if (!a.accept && a.adjustment != 0) return zt_fail(e, ZT_EINVAL, "adjustment", "驳回申诉不调整分值");
    if (!(p->role_bit & ZT_R_ADMIN)) {
        zt_dept d;
        int ok = zt_dept_by_code(zt_store_reader(app->store), a.dept, &d, e) == ZT_OK &&
                 zt_region_within(d.region_code, p->region ? p->region : "");
        zt_db_release(zt_store_reader(app->store));
        if (!ok) return zt_fail(e, ZT_ENOTFOUND, "dept", "部门不存在或不在监察范围内");
    }
    if ((rc = zt_store_write(app->store, appeal_write, &a, e))) return rc;
    zt_reply_json(r, 200, a.result);
    return ZT_OK;
}

/* --- the monthly report (.xlsx) ---------------------------------------------------------------- */

typedef struct {
    lxw_format *head, *text, *wrap, *pts, *pct, *count, *level;
} formats;

static void head_row(lxw_worksheet *ws, const formats *f, const char *const *names, const double *widths, int n) {
    for (int i = 0; i < n; i++) {
        worksheet_write_string(ws, 0, (lxw_col_t)i, names[i], f->head);
        worksheet_set_column(ws, (lxw_col_t)i, (lxw_col_t)i, widths[i], NULL);
    }
    worksheet_set_row(ws, 0, 30, NULL);
    worksheet_freeze_panes(ws, 1, 0);
}

static void write_value(lxw_worksheet *ws, lxw_row_t row, lxw_col_t col, json_t *v, lxw_format *f, lxw_format *text) {
    if (json_is_number(v))
        worksheet_write_number(ws, row, col, json_number_value(v), f);
    else
        worksheet_write_string(ws, row, col, "—", text);
}

static zt_err xlsx_write(const char *path, const month *mo, json_t *rows[N_SCOPE], json_t *defs, zt_arena *a,
                         zt_error *e) {
    lxw_workbook *wb = workbook_new(path);
    if (!wb) return zt_fail(e, ZT_EINTERNAL, NULL, "无法创建 Excel 文件");
    lxw_doc_properties props = {.title = zt_arena_printf(a, "绩效考核 %s", mo->text), .author = "zhengtong"};
    workbook_set_properties(wb, &props);
    formats f;
    f.head = workbook_add_format(wb);
    format_set_bold(f.head);
    format_set_bg_color(f.head, 0xD9E1F2);
    format_set_border(f.head, LXW_BORDER_THIN);
    format_set_align(f.head, LXW_ALIGN_CENTER);
    format_set_align(f.head, LXW_ALIGN_VERTICAL_CENTER);
    format_set_text_wrap(f.head);
    f.text = workbook_add_format(wb);
    format_set_border(f.text, LXW_BORDER_THIN);
    f.wrap = workbook_add_format(wb);
    format_set_border(f.wrap, LXW_BORDER_THIN);
    format_set_text_wrap(f.wrap);
    f.pts = workbook_add_format(wb);
    format_set_border(f.pts, LXW_BORDER_THIN);
    format_set_num_format(f.pts, "0.00");
    f.pct = workbook_add_format(wb);
    format_set_border(f.pct, LXW_BORDER_THIN);
    format_set_num_format(f.pct, "0.00%");
    f.count = workbook_add_format(wb);
    format_set_border(f.count, LXW_BORDER_THIN);
    format_set_num_format(f.count, "0");
    f.level = workbook_add_format(wb);
    format_set_border(f.level, LXW_BORDER_THIN);
    format_set_num_format(f.level, "0.00\" 级\"");

    size_t nd = json_array_size(defs);
    /* 部门排名: rank, department, score, each indicator's value and points */
    lxw_worksheet *ws = workbook_add_worksheet(wb, "部门排名");
    {
        int n = 0;
        const char **names = zt_arena_calloc(a, (8 + 2 * nd) * sizeof *names);
        double *widths = zt_arena_calloc(a, (8 + 2 * nd) * sizeof *widths);
        names[n] = "排名", widths[n++] = 6;
        names[n] = "部门", widths[n++] = 28;
        names[n] = "部门代码", widths[n++] = 14;
        names[n] = "总分", widths[n++] = 9;
        for (size_t i = 0; i < nd; i++) {
            json_t *d = json_array_get(defs, i);
            const char *kind = str_of(d, "kind");
            names[n] = !strcmp(kind, "deduct_per")
                           ? zt_arena_printf(a, "%s（%s）", str_of(d, "name"),
                                             !strcmp(str_of(d, "source"), "complaint") ? "件" : "张")
                           : str_of(d, "name");
            widths[n++] = 12;
            names[n] = zt_arena_printf(a, "%s得分（满分 %s）", str_of(d, "name"),
                                       num_text(a, json_number_value(json_object_get(d, "weight"))));
            widths[n++] = 14;
        }
        names[n] = "申诉调整", widths[n++] = 10;
        names[n] = "状态", widths[n++] = 8;
        head_row(ws, &f, names, widths, n);
        size_t i;
        json_t *row;
        json_array_foreach(rows[SC_DEPT], i, row) {
            lxw_row_t y = (lxw_row_t)i + 1;
            lxw_col_t x = 0;
            worksheet_write_number(ws, y, x++, (double)json_integer_value(json_object_get(row, "rank")), f.count);
            worksheet_write_string(ws, y, x++, str_of(row, "name"), f.text);
            worksheet_write_string(ws, y, x++, str_of(row, "scope_id"), f.text);
            worksheet_write_number(ws, y, x++, json_number_value(json_object_get(row, "score")), f.pts);
            for (size_t k = 0; k < nd; k++) {
                json_t *d = json_array_get(defs, k), *ind = indicator_in(row, str_of(d, "id"));
                const char *kind = str_of(d, "kind");
                lxw_format *vf = !strcmp(kind, "rate") ? f.pct : !strcmp(kind, "average") ? f.level : f.count;
                write_value(ws, y, x++, json_object_get(ind, "value"), vf, f.text);
                write_value(ws, y, x++, json_object_get(ind, "points"), f.pts, f.text);
            }
            worksheet_write_number(ws, y, x++, json_number_value(json_object_get(row, "adjustment")), f.pts);
            worksheet_write_string(ws, y, x++, json_is_true(json_object_get(row, "provisional")) ? "暂定" : "正式",
                                   f.text);
        }
    }
    /* 扣分明细: every deduction with its reason, of every scope */
    ws = workbook_add_worksheet(wb, "扣分明细");
    {
        static const char *const names[] = {"类别", "对象", "部门", "指标", "扣分", "原因"};
        static const double widths[] = {8, 28, 28, 12, 9, 90};
        head_row(ws, &f, names, widths, 6);
        lxw_row_t y = 1;
        for (int sc = 0; sc < N_SCOPE; sc++) {
            size_t i, j;
            json_t *row, *ded;
            json_array_foreach(rows[sc], i, row) json_array_foreach(json_object_get(row, "deductions"), j, ded) {
                worksheet_write_string(ws, y, 0, SCOPE_LABELS[sc], f.text);
                worksheet_write_string(ws, y, 1, str_of(row, "name"), f.text);
                worksheet_write_string(ws, y, 2, str_of(row, "dept_name"), f.text);
                worksheet_write_string(ws, y, 3, str_of(ded, "name"), f.text);
                worksheet_write_number(ws, y, 4, json_number_value(json_object_get(ded, "points")), f.pts);
                worksheet_write_string(ws, y, 5, str_of(ded, "reason"), f.wrap);
                y++;
            }
        }
    }
    /* 人员 and 窗口: rank, who, department, score, each indicator's points */
    for (int sc = SC_STAFF; sc <= SC_WINDOW; sc++) {
        ws = workbook_add_worksheet(wb, sc == SC_STAFF ? "人员" : "窗口");
        int n = 0;
        const char **names = zt_arena_calloc(a, (6 + nd) * sizeof *names);
        double *widths = zt_arena_calloc(a, (6 + nd) * sizeof *widths);
        names[n] = "排名", widths[n++] = 6;
        names[n] = sc == SC_STAFF ? "姓名" : "窗口", widths[n++] = sc == SC_STAFF ? 24 : 36;
        names[n] = sc == SC_STAFF ? "账号" : "窗口编号", widths[n++] = 14;
        names[n] = "部门", widths[n++] = 28;
        names[n] = "得分", widths[n++] = 9;
        for (size_t i = 0; i < nd; i++) {
            json_t *d = json_array_get(defs, i);
            names[n] = zt_arena_printf(a, "%s得分", str_of(d, "name"));
            widths[n++] = 12;
        }
        head_row(ws, &f, names, widths, n);
        size_t i;
        json_t *row;
        json_array_foreach(rows[sc], i, row) {
            lxw_row_t y = (lxw_row_t)i + 1;
            worksheet_write_number(ws, y, 0, (double)json_integer_value(json_object_get(row, "rank")), f.count);
            worksheet_write_string(ws, y, 1, str_of(row, "name"), f.text);
            worksheet_write_string(ws, y, 2, str_of(row, "scope_id"), f.text);
            worksheet_write_string(ws, y, 3, str_of(row, "dept_name"), f.text);
            worksheet_write_number(ws, y, 4, json_number_value(json_object_get(row, "score")), f.pts);
            for (size_t k = 0; k < nd; k++) {
                json_t *ind = indicator_in(row, str_of(json_array_get(defs, k), "id"));
                write_value(ws, y, (lxw_col_t)(5 + k), json_object_get(ind, "points"), f.pts, f.text);
            }
        }
    }
    lxw_error err = workbook_close(wb);
    if (err != LXW_NO_ERROR) return zt_fail(e, ZT_EINTERNAL, NULL, "写入 Excel 文件失败：%s", lxw_strerror(err));
    return ZT_OK;
}

/* GET /api/supervision/scores/{month}.xlsx */
static zt_err h_xlsx(zt_req *r, zt_error *e) {
    zt_app *app = APP(r);
    const char *file = zt_req_param(r, "file");
    size_t len = strlen(file);
    if (len != 12 || strcmp(file + 7, ".xlsx") != 0) return zt_fail(e, ZT_ENOTFOUND, "month", "没有这个报表");
    month mo;
    zt_err rc = month_parse(app->cal, zt_arena_strndup(zt_req_arena(r), file, 7), "month", &mo, e);
    if (rc) return rc;
    zt_qb q;
    zt_qb_init(&q, zt_req_arena(r),
               "SELECT s.scope, s.detail, rank() OVER (PARTITION BY s.scope ORDER BY s.score DESC) FROM " ROW_FROM
               " WHERE s.month = ?");
    zt_qb_text(&q, mo.text);
    region_filter(r, &q);
    zt_qb_sql(&q, " ORDER BY s.scope, s.score DESC, s.scope_id");
    zt_db *db = zt_store_reader(app->store);
    zt_stmt *st = zt_qb_prepare(&q, db, e);
    if (!st) return ZT_EINTERNAL;
    json_t *rows[N_SCOPE] = {json_array(), json_array(), json_array()}, *defs = NULL;
    zt_err s;
    while ((s = zt_step(st, e)) == ZT_ROW) {
        int sc = index_of(SCOPES, zt_col_text(st, 0));
        json_t *d = json_loads(zt_col_text(st, 1), 0, NULL);
        if (sc < 0 || !json_is_object(d)) {
            json_decref(d);
            continue;
        }
        json_object_set_new(d, "rank", json_integer(zt_col_int(st, 2)));
        json_array_append_new(rows[sc], d);
    }
    zt_db_release(db);
    if (zt_step_failed(s)) rc = s;
    /* the indicators the month was computed with (a region may have no row) */
    st = rc ? NULL : zt_db_prepare(db, "SELECT detail FROM sv_scores WHERE month = ? LIMIT 1", e);
    if (st) {
        zt_bind_text(st, 1, mo.text);
        if ((s = zt_step(st, e)) == ZT_ROW) {
            json_t *d = json_loads(zt_col_text(st, 0), 0, NULL);
            defs = json_incref(json_object_get(d, "definitions"));
            json_decref(d);
        }
        zt_db_release(db);
        if (s == ZT_DONE) rc = zt_fail(e, ZT_ENOTFOUND, "month", "%s 的绩效考核尚未计算", mo.text);
        if (zt_step_failed(s)) rc = s;
    } else if (!rc) {
        rc = ZT_EINTERNAL;
    }
    char path[4200] = "";
    int fd = -1;
    if (!rc) {
        snprintf(path, sizeof path, "%s/scores-XXXXXX", app->cfg->data_dir);
        fd = mkstemp(path);
        if (fd < 0) {
            snprintf(path, sizeof path, "/tmp/zt-scores-XXXXXX");
            fd = mkstemp(path);
        }
        if (fd < 0) rc = zt_fail(e, ZT_EINTERNAL, NULL, "无法创建临时文件");
    }
    if (!rc) {
        close(fd);
        if (!json_is_array(defs)) {
            json_decref(defs);
            defs = json_array();
        }
        rc = xlsx_write(path, &mo, rows, defs, zt_req_arena(r), e);
    }
    char *data = NULL;
    size_t n = 0;
    if (!rc) data = zt_read_file(path, &n, e), rc = data ? ZT_OK : ZT_EINTERNAL;
    if (*path) unlink(path);
    for (int sc = 0; sc < N_SCOPE; sc++) json_decref(rows[sc]);
    json_decref(defs);
    if (rc) return rc;
    /* RFC 6266 / RFC 8187: an ASCII fallback and the UTF-8 name */
    const char *name = zt_arena_printf(zt_req_arena(r), "绩效考核-%s.xlsx", mo.text);
    char disp[512], *q2 = disp;
    q2 += snprintf(q2, 128, "attachment; filename=\"scores-%s.xlsx\"; filename*=UTF-8''", mo.text);
    for (const unsigned char *c = (const unsigned char *)name; *c && q2 < disp + sizeof disp - 4; c++) {
        if ((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') || strchr("-._~", *c))
            *q2++ = (char)*c;
        else
            q2 += snprintf(q2, 4, "%%%02X", *c);
    }
    *q2 = 0;
    zt_reply_data(r, 200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", data, n);
    zt_reply_header(r, "Content-Disposition", disp);
    free(data);
    return ZT_OK;
}

/* --- routes -------------------------------------------------------------------------------------- */

#define SV_READERS (ZT_R_SUPERVISOR | ZT_R_ADMIN | ZT_R_AUDITOR)
#define DEPT_STAFF (ZT_R_CLERK | ZT_R_DEPT_HEAD | ZT_R_LEGAL | ZT_R_TRADING | ZT_R_FINANCE | ZT_R_DATA)

static const zt_route ROUTES[] = {
    {"POST", "/api/supervision/scores/{month}/compute", h_compute, ZT_R_SUPERVISOR | ZT_R_ADMIN,
     "compute the month's performance assessment (绩效考核), replacing it; provisional before the month ends "
     "(city supervisors, administrators)"},
    {"GET", "/api/supervision/scores", h_list, SV_READERS,
     "the month's ranking with rank numbers (month, scope=department|staff|window, dept, page, per_page); "
     "supervisors: their region"},
    {"GET", "/api/supervision/scores/{file}", h_xlsx, SV_READERS,
     "the monthly report {YYYY-MM}.xlsx: 部门排名, 扣分明细, 人员, 窗口 (supervisors: their region)"},
    {"POST", "/api/supervision/scores/{month}/appeal", h_appeal, ZT_R_DEPT_HEAD,
     "appeal (申诉) the department's score {indicator, reason} within the appeal window"},
    {"POST", "/api/supervision/scores/{month}/appeal/decide", h_decide, ZT_R_SUPERVISOR | ZT_R_ADMIN,
     "answer a department's pending appeal {dept, accept, adjustment, reason, indicator?}"},
    {"GET", "/api/dept/scores", h_dept, DEPT_STAFF,
     "the department's own score and rank, its staff's and windows' scores (month)"},
};

const zt_route *zt_sv_score_routes(size_t *n) {
    *n = sizeof ROUTES / sizeof ROUTES[0];
    return ROUTES;
}
