/* cards.c - the card lifecycle API (监察卡, R5; DOMAIN §4, docs/cards.md).
 *
 *   pending (待发) --confirm--> issued (已发) --feedback--> answered (已反馈) --close--> closed
 *   issued | answered | appealed --escalate--> escalated (督办) --feedback--> answered
 *   issued | answered --appeal (申诉)--> appealed --revoke--> revoked | --send_back--> issued
 *
 * The engine (engine.c) raises cards and retracts those a new picture no
 * longer justifies; this file moves them on the request of people: the
 * supervision office confirms, closes, escalates, revokes and sends back; the
 * responsible department answers, and its head appeals. Each step is one
 * write: a compare-and-set of the state (a step another request took first
 * is a 409, never a second step), the due day, then zt_sv_card_step, which
 * records the card event, the audit row, the ledger entry and tells the
 * department.
 *
 * Who sees a card: administrators and auditors every card; supervisors those
 * of their region (403 outside it: they know cards exist there); the
 * department's clerks and head their own department's (404 for another's, as
 * for cases). Also here: the inbox (站内信) the notifications land in. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/auth.h"
#include "base/calendar.h"
#include "base/clock.h"
#include "base/json.h"
#include "flow/registry.h"
#include "flow/step.h"
#include "store/query.h"
#include "supervise/cards.h"
#include "supervise/kind.h"
#include "supervise/supervise.h"
#include "supervise/views.h"

static zt_app *APP(zt_req *r) { return zt_req_app(r); }

#define DUE_DAYS_MAX 60

#define SUP         ZT_R_SUPERVISOR
#define DEPT        (ZT_R_CLERK | ZT_R_DEPT_HEAD)
#define ALL_READERS (ZT_R_SUPERVISOR | ZT_R_ADMIN | ZT_R_AUDITOR | ZT_R_CLERK | ZT_R_DEPT_HEAD)

/* The card's process definition (data/flows/card.json): its states and
 * actions, their labels and the texts each action requires. */
static const zt_flow *card_flow(void) { return zt_flows_get("card", 0); }

static const char *state_label(const char *s) {
    zt_flow_state_info si;
    const zt_flow *f = card_flow();
    return f && zt_flow_state(f, s, &si) == 0 ? si.label : s;
}

/* The text an action of the card takes: its first field ("reason" or
 * "feedback"), and whether it is required. */
static const char *action_field(const zt_flow *f, const char *action, int *required) {
    json_t *def = zt_flow_json(f), *a;
    size_t i;
    const char *name = NULL;
    static const char *const known[] = {"reason", "feedback", NULL};
    *required = 0;
    json_array_foreach(json_object_get(def, "actions"), i, a) {
        if (strcmp(json_string_value(json_object_get(a, "id")), action)) continue;
        json_t *fd = json_array_get(json_object_get(a, "fields"), 0);
        const char *n = json_string_value(json_object_get(fd, "name"));
        for (int k = 0; n && known[k]; k++)
            if (!strcmp(n, known[k])) name = known[k];
        *required = json_is_true(json_object_get(fd, "required"));
    }
    json_decref(def);
    return name;
}

/* --- small helpers --- */

/* The code of the principal's department ("" if none), as the
 * authenticator found it. */
static const char *principal_dept(zt_req *r) {
    const char *code = zt_req_principal(r)->dept_code;
    return code ? code : "";
}

/* --- reading cards --- */

#define CARD_COLS                                                                                                      \
    "c.id, c.number, c.subject_id, c.rule_id, c.rule_version, c.level, c.category, c.title, c.dept_code,"              \
    " coalesce(d.name, ''), c.region_code, coalesce(rg.name, ''), c.step, c.signal_at, c.state, c.feedback_due,"       \
    " c.escalated_due, c.created_at, c.updated_at, coalesce(ru.name, ''), s.subject_type, s.subject,"                  \
    " s.topic, s.title"
#define CARD_FROM                                                                                                      \
    "sv_cards c JOIN sv_subjects s ON s.id = c.subject_id LEFT JOIN departments d ON d.code = c.dept_code"             \
    " LEFT JOIN regions rg ON rg.code = c.region_code LEFT JOIN sv_rules ru ON ru.id = c.rule_id"

/* Is a card late for its department: issued and past the feedback day, or
 * 督办 and past its day. Answered and appealed cards wait for the office. */
static int card_overdue(const char *state, const char *feedback_due, const char *escalated_due, const char *today) {
    if (strcmp(state, "issued") == 0) return feedback_due && *feedback_due && strcmp(feedback_due, today) < 0;
    if (strcmp(state, "escalated") == 0) return escalated_due && *escalated_due && strcmp(escalated_due, today) < 0;
    return 0;
}

