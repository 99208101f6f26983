/* views.c - what the supervision office reads at a glance (docs/cards.md):
 * card counts by region, department, item, rule or level; the overview the
 * big screen (大屏) shows; the list of supervised subjects (监察对象: cases,
 * consultations, complaints, rating follow-ups) with their open cards.
 *
 * Supervisors see their region (and what lies below it); administrators and
 * auditors everything. Counts leave out retracted cards (the engine took them
 * back) and revoked ones (an appeal succeeded) unless state=all: neither
 * counts against a department. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/auth.h"
#include "base/calendar.h"
#include "base/clock.h"
#include "store/query.h"
#include "supervise/supervise.h"
#include "supervise/views.h"

static zt_app *APP(zt_req *r) { return zt_req_app(r); }

/* Cards still in the office's or the department's hands. */
#define OPEN_STATES  "('pending', 'issued', 'answered', 'escalated', 'appealed')"
#define VOID_STATES  "('retracted', 'revoked')"
#define LEVEL_COUNTS "count(*), sum(c.level = 'warning'), sum(c.level = 'yellow'), sum(c.level = 'red')"

static const char *const STATES[] = {"pending",   "issued",   "answered", "closed",
                                     "escalated", "appealed", "revoked",  "retracted"};
static const char *const LEVELS[] = {"warning", "yellow", "red"};

/* " AND substr(col, 1, n) = ?" for a supervisor's region; nothing for
 * administrators and auditors; no rows for a supervisor without one. */
static void scope_filter(zt_req *r, zt_qb *f, const char *col) {
    const zt_principal *p = zt_req_principal(r);
    if (p->role_bit & (ZT_R_ADMIN | ZT_R_AUDITOR)) return;
    if (!(p->region && *p->region)) {
        zt_qb_sql(f, " AND 1 = 0");
        return;
    }
    zt_qb_region(f, col, p->region);
}

/* ?region= (that region and below) on col. */
static void region_filter(zt_req *r, zt_qb *f, const char *col) {
    const char *region = zt_req_query(r, "region");
    if (!region || !*region) return;
    zt_qb_region(f, col, region);
}

/* ?from= and ?to= (days, both included) on the instant column col. */
static zt_err day_range(zt_req *r, zt_qb *f, const char *col, zt_error *e) {
    static const char *const names[] = {"from", "to"};
    for (int i = 0; i < 2; i++) {
        const char *v = zt_req_query(r, names[i]);
        zt_day d;
        if (!v || !*v) continue;
        if (zt_day_parse(v, &d))
            return zt_fail(e, ZT_EINVAL, names[i], "日期（%s）须为 YYYY-MM-DD 格式的真实日期", names[i]);
        zt_qb_sql(f, " AND ");
        zt_qb_sql(f, col);
        zt_qb_sql(f, i == 0 ? " >= ?" : " < ?");
        zt_qb_int(f, zt_day_start(i == 0 ? d : d + 1));
    }
    return ZT_OK;
}

/* Run a prepared builder; call row for each row. */
static zt_err each_row(zt_db *db, zt_qb *q, void (*row)(zt_stmt *, void *), void *ctx, zt_error *e) {
    zt_stmt *st = zt_qb_prepare(q, db, e);
    if (!st) return ZT_EINTERNAL;
    zt_err s;
    while ((s = zt_step(st, e)) == ZT_ROW) row(st, ctx);
    return zt_step_failed(s) ? s : ZT_OK;
}

/* {total, warning, yellow, red} from four columns starting at col. */
static json_t *level_counts(zt_stmt *st, int col) {
    return json_pack("{s:I,s:I,s:I,s:I}", "total", (json_int_t)zt_col_int(st, col), "warning",
                     (json_int_t)zt_col_int(st, col + 1), "yellow", (json_int_t)zt_col_int(st, col + 2), "red",
                     (json_int_t)zt_col_int(st, col + 3));
}

/* --- counts --- */

