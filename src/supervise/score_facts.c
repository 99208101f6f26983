/* score_facts.c - a month's facts for the performance assessment (绩效考核;
 * score.h, docs/scores.md), tallied per department, staff member and
 * window.
 *
 * The core knows cards and subjects, never a domain: it counts the yellow
 * and red cards whose signal falls in the month (unless revoked, retracted
 * or still waiting for confirmation) and assesses every department with a
 * subject opened or closed in it. Each kind adds its own facts through
 * kind.h's score API (a case's lateness, a complaint, a rating's level)
 * and says who handled a case (zt_sv_kind.attribute), so that a fact naming
 * a case counts for the staff member who accepted it and for the window.
 * A card counts for the case its subject is about (zt_sv_kind.case_of). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/log.h"
#include "auth/auth.h"
#include "org/org.h"
#include "supervise/score.h"

typedef struct {
    int scope;
    const char *id, *dept, *region;
    zt_sc_tally t[ZT_SC_MAX_IND]; /* by indicator */
} entity;

struct zt_sv_score {
    zt_db *db;
    const zt_calendar *cal;
    zt_arena *a;
    const zt_sc_month *mo;
    const zt_sc_set *set;
    int64_t now;
    entity **v;
    size_t n, cap;
    json_t *index;     /* "scope/id" -> position in v */
    json_t *acceptors; /* case number -> [staff, staff's department, window] or null */
};

/* --- kind.h's score API ------------------------------------------------------------------------ */

zt_db *zt_sv_score_db(zt_sv_score *c) { return c->db; }
int64_t zt_sv_score_now(const zt_sv_score *c) { return c->now; }
const zt_calendar *zt_sv_score_cal(const zt_sv_score *c) { return c->cal; }
zt_arena *zt_sv_score_arena(zt_sv_score *c) { return c->a; }

static int indicator_of(const zt_sv_score *c, const char *source) {
    for (int i = 0; i < c->set->n; i++)
        if (!strcmp(c->set->v[i].source->name, source)) return i;
    return -1;
}

double zt_sv_score_param(const zt_sv_score *c, const char *source, double def) {
    int i = indicator_of(c, source);
    return i >= 0 && c->set->v[i].source->param ? c->set->v[i].param : def;
}