/* The summary of a row of CARD_COLS (lists and the head of the detail). */
static json_t *card_json(zt_stmt *st, const char *today) {
    const char *level = zt_col_text(st, 5), *state = zt_col_text(st, 14);
    json_t *o = json_pack(
        "{s:I,s:s,s:s,s:s,s:s,s:{s:s,s:I,s:s},s:s,s:s,s:s,s:{s:s,s:s},s:{s:s,s:s},s:s,s:o,s:o,s:o,"
        "s:b,s:o,s:o,s:{s:I,s:s,s:s,s:o,s:o}}",
        "id", (json_int_t)zt_col_int(st, 0), "number", zt_col_text(st, 1), "level", level, "level_label",
        zt_sv_level_label(level), "category", zt_col_text(st, 6), "rule", "id", zt_col_text(st, 3), "version",
        (json_int_t)zt_col_int(st, 4), "name", zt_col_text(st, 19), "title", zt_col_text(st, 7), "state", state,
        "state_label", state_label(state), "department", "code", zt_col_text(st, 8), "name", zt_col_text(st, 9),
        "region", "code", zt_col_text(st, 10), "name", zt_col_text(st, 11), "step", zt_col_text(st, 12), "signal_at",
        zt_col_json_time(st, 13), "feedback_due", zt_col_json_text(st, 15), "escalated_due", zt_col_json_text(st, 16),
        "overdue", card_overdue(state, zt_col_text(st, 15), zt_col_text(st, 16), today), "created_at",
        zt_col_json_time(st, 17), "updated_at", zt_col_json_time(st, 18), "subject", "id",
        (json_int_t)zt_col_int(st, 2), "type", zt_col_text(st, 20), "number", zt_col_text(st, 21), "item_code",
        zt_col_json_text(st, 22), "item_name", zt_col_json_text(st, 23));
    return o;
}

typedef struct {
    json_t *items;
    const char *today;
} rows_ctx;

static void card_list_row(zt_stmt *st, void *ctx) {
    rows_ctx *c = ctx;
    json_array_append_new(c->items, card_json(st, c->today));
}

/* What the handlers need of one card; strings in the request's arena. */
typedef struct card {
    int64_t id;
    const char *number, *rule_id, *state, *dept_code, *region_code;
} card;

static zt_err load_card(zt_req *r, int64_t id, card *c, zt_error *e) {
    zt_arena *a = zt_req_arena(r);
    zt_stmt *st =
        zt_db_prepare(zt_store_reader(APP(r)->store),
                      "SELECT id, number, rule_id, state, dept_code, region_code FROM sv_cards WHERE id = ?", e);
    if (!st) return ZT_EINTERNAL;
    zt_bind_int(st, 1, id);
    zt_err s = zt_step(st, e);
    if (zt_step_failed(s)) return s;
    if (s == ZT_DONE) return zt_fail(e, ZT_ENOTFOUND, "id", "监察卡不存在");
    *c = (card){.id = zt_col_int(st, 0),
                .number = zt_arena_strdup(a, zt_col_text(st, 1)),
                .rule_id = zt_arena_strdup(a, zt_col_text(st, 2)),
                .state = zt_arena_strdup(a, zt_col_text(st, 3)),
                .dept_code = zt_arena_strdup(a, zt_col_text(st, 4)),
                .region_code = zt_arena_strdup(a, zt_col_text(st, 5))};
    return ZT_OK;
}

/* May the principal see the card? Administrators and auditors: all;
 * supervisors: their region (403 outside); the department's staff: their
 * own department's (404 for another's: they do not learn it exists). */
static zt_err scope_check(zt_req *r, const card *c, zt_error *e) {
    const zt_principal *p = zt_req_principal(r);
    if (p->role_bit & (ZT_R_ADMIN | ZT_R_AUDITOR)) return ZT_OK;
    if (p->role_bit & ZT_R_SUPERVISOR) {
        if (zt_region_within(c->region_code, p->region)) return ZT_OK;
        return zt_fail(e, ZT_EFORBIDDEN, "id", "监察卡 %s 不在你的监察区域内", c->number);
    }
    if (p->role_bit & DEPT) {
        const char *mine = principal_dept(r);
        if (*mine && strcmp(mine, c->dept_code) == 0) return ZT_OK;
    }
    return zt_fail(e, ZT_ENOTFOUND, "id", "监察卡不存在");
}

/* The steps the viewer may take on a card in state now (scope checked):
 * the definition's actions for his role, with the text each requires. */
static json_t *actions_json(const zt_principal *p, const char *state) {
    json_t *out = json_array();
    const zt_flow *f = card_flow();
    const char *ids[ZT_FLOW_MAX_ACTIONS];
    size_t n = f && p->role ? zt_flow_actions(f, state, p->role, ids, ZT_FLOW_MAX_ACTIONS) : 0;
    for (size_t i = 0; i < n && i < ZT_FLOW_MAX_ACTIONS; i++) {
        int required;
        const char *field = action_field(f, ids[i], &required);
        json_array_append_new(out, json_pack("{s:s,s:s,s:s,s:o}", "id", ids[i], "label", zt_flow_label(f, ids[i]), "to",
                                             zt_flow_target(f, state, ids[i]), "requires",
                                             field && required ? json_string(field) : json_null()));
    }
    return out;
}