static const struct {
    const char *by, *key, *name, *from;
} BYS[] = {
    {"region", "c.region_code", "coalesce(rg.name, c.region_code)",
     "sv_cards c LEFT JOIN regions rg ON rg.code = c.region_code"},
    {"dept", "c.dept_code", "coalesce(d.name, c.dept_code)",
     "sv_cards c LEFT JOIN departments d ON d.code = c.dept_code"},
    {"item", "coalesce(s.topic, '')", "s.title", "sv_cards c JOIN sv_subjects s ON s.id = c.subject_id"},
    {"rule", "c.rule_id", "coalesce(ru.name, c.rule_id)", "sv_cards c LEFT JOIN sv_rules ru ON ru.id = c.rule_id"},
    {"level", "c.level", "c.level", "sv_cards c"},
};

typedef struct {
    json_t *items;
    int by_level;
} count_ctx;

static void count_row(zt_stmt *st, void *ctx) {
    count_ctx *c = ctx;
    json_t *o = level_counts(st, 2);
    json_object_set_new(o, "key", json_string(zt_col_text(st, 0)));
    json_object_set_new(o, "name",
                        json_string(c->by_level ? zt_sv_level_label(zt_col_text(st, 1)) : zt_col_text(st, 1)));
    json_array_append_new(c->items, o);
}

static void total_row(zt_stmt *st, void *ctx) { *(json_t **)ctx = level_counts(st, 0); }

/* The card filters of the counts: scope, ?state=open|all, from/to, region. */
static zt_err count_filters(zt_req *r, zt_qb *f, zt_error *e) {
    scope_filter(r, f, "c.region_code");
    const char *state = zt_req_query(r, "state");
    if (!state || !*state)
        zt_qb_sql(f, " AND c.state NOT IN " VOID_STATES);
    else if (strcmp(state, "open") == 0)
        zt_qb_sql(f, " AND c.state IN " OPEN_STATES);
    else if (strcmp(state, "all") != 0)
        return zt_fail(e, ZT_EINVAL, "state", "状态（state）须为 open 或 all（不填：除已撤回、已撤销外的全部）");
    region_filter(r, f, "c.region_code");
    return day_range(r, f, "c.created_at", e);
}

/* GET /api/supervision/counts?by=region|dept|item|rule|level */
static zt_err h_counts(zt_req *r, zt_error *e) {
    const char *by = zt_req_query(r, "by");
    size_t k = 0, nby = sizeof BYS / sizeof BYS[0];
    if (!by || !*by) by = "dept";
    while (k < nby && strcmp(BYS[k].by, by) != 0) k++;
    if (k == nby) return zt_fail(e, ZT_EINVAL, "by", "分组（by）须为 region、dept、item、rule 或 level");
    zt_arena *a = zt_req_arena(r);
    zt_qb f;
    zt_qb_init(&f, a, "1 = 1");
    zt_err rc = count_filters(r, &f, e);
    if (rc) return rc;
    zt_db *db = zt_store_reader(APP(r)->store);
    zt_qb q;
    zt_qb_wrap(
        &q, zt_arena_printf(a, "SELECT %s, %s, " LEVEL_COUNTS " FROM %s WHERE ", BYS[k].key, BYS[k].name, BYS[k].from),
        &f, zt_arena_printf(a, " GROUP BY %s, %s ORDER BY 3 DESC, 1", BYS[k].key, BYS[k].name));
    count_ctx c = {json_array(), strcmp(by, "level") == 0};
    json_t *total = NULL;
    rc = each_row(db, &q, count_row, &c, e);
    if (!rc) {
        zt_qb_wrap(&q, "SELECT " LEVEL_COUNTS " FROM sv_cards c WHERE ", &f, "");
        rc = each_row(db, &q, total_row, &total, e);
    }
    if (rc) {
        json_decref(c.items);
        json_decref(total);
        return rc;
    }
    zt_reply_json(r, 200, json_pack("{s:s,s:o,s:o}", "by", BYS[k].by, "items", c.items, "total", total));
    return ZT_OK;
}

