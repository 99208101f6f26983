/* engine.c - intake of events, the projection of each subject, the rules
 * and the reconciliation of cards and timers (docs/supervision.md).
 *
 * Re-evaluation is the one mechanism: whenever an event arrives (in any
 * order) or a timer is due, the subject's events are folded again in event
 * time order and every rule computes the moment of its signal from that
 * picture. A signal whose moment has come (and that a closed subject reached
 * before closing) must have its card; a card whose signal the picture no
 * longer gives is retracted; a moment still ahead becomes a timer. Cases
 * have a handful of events, so folding them again is cheap, and it makes
 * late, duplicate and out-of-order reports harmless. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/auth.h"
#include "base/arena.h"
#include "base/calendar.h"
#include "base/clock.h"
#include "base/json.h"
#include "base/log.h"
#include "base/tsv.h"
#include "flow/flow.h"
#include "flow/registry.h"
#include "ledger/record.h"
#include "store/query.h"
#include "supervise/supervise.h"

static zt_app *APP;

static const zt_principal SYSTEM = {.role_bit = ZT_R_SYSTEM, .role = "system", .login = "system", .name = "监察系统"};

const zt_principal *zt_sv_system(void) { return &SYSTEM; }

/* --- rules ----------------------------------------------------------- */

typedef struct {
    char id[64], category[16], kind[32], name[128], subject_type[16], level[8], region_scope[16];
    int version, enabled, priority, confirm;
    json_t *params;
} rule;

static rule *rules;
static size_t nrules;
static pthread_rwlock_t rules_lock = PTHREAD_RWLOCK_INITIALIZER;

static int64_t param(const rule *r, const char *key, int64_t def) {
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

/* Seed sv_rules from data/rules.json: a rule not yet stored is added as
 * version 1 (the level is kept in params); stored rules are the city's. */
typedef struct {
    json_t *list;
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
            return zt_fail(e, ZT_EINVAL, "rules",
                           "data/rules.json: rules[%zu] 缺少 id、category、kind、name、"
                           "subject_type 或 level",
                           i);
        if (strcmp(level, "warning") && strcmp(level, "yellow") && strcmp(level, "red"))
            return zt_fail(e, ZT_EINVAL, "rules", "data/rules.json: rules[%zu].level 须是 warning、yellow 或 red", i);
        json_t *params = json_deep_copy(json_object_get(r, "params"));
        if (!json_is_object(params)) {
            json_decref(params);
            params = json_object();
        }
        json_object_set_new(params, "level", json_string(level));
        char *ptext = json_dumps(params, JSON_COMPACT | JSON_SORT_KEYS);
        json_decref(params);
        zt_stmt *st = zt_db_prepare(db,
                                    "INSERT INTO sv_rules (id, version, category, kind, name, subject_type, enabled,"
                                    " priority, region_scope, confirm, params, updated_at)"
                                    " VALUES (?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING",
                                    e);
        if (!st) {
            free(ptext);
            return ZT_EINTERNAL;
        }
        json_t *en = json_object_get(r, "enabled"), *cf = json_object_get(r, "confirm");
        json_t *pr = json_object_get(r, "priority"), *sc = json_object_get(r, "region_scope");
        zt_bind_text(st, 1, id);
        zt_bind_text(st, 2, cat);
        zt_bind_text(st, 3, kind);
        zt_bind_text(st, 4, name);
        zt_bind_text(st, 5, stype);
        zt_bind_int(st, 6, en ? json_is_true(en) : 1);
        zt_bind_int(st, 7, json_is_integer(pr) ? json_integer_value(pr) : 100);
        zt_bind_text(st, 8, json_is_string(sc) ? json_string_value(sc) : "");
        zt_bind_int(st, 9, json_is_true(cf));
        zt_bind_text(st, 10, ptext);
        zt_bind_int(st, 11, zt_now());
        zt_err rc = zt_step_done(st, e);
        if (rc) {
            free(ptext);
            return rc;
        }
        if (zt_db_changes(db)) {
            a->added++;
            json_t *body = json_deep_copy(r);
            json_object_set_new(body, "version", json_integer(1));
            char *btext = json_dumps(body, JSON_COMPACT | JSON_SORT_KEYS);
            json_decref(body);
            st = zt_db_prepare(db,
                               "INSERT INTO sv_rule_versions (rule_id, version, body, changed_by, changed_at)"
                               " VALUES (?, 1, ?, 'data/rules.json', ?)",
                               e);
            if (!st) {
                free(btext);
                free(ptext);
                return ZT_EINTERNAL;
            }
            zt_bind_text(st, 1, id);
            zt_bind_text(st, 2, btext);
            zt_bind_int(st, 3, zt_now());
            rc = zt_step_done(st, e);
            free(btext);
            if (rc) {
                free(ptext);
                return rc;
            }
        }
        free(ptext);
    }
    return ZT_OK;
}

zt_err zt_sv_start(zt_app *app, zt_error *e) {
    APP = app;
    char path[4096];
    snprintf(path, sizeof path, "%s/rules.json", app->cfg->source_dir);
    json_error_t je;
    json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
    if (!root) return zt_fail(e, ZT_EINVAL, "rules", "%s: 第 %d 行：%s", path, je.line, je.text);
    seed_arg a = {json_object_get(root, "rules"), 0};
    zt_err rc = json_is_array(a.list) ? zt_store_write(app->store, seed_rules, &a, e)
                                      : zt_fail(e, ZT_EINVAL, "rules", "%s: 缺少 rules 数组", path);
    json_decref(root);
    if (rc) return rc;
    if (a.added) zt_info("supervision: %d rule(s) added from %s", a.added, path);
    return zt_sv_rules_reload(zt_store_reader(app->store), e);
}

/* --- the projection ---------------------------------------------------- */

#define MAX_SUSP 32

typedef struct {
    int64_t start, end, granted; /* end 0 = under way */
} susp;

typedef struct {
    int64_t at;
    const char *id;
    json_t *ev; /* borrowed from the events array */
} sev;

typedef struct {
    const char *subject_type, *subject;
    /* basic information (the latest event's) */
    const char *dept, *region, *item_code, *item_name, *applicant_type, *channel, *flow, *state;
    int64_t item_version, flow_version, legal, promised;
    int has_limits;
    /* times */
    int64_t submitted_at, accepted_at, decided_at, closed_at, state_since;
    zt_day accept_day, due_day, fix_due;
    int has_accept_day, has_due_day, has_fix_due, deemed;
    int64_t fixed_at;
    susp susps[MAX_SUSP];
    int nsusp;
    int64_t susp_done; /* working days of finished special procedures */
    /* history */
    sev *evs;
    size_t nevs;
} proj;