static void card_event(const zt_flow_event *ev, void *ctx) {
    const zt_flow *f = card_flow();
    json_t *fields = json_loads(ev->fields, 0, NULL);
    const char *text = zt_sv_str(fields, "feedback") ? zt_sv_str(fields, "feedback") : zt_sv_str(fields, "reason");
    const char *label = f ? zt_flow_label(f, ev->action) : NULL;
    json_array_append_new(ctx, json_pack("{s:I,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:o,s:s}", "seq", (json_int_t)ev->seq,
                                         "action", ev->action, "action_label", label ? label : ev->action, "from",
                                         ev->from, "from_label", state_label(ev->from), "to", ev->to, "to_label",
                                         state_label(ev->to), "actor", ev->actor, "actor_role", ev->actor_role, "at",
                                         zt_json_time(ev->at), "reason", text ? text : ""));
    json_decref(fields);
}

/* GET /api/supervision/cards/{id} (and the reply of every step): the card,
 * its facts, the timeline, the subject's summary, the viewer's actions. */
static zt_err reply_card(zt_req *r, int64_t id, zt_error *e) {
    const zt_principal *p = zt_req_principal(r);
    zt_db *db = zt_store_reader(APP(r)->store);
    char today[11];
    zt_day_format(zt_today(), today);
    zt_stmt *st = zt_db_query(db, e, "SELECT " CARD_COLS ", c.facts FROM " CARD_FROM " WHERE c.id = ?", ZT_I(id));
    if (!st) return ZT_EINTERNAL;
    zt_err s = zt_step(st, e);
    if (zt_step_failed(s)) return s;
    if (s == ZT_DONE) return zt_fail(e, ZT_ENOTFOUND, "id", "监察卡不存在");
    json_t *o = card_json(st, today);
    int64_t subject_id = zt_col_int(st, 2);
    json_t *facts = json_loads(zt_col_text(st, 24), JSON_DECODE_ANY, NULL);
    json_object_set_new(o, "facts", facts ? facts : json_string(zt_col_text(st, 24)));
    json_object_set_new(o, "actions", actions_json(p, zt_col_text(st, 14)));
    char *number = zt_arena_strdup(zt_req_arena(r), zt_col_text(st, 1));
    json_t *events = json_array();
    zt_err rc = zt_flow_history(db, "card", number, 0, card_event, events, e);
    json_object_set_new(o, "events", events);
    if (!rc) {
        st = zt_db_prepare(db, "SELECT " ZT_SV_SUBJECT_COLS " FROM sv_subjects s WHERE s.id = ?", e);
        if (!st) rc = ZT_EINTERNAL;
    }
    if (!rc) {
        zt_bind_int(st, 1, subject_id);
        s = zt_step(st, e);
        if (zt_step_failed(s)) rc = s;
        if (s == ZT_ROW) {
            json_t *subj = json_pack("{s:I,s:s,s:s,s:s,s:s,s:s}", "id", (json_int_t)subject_id, "type",
                                     zt_col_text(st, 1), "number", zt_col_text(st, 2), "source", zt_col_text(st, 3),
                                     "dept_code", zt_col_text(st, 4), "region_code", zt_col_text(st, 5));
            zt_sv_subject_common(subj, st, 0);
            json_object_set_new(o, "subject", subj);
        }
        zt_db_release(db);
    }
    if (rc) {
        json_decref(o);
        return rc;
    }
    zt_reply_json(r, 200, o);
    return ZT_OK;
}

static zt_err h_card_get(zt_req *r, zt_error *e) {
    int64_t id;
    card c;
    zt_err rc = zt_req_param_id(r, "id", &id, e);
    if (!rc) rc = load_card(r, id, &c, e);
    if (!rc) rc = scope_check(r, &c, e);
    if (rc) return rc;
    return reply_card(r, id, e);
}

/* --- lists --- */

/* A comma list of names (?state=issued,escalated), each in valid, as one
 * bound value: " AND ? LIKE '%,' || col || ',%'" with ",issued,escalated,".
 * One value whatever the list's length: the builder has room for
 * ZT_QB_MAX values and aborts beyond, so a client must not choose how many.
 * The names hold no LIKE wildcards (they come from valid). */
static zt_err in_list(zt_req *r, zt_qb *f, const char *col, const char *param, const char *const *valid,
                      const char *what, zt_error *e) {
    const char *v = zt_req_query(r, param);
    if (!v || !*v) return ZT_OK;
    zt_arena *a = zt_req_arena(r);
    char set[160] = ",";
    size_t used = 1;
    for (const char *s = v;;) {
        const char *comma = strchr(s, ',');
        size_t len = comma ? (size_t)(comma - s) : strlen(s);
        int i = 0;
        while (valid[i] && !(strlen(valid[i]) == len && strncmp(valid[i], s, len) == 0)) i++;
        if (!valid[i]) {
            char *bad = zt_arena_strndup(a, s, len > 32 ? 32 : len);
            zt_utf8_clean(bad);
            return zt_fail(e, ZT_EINVAL, param, "%s（%s）不认识「%s」", what, param, bad);
        }
        if (used + len + 1 >= sizeof set) return zt_fail(e, ZT_EINVAL, param, "%s（%s）列得太多", what, param);
        memcpy(set + used, s, len);
        used += len;
        set[used++] = ',';
        set[used] = '\0';
        if (!comma) break;
        s = comma + 1;
    }
    zt_qb_sql(f, " AND ? LIKE '%,' || ");
    zt_qb_sql(f, col);
    zt_qb_sql(f, " || ',%'");
    zt_qb_text(f, zt_arena_strdup(a, set));
    return ZT_OK;
}