/* --- the overview (大屏) --- */

static void subjects_row(zt_stmt *st, void *ctx) {
    json_t *o = ctx;
    json_object_set_new(o, "total", json_integer(zt_col_int(st, 0)));
    json_object_set_new(o, "open", json_integer(zt_col_int(st, 1)));
    json_object_set_new(o, "closed", json_integer(zt_col_int(st, 2)));
    json_object_set_new(o, "overdue", json_integer(zt_col_int(st, 3)));
}

static void subject_type_row(zt_stmt *st, void *ctx) {
    json_object_set_new(ctx, zt_col_text(st, 0),
                        json_pack("{s:I,s:I,s:I}", "total", (json_int_t)zt_col_int(st, 1), "open",
                                  (json_int_t)zt_col_int(st, 2), "overdue", (json_int_t)zt_col_int(st, 3)));
}

static void kv_row(zt_stmt *st, void *ctx) {
    json_t *o = ctx;
    json_object_set_new(o, zt_col_text(st, 0), json_integer(zt_col_int(st, 1)));
}

static void dept_row(zt_stmt *st, void *ctx) {
    json_t *o = level_counts(st, 2);
    json_object_set_new(o, "code", json_string(zt_col_text(st, 0)));
    json_object_set_new(o, "name", json_string(zt_col_text(st, 1)));
    json_array_append_new(ctx, o);
}

static void region_row(zt_stmt *st, void *ctx) {
    json_t *o = level_counts(st, 3);
    json_object_set_new(o, "code", json_string(zt_col_text(st, 0)));
    json_object_set_new(o, "name", json_string(zt_col_text(st, 1)));
    json_object_set_new(o, "level", zt_col_is_null(st, 2) ? json_null() : json_integer(zt_col_int(st, 2)));
    json_array_append_new(ctx, o);
}

/* GET /api/supervision/overview: supervised subjects (open, closed, overdue:
 * open past the promised or answer day), cards by level and by state, the
 * ten departments with most open cards, open cards per region. */
