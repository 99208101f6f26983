/* engine.c - the core of supervision: kinds, rules, the projection of each
 * subject, and the reconciliation of cards and timers (docs/supervision.md).
 *
 * Re-evaluation is the one mechanism: once per write that brought a
 * subject events (at the write's end, zt_db_defer), or when a timer of it
 * is due, its events are folded again in event time order - the common
 * projection here, the rest by its kind (kind.h) - and every rule of its
 * type computes the moment of its signal with the kind's evaluator. A
 * signal whose moment has come (and that a closed subject reached before
 * closing) must have its card; a card whose signal the picture no longer
 * gives is retracted; a moment still ahead becomes a timer. Subjects have
 * a handful of events, so folding them again is cheap, and it makes late,
 * duplicate and out-of-order reports harmless; evaluating once per write
 * means a card that one write would raise and retract is never raised.
 *
 * The core includes no domain and no kind: kinds register themselves
 * (src/routes.c) and are found by their subject type. */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/auth.h"
#include "base/arena.h"
#include "base/calendar.h"
#include "base/clock.h"
#include "base/json.h"
#include "base/log.h"
#include "flow/registry.h"
#include "ledger/record.h"
#include "store/query.h"
#include "supervise/cards.h"
#include "supervise/kind.h"
#include "supervise/supervise.h"

static zt_app *APP;

static const zt_principal SYSTEM = {.role_bit = ZT_R_SYSTEM, .role = "system", .login = "system", .name = "监察系统"};

const zt_principal *zt_sv_system(void) { return &SYSTEM; }

const zt_calendar *zt_sv_calendar(void) { return APP->cal; }

/* --- kinds -------------------------------------------------------------- */

#define MAX_KINDS 32
static const zt_sv_kind *kinds[MAX_KINDS];
static size_t nkinds;

void zt_sv_kind_register(const zt_sv_kind *k) {
    if (zt_sv_kind_get(k->name)) {
        zt_error_log("supervision: kind %s registered twice", k->name);
        abort();
    }
    if (nkinds == MAX_KINDS) {
        zt_error_log("supervision: more than %d kinds", MAX_KINDS);
        abort();
    }
    kinds[nkinds++] = k;
}

const zt_sv_kind *zt_sv_kind_get(const char *name) {
    for (size_t i = 0; name && i < nkinds; i++)
        if (!strcmp(kinds[i]->name, name)) return kinds[i];
    return NULL;
}

const zt_sv_kind *zt_sv_kind_at(size_t i) { return i < nkinds ? kinds[i] : NULL; }

int zt_sv_supervises(const char *subject_type) { return zt_sv_kind_get(subject_type) != NULL; }

/* --- rules ----------------------------------------------------------- */

typedef struct {
    char id[64], category[16], kind[32], name[128], subject_type[16], level[8], region_scope[16];
    int version, enabled, priority, confirm;
    json_t *params;
    zt_sv_eval_fn fn; /* the kind's evaluator named by kind; NULL: the rule is inert (logged at load) */
} rule;

static rule *rules;
static size_t nrules;
static pthread_rwlock_t rules_lock = PTHREAD_RWLOCK_INITIALIZER;

/* The evaluator of a subject type named `name`, or NULL. */
static zt_sv_eval_fn evaluator(const char *subject_type, const char *name) {
    const zt_sv_kind *k = zt_sv_kind_get(subject_type);
    for (const zt_sv_evaluator *v = k ? k->evaluators : NULL; v && v->name; v++)
        if (!strcmp(v->name, name)) return v->fn;
    return NULL;
}

int64_t zt_sv_param(const zt_sv_rule *r, const char *key, int64_t def) {
    json_t *v = json_object_get(r->params, key);
    return json_is_integer(v) ? json_integer_value(v) : def;
}

zt_err zt_sv_rules_reload(zt_db *db, zt_error *e) {
    zt_stmt *st = zt_db_prepare(db,
                                "SELECT id, version, category, kind, name, subject_type, enabled, priority,"
                                " region_scope, confirm, params FROM sv_rules ORDER BY priority, id",
                                e);
    if (!st) return ZT_EINTERNAL;
    rule *list = NULL;
    size_t n = 0, cap = 0;
    zt_err rc;
    while ((rc = zt_step(st, e)) == ZT_ROW) {
        if (n == cap) {
            cap = cap ? cap * 2 : 32;
            list = zt_realloc(list, cap * sizeof *list);
        }
        rule *r = &list[n++];
        memset(r, 0, sizeof *r);
        snprintf(r->id, sizeof r->id, "%s", zt_col_text(st, 0));
        r->version = (int)zt_col_int(st, 1);
        snprintf(r->category, sizeof r->category, "%s", zt_col_text(st, 2));
        snprintf(r->kind, sizeof r->kind, "%s", zt_col_text(st, 3));
        snprintf(r->name, sizeof r->name, "%s", zt_col_text(st, 4));
        snprintf(r->subject_type, sizeof r->subject_type, "%s", zt_col_text(st, 5));
        r->enabled = (int)zt_col_int(st, 6);
        r->priority = (int)zt_col_int(st, 7);
        snprintf(r->region_scope, sizeof r->region_scope, "%s", zt_col_text(st, 8));
        r->confirm = (int)zt_col_int(st, 9);
        json_t *p = json_loads(zt_col_text(st, 10), 0, NULL);
        r->params = p ? p : json_object();
        json_t *lv = json_object_get(r->params, "level");
        snprintf(r->level, sizeof r->level, "%s", json_is_string(lv) ? json_string_value(lv) : "yellow");
        r->fn = evaluator(r->subject_type, r->kind);
        if (!r->fn && zt_sv_kind_get(r->subject_type))
            zt_warn("supervision: rule %s names no evaluator of kind %s (%s): it raises nothing", r->id,
                    r->subject_type, r->kind);
    }
    zt_db_release(db);
    if (zt_step_failed(rc)) {
        for (size_t i = 0; i < n; i++) json_decref(list[i].params);
        free(list);
        return rc;
    }
    pthread_rwlock_wrlock(&rules_lock);
    for (size_t i = 0; i < nrules; i++) json_decref(rules[i].params);
    free(rules);
    rules = list;
    nrules = n;
    pthread_rwlock_unlock(&rules_lock);
    return ZT_OK;
}