static const char *const STATE_IDS[] = {"pending",  "issued",  "answered",  "closed", "escalated",
                                        "appealed", "revoked", "retracted", NULL};
static const char *const LEVEL_IDS[] = {"warning", "yellow", "red", NULL};

/* A day parameter ("YYYY-MM-DD") or 400 naming it. */
static zt_err day_param(zt_req *r, const char *name, zt_day *d, int *given, zt_error *e) {
    const char *v = zt_req_query(r, name);
    *given = v && *v;
    if (*given && zt_day_parse(v, d))
        return zt_fail(e, ZT_EINVAL, name, "日期（%s）须为 YYYY-MM-DD 格式的真实日期", name);
    return ZT_OK;
}

/* The filters both card lists share; dept_view: the department's own list
 * (no dept/region filter: it is one department). */
static zt_err card_filters(zt_req *r, zt_qb *f, int dept_view, const char *today, zt_error *e) {
    zt_err rc = in_list(r, f, "c.state", "state", STATE_IDS, "状态", e);
    if (!rc) rc = in_list(r, f, "c.level", "level", LEVEL_IDS, "级别", e);
    if (rc) return rc;
    static const struct {
        const char *param, *sql;
    } eq[] = {{"rule", " AND c.rule_id = ?"},
              {"category", " AND c.category = ?"},
              {"subject", " AND s.subject = ?"},
              {"dept", " AND c.dept_code = ?"}};
    for (size_t i = 0; i < sizeof eq / sizeof eq[0]; i++) {
        const char *v = zt_req_query(r, eq[i].param);
        if (!v || !*v || (dept_view && strcmp(eq[i].param, "dept") == 0)) continue;
        zt_qb_sql(f, eq[i].sql);
        zt_qb_text(f, v);
    }
    const char *region = zt_req_query(r, "region");
    if (!dept_view && region && *region) { /* the region and everything below it */
        zt_qb_region(f, "c.region_code", region);
    }
    zt_day from, to;
    int has_from, has_to;
    if ((rc = day_param(r, "from", &from, &has_from, e)) || (rc = day_param(r, "to", &to, &has_to, e))) return rc;
    if (has_from) {
        zt_qb_sql(f, " AND c.created_at >= ?");
        zt_qb_int(f, zt_day_start(from));
    }
    if (has_to) {
        zt_qb_sql(f, " AND c.created_at < ?");
        zt_qb_int(f, zt_day_start(to + 1));
    }
    const char *over = zt_req_query(r, "overdue");
    if (over && strcmp(over, "1") == 0) {
        zt_qb_sql(f, " AND ((c.state = 'issued' AND c.feedback_due < ?) OR (c.state = 'escalated' AND"
                     " c.escalated_due < ?))");
        zt_qb_text(f, today);
        zt_qb_text(f, today);
    }
    return ZT_OK;
}

static zt_err reply_cards(zt_req *r, zt_qb *f, const char *today, zt_error *e) {
    int64_t limit, offset, total;
    zt_err rc = zt_req_page(r, &limit, &offset, e);
    if (rc) return rc;
    rows_ctx c = {json_array(), today};
    rc = zt_qb_list(zt_store_reader(APP(r)->store), f, CARD_COLS, CARD_FROM, "ORDER BY c.created_at DESC, c.id DESC",
                    limit, offset, card_list_row, &c, &total, e);
    if (rc) {
        json_decref(c.items);
        return rc;
    }
    zt_reply_json(r, 200, zt_page_json(c.items, total, limit, offset));
    return ZT_OK;
}

/* GET /api/supervision/cards: supervisors their region's; administrators
 * and auditors every card. */
static zt_err h_cards(zt_req *r, zt_error *e) {
    const zt_principal *p = zt_req_principal(r);
    char *today = zt_arena_alloc(zt_req_arena(r), 11);
    zt_day_format(zt_today(), today);
    zt_qb f;
    zt_qb_init(&f, zt_req_arena(r), "1 = 1");
    if (!(p->role_bit & (ZT_R_ADMIN | ZT_R_AUDITOR))) {
        if (!(p->region && *p->region)) {
            zt_qb_sql(&f, " AND 1 = 0"); /* no region, no scope (as zt_region_within) */
        } else {
            zt_qb_region(&f, "c.region_code", p->region);
        }
    }
    zt_err rc = card_filters(r, &f, 0, today, e);
    if (rc) return rc;
    return reply_cards(r, &f, today, e);
}

/* GET /api/dept/cards: the department's own cards. */
static zt_err h_dept_cards(zt_req *r, zt_error *e) {
    char *today = zt_arena_alloc(zt_req_arena(r), 11);
    zt_day_format(zt_today(), today);
    const char *mine = principal_dept(r);
    zt_err rc;
    zt_qb f;
    zt_qb_init(&f, zt_req_arena(r), "c.dept_code = ?");
    zt_qb_text(&f, mine);
    if (!*mine) zt_qb_sql(&f, " AND 1 = 0");
    if ((rc = card_filters(r, &f, 1, today, e))) return rc;
    return reply_cards(r, &f, today, e);
}

/* --- steps --- */

typedef struct {
    const zt_principal *p;
    const char *action;
    int64_t id;
    json_t *fields;
} act_arg;