static entity *entity_get(zt_sv_score *c, int scope, const char *id, const char *dept, const char *region) {
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

void zt_sv_score_present(zt_sv_score *c, const char *scope, const char *id, const char *dept, const char *region) {
    if (!strcmp(scope, "staff"))
        entity_get(c, ZT_SC_STAFF, id, dept, region);
    else if (!strcmp(scope, "window"))
        entity_get(c, ZT_SC_WINDOW, id, dept, region);
}

/* Who handled case `number`, as the first kind that can say tells; cached
 * per month (NULL: nobody known). */
static json_t *acceptor(zt_sv_score *c, const char *number) {
    json_t *known = json_object_get(c->acceptors, number);
    if (known) return json_is_array(known) ? known : NULL;
    json_t *v = NULL;
    const zt_sv_kind *k;
    for (size_t i = 0; !v && (k = zt_sv_kind_at(i)); i++) {
        const char *staff = NULL, *staff_dept = NULL, *window = NULL;
        if (k->attribute && k->attribute(c, number, &staff, &staff_dept, &window) && staff)
            v = json_pack("[s,s,s?]", staff, staff_dept ? staff_dept : "", window);
    }
    json_object_set_new(c->acceptors, number, v ? v : json_null());
    return v;
}

static void ref_add(json_t **refs, const char *number) {
    if (!*refs) *refs = json_array();
    if (json_array_size(*refs) < ZT_SC_MAX_REFS) json_array_append_new(*refs, json_string(number));
}

static void tally_add(zt_sc_tally *t, const zt_sv_fact *f) {
    t->den++;
    t->num += f->hit != 0;
    t->sum += f->value;
    if (f->ref) ref_add(&t->refs, f->ref);
    if (f->unfixed) {
        t->unfixed++;
        if (f->unfixed_ref) ref_add(&t->unfixed_refs, f->unfixed_ref);
    }
    t->fix_open += f->open != 0;
}

void zt_sv_score_add(zt_sv_score *c, const zt_sv_fact *f) {
    int i = indicator_of(c, f->source);
    if (i < 0) return; /* no indicator counts it */
    entity *x = entity_get(c, ZT_SC_DEPT, f->dept, f->dept, f->region);
    if (x) tally_add(&x->t[i], f);
    json_t *who = f->attribute ? acceptor(c, f->attribute) : NULL;
    if (!who) return;
    const char *staff_dept = json_string_value(json_array_get(who, 1));
    entity *s =
        entity_get(c, ZT_SC_STAFF, json_string_value(json_array_get(who, 0)), *staff_dept ? staff_dept : f->dept, "");
    entity *w = entity_get(c, ZT_SC_WINDOW, json_string_value(json_array_get(who, 2)), f->dept, f->region);
    if (s) tally_add(&s->t[i], f);
    if (w) tally_add(&w->t[i], f);
}

/* --- reading subjects and events ------------------------------------------------------------------- */

zt_err zt_sv_score_subjects(zt_sv_score *c, const char *type, int by_closed,
                            void (*fn)(zt_sv_score *c, const zt_sv_row *row, void *ctx), void *ctx, zt_error *e) {
    zt_stmt *st = zt_db_query(c->db, e,
                              by_closed ? "SELECT subject, source, dept_code, region_code, state, title, due_day,"
                                          " opened_at, closed_at, detail FROM sv_subjects WHERE subject_type = ?"
                                          " AND closed_at >= ? AND closed_at < ? ORDER BY closed_at, subject, source"
                                        : "SELECT subject, source, dept_code, region_code, state, title, due_day,"
                                          " opened_at, closed_at, detail FROM sv_subjects WHERE subject_type = ?"
                                          " AND opened_at >= ? AND opened_at < ? ORDER BY opened_at, subject, source",
                              ZT_T(type), ZT_I(c->mo->from), ZT_I(c->mo->to));
    if (!st) return ZT_EINTERNAL;
    /* fn may read the database (who accepted a case): collect first */
    json_t *rows = json_array();
    zt_err rc;
    while ((rc = zt_step(st, e)) == ZT_ROW) {
        json_t *detail = json_loads(zt_col_is_null(st, 9) ? "{}" : zt_col_text(st, 9), 0, NULL);
        json_array_append_new(
            rows, json_pack("[s,s,s,s,s,s?,s?,I,I,o]", zt_col_text(st, 0), zt_col_text(st, 1), zt_col_text(st, 2),
                            zt_col_text(st, 3), zt_col_text(st, 4), zt_col_is_null(st, 5) ? NULL : zt_col_text(st, 5),
                            zt_col_is_null(st, 6) ? NULL : zt_col_text(st, 6), (json_int_t)zt_col_int(st, 7),
                            (json_int_t)(zt_col_is_null(st, 8) ? 0 : zt_col_int(st, 8)),
                            json_is_object(detail) ? detail : json_object()));
        if (!json_is_object(detail)) json_decref(detail);
    }
    zt_db_release(c->db);
    size_t i;
    json_t *r;
    if (rc == ZT_DONE) json_array_foreach(rows, i, r) {
            if (!json_is_array(r)) continue; /* a row that was not UTF-8 */
            zt_sv_row row = {.number = json_string_value(json_array_get(r, 0)),
                             .source = json_string_value(json_array_get(r, 1)),
                             .dept = json_string_value(json_array_get(r, 2)),
                             .region = json_string_value(json_array_get(r, 3)),
                             .state = json_string_value(json_array_get(r, 4)),
                             .title = json_string_value(json_array_get(r, 5)),
                             .due_day = json_string_value(json_array_get(r, 6)),
                             .opened_at = json_integer_value(json_array_get(r, 7)),
                             .closed_at = json_integer_value(json_array_get(r, 8)),
                             .detail = json_array_get(r, 9)};
            fn(c, &row, ctx);
        }
    json_decref(rows);
    return rc == ZT_DONE ? ZT_OK : rc;
}

typedef struct {
    zt_sv_score *c;
    void (*fn)(zt_sv_score *c, const zt_sv_event *ev, const char *number, void *ctx);
    void *ctx;
} events_arg;

static void month_event(const zt_sv_event *ev, const char *number, void *ctx) {
    events_arg *a = ctx;
    a->fn(a->c, ev, number, a->ctx);
}

zt_err zt_sv_score_events(zt_sv_score *c, const char *type, const char *event_type,
                          void (*fn)(zt_sv_score *c, const zt_sv_event *ev, const char *number, void *ctx), void *ctx,
                          zt_error *e) {
    events_arg a = {c, fn, ctx};
    return zt_sv_events_in(c->db, type, event_type, c->mo->from, c->mo->to, month_event, &a, e);
}

/* --- the core's facts -------------------------------------------------------------------------------- */

/* Yellow and red cards whose signal falls in the month, unless revoked,
 * retracted or still waiting for confirmation; attributed to the case
 * their subject is about. */
static zt_err card_facts(zt_sv_score *c, zt_error *e) {
    zt_stmt *st = zt_db_query(
        c->db, e,
        "SELECT c.number, c.level, c.dept_code, c.region_code, s.subject_type, s.subject FROM sv_cards c"
        " JOIN sv_subjects s ON s.id = c.subject_id WHERE c.level IN ('yellow', 'red') AND c.signal_at >= ?"
        " AND c.signal_at < ? AND c.state NOT IN ('pending', 'revoked', 'retracted') ORDER BY c.signal_at, c.number",
        ZT_I(c->mo->from), ZT_I(c->mo->to));
    if (!st) return ZT_EINTERNAL;
    json_t *rows = json_array();
    zt_err rc;
    while ((rc = zt_step(st, e)) == ZT_ROW)
        json_array_append_new(rows,
                              json_pack("[s,s,s,s,s,s]", zt_col_text(st, 0), zt_col_text(st, 1), zt_col_text(st, 2),
                                        zt_col_text(st, 3), zt_col_text(st, 4), zt_col_text(st, 5)));
    zt_db_release(c->db);
    size_t i;
    json_t *row;
    if (rc == ZT_DONE) json_array_foreach(rows, i, row) {
            if (!json_is_array(row)) continue;
            const zt_sv_kind *k = zt_sv_kind_get(json_string_value(json_array_get(row, 4)));
            zt_sv_fact f = {
                .source = strcmp(json_string_value(json_array_get(row, 1)), "red") ? "card_yellow" : "card_red",
                .dept = json_string_value(json_array_get(row, 2)),
                .region = json_string_value(json_array_get(row, 3)),
                .attribute = k && k->case_of ? k->case_of(c, json_string_value(json_array_get(row, 5))) : NULL,
                .ref = json_string_value(json_array_get(row, 0))};
            zt_sv_score_add(c, &f);
        }
    json_decref(rows);
    return rc == ZT_DONE ? ZT_OK : rc;
}

/* Every department with a subject opened or closed in the month is
 * assessed, facts or none. */
static zt_err departments_at_work(zt_sv_score *c, zt_error *e) {
    zt_stmt *st = zt_db_query(c->db, e,
                              "SELECT DISTINCT dept_code, region_code FROM sv_subjects WHERE (opened_at >= ?1"
                              " AND opened_at < ?2) OR (closed_at >= ?1 AND closed_at < ?2)",
                              ZT_I(c->mo->from), ZT_I(c->mo->to));
    if (!st) return ZT_EINTERNAL;
    zt_err rc;
    while ((rc = zt_step(st, e)) == ZT_ROW)
        entity_get(c, ZT_SC_DEPT, zt_col_text(st, 0), zt_col_text(st, 0), zt_col_text(st, 1));
    zt_db_release(c->db);
    return rc == ZT_DONE ? ZT_OK : rc;
}

/* --- the rows ------------------------------------------------------------------------------------------ */

/* Names: a department's from the directory, a staff member's from the
 * accounts (a department system's actor may have none), a window's from the
 * halls when the event named a window id. */
static void names_of(zt_sv_score *c, entity *x, const char **name, const char **dept_name) {
    zt_error ne;
    *name = x->id;
    *dept_name = x->dept;
    zt_dept d;
    if (zt_dept_by_code(c->db, x->dept, &d, &ne) == ZT_OK) {
        *dept_name = zt_arena_strdup(c->a, d.name);
        if (x->scope == ZT_SC_DEPT || !*x->region) x->region = zt_arena_strdup(c->a, d.region_code);
    }
    if (x->scope == ZT_SC_DEPT)
        *name = *dept_name;
    else if (x->scope == ZT_SC_STAFF)
        *name = zt_user_name_by_login(c->db, c->a, x->id, x->id);
    else if (strspn(x->id, "0123456789") == strlen(x->id) && strlen(x->id) < 12)
        *name = zt_window_label(c->db, c->a, strtoll(x->id, NULL, 10), x->id);
}

static int by_scope_id(const void *pa, const void *pb) {
    const entity *a = *(entity *const *)pa, *b = *(entity *const *)pb;
    if (a->scope != b->scope) return a->scope - b->scope;
    return strcmp(a->id, b->id);
}

static void score_free(zt_sv_score *c) {
    for (size_t i = 0; i < c->n; i++)
        for (int k = 0; k < ZT_SC_MAX_IND; k++) {
            json_decref(c->v[i]->t[k].refs);
            json_decref(c->v[i]->t[k].unfixed_refs);
        }
    free(c->v);
    json_decref(c->index);
    json_decref(c->acceptors);
}

zt_err zt_sc_compute(zt_db *db, const zt_calendar *cal, zt_arena *a, const zt_sc_month *mo, const zt_sc_set *set,
                     int64_t now, json_t *rows, zt_error *e) {
    zt_sv_score c = {.db = db,
                     .cal = cal,
                     .a = a,
                     .mo = mo,
                     .set = set,
                     .now = now,
                     .index = json_object(),
                     .acceptors = json_object()};
    zt_err rc = card_facts(&c, e);
    const zt_sv_kind *k;
    for (size_t i = 0; !rc && (k = zt_sv_kind_at(i)); i++)
        if (k->facts) rc = k->facts(&c, e);
    if (!rc) rc = departments_at_work(&c, e);
    if (rc) {
        score_free(&c);
        return rc;
    }
    if (c.n) qsort(c.v, c.n, sizeof *c.v, by_scope_id);
    char computed_at[32];
    zt_time_format(now, computed_at);
    json_t *defs = zt_sc_definitions(set);
    for (size_t i = 0; i < c.n; i++) {
        entity *x = c.v[i];
        const char *name, *dept_name;
        names_of(&c, x, &name, &dept_name);
        json_t *inds = json_array(), *deds = json_array();
        double sum = 0;
        for (int j = 0; j < set->n; j++) sum += zt_sc_points(a, &set->v[j], &x->t[j], inds, deds);
        sum = zt_sc_clamp(sum);
        json_t *detail =
            json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:b,s:s,s:s,s:f,s:f,s:f,s:o,s:o,s:O,s:[]}", "month", mo->text,
                      "scope", zt_sc_scopes[x->scope], "scope_id", x->id, "name", name, "dept_code", x->dept,
                      "dept_name", dept_name, "region", x->region, "provisional", now < mo->to, "computed_at",
                      computed_at, "appeal_until", mo->appeal, "computed", sum, "adjustment", 0.0, "score", sum,
                      "indicators", inds, "deductions", deds, "definitions", defs, "appeals");
        json_array_append_new(rows, detail);
    }
    zt_db_release(db);
    json_decref(defs);
    score_free(&c);
    return ZT_OK;
}