static zt_err h_overview(zt_req *r, zt_error *e) {
    zt_arena *a = zt_req_arena(r);
    zt_db *db = zt_store_reader(APP(r)->store);
    char *today = zt_arena_alloc(a, 11);
    zt_day_format(zt_today(), today);
    json_t *subjects = json_object(), *by_type = json_object(), *levels = json_object(), *open_levels = json_object(),
           *states = json_object(), *depts = json_array(), *regions = json_array();
    for (size_t i = 0; i < sizeof LEVELS / sizeof LEVELS[0]; i++) {
        json_object_set_new(levels, LEVELS[i], json_integer(0));
        json_object_set_new(open_levels, LEVELS[i], json_integer(0));
    }
    for (size_t i = 0; i < sizeof STATES / sizeof STATES[0]; i++)
        json_object_set_new(states, STATES[i], json_integer(0));

    /* each query: its own values first, then the scope's (scope_filter
     * appends SQL and values in order) */
    zt_qb q;
    zt_qb_init(&q, a,
               "SELECT count(*), coalesce(sum(s.closed_at IS NULL), 0), coalesce(sum(s.closed_at IS NOT NULL), 0),"
               " coalesce(sum(s.closed_at IS NULL AND s.due_day < ?), 0)"
               " FROM sv_subjects s WHERE 1 = 1");
    zt_qb_text(&q, today);
    scope_filter(r, &q, "s.region_code");
    zt_err rc = each_row(db, &q, subjects_row, subjects, e);
    if (!rc) {
        zt_qb_init(&q, a,
                   "SELECT s.subject_type, count(*), coalesce(sum(s.closed_at IS NULL), 0),"
                   " coalesce(sum(s.closed_at IS NULL AND s.due_day < ?), 0)"
                   " FROM sv_subjects s WHERE 1 = 1");
        zt_qb_text(&q, today);
        scope_filter(r, &q, "s.region_code");
        zt_qb_sql(&q, " GROUP BY s.subject_type ORDER BY s.subject_type");
        rc = each_row(db, &q, subject_type_row, by_type, e);
    }
    /* the cards: by level (all but void, then open), by state, the
     * departments and the regions with the most open ones */
    const struct {
        const char *sql, *tail;
        void (*row)(zt_stmt *st, void *ctx);
        json_t *into;
    } cards[] = {
        {"SELECT c.level, count(*) FROM sv_cards c WHERE c.state NOT IN " VOID_STATES, " GROUP BY c.level", kv_row,
         levels},
        {"SELECT c.level, count(*) FROM sv_cards c WHERE c.state IN " OPEN_STATES, " GROUP BY c.level", kv_row,
         open_levels},
        {"SELECT c.state, count(*) FROM sv_cards c WHERE 1 = 1", " GROUP BY c.state", kv_row, states},
        {"SELECT c.dept_code, coalesce(d.name, c.dept_code), " LEVEL_COUNTS
         " FROM sv_cards c LEFT JOIN departments d ON d.code = c.dept_code WHERE c.state IN " OPEN_STATES,
         " GROUP BY c.dept_code, d.name ORDER BY 3 DESC, 1 LIMIT 10", dept_row, depts},
        {"SELECT c.region_code, coalesce(rg.name, c.region_code), rg.level, " LEVEL_COUNTS
         " FROM sv_cards c LEFT JOIN regions rg ON rg.code = c.region_code WHERE c.state IN " OPEN_STATES,
         " GROUP BY c.region_code, rg.name, rg.level ORDER BY 1", region_row, regions},
    };
    for (size_t i = 0; i < sizeof cards / sizeof cards[0] && !rc; i++) {
        zt_qb_init(&q, a, cards[i].sql);
        scope_filter(r, &q, "c.region_code");
        zt_qb_sql(&q, cards[i].tail);
        rc = each_row(db, &q, cards[i].row, cards[i].into, e);
    }
    int64_t open = 0, total = 0;
    const char *k;
    json_t *v;
    json_object_foreach(open_levels, k, v) open += json_integer_value(v);
    json_object_foreach(levels, k, v) total += json_integer_value(v);
    json_t *out = json_pack("{s:o,s:s,s:o,s:{s:I,s:I,s:o,s:o,s:o},s:o,s:o}", "as_of", zt_json_time(zt_now()), "today",
                            today, "subjects", subjects, "cards", "total", (json_int_t)total, "open", (json_int_t)open,
                            "by_level", levels, "open_by_level", open_levels, "by_state", states, "top_departments",
                            depts, "regions", regions);
    if (rc) {
        json_decref(out);
        json_decref(by_type);
        return rc;
    }
    json_object_set_new(json_object_get(out, "subjects"), "by_type", by_type);
    zt_reply_json(r, 200, out);
    return ZT_OK;
}

/* --- supervised subjects --- */

static int instant_key(const char *k) {
    size_t n = strlen(k);
    return (n > 3 && !strcmp(k + n - 3, "_at")) || (n > 6 && !strcmp(k + n - 6, "_since"));
}

void zt_sv_subject_common(json_t *out, zt_stmt *st, int col) {
    json_object_set_new(out, "state", json_string(zt_col_text(st, col + 7)));
    json_object_set_new(out, "submitted_at", zt_col_json_time(st, col + 8));
    json_object_set_new(out, "due_day", zt_col_json_text(st, col + 9));
    json_object_set_new(out, "closed_at", zt_col_json_time(st, col + 10));
    json_object_set_new(out, "closed", json_boolean(!zt_col_is_null(st, col + 10)));
    json_object_set_new(out, "events", json_integer(zt_col_int(st, col + 11)));
    json_object_set_new(out, "last_event_at", zt_col_json_time(st, col + 12));
    json_object_set_new(out, "evaluated_at", zt_col_json_time(st, col + 13));
    json_object_set_new(out, "updated_at", zt_col_json_time(st, col + 14));
    json_object_set_new(out, "title", json_string(zt_col_text(st, col + 6)));
    json_t *detail = json_loads(zt_col_text(st, col + 15), 0, NULL);
    const char *k;
    json_t *v;
    json_object_foreach(detail, k, v) {
        if (instant_key(k) && json_is_integer(v))
            json_object_set_new(out, k, zt_json_time(json_integer_value(v)));
        else
            json_object_set(out, k, v);
    }
    json_decref(detail);
}