/* A card as the engine moves it. */
typedef struct card_row {
    int64_t id, updated_at;
    char number[64], rule_id[64], level[8], state[16], dept[64], region[16], subject[160], title[512];
    int64_t rule_version;
} card_row;

static zt_err load_row(zt_db *db, int64_t id, card_row *c, zt_error *e) {
    zt_stmt *st = zt_db_query(db, e,
                              "SELECT c.id, c.number, c.rule_id, c.level, c.state, c.dept_code, c.region_code,"
                              " s.subject_type || '/' || s.subject, c.title, c.rule_version, c.updated_at"
                              " FROM sv_cards c JOIN sv_subjects s ON s.id = c.subject_id WHERE c.id = ?",
                              ZT_I(id));
    if (!st) return ZT_EINTERNAL;
    zt_err rc = zt_step(st, e);
    if (rc == ZT_ROW) {
        c->id = zt_col_int(st, 0);
        snprintf(c->number, sizeof c->number, "%s", zt_col_text(st, 1));
        snprintf(c->rule_id, sizeof c->rule_id, "%s", zt_col_text(st, 2));
        snprintf(c->level, sizeof c->level, "%s", zt_col_text(st, 3));
        snprintf(c->state, sizeof c->state, "%s", zt_col_text(st, 4));
        snprintf(c->dept, sizeof c->dept, "%s", zt_col_text(st, 5));
        snprintf(c->region, sizeof c->region, "%s", zt_col_text(st, 6));
        snprintf(c->subject, sizeof c->subject, "%s", zt_col_text(st, 7));
        snprintf(c->title, sizeof c->title, "%s", zt_col_text(st, 8));
        c->rule_version = zt_col_int(st, 9);
        c->updated_at = zt_col_int(st, 10);
    }
    zt_db_release(db);
    if (rc == ZT_DONE) return zt_fail(e, ZT_ENOTFOUND, "id", "监察卡不存在");
    return rc == ZT_ROW ? ZT_OK : rc;
}

/* The department answers by the end of the n-th working day after the card
 * is issued (or sent back to it); a 督办 card is handled by the end of the
 * m-th: the rule's params say (feedback_days, escalated_days: 1..60), else
 * the limit of the state in the card's definition. */
static void due_after(zt_db *db, const card_row *c, const char *param, const char *state, int64_t at, char out[11]) {
    zt_flow_state_info si;
    const zt_flow *f = card_flow();
    int n = f && zt_flow_state(f, state, &si) == 0 && si.limit > 0 ? si.limit : 3;
    zt_error ignored = {0};
    zt_stmt *st = zt_db_prepare(db, "SELECT params FROM sv_rules WHERE id = ?", &ignored);
    if (st) {
        zt_bind_text(st, 1, c->rule_id);
        if (zt_step(st, &ignored) == ZT_ROW) {
            json_t *params = json_loads(zt_col_text(st, 0), 0, NULL);
            json_t *v = json_object_get(params, param);
            if (json_is_integer(v) && json_integer_value(v) >= 1 && json_integer_value(v) <= DUE_DAYS_MAX)
                n = (int)json_integer_value(v);
            json_decref(params);
        }
        zt_db_release(db);
    }
    zt_day_format(zt_cal_add(zt_sv_calendar(), zt_day_of_instant(at), n), out);
}

/* The engine's hook for a card's step: the due day of the state it
 * enters, the department told, and the card in the event (the ledger's
 * record of the step). */
static zt_err card_apply(zt_db *db, zt_flow_move *m, zt_error *e) {
    const card_row *c = m->in->row;
    char due[11] = "";
    const char *col = NULL;
    /* the card's invariants, whatever its definition file says: the engine
     * raises a card to pending or issued and retracts only a live one; an
     * answered card is an issued or 督办 one answered */
    ZT_ASSERTF(strcmp(m->action.id, "raise") || !strcmp(m->to, "pending") || !strcmp(m->to, "issued"),
               "card %s raised to %s", c->number, m->to);
    ZT_ASSERTF(strcmp(m->action.id, "retract") || zt_sv_card_live(m->from), "card %s retracted from %s", c->number,
               m->from);
    ZT_ASSERTF(strcmp(m->to, "answered") || !strcmp(m->from, "issued") || !strcmp(m->from, "escalated"),
               "card %s answered from %s", c->number, m->from);
    if (!strcmp(m->to, "issued") && strcmp(m->from, "issued")) {
        due_after(db, c, "feedback_days", "issued", m->at, due);
        col = "UPDATE sv_cards SET feedback_due = ? WHERE id = ?";
    } else if (!strcmp(m->to, "escalated")) {
        due_after(db, c, "escalated_days", "escalated", m->at, due);
        col = "UPDATE sv_cards SET escalated_due = ? WHERE id = ?";
    }
    zt_err rc = ZT_OK;
    if (col) {
        zt_stmt *st = zt_db_query(db, e, col, ZT_T(due), ZT_I(c->id));
        if (!st) return ZT_EINTERNAL;
        ZT_ASSERTF(*due, "card %s entered %s without a due day", c->number, m->to);
        if ((rc = zt_step_done(st, e))) return rc;
    }
    const char *reason =
        zt_sv_str(m->fields, "feedback") ? zt_sv_str(m->fields, "feedback") : zt_sv_str(m->fields, "reason");
    json_object_set_new(m->event, "card",
                        json_pack("{s:s,s:s,s:I,s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "number", c->number, "rule", c->rule_id,
                                  "rule_version", (json_int_t)c->rule_version, "level", c->level, "department", c->dept,
                                  "region", c->region, "subject", c->subject, "from", m->from, "to", m->to, "reason",
                                  reason ? reason : ""));
    return zt_sv_notify_card(db, c->id, c->number, c->level, c->title, c->dept, m->to, m->action.id, e);
}