/* Seed sv_rules from the kinds' rules files: a rule not yet stored is added
 * as version 1 (the level is kept in params); stored rules are the city's. */
typedef struct {
    json_t *list;
    const char *path, *type;
    int added;
} seed_arg;

static zt_err seed_rules(zt_db *db, void *arg, zt_error *e) {
    seed_arg *a = arg;
    size_t i;
    json_t *r;
    json_array_foreach(a->list, i, r) {
        const char *id = json_string_value(json_object_get(r, "id"));
        const char *cat = json_string_value(json_object_get(r, "category"));
        const char *kind = json_string_value(json_object_get(r, "kind"));
        const char *name = json_string_value(json_object_get(r, "name"));
        const char *stype = json_string_value(json_object_get(r, "subject_type"));
        const char *level = json_string_value(json_object_get(r, "level"));
        if (!id || !cat || !kind || !name || !stype || !level)
            return zt_fail(e, ZT_EINVAL, "rules", "%s: rules[%zu] 缺少 id、category、kind、name、subject_type 或 level",
                           a->path, i);
        if (strcmp(stype, a->type))
            return zt_fail(e, ZT_EINVAL, "rules", "%s: rules[%zu].subject_type 须是 %s", a->path, i, a->type);
        if (!evaluator(stype, kind))
            return zt_fail(e, ZT_EINVAL, "rules", "%s: rules[%zu].kind「%s」不是监察对象 %s 的规则种类", a->path, i,
                           kind, stype);
        if (strcmp(level, "warning") && strcmp(level, "yellow") && strcmp(level, "red"))
            return zt_fail(e, ZT_EINVAL, "rules", "%s: rules[%zu].level 须是 warning、yellow 或 red", a->path, i);
        json_t *params = json_deep_copy(json_object_get(r, "params"));
        if (!json_is_object(params)) {
            json_decref(params);
            params = json_object();
        }
        json_object_set_new(params, "level", json_string(level));
        char *ptext = json_dumps(params, JSON_COMPACT | JSON_SORT_KEYS);
        json_decref(params);
        json_t *en = json_object_get(r, "enabled"), *cf = json_object_get(r, "confirm");
        json_t *pr = json_object_get(r, "priority"), *sc = json_object_get(r, "region_scope");
        zt_err rc = zt_db_run(db, e,
                              "INSERT INTO sv_rules (id, version, category, kind, name, subject_type, enabled,"
                              " priority, region_scope, confirm, params, updated_at)"
                              " VALUES (?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING",
                              ZT_T(id), ZT_T(cat), ZT_T(kind), ZT_T(name), ZT_T(stype), ZT_I(en ? json_is_true(en) : 1),
                              ZT_I(json_is_integer(pr) ? json_integer_value(pr) : 100),
                              ZT_T(json_is_string(sc) ? json_string_value(sc) : ""), ZT_I(json_is_true(cf)),
                              ZT_T(ptext), ZT_I(zt_now()));
        free(ptext);
        if (rc) return rc;
        if (!zt_db_changes(db)) continue;
        a->added++;
        json_t *body = json_deep_copy(r);
        json_object_set_new(body, "version", json_integer(1));
        char *btext = json_dumps(body, JSON_COMPACT | JSON_SORT_KEYS);
        json_decref(body);
        rc = zt_db_run(db, e,
                       "INSERT INTO sv_rule_versions (rule_id, version, body, changed_by, changed_at)"
                       " VALUES (?, 1, ?, ?, ?)",
                       ZT_T(id), ZT_T(btext), ZT_T(a->path), ZT_I(zt_now()));
        free(btext);
        if (rc) return rc;
    }
    return ZT_OK;
}

/* A kind's rules file: relative to the data directory, or absolute. */
static zt_err seed_kind(zt_app *app, const zt_sv_kind *k, zt_error *e) {
    if (!k->rules) return ZT_OK;
    char path[4096];
    if (k->rules[0] == '/')
        snprintf(path, sizeof path, "%s", k->rules);
    else
        snprintf(path, sizeof path, "%s/%s", app->cfg->source_dir, k->rules);
    json_error_t je;
    json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
    if (!root) return zt_fail(e, ZT_EINVAL, "rules", "%s: 第 %d 行：%s", path, je.line, je.text);
    seed_arg a = {json_object_get(root, "rules"), path, k->name, 0};
    json_t *format = json_object_get(root, "format");
    zt_err rc = !json_is_string(format) || strcmp(json_string_value(format), "zhengtong.rules/1")
                    ? zt_fail(e, ZT_EINVAL, "rules", "%s: format 须是 zhengtong.rules/1", path)
                : !json_is_array(a.list) ? zt_fail(e, ZT_EINVAL, "rules", "%s: 缺少 rules 数组", path)
                                         : zt_store_write(app->store, seed_rules, &a, e);
    json_decref(root);
    if (!rc && a.added) zt_info("supervision: %d rule(s) of %s added from %s", a.added, k->name, path);
    return rc;
}

zt_err zt_sv_start(zt_app *app, zt_error *e) {
    APP = app;
    for (size_t i = 0; i < nkinds; i++) {
        zt_err rc = seed_kind(app, kinds[i], e);
        if (rc) return rc;
    }
    return zt_sv_rules_reload(zt_store_reader(app->store), e);
}

/* --- helpers for evaluators ----------------------------------------------- */