/* The source a view's ?source= names: "platform" (the default) or a
 * department system's "dept:{code}". */
static const char *source_param(zt_req *r) {
    const char *v = zt_req_query(r, "source");
    return v && *v ? v : NULL;
}

/* GET /api/supervision/cases/{number}?type=case&source=: one supervised
 * subject - its projection (common and its kind's), steps, timers and
 * cards. Numbers are their source's: the platform's subject first, unless
 * ?source= names another. */
static zt_err h_case(zt_req *r, zt_error *e) {
    const zt_principal *p = zt_req_principal(r);
    const char *type = zt_req_query(r, "type"), *source = source_param(r);
    if (!type || !*type) type = "case";
    zt_db *db = zt_store_reader(APP(r)->store);
    zt_stmt *st = zt_db_query(db, e,
                              source ? "SELECT " ZT_SV_SUBJECT_COLS " FROM sv_subjects s WHERE s.subject_type = ?"
                                       " AND s.subject = ? AND s.source = ?"
                                     : "SELECT " ZT_SV_SUBJECT_COLS " FROM sv_subjects s WHERE s.subject_type = ?"
                                       " AND s.subject = ? ORDER BY s.source = 'platform' DESC, s.id LIMIT 1",
                              ZT_T(type), ZT_T(zt_req_param(r, "number")));
    if (!st) return ZT_EINTERNAL;
    if (source) zt_bind_text(st, 3, source);
    zt_err rc = zt_step(st, e);
    if (zt_step_failed(rc)) return rc;
    if (rc == ZT_DONE) return zt_fail(e, ZT_ENOTFOUND, "number", "没有该监察对象");
    if ((p->role_bit & ZT_R_SUPERVISOR) && !zt_region_within(zt_col_text(st, 5), p->region))
        return zt_fail(e, ZT_ENOTFOUND, "number", "没有该监察对象");
    int64_t id = zt_col_int(st, 0);
    json_t *j = json_pack("{s:I,s:s,s:s,s:s,s:s,s:s}", "id", (json_int_t)id, "subject_type", zt_col_text(st, 1),
                          "subject", zt_col_text(st, 2), "source", zt_col_text(st, 3), "department", zt_col_text(st, 4),
                          "region", zt_col_text(st, 5));
    zt_sv_subject_common(j, st, 0);
    const char *stype = zt_arena_strdup(zt_req_arena(r), zt_col_text(st, 1));
    const char *subject = zt_arena_strdup(zt_req_arena(r), zt_col_text(st, 2));
    const char *src = zt_arena_strdup(zt_req_arena(r), zt_col_text(st, 3));
    zt_db_release(db);
    /* the steps, in event time order */
    json_t *steps = json_array();
    st = zt_db_query(db, e,
                     "SELECT event_id, type, occurred_at, received_at, source, body FROM sv_events"
                     " WHERE subject_type = ? AND subject = ? AND source = ? ORDER BY occurred_at, seq",
                     ZT_T(stype), ZT_T(subject), ZT_T(src));
    if (st) {
        while (zt_step(st, e) == ZT_ROW) {
            json_t *body = json_loads(zt_col_text(st, 5), 0, NULL), *step = json_object_get(body, "step");
            json_array_append_new(steps, json_pack("{s:s,s:s,s:o,s:o,s:s,s:O}", "id", zt_col_text(st, 0), "type",
                                                   zt_col_text(st, 1), "time", zt_col_json_time(st, 2), "received_at",
                                                   zt_col_json_time(st, 3), "source", zt_col_text(st, 4), "step",
                                                   step ? step : json_null()));
            json_decref(body);
        }
        zt_db_release(db);
    }
    json_object_set_new(j, "steps", steps);
    json_t *timers = json_array();
    st = zt_db_query(db, e, "SELECT rule_id, level, due_at FROM sv_timers WHERE subject_id = ? ORDER BY due_at",
                     ZT_I(id));
    if (st) {
        while (zt_step(st, e) == ZT_ROW)
            json_array_append_new(timers, json_pack("{s:s,s:s,s:o}", "rule", zt_col_text(st, 0), "level",
                                                    zt_col_text(st, 1), "due_at", zt_col_json_time(st, 2)));
        zt_db_release(db);
    }
    json_object_set_new(j, "timers", timers);
    json_t *cards = json_array();
    st = zt_db_query(db, e,
                     "SELECT id, number, rule_id, rule_version, level, category, title, state, signal_at, facts,"
                     " feedback_due, step FROM sv_cards WHERE subject_id = ? ORDER BY signal_at, id",
                     ZT_I(id));
    if (st) {
        while (zt_step(st, e) == ZT_ROW) {
            json_t *facts = json_loads(zt_col_text(st, 9), 0, NULL);
            json_array_append_new(cards,
                                  json_pack("{s:I,s:s,s:s,s:I,s:s,s:s,s:s,s:s,s:o,s:o,s:o,s:s}", "id",
                                            (json_int_t)zt_col_int(st, 0), "number", zt_col_text(st, 1), "rule",
                                            zt_col_text(st, 2), "rule_version", (json_int_t)zt_col_int(st, 3), "level",
                                            zt_col_text(st, 4), "category", zt_col_text(st, 5), "title",
                                            zt_col_text(st, 6), "state", zt_col_text(st, 7), "signal_at",
                                            zt_col_json_time(st, 8), "facts", facts ? facts : json_object(),
                                            "feedback_due", zt_col_json_text(st, 10), "step", zt_col_text(st, 11)));
        }
        zt_db_release(db);
    }
    json_object_set_new(j, "cards", cards);
    zt_reply_json(r, 200, j);
    return ZT_OK;
}