static const zt_flow_owner CARD_OWNER = {.subject_type = "card", .table = "sv_cards", .apply = card_apply};

static zt_err card_instance(const card_row *c, zt_flow_instance *in, zt_error *e) {
    const zt_flow *f = card_flow();
    if (!f) return zt_fail(e, ZT_EINTERNAL, NULL, "流程定义 card 未加载");
    *in = (zt_flow_instance){.owner = &CARD_OWNER,
                             .def = f,
                             .row_id = c->id,
                             .subject = c->number,
                             .state = c->state,
                             .dept_code = c->dept,
                             .region_code = c->region,
                             .row = (void *)c};
    return ZT_OK;
}

int zt_sv_card_live(const char *state) {
    const zt_flow *f = card_flow();
    return f && zt_flow_target(f, state, "retract") != NULL;
}

zt_err zt_sv_card_raise(zt_db *db, const zt_sv_card_spec *sp, int64_t existing_id, zt_error *e) {
    int64_t now = zt_now();
    const char *to = sp->confirm ? "pending" : "issued";
    zt_flow_opts o = {.to = to, .at = now};
    card_row c;
    zt_flow_instance in;
    zt_err rc;
    if (existing_id) { /* raised again after a retraction */
        zt_stmt *st =
            zt_db_prepare(db, "UPDATE sv_cards SET facts = ?, signal_at = ?, rule_version = ? WHERE id = ?", e);
        if (!st) return ZT_EINTERNAL;
        zt_bind_text(st, 1, sp->facts);
        zt_bind_int(st, 2, sp->signal_at);
        zt_bind_int(st, 3, sp->rule_version);
        zt_bind_int(st, 4, existing_id);
        if ((rc = zt_step_done(st, e)) || (rc = load_row(db, existing_id, &c, e)) || (rc = card_instance(&c, &in, e)))
            return rc;
        json_t *fields = json_pack("{s:s}", "reason", "重新评估后再次成立");
        rc = zt_flow_step(db, &in, "raise", zt_sv_system(), fields, &o, e);
        json_decref(fields);
        return rc;
    }
    char number[64], prefix[48], day[11];
    zt_day_format(zt_day_of_instant(now), day);
    snprintf(prefix, sizeof prefix, "JC-%s-%.4s%.2s%.2s", *sp->region ? sp->region : "000000", day, day + 5, day + 8);
    if ((rc = zt_number_next(db, prefix, 5, number, sizeof number, e))) return rc;
    zt_stmt *st = zt_db_query(db, e,
                              "INSERT INTO sv_cards (number, subject_id, rule_id, rule_version, level, category,"
                              " title, facts, dept_code, region_code, step, signal_at, state, created_at,"
                              " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                              ZT_T(number), ZT_I(sp->subject_id), ZT_T(sp->rule_id), ZT_I(sp->rule_version),
                              ZT_T(sp->level), ZT_T(sp->category), ZT_T(sp->title), ZT_T(sp->facts), ZT_T(sp->dept),
                              ZT_T(sp->region), ZT_T(sp->step), ZT_I(sp->signal_at), ZT_T(to), ZT_I(now), ZT_I(now));
    if (!st) return ZT_EINTERNAL;
    rc = zt_step(st, e);
    int64_t id = rc == ZT_ROW ? zt_col_int(st, 0) : 0;
    zt_db_release(db);
    if (rc != ZT_ROW) return zt_step_failed(rc) ? rc : ZT_EINTERNAL;
    c = (card_row){.id = id, .updated_at = now, .rule_version = sp->rule_version};
    snprintf(c.number, sizeof c.number, "%s", number);
    snprintf(c.rule_id, sizeof c.rule_id, "%s", sp->rule_id);
    snprintf(c.level, sizeof c.level, "%s", sp->level);
    snprintf(c.state, sizeof c.state, "%s", to);
    snprintf(c.dept, sizeof c.dept, "%s", sp->dept);
    snprintf(c.region, sizeof c.region, "%s", sp->region);
    snprintf(c.subject, sizeof c.subject, "%s/%s", sp->subject_type, sp->subject);
    snprintf(c.title, sizeof c.title, "%s", sp->title);
    if ((rc = card_instance(&c, &in, e))) return rc;
    return zt_flow_create(db, &in, "raise", zt_sv_system(), NULL, &o, e);
}

zt_err zt_sv_card_retract(zt_db *db, int64_t card_id, zt_error *e) {
    card_row c;
    zt_flow_instance in;
    zt_err rc = load_row(db, card_id, &c, e);
    if (!rc) rc = card_instance(&c, &in, e);
    if (rc) return rc;
    json_t *fields = json_pack("{s:s}", "reason", "依据迟到或更正的报送重新评估，该信号不再成立");
    rc = zt_flow_step(db, &in, "retract", zt_sv_system(), fields, NULL, e);
    json_decref(fields);
    return rc;
}