static const char *str(json_t *o, const char *k) {
    json_t *v = json_object_get(o, k);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

/* The member that carries a subject's basic information. */
static const char *info_key(const char *subject_type) {
    return !strcmp(subject_type, "case") ? "case" : !strcmp(subject_type, "rating") ? "rating" : "message";
}

static const char *result_of(json_t *ev) { return str(json_object_get(ev, "step"), "result"); }
static const char *action_of(json_t *ev) { return str(json_object_get(ev, "step"), "action"); }
static json_t *fields_of(json_t *ev) { return json_object_get(json_object_get(ev, "step"), "fields"); }

static zt_day day_of(int64_t t) { return zt_day_of_instant(t); }

/* Is the state a finished one? The platform's definitions say so; for
 * others the step's result does (complete, refuse, withdraw, void). */
static int terminal_step(const proj *p, json_t *ev) {
    const char *res = result_of(ev), *to = str(json_object_get(ev, "step"), "to");
    if (p->flow && to) {
        const zt_flow *f = zt_flows_get(p->flow, (int)p->flow_version);
        zt_flow_state_info si;
        if (f && zt_flow_state(f, to, &si) == 0) return si.terminal;
    }
    return res &&
           (!strcmp(res, "complete") || !strcmp(res, "refuse") || !strcmp(res, "withdraw") || !strcmp(res, "void"));
}

static void fold(proj *p, const zt_calendar *cal) {
    for (size_t i = 0; i < p->nevs; i++) {
        json_t *ev = p->evs[i].ev;
        int64_t at = p->evs[i].at;
        json_t *info = json_object_get(ev, info_key(p->subject_type));
        const char *type = str(ev, "type");
        const char *dept = str(ev, "department") ? str(ev, "department") : str(info, "department");
        const char *region = str(ev, "region") ? str(ev, "region") : str(info, "region");
        if (dept) p->dept = dept;
        if (region) p->region = region;
        if (str(info, "item_code")) p->item_code = str(info, "item_code");
        if (str(info, "item_name")) p->item_name = str(info, "item_name");
        if (str(info, "applicant_type")) p->applicant_type = str(info, "applicant_type");
        if (str(info, "channel")) p->channel = str(info, "channel");
        if (str(info, "flow")) p->flow = str(info, "flow");
        json_t *v;
        if (json_is_integer(v = json_object_get(info, "item_version"))) p->item_version = json_integer_value(v);
        if (json_is_integer(v = json_object_get(info, "flow_version"))) p->flow_version = json_integer_value(v);
        json_t *lg = json_object_get(info, "legal_days"), *pr = json_object_get(info, "promised_days");
        if (json_is_integer(lg) && json_is_integer(pr)) {
            p->legal = json_integer_value(lg);
            p->promised = json_integer_value(pr);
            p->has_limits = 1;
        }
        const char *due = str(info, "due_day"), *fix = str(info, "fix_due");
        zt_day d;
        if (due && !zt_day_parse(due, &d)) p->due_day = d, p->has_due_day = 1;
        if (fix && !zt_day_parse(fix, &d)) p->fix_due = d, p->has_fix_due = 1;
        const char *to = str(json_object_get(ev, "step"), "to");
        if (to && *to && (!p->state || strcmp(p->state, to))) {
            p->state = to;
            p->state_since = at;
        }
        const char *res = result_of(ev), *act = action_of(ev);
        if (!p->submitted_at && ((act && !strcmp(act, "submit")) || (type && strstr(type, ".submit"))))
            p->submitted_at = at;
        if (!p->submitted_at) p->submitted_at = at;
        /* accepted on submission (即办件): the platform reports the day */
        const char *ad = str(info, "accept_day");
        if (act && !strcmp(act, "submit") && ad && !zt_day_parse(ad, &d) && !p->has_accept_day) {
            p->accept_day = d;
            p->has_accept_day = 1;
            p->accepted_at = at;
            p->decided_at = at;
        }
        if (res) {
            if (!p->decided_at && (!strcmp(res, "accept") || !strcmp(res, "refuse") || !strcmp(res, "supplement")))
                p->decided_at = at;
            if (!strcmp(res, "accept") && !p->has_accept_day) {
                p->accepted_at = at;
                p->accept_day = day_of(at);
                p->has_accept_day = 1;
            }
            if (!strcmp(res, "suspend") && p->nsusp < MAX_SUSP) {
                json_t *days = json_object_get(fields_of(ev), "days");
                p->susps[p->nsusp++] = (susp){at, 0, json_is_integer(days) ? json_integer_value(days) : 0};
            }
            if (!strcmp(res, "resume") && p->nsusp && !p->susps[p->nsusp - 1].end) {
                susp *s = &p->susps[p->nsusp - 1];
                s->end = at;
                zt_day a = day_of(s->start), b = day_of(at);
                if (b > a) p->susp_done += zt_cal_between(cal, a, b);
            }
        }
        if (!strcmp(p->subject_type, "rating") && type && !strcmp(type, "rating.fix") && !p->fixed_at) p->fixed_at = at;
        if (!p->closed_at && terminal_step(p, ev)) p->closed_at = at;
    }
    /* a rating is finished when it needs no follow-up, or once fixed */
    if (!strcmp(p->subject_type, "rating") && p->nevs && !p->closed_at)
        p->closed_at = !p->has_fix_due ? p->evs[0].at : p->fixed_at;
    /* a late 补正 notice: the application counts as accepted on arrival */
    if (!strcmp(p->subject_type, "case") && p->submitted_at) {
        for (size_t i = 0; i < p->nevs; i++) {
            const char *res = result_of(p->evs[i].ev);
            if (!res || strcmp(res, "supplement")) continue;
            int64_t limit = zt_day_start(zt_cal_add(cal, day_of(p->submitted_at), 5 + 1));
            if (p->evs[i].at >= limit) {
                p->accept_day = day_of(p->submitted_at);
                p->has_accept_day = 1;
                p->deemed = 1;
                if (!p->accepted_at) p->accepted_at = p->submitted_at;
            }
            break;
        }
    }
}

/* --- signals ------------------------------------------------------------- */

/* The start of the n-th working day after day. */
static int64_t wd_start(const zt_calendar *cal, zt_day day, int64_t n) {
    return zt_day_start(zt_cal_add(cal, day, (int)n));
}

typedef struct {
    int fires;     /* the card must exist */
    int64_t at;    /* its moment, or the timer's */
    int timer;     /* not yet: look again at `at` */
    json_t *facts; /* why (owned) */
    const char *step;
} signal;

/* A moment m passed for a subject: reached before now and before closing. */
static int reached(const proj *p, int64_t m, int64_t now) { return m <= now && (!p->closed_at || p->closed_at >= m); }

static void day_fact(json_t *facts, const char *key, zt_day d) {
    char t[11];
    zt_day_format(d, t);
    json_object_set_new(facts, key, json_string(t));
}

static void time_fact(json_t *facts, const char *key, int64_t t) {
    char ts[32];
    zt_time_format(t, ts);
    json_object_set_new(facts, key, json_string(ts));
}

/* A signal at moment m for a still-running clock: fires, or a timer. */
static void at_moment(const proj *p, int64_t m, int64_t now, int clock_stopped, signal *s) {
    s->at = m;
    if (reached(p, m, now))
        s->fires = 1;
    else if (!p->closed_at && !clock_stopped && m > now)
        s->timer = 1;
}

static int susp_running(const proj *p) { return p->nsusp && !p->susps[p->nsusp - 1].end; }

static void eval_limit(const rule *r, const proj *p, int64_t now, int legal, signal *s, const zt_calendar *cal) {
    if (!p->has_accept_day || !p->has_limits) return;
    int64_t base = legal ? p->legal : p->promised, n = base + param(r, "offset", 1) + p->susp_done;
    if (n - p->susp_done < 1) return; /* a limit too short to warn before */
    int64_t m = wd_start(cal, p->accept_day, n);
    /* under a special procedure the clock stands: a moment after its start
     * is not reached until it ends and is then moved back */
    int stopped = susp_running(p) && m > p->susps[p->nsusp - 1].start;
    if (stopped) return;
    at_moment(p, m, now, 0, s);
    s->step = p->state;
    if (!s->fires) return; /* a timer: its facts would be dropped (evaluate_rule) */
    s->facts = json_object();
    day_fact(s->facts, "accept_day", p->accept_day);
    json_object_set_new(s->facts, legal ? "legal_days" : "promised_days", json_integer(base));
    json_object_set_new(s->facts, "suspended_days", json_integer(p->susp_done));
    day_fact(s->facts, "deadline", zt_cal_add(cal, p->accept_day, (int)(base + p->susp_done)));
    time_fact(s->facts, "moment", m);
    if (p->deemed) json_object_set_new(s->facts, "deemed_accepted", json_true());
    if (p->closed_at) time_fact(s->facts, "closed_at", p->closed_at);
}

static void eval_step_limit(const rule *r, const proj *p, int64_t now, signal *s, const zt_calendar *cal) {
    if (!p->flow) return;
    const zt_flow *f = zt_flows_get(p->flow, (int)p->flow_version);
    if (!f) return;
    /* every period spent in a state with its own limit */
    const char *state = NULL;
    int64_t since = 0;
    for (size_t i = 0; i <= p->nevs; i++) {
        const char *to = i < p->nevs ? str(json_object_get(p->evs[i].ev, "step"), "to") : NULL;
        int64_t at = i < p->nevs ? p->evs[i].at : 0;
        if (i < p->nevs && (!to || (state && !strcmp(to, state)))) continue;
        /* the start state is the pre-acceptance rules' to watch */
        if (state && strcmp(state, zt_flow_start(f)) != 0) {
            zt_flow_state_info si;
            if (zt_flow_state(f, state, &si) == 0 && si.clock == ZT_FLOW_CLOCK_RUNS && si.limit >= 0) {
                int64_t m = wd_start(cal, day_of(since), si.limit + param(r, "offset", 1));
                int64_t left = i < p->nevs ? at : 0; /* 0: still there */
                if (m <= now && (!left || left >= m) && (!p->closed_at || p->closed_at >= m)) {
                    s->fires = 1;
                    s->at = m;
                    s->facts = json_pack("{s:s,s:s,s:i}", "state", state, "state_label", si.label, "limit", si.limit);
                    time_fact(s->facts, "entered_at", since);
                    time_fact(s->facts, "moment", m);
                    s->step = state;
                    return;
                }
                if (!left && !p->closed_at && m > now) {
                    s->timer = 1;
                    s->at = m;
                }
            }
        }
        state = to;
        since = at;
    }
}

static void eval_pre_acceptance(const rule *r, const proj *p, int64_t now, signal *s, const zt_calendar *cal) {
    if (!p->submitted_at || (p->channel && strcmp(p->channel, "online"))) return;
    int64_t limit = param(r, "limit", 2), n = limit + param(r, "offset", 1);
    int64_t m = wd_start(cal, day_of(p->submitted_at), n);
    if (p->decided_at && p->decided_at < m) return;
    if (reached(p, m, now)) {
        s->fires = 1;
        s->at = m;
        s->facts = json_pack("{s:I,s:I}", "limit_days", (json_int_t)limit, "overdue_days", (json_int_t)(n - limit));
        time_fact(s->facts, "submitted_at", p->submitted_at);
        time_fact(s->facts, "moment", m);
        if (p->decided_at) time_fact(s->facts, "decided_at", p->decided_at);
        s->step = "pre_review";
    } else if (!p->decided_at && !p->closed_at)
        s->timer = 1, s->at = m;
}

static void eval_special(const rule *r, const proj *p, int64_t now, signal *s, const zt_calendar *cal) {
    for (int i = 0; i < p->nsusp; i++) {
        const susp *x = &p->susps[i];
        if (x->granted <= 0) continue;
        int64_t m = wd_start(cal, day_of(x->start), x->granted + param(r, "offset", 1));
        if (m <= now && (!x->end || x->end >= m) && (!p->closed_at || p->closed_at >= m)) {
            s->fires = 1;
            s->at = m;
            s->facts = json_pack("{s:I}", "days_granted", (json_int_t)x->granted);
            time_fact(s->facts, "started_at", x->start);
            time_fact(s->facts, "moment", m);
            if (x->end) time_fact(s->facts, "ended_at", x->end);
            s->step = "special_procedure";
            return;
        }
        if (!x->end && !p->closed_at && m > now) s->timer = 1, s->at = m;
    }
}

static void eval_late_supplement(const rule *r, const proj *p, signal *s, const zt_calendar *cal) {
    if (!p->submitted_at) return;
    int64_t days = param(r, "days", 5);
    for (size_t i = 0; i < p->nevs; i++) {
        const char *res = result_of(p->evs[i].ev);
        if (!res || strcmp(res, "supplement")) continue;
        int64_t limit = zt_day_start(zt_cal_add(cal, day_of(p->submitted_at), (int)days + 1));
        if (p->evs[i].at >= limit) {
            s->fires = 1;
            s->at = p->evs[i].at;
            s->facts =
                json_pack("{s:I,s:s,s:b}", "limit_days", (json_int_t)days, "event", p->evs[i].id, "deemed_accepted", 1);
            time_fact(s->facts, "submitted_at", p->submitted_at);
            time_fact(s->facts, "supplement_at", p->evs[i].at);
            s->step = "supplement";
        }
        return; /* the first notice is the one the law times */
    }
}

static void eval_message_due(const rule *r, const proj *p, int64_t now, signal *s, const zt_calendar *cal) {
    if (!p->has_due_day) return;
    int64_t off = param(r, "offset", 1);
    int64_t m = zt_day_start(zt_cal_add(cal, p->due_day, (int)off));
    at_moment(p, m, now, 0, s);
    s->step = p->state;
    if (!s->fires) return; /* a timer: its facts would be dropped (evaluate_rule) */
    s->facts = json_object();
    day_fact(s->facts, "due_day", p->due_day);
    time_fact(s->facts, "moment", m);
    if (p->closed_at) time_fact(s->facts, "closed_at", p->closed_at);
}

static void eval_rating_fix(const rule *r, const proj *p, int64_t now, signal *s, const zt_calendar *cal) {
    if (!p->has_fix_due) return;
    int64_t m = zt_day_start(zt_cal_add(cal, p->fix_due, (int)param(r, "offset", 1)));
    if (m <= now && (!p->fixed_at || p->fixed_at >= m)) {
        s->fires = 1;
        s->at = m;
        s->facts = json_object();
        day_fact(s->facts, "fix_due", p->fix_due);
        time_fact(s->facts, "moment", m);
        if (p->fixed_at) time_fact(s->facts, "fixed_at", p->fixed_at);
        s->step = "fix";
    } else if (!p->fixed_at && m > now)
        s->timer = 1, s->at = m;
}

/* An event-time signal: the first event the predicate picks. */
static void at_event(const proj *p, size_t i, signal *s, json_t *facts, const char *step) {
    s->fires = 1;
    s->at = p->evs[i].at;
    s->facts = facts;
    json_object_set_new(s->facts, "event", json_string(p->evs[i].id));
    time_fact(s->facts, "event_time", p->evs[i].at);
    s->step = step;
}

static void eval_refusal(const proj *p, signal *s) {
    for (size_t i = 0; i < p->nevs; i++) {
        const char *res = result_of(p->evs[i].ev);
        if (!res || (strcmp(res, "refuse") && strcmp(res, "deny"))) continue;
        json_t *f = fields_of(p->evs[i].ev), *missing = json_array();
        static const char *const need[] = {"reason", "legal_basis", "remedy_notice", NULL};
        for (int k = 0; need[k]; k++)
            if (zt_blank(str(f, need[k]))) json_array_append_new(missing, json_string(need[k]));
        if (json_array_size(missing)) {
            at_event(p, i, s, json_pack("{s:s,s:o}", "result", res, "missing", missing), action_of(p->evs[i].ev));
            return;
        }
        json_decref(missing);
    }
}

static void eval_repeated_supplement(const proj *p, signal *s) {
    int n = 0;
    for (size_t i = 0; i < p->nevs; i++) {
        const char *res = result_of(p->evs[i].ev);
        if (res && !strcmp(res, "supplement") && ++n == 2) {
            at_event(p, i, s, json_pack("{s:i}", "supplements", 2), "supplement");
            return;
        }
    }
}

static int is_on_the_spot(const proj *p) {
    return (p->flow && !strcmp(p->flow, "on_the_spot")) || (p->has_limits && p->legal == 0);
}

static int accepted_before(const proj *p, size_t i) {
    if (p->accepted_at && p->accepted_at <= p->evs[i].at && !p->deemed) return 1;
    for (size_t k = 0; k < i; k++) {
        const char *res = result_of(p->evs[k].ev);
        if (res && !strcmp(res, "accept")) return 1;
    }
    return p->deemed;
}

static void eval_skipped(const proj *p, signal *s) {
    if (is_on_the_spot(p)) return;
    int decided = 0;
    for (size_t i = 0; i < p->nevs; i++) {
        const char *res = result_of(p->evs[i].ev);
        if (!res) continue;
        if ((!strcmp(res, "approve") || !strcmp(res, "deny")) && !accepted_before(p, i)) {
            at_event(p, i, s, json_pack("{s:s,s:s}", "result", res, "missing_step", "accept"), res);
            return;
        }
        if (!strcmp(res, "approve") || !strcmp(res, "deny")) decided = 1;
        if (!strcmp(res, "complete") && accepted_before(p, i) && !decided) {
            at_event(p, i, s, json_pack("{s:s,s:s}", "result", res, "missing_step", "approve/deny"), res);
            return;
        }
    }
}

static void eval_complete_without_accept(const proj *p, signal *s) {
    if (is_on_the_spot(p)) return;
    for (size_t i = 0; i < p->nevs; i++) {
        const char *res = result_of(p->evs[i].ev);
        if (res && !strcmp(res, "complete") && !accepted_before(p, i)) {
            at_event(p, i, s, json_pack("{s:s}", "missing_step", "accept"), "complete");
            return;
        }
    }
}

/* The fee charged at completion (fen), or -1. */
static int64_t fee_charged(json_t *ev) {
    json_t *v = json_object_get(json_object_get(ev, "result"), "fee_charged");
    if (!json_is_integer(v)) v = json_object_get(fields_of(ev), "fee_charged");
    return json_is_integer(v) ? json_integer_value(v) : -1;
}

/* The item's fee list from the shared catalogue: *count fees, *cap their
 * total in fen (-1 when a fee has no amount). 0, or -1 when the item (at
 * that version) is not in the catalogue. */
static int item_fees(zt_db *db, const proj *p, int64_t *count, int64_t *cap) {
    if (!p->item_code) return -1;
    zt_error ignored = {0}; /* an item that cannot be read is as one not in the catalogue */
    zt_stmt *st = zt_db_prepare(db,
                                p->item_version ? "SELECT guide FROM items WHERE code = ? AND version = ?"
                                                : "SELECT guide FROM items WHERE code = ? ORDER BY version DESC",
                                &ignored);
    if (!st) return -1;
    zt_bind_text(st, 1, p->item_code);
    if (p->item_version) zt_bind_int(st, 2, p->item_version);
    json_t *g = zt_step(st, &ignored) == ZT_ROW ? json_loads(zt_col_text(st, 0), 0, NULL) : NULL;
    zt_db_release(db);
    if (!g) return -1;
    json_t *fees = json_object_get(g, "fees"), *f;
    size_t i;
    *count = (int64_t)json_array_size(fees);
    *cap = 0;
    json_array_foreach(fees, i, f) {
        json_t *a = json_object_get(f, "amount_yuan");
        if (json_is_number(a))
            *cap += (int64_t)(json_number_value(a) * 100 + 0.5);
        else
            *cap = -1;
        if (*cap < 0) break;
    }
    json_decref(g);
    return 0;
}

static void eval_fee(zt_db *db, const rule *r, const proj *p, signal *s) {
    for (size_t i = 0; i < p->nevs; i++) {
        const char *res = result_of(p->evs[i].ev);
        int64_t fee = res && !strcmp(res, "complete") ? fee_charged(p->evs[i].ev) : -1;
        if (fee <= 0) continue;
        int64_t count, cap;
        if (item_fees(db, p, &count, &cap)) return;
        if (!strcmp(r->kind, "fee_not_listed") && count == 0) {
            at_event(p, i, s, json_pack("{s:I,s:s}", "fee_charged", (json_int_t)fee, "fee_list", "无"), "complete");
            return;
        }
        if (!strcmp(r->kind, "fee_above_standard") && count > 0 && cap >= 0 && fee > cap) {
            at_event(p, i, s, json_pack("{s:I,s:I}", "fee_charged", (json_int_t)fee, "standard", (json_int_t)cap),
                     "complete");
            return;
        }
    }
}

static void eval_missing(const proj *p, signal *s) {
    for (size_t i = 0; i < p->nevs; i++) {
        const char *res = result_of(p->evs[i].ev);
        if (!res) continue;
        static const char *const complete[] = {"result_type", "fee_charged", "fee_standard", NULL};
        static const char *const suspend[] = {"type", "reason", "legal_basis", "days", NULL};
        const char *const *need = !strcmp(res, "complete") ? complete : !strcmp(res, "suspend") ? suspend : NULL;
        if (!need) continue;
        json_t *f = fields_of(p->evs[i].ev), *missing = json_array();
        for (int k = 0; need[k]; k++) {
            json_t *v = json_object_get(f, need[k]);
            if (!v || json_is_null(v) || (json_is_string(v) && zt_blank(json_string_value(v))))
                json_array_append_new(missing, json_string(need[k]));
        }
        if (json_array_size(missing)) {
            at_event(p, i, s, json_pack("{s:s,s:o}", "result", res, "missing", missing), res);
            return;
        }
        json_decref(missing);
    }
}

static void evaluate_rule(zt_db *db, const rule *r, const proj *p, int64_t now, signal *s, const zt_calendar *cal) {
    memset(s, 0, sizeof *s);
    const char *k = r->kind;
    if (!strcmp(k, "promised"))
        eval_limit(r, p, now, 0, s, cal);
    else if (!strcmp(k, "legal"))
        eval_limit(r, p, now, 1, s, cal);
    else if (!strcmp(k, "step_limit"))
        eval_step_limit(r, p, now, s, cal);
    else if (!strcmp(k, "pre_acceptance"))
        eval_pre_acceptance(r, p, now, s, cal);
    else if (!strcmp(k, "special_overdue"))
        eval_special(r, p, now, s, cal);
    else if (!strcmp(k, "late_supplement"))
        eval_late_supplement(r, p, s, cal);
    else if (!strcmp(k, "message_due"))
        eval_message_due(r, p, now, s, cal);
    else if (!strcmp(k, "rating_fix"))
        eval_rating_fix(r, p, now, s, cal);
    else if (!strcmp(k, "refusal_reason"))
        eval_refusal(p, s);
    else if (!strcmp(k, "repeated_supplement"))
        eval_repeated_supplement(p, s);
    else if (!strcmp(k, "skipped_step"))
        eval_skipped(p, s);
    else if (!strcmp(k, "complete_without_accept"))
        eval_complete_without_accept(p, s);
    else if (!strcmp(k, "fee_not_listed") || !strcmp(k, "fee_above_standard"))
        eval_fee(db, r, p, s);
    else if (!strcmp(k, "missing_data"))
        eval_missing(p, s);
    if (!s->fires && s->facts) {
        json_decref(s->facts);
        s->facts = NULL;
    }
}

/* --- cards ------------------------------------------------------------------ */

/* What a step records beside the card's own row: the card's identity (for
 * the audit detail and the ledger entry) and the step's seq. */
typedef struct {
    const char *number, *rule_id, *level, *dept, *region, *subject;
    int64_t rule_version, seq;
    const char *title; /* NULL: the notifications read the card */
} card_info;

/* The sv_card_events row, the audit row and ledger entry, the notifications
 * of one step at time now. The strings of ci may be a statement's columns:
 * they are copied before the statements are released. */
static zt_err record_step(zt_db *db, const zt_principal *actor, int64_t card_id, const card_info *ci,
                          const char *action, const char *from, const char *to, const char *reason, int64_t now,
                          zt_error *e) {
    json_t *detail =
        json_pack("{s:s,s:s,s:I,s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "card", ci->number, "rule", ci->rule_id, "rule_version",
                  (json_int_t)ci->rule_version, "level", ci->level, "department", ci->dept, "region", ci->region,
                  "subject", ci->subject, "from", from, "to", to, "reason", reason ? reason : "");
    char number[64];
    snprintf(number, sizeof number, "%s", ci->number);
    int64_t seq = ci->seq;
    zt_db_release(db);
    zt_stmt *st = zt_db_prepare(db,
                                "INSERT INTO sv_card_events (card_id, seq, action, from_state, to_state, actor,"
                                " actor_role, at, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                                e);
    zt_err rc = ZT_EINTERNAL;
    if (st) {
        zt_bind_int(st, 1, card_id);
        zt_bind_int(st, 2, seq);
        zt_bind_text(st, 3, action);
        zt_bind_text(st, 4, from);
        zt_bind_text(st, 5, to);
        zt_bind_text(st, 6, actor && actor->login ? actor->login : "system");
        zt_bind_text(st, 7, actor && actor->role ? actor->role : "system");
        zt_bind_int(st, 8, now);
        zt_bind_text(st, 9, reason ? reason : "");
        rc = zt_step_done(st, e);
    }
    char kind[48];
    snprintf(kind, sizeof kind, "card.%s", action);
    if (!rc) rc = zt_record(db, actor, kind, "card", number, 0, detail, e);
    json_decref(detail);
    if (!rc && ci->title)
        rc = zt_sv_notify_card(db, card_id, number, ci->level, ci->title, ci->dept, to, action, e);
    else if (!rc)
        rc = zt_sv_notify(db, card_id, action, e);
    return rc;
}

zt_err zt_sv_card_step(zt_db *db, const zt_principal *actor, int64_t card_id, const char *action, const char *from,
                       const char *to, const char *reason, zt_error *e) {
    int64_t now = zt_now();
    zt_stmt *st =
        zt_db_prepare(db,
                      "UPDATE sv_cards SET state = ?, updated_at = ? WHERE id = ?"
                      " RETURNING number, rule_id, rule_version, level, dept_code, region_code,"
                      " (SELECT subject_type || '/' || subject FROM sv_subjects s WHERE s.id = subject_id),"
                      " (SELECT coalesce(max(seq), 0) + 1 FROM sv_card_events v WHERE v.card_id = sv_cards.id)",
                      e);
    if (!st) return ZT_EINTERNAL;
    zt_bind_text(st, 1, to);
    zt_bind_int(st, 2, now);
    zt_bind_int(st, 3, card_id);
    if (zt_step(st, e) != ZT_ROW) {
        zt_db_release(db);
        return zt_fail(e, ZT_ENOTFOUND, "id", "监察卡不存在");
    }
    card_info ci = {zt_col_text(st, 0), zt_col_text(st, 1), zt_col_text(st, 3), zt_col_text(st, 4),
                    zt_col_text(st, 5), zt_col_text(st, 6), zt_col_int(st, 2),  zt_col_int(st, 7)};
    return record_step(db, actor, card_id, &ci, action, from, to, reason, now, e);
}

typedef struct {
    int64_t id;
    char state[16];
    int seen;
} card_ref;

static zt_err raise_card(zt_db *db, const rule *r, const proj *p, int64_t subject_id, const signal *s,
                         card_ref *existing, zt_error *e) {
    int64_t now = zt_now();
    const char *to = r->confirm ? "pending" : "issued";
    char fdue[11] = "";
    if (!r->confirm) zt_day_format(zt_cal_add(APP->cal, day_of(now), 3), fdue);
    json_t *facts = json_deep_copy(s->facts);
    json_object_set_new(facts, "rule_name", json_string(r->name));
    char *ftext = json_dumps(facts, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(facts);
    char title[512];
    snprintf(title, sizeof title, "%s：%s%s%s%s", r->name, p->subject, p->item_name ? "（" : "",
             p->item_name ? p->item_name : "", p->item_name ? "）" : "");
    zt_err rc;
    if (existing->id) { /* raised again after a retraction */
        zt_stmt *st = zt_db_prepare(db,
                                    "UPDATE sv_cards SET facts = ?, signal_at = ?, rule_version = ?, feedback_due = ?,"
                                    " updated_at = ? WHERE id = ?",
                                    e);
        if (!st) {
            free(ftext);
            return ZT_EINTERNAL;
        }
        zt_bind_text(st, 1, ftext);
        zt_bind_int(st, 2, s->at);
        zt_bind_int(st, 3, r->version);
        if (*fdue)
            zt_bind_text(st, 4, fdue);
        else
            zt_bind_null(st, 4);
        zt_bind_int(st, 5, now);
        zt_bind_int(st, 6, existing->id);
        rc = zt_step_done(st, e);
        free(ftext);
        if (rc) return rc;
        return zt_sv_card_step(db, &SYSTEM, existing->id, "raise", existing->state, to, "重新评估后再次成立", e);
    }
    char number[64], prefix[48], day[11];
    zt_day_format(day_of(now), day);
    snprintf(prefix, sizeof prefix, "JC-%s-%.4s%.2s%.2s", p->region ? p->region : "000000", day, day + 5, day + 8);
    if ((rc = zt_number_next(db, prefix, 5, number, sizeof number, e))) {
        free(ftext);
        return rc;
    }
    zt_stmt *st = zt_db_prepare(db,
                                "INSERT INTO sv_cards (number, subject_id, rule_id, rule_version, level, category,"
                                " title, facts, dept_code, region_code, step, signal_at, state, feedback_due,"
                                " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                                " RETURNING id",
                                e);
    if (!st) {
        free(ftext);
        return ZT_EINTERNAL;
    }
    zt_bind_text(st, 1, number);
    zt_bind_int(st, 2, subject_id);
    zt_bind_text(st, 3, r->id);
    zt_bind_int(st, 4, r->version);
    zt_bind_text(st, 5, r->level);
    zt_bind_text(st, 6, r->category);
    zt_bind_text(st, 7, title);
    zt_bind_text(st, 8, ftext);
    zt_bind_text(st, 9, p->dept ? p->dept : "");
    zt_bind_text(st, 10, p->region ? p->region : "");
    zt_bind_text(st, 11, s->step ? s->step : "");
    zt_bind_int(st, 12, s->at);
    zt_bind_text(st, 13, to);
    if (*fdue)
        zt_bind_text(st, 14, fdue);
    else
        zt_bind_null(st, 14);
    zt_bind_int(st, 15, now);
    zt_bind_int(st, 16, now);
    zt_err sr = zt_step(st, e);
    free(ftext);
    if (sr != ZT_ROW) return zt_step_failed(sr) ? sr : ZT_EINTERNAL;
    int64_t id = zt_col_int(st, 0);
    zt_db_release(db);
    /* A new card's row already holds what the step's UPDATE would write
     * (its state, updated_at = now) and it has no step yet: record the step
     * without reading the card back, unless the clock has moved on since. */
    char subject[192];
    if (zt_now() != now ||
        snprintf(subject, sizeof subject, "%s/%s", p->subject_type, p->subject) >= (int)sizeof subject)
        return zt_sv_card_step(db, &SYSTEM, id, "raise", "", to, "", e);
    card_info ci = {number,     r->id, r->level, p->dept ? p->dept : "", p->region ? p->region : "", subject,
                    r->version, 1,     title};
    return record_step(db, &SYSTEM, id, &ci, "raise", "", to, "", now, e);
}

static int retractable(const char *state) {
    return !strcmp(state, "pending") || !strcmp(state, "issued") || !strcmp(state, "answered") ||
           !strcmp(state, "escalated") || !strcmp(state, "appealed");
}

static void bind_opt_text(zt_stmt *st, int k, const char *v) {
    if (v)
        zt_bind_text(st, k, v);
    else
        zt_bind_null(st, k);
}

/* --- evaluation ------------------------------------------------------------ */

/* Parsed events by arrival seq. Every evaluation folds all the subject's
 * events again, and parsing their bodies was half of an evaluation's cost
 * (profile in docs/performance.md): a case's events usually come in
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

/* --- the digest of a subject's events ---------------------------------------
 *
 * A tick re-evaluates subjects whose events did not change since their last
 * evaluation, and parsing those events' bodies again was the largest single
 * cost of a tick subject (docs/performance.md, issue #7 profile). So an
 * evaluation that leaves timers behind stores, in sv_subjects.facts, the
 * digest of the events it folded: for each event (in event time order) its
 * time, its id and only the members fold() and the evaluators read, with
 * their values as sent. The next evaluation uses the digest instead of the
 * bodies when it counted as many events as the subject has now (events are
 * only ever added, and every added event re-evaluates its subject in the same
 * write, which rewrites the digest); otherwise it reads the bodies. A subject
 * without timers keeps '{}' (only ticks profit): an ingest that closes its
 * subject writes none; one that leaves timers pays for building it.
 *
 *   {"v":1,"n":rows,"events":[[at,"id",{pruned event}], ...]}
 *
 * n counts every row, also one whose body failed to parse (and is skipped,
 * as when reading the bodies). The member lists below are what the engine
 * reads; a new read of an event member must be added here. */
#define DIGEST_PREFIX "{\"v\":1,\"n\":" /* then n: read before the whole digest is parsed */

static const char *const EV_KEYS[] = {"type", "department", "region", NULL};
static const char *const INFO_KEYS[] = {"department",    "region",  "item_code",    "item_name",    "applicant_type",
                                        "channel",       "flow",    "item_version", "flow_version", "legal_days",
                                        "promised_days", "due_day", "fix_due",      "accept_day",   NULL};
static const char *const STEP_KEYS[] = {"to", "result", "action", NULL};
static const char *const FIELD_KEYS[] = {
    "days", "reason", "legal_basis", "remedy_notice", "result_type", "fee_charged", "fee_standard", "type", NULL};

/* Copy the members keys of from (if it is an object) into a new object. */
static json_t *pick(json_t *from, const char *const *keys) {
    json_t *o = json_object();
    for (int k = 0; keys[k]; k++) {
        json_t *v = json_object_get(from, keys[k]);
        if (v) json_object_set_new(o, keys[k], json_deep_copy(v));
    }
    return o;
}

/* The members of ev that the engine reads (info: the member that carries the
 * subject's basic information). */
static json_t *prune(json_t *ev, const char *info) {
    json_t *o = pick(ev, EV_KEYS), *v;
    if (json_is_object(v = json_object_get(ev, info))) json_object_set_new(o, info, pick(v, INFO_KEYS));
    if (json_is_object(v = json_object_get(ev, "step"))) {
        json_t *step = pick(v, STEP_KEYS), *f = json_object_get(v, "fields");
        if (json_is_object(f)) json_object_set_new(step, "fields", pick(f, FIELD_KEYS));
        json_object_set_new(o, "step", step);
    }
    if (json_is_object(v = json_object_get(ev, "result")) && json_object_get(v, "fee_charged"))
        json_object_set_new(o, "result", json_pack("{s:O}", "fee_charged", json_object_get(v, "fee_charged")));
    return o;
}

/* The digest text of p's events (rows: the events read, parsed or not);
 * malloc'ed. */
static char *digest_dump(const proj *p, size_t rows) {
    json_t *list = json_array();
    const char *info = info_key(p->subject_type);
    for (size_t i = 0; i < p->nevs; i++)
        json_array_append_new(list,
                              json_pack("[I,s,o]", (json_int_t)p->evs[i].at, p->evs[i].id, prune(p->evs[i].ev, info)));
    json_t *d = json_pack("{s:i,s:I,s:o}", "v", 1, "n", (json_int_t)rows, "events", list);
    char *text = json_dumps(d, JSON_COMPACT);
    json_decref(d);
    return text;
}

/* Fill p's events from the digest text (which must have the digest's
 * prefix) if it counts rows events. The events borrow from *root (a new
 * reference, set on success). 0 on success, -1 if not usable. */
static int digest_load(proj *p, zt_arena *a, const char *text, size_t len, int64_t rows, json_t **root) {
    json_t *d = json_loadb(text, len, 0, NULL);
    json_t *list = json_object_get(d, "events");
    json_t *n = json_object_get(d, "n");
    if (!json_is_integer(n) || json_integer_value(n) != rows || !json_is_array(list)) {
        json_decref(d);
        return -1;
    }
    size_t count = json_array_size(list), i;
    p->evs = zt_arena_alloc(a, (count ? count : 1) * sizeof *p->evs);
    p->nevs = 0;
    json_t *item;
    json_array_foreach(list, i, item) {
        json_t *at = json_array_get(item, 0), *id = json_array_get(item, 1), *ev = json_array_get(item, 2);
        if (!json_is_integer(at) || !json_is_string(id) || !json_is_object(ev)) {
            json_decref(d);
            p->evs = NULL;
            p->nevs = 0;
            return -1;
        }
        p->evs[p->nevs++] = (sev){json_integer_value(at), json_string_value(id), ev};
    }
    *root = d;
    return 0;
}

/* A timer the subject had before this evaluation. */
typedef struct {
    char rule[64], level[8];
    int64_t due;
    int keep; /* the new picture has it too */
} old_timer;

static int in_scope(const rule *r, const proj *p) {
    return !r->region_scope[0] || (p->region && zt_region_within(p->region, r->region_scope));
}

zt_err zt_sv_evaluate(zt_db *db, int64_t subject_id, int64_t now, zt_error *e) {
    const zt_calendar *cal = APP->cal;
    zt_stmt *st = zt_db_prepare(db, "SELECT subject_type, subject, facts FROM sv_subjects WHERE id = ?", e);
    if (!st) return ZT_EINTERNAL;
    zt_bind_int(st, 1, subject_id);
    if (zt_step(st, e) != ZT_ROW) {
        zt_db_release(db);
        return zt_fail(e, ZT_ENOTFOUND, "subject", "监察对象不存在");
    }
    zt_arena a;
    zt_arena_init(&a);
    proj p = {0};
    p.subject_type = zt_arena_strdup(&a, zt_col_text(st, 0));
    p.subject = zt_arena_strdup(&a, zt_col_text(st, 1));
    /* the digest of the events the last evaluation folded, if it left one */
    const char *ftext = zt_col_text(st, 2);
    char *digest = NULL;
    size_t dlen = 0;
    if (ftext && !strncmp(ftext, DIGEST_PREFIX, strlen(DIGEST_PREFIX))) {
        dlen = strlen(ftext);
        digest = memcpy(zt_arena_alloc(&a, dlen + 1), ftext, dlen + 1);
    }
    zt_db_release(db);
    json_t *all = NULL;
    size_t rows = 0;
    if (digest) {
        /* usable while the subject has exactly the events it counted */
        st = zt_db_prepare(db, "SELECT count(*) FROM sv_events WHERE subject_type = ? AND subject = ?", e);
        if (!st) goto internal;
        zt_bind_text(st, 1, p.subject_type);
        zt_bind_text(st, 2, p.subject);
        int64_t now_rows = zt_step(st, e) == ZT_ROW ? zt_col_int(st, 0) : -1;
        zt_db_release(db);
        /* a new event (every ingest) is seen here, without parsing the digest */
        int64_t counted = strtoll(digest + strlen(DIGEST_PREFIX), NULL, 10);
        if (now_rows < 0 || now_rows != counted || digest_load(&p, &a, digest, dlen, now_rows, &all)) digest = NULL;
        rows = (size_t)now_rows;
    }
    if (!digest) all = json_array();
    /* the events, in event time order (arrival order within a second) */
    st = digest ? NULL
                : zt_db_prepare(db,
                                "SELECT body, occurred_at, event_id, seq FROM sv_events WHERE subject_type = ? AND"
                                " subject = ? ORDER BY occurred_at, seq",
                                e);
    if (!digest && !st) goto internal;
    if (st) {
        zt_bind_text(st, 1, p.subject_type);
        zt_bind_text(st, 2, p.subject);
    }
    size_t cap = 0;
    rows = digest ? rows : 0;
    while (st && zt_step(st, e) == ZT_ROW) {
        rows++;
        json_t *ev = parse_event(zt_col_int(st, 3), zt_col_text(st, 0));
        if (!ev) continue;
        json_array_append_new(all, ev);
        if (p.nevs == cap) {
            cap = cap ? cap * 2 : 16;
            sev *grown = zt_arena_alloc(&a, cap * sizeof *grown);
            if (p.nevs) memcpy(grown, p.evs, p.nevs * sizeof *grown);
            p.evs = grown;
        }
        p.evs[p.nevs++] = (sev){zt_col_int(st, 1), zt_arena_strdup(&a, zt_col_text(st, 2)), ev};
    }
    zt_db_release(db);
    fold(&p, cal);

    /* the cards it has */
    card_ref refs[64];
    char ref_rule[64][64], ref_level[64][8];
    size_t nrefs = 0;
    st = zt_db_prepare(db, "SELECT id, rule_id, level, state FROM sv_cards WHERE subject_id = ?", e);
    if (!st) goto internal;
    zt_bind_int(st, 1, subject_id);
    while (nrefs < 64 && zt_step(st, e) == ZT_ROW) {
        refs[nrefs].id = zt_col_int(st, 0);
        refs[nrefs].seen = 0;
        snprintf(ref_rule[nrefs], sizeof ref_rule[0], "%s", zt_col_text(st, 1));
        snprintf(ref_level[nrefs], sizeof ref_level[0], "%s", zt_col_text(st, 2));
        snprintf(refs[nrefs].state, sizeof refs[0].state, "%s", zt_col_text(st, 3));
        nrefs++;
    }
    zt_db_release(db);
    /* the timers it has: only those the new picture changes are written
     * (a tick's subject keeps all but the one that came due) */
    old_timer *olds = NULL;
    size_t nold = 0, oldcap = 0;
    st = zt_db_prepare(db, "SELECT rule_id, level, due_at FROM sv_timers WHERE subject_id = ?", e);
    if (!st) goto internal;
    zt_bind_int(st, 1, subject_id);
    zt_err sr;
    while ((sr = zt_step(st, e)) == ZT_ROW) {
        if (nold == oldcap) {
            oldcap = oldcap ? oldcap * 2 : 8;
            old_timer *grown = zt_arena_alloc(&a, oldcap * sizeof *grown);
            if (nold) memcpy(grown, olds, nold * sizeof *grown);
            olds = grown;
        }
        old_timer *o = &olds[nold++];
        snprintf(o->rule, sizeof o->rule, "%s", zt_col_text(st, 0));
        snprintf(o->level, sizeof o->level, "%s", zt_col_text(st, 1));
        o->due = zt_col_int(st, 2);
        o->keep = 0;
    }
    zt_db_release(db);
    zt_err rc = zt_step_failed(sr) ? sr : ZT_OK;
    if (rc) goto out;

    size_t ntimers = 0; /* the timers the subject keeps */
    pthread_rwlock_rdlock(&rules_lock);
    for (size_t i = 0; i < nrules && !rc; i++) {
        const rule *r = &rules[i];
        if (!r->enabled || strcmp(r->subject_type, p.subject_type) || !in_scope(r, &p)) continue;
        signal s;
        evaluate_rule(db, r, &p, now, &s, cal);
        card_ref none = {0}, *ref = &none;
        for (size_t k = 0; k < nrefs; k++)
            if (!strcmp(ref_rule[k], r->id) && !strcmp(ref_level[k], r->level)) ref = &refs[k];
        ref->seen = 1;
        if (s.fires) {
            if (!ref->id || !strcmp(ref->state, "retracted")) rc = raise_card(db, r, &p, subject_id, &s, ref, e);
        } else if (ref->id && retractable(ref->state)) {
            /* a late or corrected report changed the picture */
            rc = zt_sv_card_step(db, &SYSTEM, ref->id, "retract", ref->state, "retracted",
                                 "依据迟到或更正的报送重新评估，该信号不再成立", e);
        }
        old_timer *o = NULL;
        for (size_t k = 0; s.timer && k < nold; k++)
            if (!strcmp(olds[k].rule, r->id) && !strcmp(olds[k].level, r->level)) o = &olds[k];
        if (o) o->keep = 1;
        if (s.timer) ntimers++;
        if (!rc && s.timer && (!o || o->due != s.at)) {
            /* rule ids are unique: the only row this can meet is the old one */
            zt_stmt *ts = zt_db_prepare(db,
                                        "INSERT INTO sv_timers (subject_id, rule_id, level, due_at) VALUES (?, ?, ?, ?)"
                                        " ON CONFLICT DO UPDATE SET due_at = excluded.due_at",
                                        e);
            if (!ts) rc = ZT_EINTERNAL;
            if (ts) {
                zt_bind_int(ts, 1, subject_id);
                zt_bind_text(ts, 2, r->id);
                zt_bind_text(ts, 3, r->level);
                zt_bind_int(ts, 4, s.at);
                rc = zt_step_done(ts, e);
            }
        }
        json_decref(s.facts);
    }
    pthread_rwlock_unlock(&rules_lock);
    for (size_t k = 0; k < nold && !rc; k++) {
        if (olds[k].keep) continue;
        zt_stmt *ts = zt_db_prepare(db, "DELETE FROM sv_timers WHERE subject_id = ? AND rule_id = ? AND level = ?", e);
        if (!ts) {
            rc = ZT_EINTERNAL;
            break;
        }
        zt_bind_int(ts, 1, subject_id);
        zt_bind_text(ts, 2, olds[k].rule);
        zt_bind_text(ts, 3, olds[k].level);
        rc = zt_step_done(ts, e);
    }
    if (rc) goto out;

    /* the projection */
    st = zt_db_prepare(
        db,
        "UPDATE sv_subjects SET dept_code = ?, region_code = ?, item_code = ?, item_version = ?, item_name = ?,"
        " applicant_type = ?, channel = ?, flow = ?, legal_days = ?, promised_days = ?, state = ?, submitted_at = ?,"
        " accepted_at = ?, accept_day = ?, promised_due = ?, legal_due = ?, suspended_days = ?, suspended_at = ?,"
        " suspend_days = ?, due_day = ?, closed_at = ?, elapsed_days = ?, events = ?, last_event_at = ?,"
        " evaluated_at = ?, updated_at = ?, facts = ? WHERE id = ?",
        e);
    if (!st) goto internal;
    int k = 1;
    char d1[11], d2[11], d3[11], d4[11];
    zt_bind_text(st, k++, p.dept ? p.dept : "");
    zt_bind_text(st, k++, p.region ? p.region : "");
#define OPT_TEXT(v) bind_opt_text(st, k++, v)
#define OPT_INT(c, v)                                                                                                  \
    do {                                                                                                               \
        if (c)                                                                                                         \
            zt_bind_int(st, k++, v);                                                                                   \
        else                                                                                                           \
            zt_bind_null(st, k++);                                                                                     \
    } while (0)
    OPT_TEXT(p.item_code);
    OPT_INT(p.item_version, p.item_version);
    OPT_TEXT(p.item_name);
    OPT_TEXT(p.applicant_type);
    OPT_TEXT(p.channel);
    OPT_TEXT(p.flow);
    OPT_INT(p.has_limits, p.legal);
    OPT_INT(p.has_limits, p.promised);
    zt_bind_text(st, k++, p.state ? p.state : "");
    OPT_INT(p.submitted_at, p.submitted_at);
    OPT_INT(p.accepted_at, p.accepted_at);
    zt_day_format(p.accept_day, d1);
    OPT_TEXT(p.has_accept_day ? d1 : NULL);
    int limits = p.has_accept_day && p.has_limits;
    zt_day_format(zt_cal_add(cal, p.accept_day, (int)(p.promised + p.susp_done)), d2);
    zt_day_format(zt_cal_add(cal, p.accept_day, (int)(p.legal + p.susp_done)), d3);
    OPT_TEXT(limits ? d2 : NULL);
    OPT_TEXT(limits ? d3 : NULL);
    zt_bind_int(st, k++, p.susp_done);
    int running = susp_running(&p);
    OPT_INT(running, running ? p.susps[p.nsusp - 1].start : 0);
    OPT_INT(running, running ? p.susps[p.nsusp - 1].granted : 0);
    zt_day_format(p.has_due_day ? p.due_day : p.fix_due, d4);
    OPT_TEXT(p.has_due_day || p.has_fix_due ? d4 : NULL);
    OPT_INT(p.closed_at, p.closed_at);
    /* working days the clock ran: acceptance to closing (or now), less the
     * special procedures */
    int64_t elapsed = 0;
    if (p.has_accept_day) {
        zt_day end = day_of(p.closed_at ? p.closed_at : now);
        elapsed = end > p.accept_day ? zt_cal_between(cal, p.accept_day, end) - p.susp_done : 0;
        if (elapsed < 0) elapsed = 0;
    }
    OPT_INT(p.has_accept_day, elapsed);
    zt_bind_int(st, k++, (int64_t)p.nevs);
    OPT_INT(p.nevs, p.nevs ? p.evs[p.nevs - 1].at : 0);
    zt_bind_int(st, k++, now);
    zt_bind_int(st, k++, zt_now());
    /* the digest, for the tick that will come (none needed without timers) */
    char *dumped = ntimers && !digest ? digest_dump(&p, rows) : NULL;
    zt_bind_text(st, k++, ntimers ? (digest ? digest : dumped) : "{}");
    free(dumped);
    zt_bind_int(st, k++, subject_id);
#undef OPT_TEXT
#undef OPT_INT
    rc = zt_step_done(st, e);
    goto out;
internal:
    rc = e && e->code ? e->code : ZT_EINTERNAL;
out:
    json_decref(all);
    zt_arena_free(&a);
    return rc;
}

/* --- intake ------------------------------------------------------------------ */

int zt_sv_supervises(const char *subject_type) {
    static const char *const types[] = {"case", "consultation", "complaint", "rating", NULL};
    for (int i = 0; subject_type && types[i]; i++)
        if (!strcmp(types[i], subject_type)) return 1;
    return 0;
}

zt_err zt_sv_ingest(zt_db *db, const zt_principal *actor, json_t *ev, int64_t owner_user_id, int *dup, zt_error *e) {
    if (dup) *dup = 0;
    const char *id = str(ev, "id"), *source = str(ev, "source"), *type = str(ev, "type");
    const char *stype = str(ev, "subject_type"), *subject = str(ev, "subject"), *time = str(ev, "time");
    int64_t at;
    if (!id || !source || !type || !stype || !subject || !time || zt_time_parse(time, &at))
        return zt_fail(e, ZT_EINVAL, "event", "事件缺少 id、source、type、subject_type、subject 或 time");
    json_t *info = json_object_get(ev, info_key(stype));
    const char *dept = str(ev, "department") ? str(ev, "department") : str(info, "department");
    const char *region = str(ev, "region") ? str(ev, "region") : str(info, "region");
    if (!dept || !region) return zt_fail(e, ZT_EINVAL, "department", "事件缺少部门（department）或区划（region）");
    char *text = json_dumps(ev, JSON_COMPACT);
    zt_stmt *st = zt_db_prepare(db,
                                "INSERT INTO sv_events (event_id, source, subject_type, subject, type, occurred_at,"
                                " received_at, dept_code, region_code, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                                " ON CONFLICT (event_id) DO NOTHING",
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
        if (dup) *dup = 1;
        return ZT_OK;
    }
    if ((rc = zt_record(db, actor, type, stype, subject, owner_user_id, ev, e))) return rc;
    st = zt_db_prepare(db,
                       "INSERT INTO sv_subjects (subject_type, subject, source, dept_code, region_code, updated_at)"
                       " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (subject_type, subject) DO UPDATE SET"
                       " updated_at = excluded.updated_at RETURNING id, source",
                       e);
    if (!st) return ZT_EINTERNAL;
    zt_bind_text(st, 1, stype);
    zt_bind_text(st, 2, subject);
    zt_bind_text(st, 3, source);
    zt_bind_text(st, 4, dept);
    zt_bind_text(st, 5, region);
    zt_bind_int(st, 6, zt_now());
    if (zt_step(st, e) != ZT_ROW) {
        zt_db_release(db);
        return e->code ? e->code : ZT_EINTERNAL;
    }
    int64_t sid = zt_col_int(st, 0);
    int same = !strcmp(zt_col_text(st, 1), source);
    zt_db_release(db);
    if (!same) return zt_fail(e, ZT_ECONFLICT, "subject", "编号 %s 已由其他来源报送", subject);
    rc = zt_sv_evaluate(db, sid, zt_now(), e);
    /* a constraint the engine's own rows break is the engine's fault, not
     * the reporter's: not a conflict to tell a department about */
    if (rc == ZT_ECONFLICT) rc = ZT_EINTERNAL, e->code = ZT_EINTERNAL;
    return rc;
}