#define SUBJECT_LIST_COLS                                                                                              \
    ZT_SV_SUBJECT_COLS ", coalesce(d.name, s.dept_code), coalesce(rg.name, s.region_code),"                            \
                       " (SELECT count(*) FROM sv_cards c WHERE c.subject_id = s.id AND c.state IN " OPEN_STATES "),"  \
                       " (SELECT count(*) FROM sv_cards c WHERE c.subject_id = s.id AND c.state IN " OPEN_STATES       \
                       " AND c.level = 'warning'),"                                                                    \
                       " (SELECT count(*) FROM sv_cards c WHERE c.subject_id = s.id AND c.state IN " OPEN_STATES       \
                       " AND c.level = 'yellow'),"                                                                     \
                       " (SELECT count(*) FROM sv_cards c WHERE c.subject_id = s.id AND c.state IN " OPEN_STATES       \
                       " AND c.level = 'red')"
/* the joins fetch only display names */
#define SUBJECT_LIST_FROM                                                                                              \
    "sv_subjects s LEFT JOIN departments d ON d.code = s.dept_code LEFT JOIN regions rg ON rg.code = s.region_code"

typedef struct {
    json_t *items;
    const char *today;
} case_ctx;

static void case_row(zt_stmt *st, void *ctx) {
    case_ctx *c = ctx;
    const char *due = zt_col_text(st, 9);
    int closed = !zt_col_is_null(st, 10);
    json_t *o = json_pack("{s:I,s:s,s:s,s:s,s:{s:s,s:s},s:{s:s,s:s}}", "id", (json_int_t)zt_col_int(st, 0), "type",
                          zt_col_text(st, 1), "number", zt_col_text(st, 2), "source", zt_col_text(st, 3), "department",
                          "code", zt_col_text(st, 4), "name", zt_col_text(st, 17), "region", "code", zt_col_text(st, 5),
                          "name", zt_col_text(st, 18));
    zt_sv_subject_common(o, st, 0);
    json_object_set_new(o, "overdue", json_boolean(!closed && due && *due && strcmp(due, c->today) < 0));
    json_object_set_new(o, "open_cards", level_counts(st, 19));
    json_array_append_new(c->items, o);
}