static zt_err write_act(zt_db *db, void *arg, zt_error *e) {
    act_arg *w = arg;
    card_row c;
    zt_flow_instance in;
    zt_err rc = load_row(db, w->id, &c, e);
    if (!rc) rc = card_instance(&c, &in, e);
    return rc ? rc : zt_flow_step(db, &in, w->action, w->p, w->fields, NULL, e);
}

/* POST /api/supervision/cards/{id}/{action} {reason} | {feedback}: who may
 * (the route's roles, the card's scope), then the card's definition
 * decides (403 role, 409 state, 400 the text). */
static zt_err act(zt_req *r, const char *action, zt_error *e) {
    const zt_principal *p = zt_req_principal(r);
    int64_t id;
    card c;
    zt_err rc = zt_req_param_id(r, "id", &id, e);
    if (!rc) rc = load_card(r, id, &c, e);
    if (!rc) rc = scope_check(r, &c, e);
    if (rc) return rc;
    const zt_flow *f = card_flow();
    if (!f) return zt_fail(e, ZT_EINTERNAL, NULL, "流程定义 card 未加载");
    int required;
    const char *key = action_field(f, action, &required);
    json_t *b = NULL;
    size_t len = 0;
    zt_req_body(r, &len);
    if (len || required) {
        const char *allowed[] = {key ? key : "reason", NULL};
        rc = zt_req_json(r, &b, e);
        if (!rc) rc = zt_json_only(b, allowed, e);
        if (rc) return rc;
    }
    /* a blank optional text is no text */
    json_t *fields = json_object();
    json_t *v = b && key ? json_object_get(b, key) : NULL;
    if (v && !(json_is_string(v) && zt_blank(json_string_value(v)) && !required)) json_object_set(fields, key, v);
    act_arg w = {.p = p, .action = action, .id = id, .fields = fields};
    zt_db_release(zt_store_reader(APP(r)->store));
    rc = zt_store_write(APP(r)->store, write_act, &w, e);
    json_decref(fields);
    if (rc) return rc;
    zt_db_release(zt_store_reader(APP(r)->store));
    return reply_card(r, id, e);
}

static zt_err h_confirm(zt_req *r, zt_error *e) { return act(r, "confirm", e); }
static zt_err h_feedback(zt_req *r, zt_error *e) { return act(r, "feedback", e); }
static zt_err h_close(zt_req *r, zt_error *e) { return act(r, "close", e); }
static zt_err h_escalate(zt_req *r, zt_error *e) { return act(r, "escalate", e); }
static zt_err h_appeal(zt_req *r, zt_error *e) { return act(r, "appeal", e); }
static zt_err h_revoke(zt_req *r, zt_error *e) { return act(r, "revoke", e); }
static zt_err h_send_back(zt_req *r, zt_error *e) { return act(r, "send_back", e); }

/* --- the inbox (站内信) --- */

#define INBOX_COLS "i.id, i.title, i.body, i.created_at, i.read_at, i.card_id, c.number, c.level, c.state"
#define INBOX_FROM "sv_inbox i LEFT JOIN sv_cards c ON c.id = i.card_id"

static json_t *inbox_json(zt_stmt *st) {
    json_t *cj = json_null();
    if (!zt_col_is_null(st, 5) && !zt_col_is_null(st, 6))
        cj = json_pack("{s:I,s:s,s:s,s:s,s:s,s:s}", "id", (json_int_t)zt_col_int(st, 5), "number", zt_col_text(st, 6),
                       "level", zt_col_text(st, 7), "level_label", zt_sv_level_label(zt_col_text(st, 7)), "state",
                       zt_col_text(st, 8), "state_label", state_label(zt_col_text(st, 8)));
    return json_pack("{s:I,s:s,s:s,s:o,s:o,s:b,s:o}", "id", (json_int_t)zt_col_int(st, 0), "title", zt_col_text(st, 1),
                     "body", zt_col_text(st, 2), "created_at", zt_col_json_time(st, 3), "read_at",
                     zt_col_json_time(st, 4), "read", !zt_col_is_null(st, 4), "card", cj);
}

static void inbox_row(zt_stmt *st, void *ctx) { json_array_append_new(ctx, inbox_json(st)); }

/* GET /api/inbox: the viewer's notifications, unread first, newest first;
 * ?unread=1 only the unread. The page carries the unread count. */