const char *zt_sv_str(json_t *o, const char *key) {
    json_t *v = json_object_get(o, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

int zt_sv_reached(const zt_sv_subject *s, int64_t m, int64_t now) {
    return m <= now && (!s->closed_at || s->closed_at >= m);
}

void zt_sv_at_moment(const zt_sv_subject *s, int64_t m, int64_t now, zt_sv_signal *sig) {
    sig->at = m;
    if (zt_sv_reached(s, m, now))
        sig->fires = 1;
    else if (!s->closed_at && m > now)
        sig->timer = 1;
}

void zt_sv_fact_day(json_t *facts, const char *key, zt_day d) {
    char t[11];
    zt_day_format(d, t);
    json_object_set_new(facts, key, json_string(t));
}

void zt_sv_fact_time(json_t *facts, const char *key, int64_t t) {
    char ts[32];
    zt_time_format(t, ts);
    json_object_set_new(facts, key, json_string(ts));
}

void zt_sv_at_event(const zt_sv_subject *s, size_t i, zt_sv_signal *sig, json_t *facts, const char *step) {
    sig->fires = 1;
    sig->at = s->evs[i].at;
    sig->facts = facts;
    json_object_set_new(sig->facts, "event", json_string(s->evs[i].id));
    zt_sv_fact_time(sig->facts, "event_time", s->evs[i].at);
    sig->step = step;
}

/* --- events ------------------------------------------------------------------ */

/* Parsed events by arrival seq. Every evaluation folds all the subject's
 * events again, and parsing their bodies was half of an evaluation's cost
 * (profile in docs/performance.md): a subject's events usually come in
 * together, so each body would be parsed once per later event. A slot is
 * used only when its text is byte for byte the row's (a seq can be reused
 * after a rollback), so a hit is exactly what json_loads would return; the
 * engine only reads events. Evaluations run on the writer thread; the lock
 * is uncontended. At most PARSED_SLOTS events are kept. */
#define PARSED_SLOTS 1024

typedef struct {
    int64_t seq;
    char *text;
    size_t len;
    json_t *ev;
} parsed_slot;

static parsed_slot parsed[PARSED_SLOTS];
static pthread_mutex_t parsed_lock = PTHREAD_MUTEX_INITIALIZER;

/* The event of row seq with body text, parsed (a new reference), or NULL. */
static json_t *parse_event(int64_t seq, const char *text) {
    size_t len = strlen(text);
    pthread_mutex_lock(&parsed_lock);
    parsed_slot *slot = &parsed[(uint64_t)seq % PARSED_SLOTS];
    json_t *ev;
    if (slot->ev && slot->seq == seq && slot->len == len && !memcmp(slot->text, text, len)) {
        ev = json_incref(slot->ev);
    } else if ((ev = json_loadb(text, len, 0, NULL))) {
        free(slot->text);
        json_decref(slot->ev);
        slot->seq = seq;
        slot->text = zt_malloc(len);
        memcpy(slot->text, text, len);
        slot->len = len;
        slot->ev = json_incref(ev);
    }
    pthread_mutex_unlock(&parsed_lock);
    return ev;
}

/* The shortcuts of an event for the kind whose info member is info. */
static zt_sv_event event_of(int64_t at, const char *id, json_t *ev, const char *info) {
    json_t *step = json_object_get(ev, "step");
    return (zt_sv_event){.at = at,
                         .id = id,
                         .ev = ev,
                         .info = json_object_get(ev, info),
                         .step = step,
                         .fields = json_object_get(step, "fields"),
                         .type = zt_sv_str(ev, "type"),
                         .action = zt_sv_str(step, "action"),
                         .result = zt_sv_str(step, "result"),
                         .to = zt_sv_str(step, "to")};
}

/* Read the rows of st (seq, occurred_at, event_id, body, subject) first -
 * fn may read the database, which resets the connection's statements -
 * then hand each parsed event to fn in order. */
static zt_err walk_events(zt_db *db, zt_stmt *st, const char *type,
                          void (*fn)(const zt_sv_event *ev, const char *number, void *ctx), void *ctx, zt_error *e) {
    const zt_sv_kind *k = zt_sv_kind_get(type);
    json_t *all = json_array();
    zt_err rc;
    while ((rc = zt_step(st, e)) == ZT_ROW) {
        json_t *ev = parse_event(zt_col_int(st, 0), zt_col_text(st, 3));
        if (ev)
            json_array_append_new(
                all, json_pack("[I,s,o,s]", (json_int_t)zt_col_int(st, 1), zt_col_text(st, 2), ev, zt_col_text(st, 4)));
    }
    zt_db_release(db);
    size_t i;
    json_t *row;
    if (rc == ZT_DONE) json_array_foreach(all, i, row) {
            zt_sv_event ev =
                event_of(json_integer_value(json_array_get(row, 0)), json_string_value(json_array_get(row, 1)),
                         json_array_get(row, 2), k ? k->info : type);
            fn(&ev, json_string_value(json_array_get(row, 3)), ctx);
        }
    json_decref(all);
    return rc == ZT_DONE ? ZT_OK : rc;
}

typedef struct {
    void (*fn)(const zt_sv_event *ev, void *ctx);
    void *ctx;
} one_subject;

static void one_subject_event(const zt_sv_event *ev, const char *number, void *ctx) {
    one_subject *o = ctx;
    o->fn(ev, o->ctx);
}

zt_err zt_sv_subject_events(zt_db *db, const char *type, const char *number,
                            void (*fn)(const zt_sv_event *ev, void *ctx), void *ctx, zt_error *e) {
    zt_stmt *st = zt_db_query(db, e,
                              "SELECT seq, occurred_at, event_id, body, subject FROM sv_events WHERE subject_type = ?"
                              " AND subject = ? ORDER BY occurred_at, seq",
                              ZT_T(type), ZT_T(number));
    if (!st) return ZT_EINTERNAL;
    one_subject o = {fn, ctx};
    return walk_events(db, st, type, one_subject_event, &o, e);
}

zt_err zt_sv_events_in(zt_db *db, const char *type, const char *event_type, int64_t from, int64_t to,
                       void (*fn)(const zt_sv_event *ev, const char *number, void *ctx), void *ctx, zt_error *e) {
    zt_stmt *st =
        zt_db_prepare(db,
                      "SELECT seq, occurred_at, event_id, body, subject FROM sv_events WHERE subject_type = ?1"
                      " AND (?4 IS NULL OR type = ?4) AND occurred_at >= ?2 AND occurred_at < ?3"
                      " ORDER BY occurred_at, seq",
                      e);
    if (!st) return ZT_EINTERNAL;
    zt_bind_text(st, 1, type);
    zt_bind_int(st, 2, from);
    zt_bind_int(st, 3, to);
    if (event_type) zt_bind_text(st, 4, event_type);
    return walk_events(db, st, type, fn, ctx, e);
}

/* --- the digest of a subject's events ---------------------------------------
 *
 * A tick re-evaluates subjects whose events did not change since their last
 * evaluation, and parsing those events' bodies again was the largest single
 * cost of a tick subject (docs/performance.md, issue #7 profile). So an
 * evaluation that leaves timers behind stores, in sv_subjects.digest, the
 * events it folded: for each event (in event time order) its time, its id
 * and only the members the core and the subject's kind read (kind.h:
 * info_keys, field_keys, top_keys), with their values as sent. The next
 * evaluation uses the digest instead of the bodies when it counted as many
 * events as the subject has now (events are only ever added, and every
 * added event re-evaluates its subject in the same write, which rewrites
 * the digest); otherwise it reads the bodies. A subject without timers
 * keeps '{}' (only ticks profit).
 *
 *   {"v":2,"n":rows,"events":[[at,"id",{pruned event}], ...]}
 *
 * n counts every row, also one whose body failed to parse (and is skipped,
 * as when reading the bodies). */
#define DIGEST_PREFIX "{\"v\":2,\"n\":" /* then n: read before the whole digest is parsed */

static const char *const EV_KEYS[] = {"type", "department", "region", NULL};
static const char *const STEP_KEYS[] = {"to", "result", "action", NULL};

/* Copy the members keys of from (if it is an object) into a new object;
 * keys NULL: the whole object. */
static json_t *pick(json_t *from, const char *const *keys) {
    if (!keys) return json_is_object(from) ? json_deep_copy(from) : json_object();
    json_t *o = json_object();
    for (int k = 0; keys[k]; k++) {
        json_t *v = json_object_get(from, keys[k]);
        if (v) json_object_set_new(o, keys[k], json_deep_copy(v));
    }
    return o;
}

/* The members of ev the core and kind k read. */
static json_t *prune(json_t *ev, const zt_sv_kind *k) {
    json_t *o = pick(ev, EV_KEYS), *v;
    if (json_is_object(v = json_object_get(ev, k->info))) json_object_set_new(o, k->info, pick(v, k->info_keys));
    if (json_is_object(v = json_object_get(ev, "step"))) {
        json_t *step = pick(v, STEP_KEYS), *f = json_object_get(v, "fields");
        if (json_is_object(f)) json_object_set_new(step, "fields", pick(f, k->field_keys));
        json_object_set_new(o, "step", step);
    }
    if (k->top_keys) {
        for (int i = 0; k->top_keys[i]; i++)
            if ((v = json_object_get(ev, k->top_keys[i]))) json_object_set_new(o, k->top_keys[i], json_deep_copy(v));
    } else {
        const char *key;
        json_object_foreach(ev, key, v) if (!json_object_get(o, key)) json_object_set_new(o, key, json_deep_copy(v));
    }
    return o;
}

static char *digest_dump(const zt_sv_subject *s, const zt_sv_kind *k, size_t rows) {
    json_t *list = json_array();
    for (size_t i = 0; i < s->nevs; i++)
        json_array_append_new(list,
                              json_pack("[I,s,o]", (json_int_t)s->evs[i].at, s->evs[i].id, prune(s->evs[i].ev, k)));
    json_t *d = json_pack("{s:i,s:I,s:o}", "v", 2, "n", (json_int_t)rows, "events", list);
    char *text = json_dumps(d, JSON_COMPACT);
    json_decref(d);
    return text;
}

/* The events of the digest text if it counts rows events: *root (a new
 * reference) owns them. 0, or -1 if not usable. */
static int digest_load(const char *text, size_t len, int64_t rows, json_t **root) {
    json_t *d = json_loadb(text, len, 0, NULL);
    json_t *list = json_object_get(d, "events"), *n = json_object_get(d, "n"), *item;
    size_t i;
    int ok = json_is_integer(n) && json_integer_value(n) == rows && json_is_array(list);
    json_array_foreach(list, i, item) if (ok) {
        ok = json_is_integer(json_array_get(item, 0)) && json_is_string(json_array_get(item, 1)) &&
             json_is_object(json_array_get(item, 2));
    }
    if (!ok) {
        json_decref(d);
        return -1;
    }
    *root = d;
    return 0;
}

/* --- the common projection --------------------------------------------------- */

/* Is the step a finishing one? The definition an event names (info.flow,
 * flow_version) says so; otherwise the step's result does. */
static int terminal_step(const zt_sv_event *ev, const char **flow, int64_t *flow_version) {
    const char *f = zt_sv_str(ev->info, "flow");
    json_t *v = json_object_get(ev->info, "flow_version");
    if (f) *flow = f;
    if (json_is_integer(v)) *flow_version = json_integer_value(v);
    if (*flow && ev->to) {
        const zt_flow *def = zt_flows_get(*flow, (int)*flow_version);
        zt_flow_state_info si;
        if (def && zt_flow_state(def, ev->to, &si) == 0) return si.terminal;
    }
    const char *res = ev->result;
    return res &&
           (!strcmp(res, "complete") || !strcmp(res, "refuse") || !strcmp(res, "withdraw") || !strcmp(res, "void"));
}

static void fold(zt_sv_subject *s, const zt_sv_kind *k) {
    const char *flow = NULL;
    int64_t flow_version = 0;
    for (size_t i = 0; i < s->nevs; i++) {
        const zt_sv_event *ev = &s->evs[i];
        const char *dept =
            zt_sv_str(ev->ev, "department") ? zt_sv_str(ev->ev, "department") : zt_sv_str(ev->info, "department");
        const char *region = zt_sv_str(ev->ev, "region") ? zt_sv_str(ev->ev, "region") : zt_sv_str(ev->info, "region");
        if (dept && *dept) s->dept = dept;
        if (region && *region) s->region = region;
        if (ev->to && *ev->to && (!s->state || strcmp(s->state, ev->to))) {
            s->state = ev->to;
            s->state_since = ev->at;
        }
        if (!s->opened_at) s->opened_at = ev->at;
        if (!s->closed_at && terminal_step(ev, &flow, &flow_version)) s->closed_at = ev->at;
        if (k->fold) k->fold(s, ev);
    }
    if (k->finish) k->finish(s);
    ZT_ASSERTF(!s->closed_at || !s->opened_at || s->closed_at >= s->opened_at, "%s/%s closed before it opened", s->type,
               s->number);
}

/* --- evaluation ------------------------------------------------------------ */

/* A timer the subject had before this evaluation. */
typedef struct {
    char rule[64], level[8];
    int64_t due;
    int keep; /* the new picture has it too */
} old_timer;

typedef struct {
    int64_t id;
    char rule[64], level[8], state[16];
} card_ref;

static int in_scope(const rule *r, const zt_sv_subject *s) {
    return !r->region_scope[0] || (s->region && zt_region_within(s->region, r->region_scope));
}

static void bind_opt_text(zt_stmt *st, int k, const char *v) {
    if (v)
        zt_bind_text(st, k, v);
    else
        zt_bind_null(st, k);
}

/* Load the subject's events: from its digest when it still counts them,
 * else from the bodies. Fills s->evs (in a) and *all (owns the events). */
static zt_err load_events(zt_db *db, zt_sv_subject *s, const zt_sv_kind *k, zt_arena *a, const char *digest,
                          json_t **all, size_t *rows, int *from_digest, zt_error *e) {
    zt_stmt *st =
        zt_db_prepare(db, "SELECT count(*) FROM sv_events WHERE subject_type = ? AND subject = ? AND source = ?", e);
    if (!st) return ZT_EINTERNAL;
    zt_bind_text(st, 1, s->type);
    zt_bind_text(st, 2, s->number);
    zt_bind_text(st, 3, s->source);
    zt_err rc = zt_step(st, e);
    int64_t count = rc == ZT_ROW ? zt_col_int(st, 0) : 0;
    zt_db_release(db);
    if (rc != ZT_ROW) return zt_step_failed(rc) ? rc : ZT_EINTERNAL;
    *rows = (size_t)count;
    *from_digest = 0;
    /* a new event (every ingest) is seen in the count, without parsing the digest */
    if (digest && !strncmp(digest, DIGEST_PREFIX, strlen(DIGEST_PREFIX)) &&
        strtoll(digest + strlen(DIGEST_PREFIX), NULL, 10) == count &&
        digest_load(digest, strlen(digest), count, all) == 0) {
        json_t *list = json_object_get(*all, "events"), *item;
        size_t i;
        s->nevs = json_array_size(list);
        zt_sv_event *evs = zt_arena_alloc(a, (s->nevs ? s->nevs : 1) * sizeof *evs);
        json_array_foreach(list, i, item) evs[i] =
            event_of(json_integer_value(json_array_get(item, 0)), json_string_value(json_array_get(item, 1)),
                     json_array_get(item, 2), k->info);
        s->evs = evs;
        *from_digest = 1;
        return ZT_OK;
    }
    /* the events, in event time order (arrival order within a second) */
    *all = json_array();
    st = zt_db_query(db, e,
                     "SELECT body, occurred_at, event_id, seq FROM sv_events WHERE subject_type = ? AND"
                     " subject = ? AND source = ? ORDER BY occurred_at, seq",
                     ZT_T(s->type), ZT_T(s->number), ZT_T(s->source));
    if (!st) return ZT_EINTERNAL;
    size_t cap = 0, n = 0;
    zt_sv_event *evs = NULL;
    while ((rc = zt_step(st, e)) == ZT_ROW) {
        json_t *ev = parse_event(zt_col_int(st, 3), zt_col_text(st, 0));
        if (!ev) continue;
        json_array_append_new(*all, ev);
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            zt_sv_event *grown = zt_arena_alloc(a, cap * sizeof *grown);
            if (n) memcpy(grown, evs, n * sizeof *grown);
            evs = grown;
        }
        evs[n++] = event_of(zt_col_int(st, 1), zt_arena_strdup(a, zt_col_text(st, 2)), ev, k->info);
    }
    zt_db_release(db);
    s->evs = evs;
    s->nevs = n;
    return rc == ZT_DONE ? ZT_OK : rc;
}

/* The cards and timers the subject has. */
static zt_err load_refs(zt_db *db, int64_t subject_id, card_ref *refs, size_t *nrefs, size_t cap, old_timer **olds,
                        size_t *nold, zt_arena *a, zt_error *e) {
    zt_stmt *st =
        zt_db_query(db, e, "SELECT id, rule_id, level, state FROM sv_cards WHERE subject_id = ?", ZT_I(subject_id));
    if (!st) return ZT_EINTERNAL;
    zt_err rc;
    *nrefs = 0;
    while ((rc = zt_step(st, e)) == ZT_ROW && *nrefs < cap) {
        card_ref *c = &refs[(*nrefs)++];
        c->id = zt_col_int(st, 0);
        snprintf(c->rule, sizeof c->rule, "%s", zt_col_text(st, 1));
        snprintf(c->level, sizeof c->level, "%s", zt_col_text(st, 2));
        snprintf(c->state, sizeof c->state, "%s", zt_col_text(st, 3));
    }
    zt_db_release(db);
    if (zt_step_failed(rc)) return rc;
    /* only the timers the new picture changes are written (a tick's subject
     * keeps all but the one that came due) */
    st = zt_db_query(db, e, "SELECT rule_id, level, due_at FROM sv_timers WHERE subject_id = ?", ZT_I(subject_id));
    if (!st) return ZT_EINTERNAL;
    size_t ocap = 0;
    *nold = 0;
    while ((rc = zt_step(st, e)) == ZT_ROW) {
        if (*nold == ocap) {
            ocap = ocap ? ocap * 2 : 8;
            old_timer *grown = zt_arena_alloc(a, ocap * sizeof *grown);
            if (*nold) memcpy(grown, *olds, *nold * sizeof *grown);
            *olds = grown;
        }
        old_timer *o = &(*olds)[(*nold)++];
        snprintf(o->rule, sizeof o->rule, "%s", zt_col_text(st, 0));
        snprintf(o->level, sizeof o->level, "%s", zt_col_text(st, 1));
        o->due = zt_col_int(st, 2);
        o->keep = 0;
    }
    zt_db_release(db);
    return rc == ZT_DONE ? ZT_OK : rc;
}

static zt_err write_timer(zt_db *db, int64_t subject_id, const rule *r, int64_t at, zt_error *e) {
    /* rule ids are unique: the only row this can meet is the old one */
    return zt_db_run(db, e,
                     "INSERT INTO sv_timers (subject_id, rule_id, level, due_at) VALUES (?, ?, ?, ?)"
                     " ON CONFLICT DO UPDATE SET due_at = excluded.due_at",
                     ZT_I(subject_id), ZT_T(r->id), ZT_T(r->level), ZT_I(at));
}

static zt_err drop_timer(zt_db *db, int64_t subject_id, const old_timer *o, zt_error *e) {
    return zt_db_run(db, e, "DELETE FROM sv_timers WHERE subject_id = ? AND rule_id = ? AND level = ?",
                     ZT_I(subject_id), ZT_T(o->rule), ZT_T(o->level));
}

/* The card a signal calls for. */
static zt_err raise(zt_db *db, const rule *r, const zt_sv_subject *s, int64_t subject_id, const zt_sv_signal *sig,
                    const card_ref *ref, zt_error *e) {
    json_t *facts = json_deep_copy(sig->facts);
    json_object_set_new(facts, "rule_name", json_string(r->name));
    char *ftext = json_dumps(facts, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(facts);
    char title[512];
    int titled = s->title && *s->title;
    snprintf(title, sizeof title, "%s：%s%s%s%s", r->name, s->number, titled ? "（" : "", titled ? s->title : "",
             titled ? "）" : "");
    zt_sv_card_spec spec = {.subject_id = subject_id,
                            .subject_type = s->type,
                            .subject = s->number,
                            .rule_id = r->id,
                            .rule_name = r->name,
                            .category = r->category,
                            .level = r->level,
                            .rule_version = r->version,
                            .confirm = r->confirm,
                            .params = r->params,
                            .title = title,
                            .facts = ftext,
                            .dept = s->dept ? s->dept : "",
                            .region = s->region ? s->region : "",
                            .step = sig->step ? sig->step : "",
                            .signal_at = sig->at};
    zt_err rc = zt_sv_card_raise(db, &spec, ref ? ref->id : 0, e);
    free(ftext);
    return rc;
}

/* What the projection of a subject is now, for the view and the lists. */
static zt_err write_projection(zt_db *db, int64_t subject_id, const zt_sv_subject *s, const zt_sv_kind *k, int64_t now,
                               const char *digest, zt_error *e) {
    zt_stmt *st = zt_db_prepare(db,
                                "UPDATE sv_subjects SET dept_code = ?, region_code = ?, title = ?, state = ?,"
                                " opened_at = ?, due_day = ?, closed_at = ?, events = ?, last_event_at = ?,"
                                " detail = ?, digest = ?, evaluated_at = ?, updated_at = ?, topic = ? WHERE id = ?",
                                e);
    if (!st) return ZT_EINTERNAL;
    json_t *detail = k->detail ? k->detail(s) : json_object();
    char *dtext = json_dumps(detail, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(detail);
    char due[11];
    zt_day_format(s->due, due);
    zt_bind_text(st, 1, s->dept ? s->dept : "");
    zt_bind_text(st, 2, s->region ? s->region : "");
    zt_bind_text(st, 3, s->title ? s->title : "");
    zt_bind_text(st, 4, s->state ? s->state : "");
    if (s->opened_at)
        zt_bind_int(st, 5, s->opened_at);
    else
        zt_bind_null(st, 5);
    bind_opt_text(st, 6, s->has_due ? due : NULL);
    if (s->closed_at)
        zt_bind_int(st, 7, s->closed_at);
    else
        zt_bind_null(st, 7);
    zt_bind_int(st, 8, (int64_t)s->nevs);
    if (s->nevs)
        zt_bind_int(st, 9, s->evs[s->nevs - 1].at);
    else
        zt_bind_null(st, 9);
    zt_bind_text(st, 10, dtext ? dtext : "{}");
    zt_bind_text(st, 11, digest);
    zt_bind_int(st, 12, now);
    zt_bind_int(st, 13, zt_now());
    bind_opt_text(st, 14, s->topic);
    zt_bind_int(st, 15, subject_id);
    free(dtext);
    return zt_step_done(st, e);
}

/* A re-evaluation asked for from outside the subject (a new calendar, a
 * changed rule: the timer '*') that moved its due day says so in the
 * ledger: the deadline a department works to changed under it. */
static zt_err note_redated(zt_db *db, const zt_sv_subject *s, const old_timer *olds, size_t nold, const char *old_due,
                           zt_error *e) {
    int asked = 0;
    for (size_t t = 0; t < nold; t++)
        if (!strcmp(olds[t].rule, "*")) asked = 1;
    char due[11] = "";
    if (s->has_due) zt_day_format(s->due, due);
    if (!asked || !*old_due || !strcmp(old_due, due)) return ZT_OK;
    /* department and region: whose deadline it is, and who may read it (region scope) */
    json_t *detail =
        json_pack("{s:s,s:s,s:s,s:s,s:s*,s:s*}", "source", s->source, "from", old_due, "to", due, "reason",
                  "工作日历或监察规则变更后重新评估，截止日期随之改变", "department", s->dept, "region", s->region);
    zt_err rc = zt_record(db, &SYSTEM, "supervision.redated", s->type, s->number, 0, detail, e);
    json_decref(detail);
    return rc;
}

zt_err zt_sv_evaluate(zt_db *db, int64_t subject_id, int64_t now, zt_error *e) {
    zt_stmt *st = zt_db_query(
        db, e, "SELECT subject_type, subject, source, digest, coalesce(due_day, '') FROM sv_subjects WHERE id = ?",
        ZT_I(subject_id));
    if (!st) return ZT_EINTERNAL;
    zt_err rc = zt_step(st, e);
    if (rc != ZT_ROW) {
        zt_db_release(db);
        return zt_step_failed(rc) ? rc : zt_fail(e, ZT_ENOTFOUND, "subject", "监察对象不存在");
    }
    zt_arena a;
    zt_arena_init(&a);
    zt_sv_subject s = {.cal = APP->cal, .db = db, .arena = &a, .now = now};
    s.type = zt_arena_strdup(&a, zt_col_text(st, 0));
    s.number = zt_arena_strdup(&a, zt_col_text(st, 1));
    s.source = zt_arena_strdup(&a, zt_col_text(st, 2));
    const char *digest = zt_arena_strdup(&a, zt_col_text(st, 3));
    const char *old_due = zt_arena_strdup(&a, zt_col_text(st, 4));
    zt_db_release(db);
    const zt_sv_kind *k = zt_sv_kind_get(s.type);
    json_t *all = NULL;
    old_timer *olds = NULL;
    size_t rows = 0, nrefs = 0, nold = 0, ntimers = 0;
    int from_digest = 0;
    card_ref refs[64];
    char *dumped = NULL;
    if (!k) { /* a kind no longer registered: its subjects stand still */
        rc = ZT_OK;
        goto out;
    }
    s.k = zt_arena_calloc(&a, k->state_size ? k->state_size : 1);
    if ((rc = load_events(db, &s, k, &a, digest, &all, &rows, &from_digest, e))) goto out;
    fold(&s, k);
    if ((rc = load_refs(db, subject_id, refs, &nrefs, sizeof refs / sizeof refs[0], &olds, &nold, &a, e))) goto out;

    pthread_rwlock_rdlock(&rules_lock);
    for (size_t i = 0; i < nrules && !rc; i++) {
        const rule *r = &rules[i];
        if (!r->enabled || !r->fn || strcmp(r->subject_type, s.type) || !in_scope(r, &s)) continue;
        zt_sv_rule rr = {r->id, r->name, r->category, r->kind, r->level, r->version, r->params};
        zt_sv_signal sig = {0};
        r->fn(&rr, &s, now, &sig);
        /* an evaluator's answer is one of: fires (at a moment), a timer
         * (ahead, on an open subject), or nothing */
        ZT_ASSERTF(!(sig.fires && sig.timer), "%s: rule %s both fires and waits on %s", s.type, r->id, s.number);
        ZT_ASSERTF(!sig.timer || (!s.closed_at && sig.at > now), "%s: rule %s waits for the past on %s", s.type, r->id,
                   s.number);
        if (!sig.fires && sig.facts) {
            json_decref(sig.facts);
            sig.facts = NULL;
        }
        const card_ref *ref = NULL;
        for (size_t c = 0; c < nrefs; c++)
            if (!strcmp(refs[c].rule, r->id) && !strcmp(refs[c].level, r->level)) ref = &refs[c];
        if (sig.fires && (!ref || !strcmp(ref->state, "retracted"))) {
            if (!sig.facts) sig.facts = json_object();
            rc = raise(db, r, &s, subject_id, &sig, ref, e);
        } else if (!sig.fires && ref && zt_sv_card_live(ref->state)) {
            /* a late or corrected report (or a new calendar) changed the picture */
            rc = zt_sv_card_retract(db, ref->id, e);
        }
        old_timer *o = NULL;
        for (size_t t = 0; sig.timer && t < nold; t++)
            if (!strcmp(olds[t].rule, r->id) && !strcmp(olds[t].level, r->level)) o = &olds[t];
        if (o) o->keep = 1;
        if (sig.timer) ntimers++;
        if (!rc && sig.timer && (!o || o->due != sig.at)) rc = write_timer(db, subject_id, r, sig.at, e);
        json_decref(sig.facts);
    }
    pthread_rwlock_unlock(&rules_lock);
    for (size_t t = 0; t < nold && !rc; t++)
        if (!olds[t].keep) rc = drop_timer(db, subject_id, &olds[t], e);
    if (!rc) rc = note_redated(db, &s, olds, nold, old_due, e);
    if (rc) goto out;
    /* the digest, for the tick that will come (none needed without timers) */
    if (ntimers && !from_digest) dumped = digest_dump(&s, k, rows);
    rc = write_projection(db, subject_id, &s, k, now, ntimers ? (from_digest ? digest : dumped) : "{}", e);
out:
    free(dumped);
    json_decref(all);
    zt_arena_free(&a);
    return rc;
}

/* --- intake ------------------------------------------------------------------ */

/* The subjects a write brought events to, evaluated once at its end: a
 * batch of a department's reports that closes a case on time raises no
 * card on the way (issue #8). Writer thread only. */
typedef struct {
    int64_t *ids;
    size_t n, cap;
} dirty_set;

static dirty_set dirty;

static zt_err flush(zt_db *db, void *arg, int keep, zt_error *e) {
    dirty_set *d = arg;
    zt_err rc = ZT_OK;
    for (size_t i = 0; keep && i < d->n && !rc; i++) {
        zt_error ee = {0};
        rc = zt_sv_evaluate(db, d->ids[i], zt_now(), &ee);
        if (rc == ZT_ENOTFOUND) rc = ZT_OK; /* its events were undone with the savepoint that brought them */
        /* a constraint the engine's own rows break is the engine's fault,
         * not the reporter's: not a conflict to tell a department about */
        if (rc == ZT_ECONFLICT) rc = ZT_EINTERNAL, ee.code = ZT_EINTERNAL;
        if (rc) *e = ee;
    }
    d->n = 0;
    return rc;
}

static void mark_dirty(zt_db *db, int64_t id) {
    for (size_t i = 0; i < dirty.n; i++)
        if (dirty.ids[i] == id) return;
    if (dirty.n == dirty.cap) {
        dirty.cap = dirty.cap ? dirty.cap * 2 : 64;
        dirty.ids = zt_realloc(dirty.ids, dirty.cap * sizeof *dirty.ids);
    }
    dirty.ids[dirty.n++] = id;
    zt_db_defer(db, flush, &dirty);
}

zt_err zt_sv_ingest(zt_db *db, const zt_principal *actor, json_t *ev, int64_t owner_user_id, int *dup, zt_error *e) {
    if (dup) *dup = 0;
    const char *id = zt_sv_str(ev, "id"), *source = zt_sv_str(ev, "source"), *type = zt_sv_str(ev, "type");
    const char *stype = zt_sv_str(ev, "subject_type"), *subject = zt_sv_str(ev, "subject"),
               *time = zt_sv_str(ev, "time");
    int64_t at;
    if (!id || !source || !type || !stype || !subject || !time || zt_time_parse(time, &at))
        return zt_fail(e, ZT_EINVAL, "event", "事件缺少 id、source、type、subject_type、subject 或 time");
    const zt_sv_kind *k = zt_sv_kind_get(stype);
    if (!k) return zt_fail(e, ZT_EINVAL, "subject_type", "监察对象类型 %s 未登记", stype);
    json_t *info = json_object_get(ev, k->info);
    const char *dept = zt_sv_str(ev, "department") && *zt_sv_str(ev, "department") ? zt_sv_str(ev, "department")
                                                                                   : zt_sv_str(info, "department");
    const char *region =
        zt_sv_str(ev, "region") && *zt_sv_str(ev, "region") ? zt_sv_str(ev, "region") : zt_sv_str(info, "region");
    if (!dept || !region) return zt_fail(e, ZT_EINVAL, "department", "事件缺少部门（department）或区划（region）");
    char *text = json_dumps(ev, JSON_COMPACT);
    /* an id is its source's: a duplicate is judged within the source */
    zt_stmt *st = zt_db_prepare(db,
                                "INSERT INTO sv_events (event_id, source, subject_type, subject, type, occurred_at,"
                                " received_at, dept_code, region_code, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                                " ON CONFLICT (source, event_id) DO NOTHING",
                                e);
    zt_err rc = ZT_EINTERNAL;
    if (st) {
        zt_bind_text(st, 1, id);
        zt_bind_text(st, 2, source);
        zt_bind_text(st, 3, stype);
        zt_bind_text(st, 4, subject);
        zt_bind_text(st, 5, type);
        zt_bind_int(st, 6, at);
        zt_bind_int(st, 7, zt_now());
        zt_bind_text(st, 8, dept);
        zt_bind_text(st, 9, region);
        zt_bind_text(st, 10, text);
        rc = zt_step_done(st, e);
    }
    free(text);
    if (rc) return rc;
    if (zt_db_changes(db) == 0) {
        /* the platform numbers its own events: one it has already stored
         * is a bug, never something to drop silently (issue #18 F1) */
        if (!strcmp(source, "platform")) return zt_fail(e, ZT_EINTERNAL, "id", "平台事件编号 %s 重复：事件未记录", id);
        if (dup) *dup = 1;
        return ZT_OK;
    }
    if ((rc = zt_record(db, actor, type, stype, subject, owner_user_id, ev, e))) return rc;
    /* a subject is its source's (issue #18 F2): nothing a department's system
     * reports can take the platform's subject or block its writes */
    st = zt_db_query(db, e,
                     "INSERT INTO sv_subjects (subject_type, subject, source, dept_code, region_code, updated_at)"
                     " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (subject_type, subject, source) DO UPDATE SET"
                     " updated_at = excluded.updated_at RETURNING id",
                     ZT_T(stype), ZT_T(subject), ZT_T(source), ZT_T(dept), ZT_T(region), ZT_I(zt_now()));
    if (!st) return ZT_EINTERNAL;
    rc = zt_step(st, e);
    int64_t sid = rc == ZT_ROW ? zt_col_int(st, 0) : 0;
    zt_db_release(db);
    if (rc != ZT_ROW) return zt_step_failed(rc) ? rc : ZT_EINTERNAL;
    mark_dirty(db, sid);
    return ZT_OK;
}

/* --- the calendar changed ------------------------------------------------------- */

zt_err zt_sv_calendar_changed(zt_db *db, const zt_calendar *cal, const char *why, zt_error *e) {
    /* every open subject is looked at again by the ticker at once: its
     * deadlines move with the working days (a retraction or a card raised
     * on the new days is recorded, naming the change) */
    zt_stmt *st = zt_db_prepare(db,
                                "INSERT INTO sv_timers (subject_id, rule_id, level, due_at)"
                                " SELECT id, '*', 'reevaluate', 0 FROM sv_subjects WHERE closed_at IS NULL"
                                " ON CONFLICT DO UPDATE SET due_at = 0",
                                e);
    if (!st) return ZT_EINTERNAL;
    zt_err rc = zt_step_done(st, e);
    if (rc) return rc;
    int64_t n = zt_db_changes(db);
    json_t *detail = json_pack("{s:s,s:I}", "reason", why ? why : "", "subjects", (json_int_t)n);
    rc = zt_record(db, NULL, "supervision.reevaluate", "calendar", why ? why : "", 0, detail, e);
    json_decref(detail);
    return rc;
}