/* GET /api/supervision/cases: supervised subjects with their open cards
 * (subject_type, dept, region, state, source, open=1, overdue=1, q, page). */
static zt_err h_cases(zt_req *r, zt_error *e) {
    zt_arena *a = zt_req_arena(r);
    char *today = zt_arena_alloc(a, 11);
    zt_day_format(zt_today(), today);
    zt_qb f;
    zt_qb_init(&f, a, "1 = 1");
    scope_filter(r, &f, "s.region_code");
    static const struct {
        const char *param, *sql;
    } eq[] = {{"subject_type", " AND s.subject_type = ?"},
              {"dept", " AND s.dept_code = ?"},
              {"state", " AND s.state = ?"},
              {"source", " AND s.source = ?"}};
    for (size_t i = 0; i < sizeof eq / sizeof eq[0]; i++) {
        const char *v = zt_req_query(r, eq[i].param);
        if (!v || !*v) continue;
        zt_qb_sql(&f, eq[i].sql);
        zt_qb_text(&f, v);
    }
    region_filter(r, &f, "s.region_code");
    const char *open = zt_req_query(r, "open"), *over = zt_req_query(r, "overdue"), *q = zt_req_query(r, "q");
    if (open && strcmp(open, "1") == 0) zt_qb_sql(&f, " AND s.closed_at IS NULL");
    if (over && strcmp(over, "1") == 0) {
        zt_qb_sql(&f, " AND s.closed_at IS NULL AND s.due_day < ?");
        zt_qb_text(&f, today);
    }
    if (q && *q) zt_qb_search(&f, q, (const char *const[]){"s.subject", "s.title", NULL});
    int64_t limit, offset, total;
    zt_err rc = zt_req_page(r, &limit, &offset, e);
    if (rc) return rc;
    case_ctx c = {json_array(), today};
    rc = zt_qb_list(zt_store_reader(APP(r)->store), &f, SUBJECT_LIST_COLS, SUBJECT_LIST_FROM,
                    "ORDER BY coalesce(s.opened_at, s.updated_at) DESC, s.id DESC", limit, offset, case_row, &c, &total,
                    e);
    if (rc) {
        json_decref(c.items);
        return rc;
    }
    zt_reply_json(r, 200, zt_page_json(c.items, total, limit, offset));
    return ZT_OK;
}

#define READERS (ZT_R_SUPERVISOR | ZT_R_ADMIN | ZT_R_AUDITOR)
static const zt_route routes[] = {
    {"GET", "/api/supervision/counts", h_counts, READERS,
     "card counts per region, dept, item, rule or level, with warning/yellow/red (by, from, to, state=open|all, "
     "region)"},
    {"GET", "/api/supervision/overview", h_overview, READERS,
     "the big screen's figures: subjects, cards by level and state, top 10 departments, regions"},
    {"GET", "/api/supervision/cases", h_cases, READERS,
     "supervised subjects with their open cards (subject_type, dept, region, state, source, open, overdue, q, page)"},
    {"GET", "/api/supervision/cases/{number}", h_case, READERS,
     "a supervised subject (?type=case|consultation|complaint|rating ..., ?source=): projection, steps, timers, cards"},
};

const zt_route *zt_sv_view_routes(size_t *n) {
    *n = sizeof routes / sizeof routes[0];
    return routes;
}