static zt_err h_inbox(zt_req *r, zt_error *e) {
    const zt_principal *p = zt_req_principal(r);
    int64_t limit, offset, total;
    zt_err rc = zt_req_page(r, &limit, &offset, e);
    if (rc) return rc;
    zt_qb f;
    zt_qb_init(&f, zt_req_arena(r), "i.user_id = ?");
    zt_qb_int(&f, p->user_id);
    const char *unread = zt_req_query(r, "unread");
    if (unread && strcmp(unread, "1") == 0) zt_qb_sql(&f, " AND i.read_at IS NULL");
    zt_db *db = zt_store_reader(APP(r)->store);
    json_t *items = json_array();
    rc = zt_qb_list(db, &f, INBOX_COLS, INBOX_FROM, "ORDER BY i.read_at IS NOT NULL, i.created_at DESC, i.id DESC",
                    limit, offset, inbox_row, items, &total, e);
    zt_stmt *st =
        rc ? NULL : zt_db_prepare(db, "SELECT count(*) FROM sv_inbox WHERE user_id = ? AND read_at IS NULL", e);
    if (!rc && !st) rc = ZT_EINTERNAL;
    int64_t n_unread = 0;
    if (!rc) {
        zt_bind_int(st, 1, p->user_id);
        zt_err s = zt_step(st, e);
        if (zt_step_failed(s)) rc = s;
        n_unread = zt_col_int(st, 0);
    }
    if (rc) {
        json_decref(items);
        return rc;
    }
    json_t *page = zt_page_json(items, total, limit, offset);
    json_object_set_new(page, "unread", json_integer(n_unread));
    zt_reply_json(r, 200, page);
    return ZT_OK;
}

typedef struct {
    int64_t id, user_id, now;
} read_arg;

static zt_err write_read(zt_db *db, void *arg, zt_error *e) {
    read_arg *a = arg;
    zt_stmt *st =
        zt_db_prepare(db, "UPDATE sv_inbox SET read_at = ? WHERE id = ? AND user_id = ? AND read_at IS NULL", e);
    if (!st) return ZT_EINTERNAL;
    zt_bind_int(st, 1, a->now);
    zt_bind_int(st, 2, a->id);
    zt_bind_int(st, 3, a->user_id);
    return zt_step_done(st, e);
}

/* POST /api/inbox/{id}/read: mark one's own notification read (again: no
 * change). Another user's is unknown (404). */
static zt_err h_inbox_read(zt_req *r, zt_error *e) {
    const zt_principal *p = zt_req_principal(r);
    read_arg a = {.user_id = p->user_id, .now = zt_now()};
    zt_err rc = zt_req_param_id(r, "id", &a.id, e);
    if (rc) return rc;
    zt_db *db = zt_store_reader(APP(r)->store);
    zt_stmt *st =
        zt_db_query(db, e, "SELECT 1 FROM sv_inbox WHERE id = ? AND user_id = ?", ZT_I(a.id), ZT_I(a.user_id));
    if (!st) return ZT_EINTERNAL;
    zt_err s = zt_step(st, e);
    if (zt_step_failed(s)) return s;
    if (s == ZT_DONE) return zt_fail(e, ZT_ENOTFOUND, "id", "消息不存在");
    zt_db_release(db);
    if ((rc = zt_store_write(APP(r)->store, write_read, &a, e))) return rc;
    st = zt_db_query(db, e, "SELECT " INBOX_COLS " FROM " INBOX_FROM " WHERE i.id = ?", ZT_I(a.id));
    if (!st) return ZT_EINTERNAL;
    if ((s = zt_step(st, e)) != ZT_ROW) return zt_step_failed(s) ? s : ZT_EINTERNAL;
    zt_reply_json(r, 200, inbox_json(st));
    return ZT_OK;
}

#define READERS (ZT_R_SUPERVISOR | ZT_R_ADMIN | ZT_R_AUDITOR)
static const zt_route routes[] = {
    {"GET", "/api/supervision/cards", h_cards, READERS,
     "cards (supervisors: region) (state list, level, rule, dept, region, subject, category, from, to, overdue, "
     "page)"},
    {"GET", "/api/dept/cards", h_dept_cards, DEPT,
     "the department's cards (state list, level, rule, subject, category, from, to, overdue, page)"},
    {"GET", "/api/supervision/cards/{id}", h_card_get, ALL_READERS,
     "one card with its facts, timeline, subject and the viewer's actions"},
    {"POST", "/api/supervision/cards/{id}/confirm", h_confirm, SUP, "confirm a pending card: issued (reason optional)"},
    {"POST", "/api/supervision/cards/{id}/feedback", h_feedback, DEPT,
     "the department answers an issued or escalated card (feedback)"},
    {"POST", "/api/supervision/cards/{id}/close", h_close, SUP, "close an answered card (reason)"},
    {"POST", "/api/supervision/cards/{id}/escalate", h_escalate, SUP,
     "督办: escalate an issued, answered or appealed card (reason)"},
    {"POST", "/api/supervision/cards/{id}/appeal", h_appeal, ZT_R_DEPT_HEAD,
     "申诉: the department's head appeals an issued or answered card (reason)"},
    {"POST", "/api/supervision/cards/{id}/revoke", h_revoke, SUP, "revoke an appealed card (reason)"},
    {"POST", "/api/supervision/cards/{id}/send_back", h_send_back, SUP,
     "turn an appeal down: the card is issued again (reason)"},
    {"GET", "/api/inbox", h_inbox, ZT_R_USERS, "own notifications, unread first (unread=1, page)"},
    {"POST", "/api/inbox/{id}/read", h_inbox_read, ZT_R_USERS, "mark a notification read"},
};

const zt_route *zt_sv_card_routes(size_t *n) {
    *n = sizeof routes / sizeof routes[0];
    return routes;
}
