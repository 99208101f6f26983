/* cases.c - applications and the case lifecycle (办件), R3 and R4.
 *
 * A citizen or enterprise applies for a published power item with its
 * materials; the case runs under the item version and the process
 * definition version of that moment, whatever is published later. Every
 * action goes through the definition (src/flow decides 400/403/409) and
 * commits the new state, the case event, the supervision event and its
 * ledger entry in one write. The legal clock (docs/services.md):
 *   - limits count working days after the acceptance day: the promised
 *     deadline is the end of WD_P, the legal one the end of WD_L;
 *   - a special procedure (特别程序) stops the clock: when it ends, both
 *     deadlines move back by the working days in (start day, end day];
 *   - the acceptance step is due 5 working days after submission (or after
 *     the supplement arrived), the issue step 10 after the decision.
 * The status query (number + query password) needs no login. */
#include <fcntl.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "auth/auth.h"
#include "base/arena.h"
#include "base/calendar.h"
#include "base/clock.h"
#include "base/json.h"
#include "base/log.h"
#include "org/org.h"
#include "services/services.h"
#include "store/query.h"

static zt_app *APP(zt_req *r) { return zt_req_app(r); }

/* --- the query password ----------------------------------------------
 * Derived from the case number with a server key (HMAC), so that the
 * applicant can print the receipt again and a retried submission answers
 * with the same password, while the database alone does not reveal it. The
 * stored hash decides a query. 8 characters of a 32-letter alphabet without
 * look-alikes (0/O, 1/I/L): 40 bits, and queries are throttled. */

static unsigned char query_key[crypto_auth_KEYBYTES];

static const char PW_ALPHABET[] = "23456789ABCDEFGHJKMNPQRSTUVWXYZa";

static void query_password(const char *number, char out[9]) {
    unsigned char mac[crypto_auth_BYTES];
    crypto_auth(mac, (const unsigned char *)number, strlen(number), query_key);
    for (int i = 0; i < 8; i++) out[i] = PW_ALPHABET[mac[i] & 31];
    out[8] = 0;
}

static void query_hash(const char *number, const char *password, unsigned char out[32]) {
    crypto_hash_sha256_state st;
    crypto_hash_sha256_init(&st);
    crypto_hash_sha256_update(&st, (const unsigned char *)number, strlen(number));
    crypto_hash_sha256_update(&st, (const unsigned char *)":", 1);
    crypto_hash_sha256_update(&st, (const unsigned char *)password, strlen(password));
    crypto_hash_sha256_final(&st, out);
}

void zt_case_query_secret(const char *number, char password[9], unsigned char hash[32]) {
    query_password(number, password);
    query_hash(number, password, hash);
}

/* data_dir/query.key: created once (0600), then read at every start. */
static zt_err load_query_key(const zt_config *cfg, zt_error *e) {
    char *path = zt_config_path(cfg, NULL, "query.key");
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        randombytes_buf(query_key, sizeof query_key);
        fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd < 0 || write(fd, query_key, sizeof query_key) != (ssize_t)sizeof query_key || fsync(fd)) {
            if (fd >= 0) close(fd);
            zt_fail(e, ZT_EINTERNAL, "data_dir", "无法创建查询密钥文件 %s", path);
            free(path);
            return ZT_EINTERNAL;
        }
        close(fd);
        free(path);
        return ZT_OK;
    }
    ssize_t n = read(fd, query_key, sizeof query_key);
    close(fd);
    if (n != (ssize_t)sizeof query_key) {
        zt_fail(e, ZT_EINTERNAL, "data_dir", "查询密钥文件 %s 已损坏", path);
        free(path);
        return ZT_EINTERNAL;
    }
    free(path);
    return ZT_OK;
}

zt_err zt_services_start(zt_app *app, zt_error *e) {
    zt_err rc = zt_flows_load(app, e);
    if (!rc) rc = load_query_key(app->cfg, e);
    return rc;
}

/* --- days -------------------------------------------------------------- */

static void day_text(zt_day d, char out[11]) { zt_day_format(d, out); }

static zt_day today(void) { return zt_day_of_instant(zt_now()); }

static json_t *day_json(const char *d) { return d && *d ? json_string(d) : json_null(); }

static json_t *ts_json(int64_t t) {
    if (!t) return json_null();
    char ts[32];
    zt_time_format(t, ts);
    return json_string(ts);
}

/* Working days from today to the end of due (negative: overdue by that
 * many working days), or null. */
static json_t *remaining_json(const zt_calendar *cal, const char *due) {
    zt_day d;
    if (!due || zt_day_parse(due, &d)) return json_null();
    zt_day t = today();
    if (d >= t) return json_integer(zt_cal_between(cal, t, d));
    return json_integer(-zt_cal_between(cal, d, t));
}

/* --- a case as loaded -------------------------------------------------- */

typedef struct {
    int64_t id, item_id, dept_id, applicant_id, state_since, submitted_at, accepted_at, suspended_at, closed_at;
    int64_t suspended_days, suspend_granted, supplements, fee_charged, updated_at;
    int flow_version, item_version, legal_days, promised_days, has_fee;
    const char *number, *flow_id, *region, *applicant_type, *applicant_name, *applicant_no, *contact_phone, *channel;
    const char *title, *form, *state, *due_day, *accept_day, *promised_due, *legal_due, *result_type, *certificate_no;
    const char *item_code, *item_name, *dept_code, *dept_name, *online;
} case_row;

#define CASE_COLS                                                                                                      \
    "c.id, c.number, c.item_id, c.flow_id, c.flow_version, c.dept_id, c.region_code, c.applicant_id,"                  \
    " c.applicant_type, c.applicant_name, c.applicant_no, c.contact_phone, c.channel, c.title, c.form, c.state,"       \
    " c.state_since, c.due_day, c.submitted_at, c.accepted_at, c.accept_day, c.promised_due, c.legal_due,"             \
    " c.suspended_days, c.suspended_at, c.suspend_granted, c.supplements, c.closed_at, c.result_type,"                 \
    " c.certificate_no, c.fee_charged, i.code, i.version, i.name, i.legal_days, i.promised_days, d.code, d.name,"      \
    " c.updated_at, i.online"
#define CASE_FROM "cases c JOIN items i ON i.id = c.item_id JOIN departments d ON d.id = c.dept_id"

static const char *col_dup(zt_arena *a, zt_stmt *st, int i) {
    return zt_col_is_null(st, i) ? NULL : zt_arena_strdup(a, zt_col_text(st, i));
}

static void row_from(zt_stmt *st, zt_arena *a, case_row *c) {
    memset(c, 0, sizeof *c);
    c->id = zt_col_int(st, 0);
    c->number = col_dup(a, st, 1);
    c->item_id = zt_col_int(st, 2);
    c->flow_id = col_dup(a, st, 3);
    c->flow_version = (int)zt_col_int(st, 4);
    c->dept_id = zt_col_int(st, 5);
    c->region = col_dup(a, st, 6);
    c->applicant_id = zt_col_int(st, 7);
    c->applicant_type = col_dup(a, st, 8);
    c->applicant_name = col_dup(a, st, 9);
    c->applicant_no = col_dup(a, st, 10);
    c->contact_phone = col_dup(a, st, 11);
    c->channel = col_dup(a, st, 12);
    c->title = col_dup(a, st, 13);
    c->form = col_dup(a, st, 14);
    c->state = col_dup(a, st, 15);
    c->state_since = zt_col_int(st, 16);
    c->due_day = col_dup(a, st, 17);
    c->submitted_at = zt_col_int(st, 18);
    c->accepted_at = zt_col_int(st, 19);
    c->accept_day = col_dup(a, st, 20);
    c->promised_due = col_dup(a, st, 21);
    c->legal_due = col_dup(a, st, 22);
    c->suspended_days = zt_col_int(st, 23);
    c->suspended_at = zt_col_int(st, 24);
    c->suspend_granted = zt_col_int(st, 25);
    c->supplements = zt_col_int(st, 26);
    c->closed_at = zt_col_int(st, 27);
    c->result_type = col_dup(a, st, 28);
    c->certificate_no = col_dup(a, st, 29);
    c->has_fee = !zt_col_is_null(st, 30);
    c->fee_charged = zt_col_int(st, 30);
    c->item_code = col_dup(a, st, 31);
    c->item_version = (int)zt_col_int(st, 32);
    c->item_name = col_dup(a, st, 33);
    c->legal_days = (int)zt_col_int(st, 34);
    c->promised_days = (int)zt_col_int(st, 35);
    c->dept_code = col_dup(a, st, 36);
    c->dept_name = col_dup(a, st, 37);
    c->updated_at = zt_col_int(st, 38);
    c->online = col_dup(a, st, 39);
}

static zt_err load_case(zt_db *db, zt_arena *a, const char *number, case_row *c, zt_error *e) {
    zt_stmt *st = zt_db_prepare(db, "SELECT " CASE_COLS " FROM " CASE_FROM " WHERE c.number = ?", e);
    if (!st) return ZT_EINTERNAL;
    zt_bind_text(st, 1, number);
    zt_err rc = zt_step(st, e);
    if (zt_step_failed(rc)) return rc;
    if (rc == ZT_DONE) {
        zt_db_release(db);
        return zt_fail(e, ZT_ENOTFOUND, "number", "办件不存在");
    }
    row_from(st, a, c);
    zt_db_release(db);
    return ZT_OK;
}

/* Is the department one of the case's joint-review departments? */
static int is_joint(zt_db *db, int64_t case_id, int64_t dept_id) {
    zt_error ignored = {0}; /* a failed read answers no */
    zt_stmt *st = zt_db_prepare(db, "SELECT 1 FROM case_joint WHERE case_id = ? AND dept_id = ?", &ignored);
    if (!st) return 0;
    zt_bind_int(st, 1, case_id);
    zt_bind_int(st, 2, dept_id);
    int ok = zt_step(st, &ignored) == ZT_ROW;
    zt_db_release(db);
    return ok;
}

/* Who sees a case: its applicant; staff of its department or of a joint
 * department; supervisors of its region; auditors and administrators. */
static int can_view(zt_db *db, const zt_principal *p, const case_row *c) {
    if (p->user_id && p->user_id == c->applicant_id) return 1;
    if (p->role_bit & (ZT_R_ADMIN | ZT_R_AUDITOR)) return 1;
    if (p->role_bit & ZT_R_SUPERVISOR) return zt_region_within(c->region, p->region);
    if (p->role_bit & (ZT_R_CLERK | ZT_R_DEPT_HEAD))
        return p->dept_id == c->dept_id || (p->dept_id && is_joint(db, c->id, p->dept_id));
    return 0;
}

static zt_err load_visible(zt_req *r, case_row *c, zt_error *e) {
    zt_db *db = zt_store_reader(APP(r)->store);
    zt_err rc = load_case(db, zt_req_arena(r), zt_req_param(r, "number"), c, e);
    if (rc) return rc;
    if (!can_view(db, zt_req_principal(r), c)) return zt_fail(e, ZT_ENOTFOUND, "number", "办件不存在");
    return ZT_OK;
}

/* --- history ------------------------------------------------------------ */

static int64_t count_events(zt_db *db, int64_t case_id, const char *action, int64_t dept_id) {
    zt_error ignored = {0}; /* a failed read counts 0 */
    zt_stmt *st = zt_db_prepare(db,
                                dept_id ? "SELECT count(*) FROM case_events WHERE case_id = ? AND action = ?"
                                          " AND actor_dept = ?"
                                        : "SELECT count(*) FROM case_events WHERE case_id = ? AND action = ?",
                                &ignored);
    if (!st) return 0;
    zt_bind_int(st, 1, case_id);
    zt_bind_text(st, 2, action);
    if (dept_id) zt_bind_int(st, 3, dept_id);
    int64_t n = zt_step(st, &ignored) == ZT_ROW ? zt_col_int(st, 0) : 0;
    zt_db_release(db);
    return n;
}

/* Have all joint departments taken the parallel action? */
static int parallel_done(zt_db *db, int64_t case_id, const char *action) {
    zt_error ignored = {0}; /* a failed read answers not done */
    zt_stmt *st = zt_db_prepare(db,
                                "SELECT count(*) FROM case_joint j WHERE j.case_id = ?1 AND NOT EXISTS"
                                " (SELECT 1 FROM case_events v WHERE v.case_id = ?1 AND v.action = ?2"
                                " AND v.actor_dept = j.dept_id)",
                                &ignored);
    if (!st) return 0;
    zt_bind_int(st, 1, case_id);
    zt_bind_text(st, 2, action);
    int done = zt_step(st, &ignored) == ZT_ROW && zt_col_int(st, 0) == 0;
    zt_db_release(db);
    return done;
}

/* Who may act, beyond what the definition's roles say: the applicant's own
 * actions only on his case; staff on their department's cases, and a joint
 * department only its parallel opinion. ZT_EFORBIDDEN with the reason. */
static zt_err scope_check(zt_db *db, const zt_principal *p, const case_row *c, const zt_flow_action_info *ai,
                          zt_error *e) {
    if (p->role_bit & ZT_R_PEOPLE) {
        if (p->user_id != c->applicant_id) return zt_fail(e, ZT_EFORBIDDEN, "number", "只能操作本人的办件");
        return ZT_OK;
    }
    if (p->role_bit & (ZT_R_CLERK | ZT_R_DEPT_HEAD)) {
        if (ai->parallel) {
            if (!p->dept_id || !is_joint(db, c->id, p->dept_id))
                return zt_fail(e, ZT_EFORBIDDEN, "number", "「%s」只能由本办件的联审部门办理", ai->label);
            return ZT_OK;
        }
        if (p->dept_id != c->dept_id)
            return zt_fail(e, ZT_EFORBIDDEN, "number", "只能办理本部门的办件（本件由%s办理）", c->dept_name);
        return ZT_OK;
    }
    return ZT_OK; /* other roles: the definition decides (none of them acts on cases today) */
}

/* May p take action now? The full decision, without the fields. */
static zt_err may_act(zt_db *db, const zt_flow *f, const zt_principal *p, const case_row *c, const char *action,
                      zt_flow_action_info *ai, zt_error *e) {
    if (zt_flow_action(f, action, ai)) return zt_fail(e, ZT_EINVAL, "action", "没有这个办理动作：%s", action);
    zt_err rc = scope_check(db, p, c, ai, e);
    if (rc) return rc;
    int times = (int)count_events(db, c->id, action, ai->parallel ? p->dept_id : 0);
    int all = ai->requires_all_parallel ? parallel_done(db, c->id, ai->requires_all_parallel) : 1;
    return zt_flow_allowed(f, c->state, action, p->role, times, all, e);
}

/* --- JSON views ----------------------------------------------------------- */

static const char *state_label(const zt_flow *f, const char *state) {
    zt_flow_state_info si;
    return f && zt_flow_state(f, state, &si) == 0 ? si.label : state;
}

static const char *action_label(const zt_flow *f, const char *action) {
    zt_flow_action_info ai;
    if (!strcmp(action, "submit")) return "提交申请";
    return f && zt_flow_action(f, action, &ai) == 0 ? ai.label : action;
}

/* The basic information every view and event carries. */
static json_t *case_basic(const case_row *c, const zt_flow *f) {
    return json_pack("{s:s,s:s,s:s,s:I,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:I,s:I,s:s,s:I}", "number", c->number, "title",
                     c->title ? c->title : "", "item_code", c->item_code, "item_version", (json_int_t)c->item_version,
                     "item_name", c->item_name, "department", c->dept_code, "department_name", c->dept_name, "region",
                     c->region, "applicant_type", c->applicant_type, "channel", c->channel, "state", c->state,
                     "legal_days", (json_int_t)c->legal_days, "promised_days", (json_int_t)c->promised_days, "flow",
                     c->flow_id, "flow_version", (json_int_t)c->flow_version);
}

static json_t *deadlines_json(const zt_calendar *cal, const case_row *c) {
    return json_pack("{s:o,s:o,s:o,s:o,s:o,s:I,s:o,s:o}", "accept_day", day_json(c->accept_day), "promised_due",
                     day_json(c->promised_due), "legal_due", day_json(c->legal_due), "step_due", day_json(c->due_day),
                     "remaining_days", remaining_json(cal, c->due_day), "suspended_days", (json_int_t)c->suspended_days,
                     "suspended_since", ts_json(c->suspended_at), "suspend_granted",
                     c->suspended_at ? json_integer(c->suspend_granted) : json_null());
}

static json_t *events_json(zt_db *db, const zt_flow *f, int64_t case_id, int with_fields, zt_error *e) {
    json_t *arr = json_array();
    zt_stmt *st = zt_db_prepare(db,
                                "SELECT v.seq, v.action, v.from_state, v.to_state, v.actor, v.actor_role, v.at,"
                                " v.fields, coalesce(d.name, '') FROM case_events v LEFT JOIN departments d"
                                " ON d.id = v.actor_dept WHERE v.case_id = ? ORDER BY v.seq",
                                e);
    if (!st) return arr;
    zt_bind_int(st, 1, case_id);
    while (zt_step(st, e) == ZT_ROW) {
        json_t *ev =
            json_pack("{s:I,s:s,s:s,s:s,s:s,s:s,s:s,s:o,s:s}", "seq", (json_int_t)zt_col_int(st, 0), "action",
                      zt_col_text(st, 1), "label", action_label(f, zt_col_text(st, 1)), "from", zt_col_text(st, 2),
                      "to", zt_col_text(st, 3), "to_label", state_label(f, zt_col_text(st, 3)), "actor_role",
                      zt_col_text(st, 5), "at", ts_json(zt_col_int(st, 6)), "department", zt_col_text(st, 8));
        if (with_fields) {
            json_object_set_new(ev, "actor", json_string(zt_col_text(st, 4)));
            json_t *fields = json_loads(zt_col_text(st, 7), 0, NULL);
            json_object_set_new(ev, "fields", fields ? fields : json_object());
        }
        json_array_append_new(arr, ev);
    }
    zt_db_release(db);
    return arr;
}

/* What a step told the applicant is his to read (a refusal's reason, legal
 * basis and remedies, the materials to supplement and the 补正 notice, a special procedure's
 * kind and days, the result); staff names, roles and internal opinions are
 * not. The applicant's own steps (补正, withdrawal) keep what he entered.
 * Used by the status query and by the case detail the applicant reads. */
static void applicant_timeline(json_t *tl) {
    static const char *const public_fields[] = {"reason",         "legal_basis", "remedy_notice", "missing_materials",
                                                "notice",         "type",        "days",          "result_type",
                                                "certificate_no", "fee_charged", "delivery",      NULL};
    static const char *const internal_actions[] = {"return", "opinion", "assign", "submit_review", NULL};
    json_t *ev;
    size_t i;
    json_array_foreach(tl, i, ev) {
        const char *role = json_string_value(json_object_get(ev, "actor_role"));
        int own = role && (!strcmp(role, "citizen") || !strcmp(role, "enterprise"));
        json_object_del(ev, "actor");
        json_object_del(ev, "actor_role");
        if (own) continue;
        json_t *fields = json_object_get(ev, "fields"), *keep = json_object();
        /* the steps between staff (a head returning the file to the clerk, a joint
         * department's opinion, assignment, submission for review) tell the
         * applicant only that they happened */
        const char *action = json_string_value(json_object_get(ev, "action"));
        for (int k = 0; internal_actions[k]; k++)
            if (action && !strcmp(action, internal_actions[k])) fields = NULL;
        for (int k = 0; fields && public_fields[k]; k++) {
            json_t *v = json_object_get(fields, public_fields[k]);
            if (v) json_object_set(keep, public_fields[k], v);
        }
        json_object_set_new(ev, "fields", keep);
    }
}

static json_t *materials_json(zt_db *db, int64_t case_id, zt_error *e) {
    json_t *arr = json_array();
    zt_stmt *st = zt_db_prepare(db,
                                "SELECT m.material, m.upload_id, u.filename, f.mime, f.size, f.sha256, m.event_seq,"
                                " m.added_at FROM case_materials m JOIN uploads u ON u.id = m.upload_id"
                                " JOIN files f ON f.sha256 = u.sha256 WHERE m.case_id = ? ORDER BY m.id",
                                e);
    if (!st) return arr;
    zt_bind_int(st, 1, case_id);
    while (zt_step(st, e) == ZT_ROW)
        json_array_append_new(arr, json_pack("{s:s,s:I,s:s,s:s,s:I,s:s,s:o,s:o}", "material", zt_col_text(st, 0),
                                             "upload_id", (json_int_t)zt_col_int(st, 1), "filename", zt_col_text(st, 2),
                                             "mime", zt_col_text(st, 3), "size", (json_int_t)zt_col_int(st, 4),
                                             "sha256", zt_col_text(st, 5), "event_seq",
                                             zt_col_is_null(st, 6) ? json_null() : json_integer(zt_col_int(st, 6)),
                                             "added_at", ts_json(zt_col_int(st, 7))));
    zt_db_release(db);
    return arr;
}

static json_t *joint_json(zt_db *db, const case_row *c, zt_error *e) {
    json_t *arr = json_array();
    zt_stmt *st = zt_db_prepare(db,
                                "SELECT d.code, d.name, (SELECT count(*) FROM case_events v WHERE v.case_id = j.case_id"
                                " AND v.actor_dept = j.dept_id AND v.action = 'opinion') FROM case_joint j"
                                " JOIN departments d ON d.id = j.dept_id WHERE j.case_id = ? ORDER BY d.code",
                                e);
    if (!st) return arr;
    zt_bind_int(st, 1, c->id);
    while (zt_step(st, e) == ZT_ROW)
        json_array_append_new(arr, json_pack("{s:s,s:s,s:b}", "department", zt_col_text(st, 0), "name",
                                             zt_col_text(st, 1), "opinion_given", zt_col_int(st, 2) > 0));
    zt_db_release(db);
    return arr;
}

/* Each loaded definition as JSON, made once: a case view used to copy the
 * whole definition for the forms of one or two actions (6 % of a case
 * action's CPU in the profile, docs/performance.md). Definitions are loaded
 * at start and live until exit, so the copies do too; readers only read
 * them, and copy what they hand out. */
static pthread_mutex_t defs_mu = PTHREAD_MUTEX_INITIALIZER;
static struct {
    const zt_flow *f;
    json_t *actions;
} defs_cache[64];

static json_t *flow_actions_def(const zt_flow *f) {
    json_t *found = NULL;
    pthread_mutex_lock(&defs_mu);
    size_t i = 0;
    for (; i < sizeof defs_cache / sizeof defs_cache[0] && defs_cache[i].f; i++)
        if (defs_cache[i].f == f) break;
    if (i < sizeof defs_cache / sizeof defs_cache[0]) {
        if (!defs_cache[i].f) {
            json_t *def = zt_flow_json(f);
            defs_cache[i].actions = json_incref(json_object_get(def, "actions"));
            defs_cache[i].f = f;
            json_decref(def);
        }
        found = defs_cache[i].actions;
    }
    pthread_mutex_unlock(&defs_mu);
    return found;
}

/* The actions the viewer may take now, with their forms. */
static json_t *actions_json(zt_db *db, const zt_flow *f, const zt_principal *p, const case_row *c) {
    json_t *arr = json_array();
    if (!f || !p->role || c->closed_at) return arr;
    const char *ids[ZT_FLOW_MAX_ACTIONS];
    size_t n = zt_flow_actions(f, c->state, p->role, ids, ZT_FLOW_MAX_ACTIONS);
    json_t *own = NULL, *defs = n ? flow_actions_def(f) : NULL;
    if (n && !defs) { /* more definitions than the cache holds: a copy of our own */
        own = zt_flow_json(f);
        defs = json_object_get(own, "actions");
    }
    for (size_t i = 0; i < n; i++) {
        zt_flow_action_info ai;
        zt_error e;
        if (may_act(db, f, p, c, ids[i], &ai, &e)) continue;
        json_t *fields = json_array();
        size_t k;
        json_t *a;
        json_array_foreach(defs, k, a) if (!strcmp(json_string_value(json_object_get(a, "id")), ids[i])) {
            json_t *fs = json_deep_copy(json_object_get(a, "fields"));
            if (fs) json_array_extend(fields, fs);
            json_decref(fs);
        }
        json_array_append_new(arr, json_pack("{s:s,s:s,s:o,s:o}", "id", ids[i], "label", ai.label, "result",
                                             ai.result ? json_string(ai.result) : json_null(), "fields", fields));
    }
    json_decref(own);
    return arr;
}

static json_t *result_json(const case_row *c) {
    if (!c->closed_at) return json_null();
    return json_pack("{s:o,s:o,s:o,s:o}", "result_type", c->result_type ? json_string(c->result_type) : json_null(),
                     "certificate_no", c->certificate_no ? json_string(c->certificate_no) : json_null(), "fee_charged",
                     c->has_fee ? json_integer(c->fee_charged) : json_null(), "closed_at", ts_json(c->closed_at));
}

/* The whole case for its applicant and for staff. */
static json_t *case_detail(zt_app *app, const zt_principal *p, const case_row *c, zt_error *e) {
    zt_db *db = zt_store_reader(app->store);
    const zt_flow *f = zt_flows_get(c->flow_id, c->flow_version);
    json_t *j = case_basic(c, f);
    int own = p->user_id == c->applicant_id;
    json_object_set_new(j, "state_label", json_string(state_label(f, c->state)));
    json_object_set_new(j, "state_since", ts_json(c->state_since));
    json_object_set_new(j, "submitted_at", ts_json(c->submitted_at));
    json_object_set_new(j, "accepted_at", ts_json(c->accepted_at));
    json_object_set_new(
        j, "applicant",
        json_pack("{s:s,s:s,s:o,s:s}", "name", c->applicant_name, "type", c->applicant_type, "number",
                  own ? json_string(c->applicant_no) : json_string(c->applicant_no), /* staff need it to handle */
                  "phone", c->contact_phone ? c->contact_phone : ""));
    json_t *form = json_loads(c->form ? c->form : "{}", 0, NULL);
    json_object_set_new(j, "form", form ? form : json_object());
    json_object_set_new(j, "deadlines", deadlines_json(app->cal, c));
    json_object_set_new(j, "supplements", json_integer(c->supplements));
    json_object_set_new(j, "result", result_json(c));
    json_object_set_new(j, "timeline", events_json(db, f, c->id, 1, e));
    /* the applicant (not staff who happen to have applied) reads the public timeline */
    if (own && (p->role_bit & ZT_R_PEOPLE)) applicant_timeline(json_object_get(j, "timeline"));
    json_object_set_new(j, "materials", materials_json(db, c->id, e));
    json_object_set_new(j, "joint_departments", joint_json(db, c, e));
    json_object_set_new(j, "actions", actions_json(db, f, p, c));
    if (own) {
        char pw[9];
        query_password(c->number, pw);
        json_object_set_new(j, "query_password", json_string(pw));
    }
    return j;
}

/* --- writing ---------------------------------------------------------------- */

typedef struct {
    const char *material;
    int64_t upload_id;
} attach;

#define MAX_ATTACH 100

/* Validate "materials"/"attachments": [{material, upload_id}] of uploads
 * the actor owns. allowed (NULL = any name ≤ 100 chars) lists the names a
 * material may have. */
static zt_err take_attachments(zt_db *db, json_t *arr, const char *key, int64_t owner, json_t *allowed, attach *out,
                               size_t *n, zt_error *e) {
    *n = 0;
    if (!arr || json_is_null(arr)) return ZT_OK;
    if (!json_is_array(arr)) return zt_fail(e, ZT_EINVAL, key, "%s 须是数组", key);
    if (json_array_size(arr) > MAX_ATTACH) return zt_fail(e, ZT_EINVAL, key, "材料最多 %d 份", MAX_ATTACH);
    size_t i;
    json_t *m;
    json_array_foreach(arr, i, m) {
        char f[64];
        snprintf(f, sizeof f, "%s[%zu]", key, i);
        if (!json_is_object(m)) return zt_fail(e, ZT_EINVAL, f, "%s 须是对象 {material, upload_id}", f);
        const char *name;
        int64_t up;
        zt_err rc = zt_json_only(m, (const char *const[]){"material", "upload_id", NULL}, e);
        if (!rc) rc = zt_json_str(m, "material", 1, 100, &name, e);
        if (!rc) rc = zt_json_int(m, "upload_id", 1, 1, INT64_MAX, 0, &up, e);
        if (rc) {
            char inner[64];
            snprintf(inner, sizeof inner, "%s", e->field);
            zt_error_prefix(e, "%s: ", f);
            snprintf(e->field, sizeof e->field, "%.30s.%.30s", f, inner);
            return rc;
        }
        if (allowed) {
            size_t k;
            json_t *am;
            int found = 0;
            json_array_foreach(allowed, k, am) if (!strcmp(json_string_value(json_object_get(am, "name")), name))
                found = 1;
            if (!found) {
                char fm[80];
                snprintf(fm, sizeof fm, "%s.material", f);
                return zt_fail(e, ZT_EINVAL, fm, "「%s」不是本事项办事指南所列的申请材料", name);
            }
        }
        char fu[80];
        snprintf(fu, sizeof fu, "%s.upload_id", f);
        if ((rc = zt_upload_check(db, up, owner, fu, e))) return rc;
        out[(*n)++] = (attach){name, up};
    }
    return ZT_OK;
}

static zt_err insert_materials(zt_db *db, int64_t case_id, const attach *a, size_t n, int64_t event_seq, int64_t by,
                               zt_error *e) {
    for (size_t i = 0; i < n; i++) {
        zt_stmt *st = zt_db_prepare(db,
                                    "INSERT INTO case_materials (case_id, material, upload_id, event_seq, added_by,"
                                    " added_at) VALUES (?, ?, ?, ?, ?, ?)",
                                    e);
        if (!st) return ZT_EINTERNAL;
        zt_bind_int(st, 1, case_id);
        zt_bind_text(st, 2, a[i].material);
        zt_bind_int(st, 3, a[i].upload_id);
        if (event_seq)
            zt_bind_int(st, 4, event_seq);
        else
            zt_bind_null(st, 4);
        zt_bind_int(st, 5, by);
        zt_bind_int(st, 6, zt_now());
        zt_err rc = zt_step_done(st, e);
        if (rc) return rc;
    }
    return ZT_OK;
}

static json_t *attachments_event_json(zt_db *db, const attach *a, size_t n) {
    json_t *arr = json_array();
    zt_error ignored = {0}; /* what cannot be read is left out of the event */
    for (size_t i = 0; i < n; i++) {
        zt_stmt *st = zt_db_prepare(db,
                                    "SELECT u.sha256, f.mime, f.size FROM uploads u JOIN files f"
                                    " ON f.sha256 = u.sha256 WHERE u.id = ?",
                                    &ignored);
        if (!st) break;
        zt_bind_int(st, 1, a[i].upload_id);
        if (zt_step(st, &ignored) == ZT_ROW)
            json_array_append_new(arr, json_pack("{s:s,s:s,s:s,s:I}", "material", a[i].material, "sha256",
                                                 zt_col_text(st, 0), "mime", zt_col_text(st, 1), "size",
                                                 (json_int_t)zt_col_int(st, 2)));
        zt_db_release(db);
    }
    return arr;
}

static zt_err insert_event(zt_db *db, const zt_principal *p, int64_t case_id, int64_t seq, const char *action,
                           const char *from, const char *to, json_t *fields, const char *event_id, zt_error *e) {
    zt_stmt *st = zt_db_prepare(db,
                                "INSERT INTO case_events (case_id, seq, event_id, action, from_state, to_state,"
                                " actor_id, actor, actor_role, actor_dept, at, fields)"
                                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                                e);
    if (!st) return ZT_EINTERNAL;
    char *text = json_dumps(fields ? fields : json_object(), JSON_COMPACT);
    zt_bind_int(st, 1, case_id);
    zt_bind_int(st, 2, seq);
    zt_bind_text(st, 3, event_id);
    zt_bind_text(st, 4, action);
    zt_bind_text(st, 5, from);
    zt_bind_text(st, 6, to);
    if (p->user_id)
        zt_bind_int(st, 7, p->user_id);
    else
        zt_bind_null(st, 7);
    zt_bind_text(st, 8, p->login ? p->login : "system");
    zt_bind_text(st, 9, p->role ? p->role : "system");
    if (p->dept_id)
        zt_bind_int(st, 10, p->dept_id);
    else
        zt_bind_null(st, 10);
    zt_bind_int(st, 11, zt_now());
    zt_bind_text(st, 12, text ? text : "{}");
    free(text);
    return zt_step_done(st, e);
}

/* --- applying ------------------------------------------------------------------ */

typedef struct {
    const zt_principal *p;
    zt_app *app;
    /* the item */
    int64_t item_id, dept_id;
    const char *item_code, *item_name, *flow_id, *region, *dept_code, *online;
    int item_version, flow_version, legal_days, promised_days;
    json_t *joint; /* department codes */
    /* the application */
    const char *title, *phone, *idem, *applicant_type, *applicant_name, *applicant_no, *start;
    char *form;
    attach mats[MAX_ATTACH];
    size_t nmats;
    int accepted_at_once; /* the start state runs the decision limit (即办件) */
    /* out */
    char number[64];
    int existing;
} apply_arg;

static void due_after(const zt_calendar *cal, zt_day from, int days, char out[11]) {
    day_text(zt_cal_add(cal, from, days), out);
}

/* The day the start state (or a state entered by an action) is due: the
 * first limit it counts; an item limit is the promised deadline. */
static void state_due(const zt_calendar *cal, const zt_flow *f, const char *state, const char *prev_state,
                      const char *prev_due, const char *promised_due, int64_t granted, char out[11]) {
    out[0] = 0;
    zt_flow_state_info si, pi;
    if (zt_flow_state(f, state, &si)) return;
    if (si.clock == ZT_FLOW_CLOCK_STOPPED) {
        if (granted > 0) due_after(cal, today(), (int)granted, out);
        return;
    }
    if (si.clock != ZT_FLOW_CLOCK_RUNS || !si.ncounts) return;
    zt_flow_limit_info li;
    if (zt_flow_limit(f, si.counts[0], &li)) return;
    if (li.item_limit) {
        if (promised_due) snprintf(out, 11, "%s", promised_due);
        return;
    }
    /* the same limit continues through consecutive states (承办 → 审核) */
    if (prev_state && prev_due && *prev_due && zt_flow_state(f, prev_state, &pi) == 0 && pi.ncounts &&
        !strcmp(pi.counts[0], si.counts[0])) {
        snprintf(out, 11, "%s", prev_due);
        return;
    }
    due_after(cal, today(), li.days, out);
}

static void bind_opt(zt_stmt *st, int i, const char *v) {
    if (v && *v)
        zt_bind_text(st, i, v);
    else
        zt_bind_null(st, i);
}

static zt_err apply_write(zt_db *db, void *arg, zt_error *e) {
    apply_arg *a = arg;
    zt_stmt *st;
    if (a->idem) {
        st = zt_db_prepare(db, "SELECT number FROM cases WHERE applicant_id = ? AND idem_key = ?", e);
        if (!st) return ZT_EINTERNAL;
        zt_bind_int(st, 1, a->p->user_id);
        zt_bind_text(st, 2, a->idem);
        if (zt_step(st, e) == ZT_ROW) {
            snprintf(a->number, sizeof a->number, "%s", zt_col_text(st, 0));
            a->existing = 1;
            zt_db_release(db);
            return ZT_OK;
        }
        zt_db_release(db);
    }
    int64_t now = zt_now();
    char day[11], prefix[40];
    zt_city_day(now, day);
    snprintf(prefix, sizeof prefix, "%s-%.4s%.2s%.2s", a->region, day, day + 5, day + 8);
    zt_err rc = zt_number_next(db, prefix, 6, a->number, sizeof a->number, e);
    if (rc) return rc;
    char pw[9];
    query_password(a->number, pw);
    unsigned char qh[32];
    query_hash(a->number, pw, qh);
    const zt_flow *f = zt_flows_get(a->flow_id, a->flow_version);
    char accept_day[11] = "", promised[11] = "", legal[11] = "", due[11] = "";
    if (a->accepted_at_once) {
        snprintf(accept_day, sizeof accept_day, "%s", day);
        due_after(a->app->cal, today(), a->promised_days, promised);
        due_after(a->app->cal, today(), a->legal_days, legal);
    }
    state_due(a->app->cal, f, a->start, NULL, NULL, promised, 0, due);
    st = zt_db_prepare(db,
                       "INSERT INTO cases (number, item_id, flow_id, flow_version, dept_id, region_code, applicant_id,"
                       " applicant_type, applicant_name, applicant_no, contact_phone, channel, title, form, state,"
                       " state_since, due_day, query_hash, idem_key, submitted_at, accepted_at, accept_day,"
                       " promised_due, legal_due, updated_at) VALUES"
                       " (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'online', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                       " RETURNING id",
                       e);
    if (!st) return ZT_EINTERNAL;
    zt_bind_text(st, 1, a->number);
    zt_bind_int(st, 2, a->item_id);
    zt_bind_text(st, 3, a->flow_id);
    zt_bind_int(st, 4, a->flow_version);
    zt_bind_int(st, 5, a->dept_id);
    zt_bind_text(st, 6, a->region);
    zt_bind_int(st, 7, a->p->user_id);
    zt_bind_text(st, 8, a->applicant_type);
    zt_bind_text(st, 9, a->applicant_name);
    zt_bind_text(st, 10, a->applicant_no);
    zt_bind_text(st, 11, a->phone ? a->phone : "");
    zt_bind_text(st, 12, a->title ? a->title : "");
    zt_bind_text(st, 13, a->form);
    zt_bind_text(st, 14, a->start);
    zt_bind_int(st, 15, now);
    bind_opt(st, 16, due);
    zt_bind_blob(st, 17, qh, sizeof qh);
    bind_opt(st, 18, a->idem);
    zt_bind_int(st, 19, now);
    if (a->accepted_at_once)
        zt_bind_int(st, 20, now);
    else
        zt_bind_null(st, 20);
    bind_opt(st, 21, accept_day);
    bind_opt(st, 22, promised);
    bind_opt(st, 23, legal);
    zt_bind_int(st, 24, now);
    zt_err s = zt_step(st, e);
    if (s != ZT_ROW) return zt_step_failed(s) ? s : ZT_EINTERNAL;
    int64_t case_id = zt_col_int(st, 0);
    zt_db_release(db);
    size_t i;
    json_t *code;
    json_array_foreach(a->joint, i, code) {
        zt_dept d;
        zt_error ne = {0};
        zt_err dr = zt_dept_by_code(db, json_string_value(code), &d, &ne);
        if (dr == ZT_ENOTFOUND) continue; /* a code the directory does not know joins no one */
        if (dr) {
            *e = ne;
            return dr;
        }
        st = zt_db_prepare(db, "INSERT INTO case_joint (case_id, dept_id) VALUES (?, ?) ON CONFLICT DO NOTHING", e);
        if (!st) return ZT_EINTERNAL;
        zt_bind_int(st, 1, case_id);
        zt_bind_int(st, 2, d.id);
        if ((rc = zt_step_done(st, e))) return rc;
    }
    if ((rc = insert_materials(db, case_id, a->mats, a->nmats, 0, a->p->user_id, e))) return rc;
    /* the supervision event: basic information, the step and the materials */
    case_row c = {.number = a->number,
                  .title = a->title,
                  .item_code = a->item_code,
                  .item_version = a->item_version,
                  .item_name = a->item_name,
                  .dept_code = a->dept_code,
                  .dept_name = "",
                  .region = a->region,
                  .applicant_type = a->applicant_type,
                  .channel = "online",
                  .state = a->start,
                  .legal_days = a->legal_days,
                  .promised_days = a->promised_days,
                  .flow_id = a->flow_id,
                  .flow_version = a->flow_version};
    json_t *basic = case_basic(&c, f);
    json_object_del(basic, "department_name");
    json_object_set_new(basic, "joint_departments", json_deep_copy(a->joint));
    json_object_set_new(basic, "accept_day", day_json(accept_day));
    json_object_set_new(basic, "promised_due", day_json(promised));
    json_object_set_new(basic, "legal_due", day_json(legal));
    json_t *body = json_pack("{s:o,s:{s:s,s:o,s:s,s:s,s:s,s:s},s:o}", "case", basic, "step", "action", "submit",
                             "result", json_null(), "from", "", "to", a->start, "actor", a->p->login, "actor_role",
                             a->p->role, "materials", attachments_event_json(db, a->mats, a->nmats));
    char event_id[160];
    zt_sv_emit_args ev = {"case", a->number, "submit", 1, a->dept_code, a->region, a->p->user_id, now, body};
    rc = zt_sv_emit(db, a->p, &ev, event_id, e);
    json_decref(body);
    if (rc) return rc;
    json_t *fields = json_pack("{s:I}", "materials", (json_int_t)a->nmats);
    rc = insert_event(db, a->p, case_id, 1, "submit", "", a->start, fields, event_id, e);
    json_decref(fields);
    return rc;
}

/* A mainland mobile (1[3-9] + 9 digits) or a landline (0 + area code, with or
 * without "-", 7-8 digits). */
static int phone_ok(const char *s) {
    size_t n = strlen(s);
    if (n == 11 && s[0] == '1' && s[1] >= '3' && s[1] <= '9' && strspn(s, "0123456789") == 11) return 1;
    const char *dash = strchr(s, '-');
    if (s[0] != '0') return 0;
    if (dash) {
        size_t area = (size_t)(dash - s), rest = strlen(dash + 1);
        return area >= 3 && area <= 4 && strspn(s, "0123456789") == area && rest >= 7 && rest <= 8 &&
               strspn(dash + 1, "0123456789") == rest;
    }
    return n >= 10 && n <= 12 && strspn(s, "0123456789") == n;
}

static zt_err h_apply(zt_req *r, zt_error *e) {
    zt_app *app = APP(r);
    const zt_principal *p = zt_req_principal(r);
    zt_arena *A = zt_req_arena(r);
    json_t *b;
    zt_err rc = zt_req_json(r, &b, e);
    if (rc) return rc;
    static const char *const keys[] = {"item_code",     "title",           "form", "materials",
                                       "contact_phone", "idempotency_key", NULL};
    const char *code, *title, *phone, *idem;
    if ((rc = zt_json_only(b, keys, e)) || (rc = zt_json_str(b, "item_code", 1, 64, &code, e)) ||
        (rc = zt_json_str(b, "title", 0, 100, &title, e)) || (rc = zt_json_str(b, "contact_phone", 0, 20, &phone, e)) ||
        (rc = zt_json_str(b, "idempotency_key", 0, 64, &idem, e)))
        return rc;
    const char *hdr = zt_req_header(r, "Idempotency-Key");
    if (hdr && *hdr) {
        if (strlen(hdr) > 64) return zt_fail(e, ZT_EINVAL, "Idempotency-Key", "Idempotency-Key 不能超过 64 个字符");
        if (idem && strcmp(idem, hdr)) return zt_fail(e, ZT_EINVAL, "idempotency_key", "请求头与请求体的幂等键不一致");
        idem = hdr;
    }
    if (phone && !phone_ok(phone))
        return zt_fail(e, ZT_EINVAL, "contact_phone", "联系电话须为 11 位手机号或带区号的固定电话");
    json_t *form = json_object_get(b, "form");
    if (form && !json_is_null(form) && !json_is_object(form))
        return zt_fail(e, ZT_EINVAL, "form", "form 须是 JSON 对象（申请表的各项内容）");
    apply_arg a = {.p = p, .app = app, .title = title, .phone = phone, .idem = idem};
    a.form = form && json_is_object(form) ? json_dumps(form, JSON_COMPACT | JSON_SORT_KEYS) : strdup("{}");
    if (strlen(a.form) > 65536) {
        free(a.form);
        return zt_fail(e, ZT_EINVAL, "form", "申请表内容过长（上限 64 KiB）");
    }
    zt_db *db = zt_store_reader(app->store);
    zt_stmt *st = zt_db_prepare(db,
                                "SELECT i.id, i.code, i.version, i.name, i.flow_id, i.region_code, i.dept_id, d.code,"
                                " i.legal_days, i.promised_days, i.online, i.guide FROM items i JOIN departments d"
                                " ON d.id = i.dept_id WHERE i.code = ? AND i.status = 'published'",
                                e);
    if (!st) goto internal;
    zt_bind_text(st, 1, code);
    if (zt_step(st, e) != ZT_ROW) {
        zt_db_release(db);
        free(a.form);
        return zt_fail(e, ZT_ENOTFOUND, "item_code", "事项 %s 不存在或未发布", code);
    }
    a.item_id = zt_col_int(st, 0);
    a.item_code = col_dup(A, st, 1);
    a.item_version = (int)zt_col_int(st, 2);
    a.item_name = col_dup(A, st, 3);
    a.flow_id = col_dup(A, st, 4);
    a.region = col_dup(A, st, 5);
    a.dept_id = zt_col_int(st, 6);
    a.dept_code = col_dup(A, st, 7);
    a.legal_days = (int)zt_col_int(st, 8);
    a.promised_days = (int)zt_col_int(st, 9);
    a.online = col_dup(A, st, 10);
    json_t *guide = json_loads(zt_col_text(st, 11), 0, NULL);
    zt_db_release(db);
    if (!guide) goto internal;
    if (!strcmp(a.online, "不可网办")) {
        rc = zt_fail(e, ZT_ECONFLICT, "item_code", "事项「%s」不能网上申请，请到 %s 办理", a.item_name,
                     json_string_value(json_object_get(json_object_get(guide, "place"), "address")));
        goto out;
    }
    /* the applicant may apply for it */
    json_t *subjects = json_object_get(guide, "subjects"), *s;
    size_t i;
    int fits = 0;
    int citizen = (p->role_bit & ZT_R_CITIZEN) != 0;
    json_array_foreach(subjects, i, s) {
        const char *v = json_string_value(s);
        if (v && (citizen ? !strcmp(v, "自然人") : (!strcmp(v, "法人") || !strcmp(v, "其他组织")))) fits = 1;
    }
    if (!fits) {
        rc = zt_fail(e, ZT_EINVAL, "item_code", "事项「%s」的申请对象不包括%s", a.item_name,
                     citizen ? "自然人" : "法人和其他组织");
        goto out;
    }
    const zt_flow *f = zt_flows_get(a.flow_id, 0);
    if (!f) {
        rc = zt_fail(e, ZT_EINTERNAL, "item_code", "事项的办理流程「%s」未加载", a.flow_id);
        goto out;
    }
    a.flow_version = zt_flow_version(f);
    a.start = zt_flow_start(f);
    zt_flow_state_info si;
    zt_flow_limit_info li;
    a.accepted_at_once =
        zt_flow_state(f, a.start, &si) == 0 && si.ncounts && zt_flow_limit(f, si.counts[0], &li) == 0 && li.item_limit;
    /* materials: each a material of the guide, each upload the applicant's;
     * every required one given */
    json_t *gm = json_object_get(guide, "materials");
    if ((rc = take_attachments(db, json_object_get(b, "materials"), "materials", p->user_id, gm, a.mats, &a.nmats, e)))
        goto out;
    char missing[768] = "";
    size_t mlen = 0;
    json_array_foreach(gm, i, s) {
        if (!json_is_true(json_object_get(s, "required"))) continue;
        const char *name = json_string_value(json_object_get(s, "name"));
        int given = 0;
        for (size_t k = 0; k < a.nmats; k++)
            if (!strcmp(a.mats[k].material, name)) given = 1;
        if (!given && mlen < sizeof missing - 4)
            mlen += (size_t)snprintf(missing + mlen, sizeof missing - mlen, "%s「%s」", mlen ? "、" : "", name);
    }
    if (mlen) {
        rc = zt_fail(e, ZT_EINVAL, "materials", "缺少必需的申请材料：%s", missing);
        goto out;
    }
    /* who applies */
    st = zt_db_prepare(db, "SELECT name, coalesce(id_number, credit_code, '') FROM users WHERE id = ?", e);
    if (!st) goto internal_guide;
    zt_bind_int(st, 1, p->user_id);
    if (zt_step(st, e) != ZT_ROW) goto internal_guide;
    a.applicant_name = col_dup(A, st, 0);
    a.applicant_no = col_dup(A, st, 1);
    zt_db_release(db);
    a.applicant_type = citizen ? "citizen" : "enterprise";
    a.joint = json_object_get(guide, "joint_departments");
    if (!json_is_array(a.joint)) a.joint = NULL;
    json_t *empty = json_array();
    if (!a.joint) a.joint = empty;
    zt_db_release(db); /* end the read snapshot before writing */
    rc = zt_store_write(app->store, apply_write, &a, e);
    json_decref(empty);
    if (rc) goto out;
    case_row c;
    if ((rc = load_case(zt_store_reader(app->store), A, a.number, &c, e))) goto out;
    zt_reply_json(r, a.existing ? 200 : 201, case_detail(app, p, &c, e));
out:
    json_decref(guide);
    free(a.form);
    return rc;
internal_guide:
    zt_db_release(db);
    json_decref(guide);
internal:
    free(a.form);
    return e->code ? e->code : zt_fail(e, ZT_EINTERNAL, NULL, "读取事项失败");
}

/* --- acting ---------------------------------------------------------------------- */

typedef struct {
    const zt_principal *p;
    zt_app *app;
    const case_row *c;
    const zt_flow *f;
    zt_flow_action_info ai;
    const char *action, *to;
    json_t *fields;
    attach atts[MAX_ATTACH];
    size_t natts;
} act_arg;

static zt_err act_write(zt_db *db, void *arg, zt_error *e) {
    act_arg *a = arg;
    const case_row *c = a->c;
    const zt_calendar *cal = a->app->cal;
    int64_t now = zt_now();
    zt_day t = today();
    char tday[11];
    day_text(t, tday);
    /* what the action changes besides the state */
    char accept_day[11] = "", promised[11] = "", legal[11] = "", due[11] = "";
    snprintf(accept_day, sizeof accept_day, "%s", c->accept_day ? c->accept_day : "");
    snprintf(promised, sizeof promised, "%s", c->promised_due ? c->promised_due : "");
    snprintf(legal, sizeof legal, "%s", c->legal_due ? c->legal_due : "");
    int64_t accepted_at = c->accepted_at, suspended_at = c->suspended_at, granted = c->suspend_granted;
    int64_t suspended_days = c->suspended_days, supplements = c->supplements, closed_at = 0;
    int64_t pushed = -1;
    const char *result = a->ai.result ? a->ai.result : "";
    json_t *special = NULL;
    if (!strcmp(result, "accept")) {
        accepted_at = now;
        snprintf(accept_day, sizeof accept_day, "%s", tday);
        due_after(cal, t, c->promised_days, promised);
        due_after(cal, t, c->legal_days, legal);
    } else if (!strcmp(result, "suspend")) {
        suspended_at = now;
        json_t *d = json_object_get(a->fields, "days");
        granted = json_is_integer(d) ? json_integer_value(d) : 0;
        special = json_pack("{s:O,s:O,s:O,s:I}", "type", json_object_get(a->fields, "type"), "reason",
                            json_object_get(a->fields, "reason"), "legal_basis",
                            json_object_get(a->fields, "legal_basis"), "days", (json_int_t)granted);
    } else if (!strcmp(result, "resume") && suspended_at) {
        /* the working days in (start day, end day] are not counted: both
         * deadlines move back by them */
        zt_day start = zt_day_of_instant(suspended_at);
        int n = t > start ? zt_cal_between(cal, start, t) : 0;
        pushed = n;
        suspended_days += n;
        zt_day d;
        if (*promised && !zt_day_parse(promised, &d)) day_text(zt_cal_add(cal, d, n), promised);
        if (*legal && !zt_day_parse(legal, &d)) day_text(zt_cal_add(cal, d, n), legal);
        special = json_pack("{s:I,s:I}", "days_counted", (json_int_t)n, "days_granted", (json_int_t)granted);
        suspended_at = 0;
        granted = 0;
    } else if (!strcmp(result, "supplement")) {
        supplements++;
    }
    zt_flow_state_info si;
    if (zt_flow_state(a->f, a->to, &si) == 0 && si.terminal) closed_at = now;
    state_due(cal, a->f, a->to, c->state, c->due_day, promised, granted, due);
    const char *result_type = NULL, *cert = NULL;
    int64_t fee = -1;
    if (!strcmp(result, "complete")) {
        result_type = json_string_value(json_object_get(a->fields, "result_type"));
        cert = json_string_value(json_object_get(a->fields, "certificate_no"));
        json_t *fv = json_object_get(a->fields, "fee_charged");
        if (json_is_integer(fv)) fee = json_integer_value(fv);
    }
    zt_stmt *st = zt_db_prepare(
        db,
        "UPDATE cases SET state = ?, state_since = ?, due_day = ?, accepted_at = ?, accept_day = ?, promised_due = ?,"
        " legal_due = ?, suspended_days = ?, suspended_at = ?, suspend_granted = ?, supplements = ?,"
        " closed_at = coalesce(closed_at, ?), result_type = coalesce(?, result_type),"
        " certificate_no = coalesce(?, certificate_no), fee_charged = coalesce(?, fee_charged), updated_at = ?"
        " WHERE id = ? AND state = ? AND updated_at = ?",
        e);
    if (!st) return ZT_EINTERNAL;
    int k = 1;
    zt_bind_text(st, k++, a->to);
    zt_bind_int(st, k++, strcmp(a->to, c->state) ? now : c->state_since);
    bind_opt(st, k++, due);
    if (accepted_at)
        zt_bind_int(st, k++, accepted_at);
    else
        zt_bind_null(st, k++);
    bind_opt(st, k++, accept_day);
    bind_opt(st, k++, promised);
    bind_opt(st, k++, legal);
    zt_bind_int(st, k++, suspended_days);
    if (suspended_at)
        zt_bind_int(st, k++, suspended_at);
    else
        zt_bind_null(st, k++);
    if (suspended_at)
        zt_bind_int(st, k++, granted);
    else
        zt_bind_null(st, k++);
    zt_bind_int(st, k++, supplements);
    if (closed_at)
        zt_bind_int(st, k++, closed_at);
    else
        zt_bind_null(st, k++);
    bind_opt(st, k++, result_type);
    bind_opt(st, k++, cert);
    if (fee >= 0)
        zt_bind_int(st, k++, fee);
    else
        zt_bind_null(st, k++);
    zt_bind_int(st, k++, now);
    zt_bind_int(st, k++, c->id);
    zt_bind_text(st, k++, c->state);
    zt_bind_int(st, k++, c->updated_at);
    zt_err rc = zt_step_done(st, e);
    if (rc) return rc;
    if (zt_db_changes(db) != 1) return zt_fail(e, ZT_ECONFLICT, "state", "办件状态已经变化，请刷新后重试");
    st = zt_db_prepare(db, "SELECT coalesce(max(seq), 0) + 1 FROM case_events WHERE case_id = ?", e);
    if (!st) return ZT_EINTERNAL;
    zt_bind_int(st, 1, c->id);
    int64_t seq = zt_step(st, e) == ZT_ROW ? zt_col_int(st, 0) : 1;
    zt_db_release(db);
    if ((rc = insert_materials(db, c->id, a->atts, a->natts, seq, a->p->user_id, e))) return rc;
    /* the supervision event */
    case_row now_c = *c;
    now_c.state = a->to;
    json_t *basic = case_basic(&now_c, a->f);
    json_object_del(basic, "department_name");
    json_object_set_new(basic, "accept_day", day_json(accept_day));
    json_object_set_new(basic, "promised_due", day_json(promised));
    json_object_set_new(basic, "legal_due", day_json(legal));
    json_t *step = json_pack("{s:s,s:s,s:o,s:s,s:s,s:s,s:s,s:O,s:o}", "action", a->action, "label", a->ai.label,
                             "result", a->ai.result ? json_string(a->ai.result) : json_null(), "from", c->state, "to",
                             a->to, "actor", a->p->login, "actor_role", a->p->role, "fields", a->fields, "attachments",
                             attachments_event_json(db, a->atts, a->natts));
    if (a->p->dept_code && *a->p->dept_code)
        json_object_set_new(step, "actor_department", json_string(a->p->dept_code));
    json_t *body = json_pack("{s:o,s:o}", "case", basic, "step", step);
    if (special) json_object_set_new(body, "special_procedure", special);
    if (pushed >= 0) json_object_set_new(step, "days_not_counted", json_integer(pushed));
    if (!strcmp(result, "complete"))
        json_object_set_new(body, "result",
                            json_pack("{s:O,s:O,s:O,s:O}", "result_type", json_object_get(a->fields, "result_type"),
                                      "certificate_no", json_object_get(a->fields, "certificate_no") ?: json_null(),
                                      "fee_charged", json_object_get(a->fields, "fee_charged"), "fee_standard",
                                      json_object_get(a->fields, "fee_standard")));
    char event_id[160];
    zt_sv_emit_args ev = {"case", c->number, a->action, seq, c->dept_code, c->region, c->applicant_id, now, body};
    rc = zt_sv_emit(db, a->p, &ev, event_id, e);
    json_decref(body);
    if (rc) return rc;
    return insert_event(db, a->p, c->id, seq, a->action, c->state, a->to, a->fields, event_id, e);
}

static zt_err h_act(zt_req *r, zt_error *e) {
    zt_app *app = APP(r);
    const zt_principal *p = zt_req_principal(r);
    json_t *b;
    zt_err rc = zt_req_json(r, &b, e);
    if (rc) return rc;
    if ((rc = zt_json_only(b, (const char *const[]){"fields", "attachments", NULL}, e))) return rc;
    json_t *fields = json_object_get(b, "fields");
    if (fields && !json_is_object(fields) && !json_is_null(fields))
        return zt_fail(e, ZT_EINVAL, "fields", "fields 须是 JSON 对象");
    case_row c;
    if ((rc = load_visible(r, &c, e))) return rc;
    const zt_flow *f = zt_flows_get(c.flow_id, c.flow_version);
    if (!f) return zt_fail(e, ZT_EINTERNAL, "flow", "办件的流程定义 %s 第 %d 版未加载", c.flow_id, c.flow_version);
    act_arg a = {.p = p, .app = app, .c = &c, .f = f, .action = zt_req_param(r, "action")};
    zt_db *db = zt_store_reader(app->store);
    if ((rc = may_act(db, f, p, &c, a.action, &a.ai, e))) return rc;
    json_t *empty = json_object();
    a.fields = fields && json_is_object(fields) ? fields : empty;
    rc = zt_flow_check_fields(f, a.action, a.fields, e);
    if (!rc)
        rc = take_attachments(db, json_object_get(b, "attachments"), "attachments", p->user_id, NULL, a.atts, &a.natts,
                              e);
    zt_db_release(db); /* end the read snapshot before writing */
    if (!rc) {
        a.to = zt_flow_target(f, c.state, a.action);
        rc = zt_store_write(app->store, act_write, &a, e);
    }
    json_decref(empty);
    if (rc) return rc;
    case_row now;
    if ((rc = load_case(zt_store_reader(app->store), zt_req_arena(r), c.number, &now, e))) return rc;
    zt_reply_json(r, 200, case_detail(app, p, &now, e));
    return ZT_OK;
}

static zt_err h_get(zt_req *r, zt_error *e) {
    case_row c;
    zt_err rc = load_visible(r, &c, e);
    if (rc) return rc;
    zt_reply_json(r, 200, case_detail(APP(r), zt_req_principal(r), &c, e));
    return ZT_OK;
}

/* --- lists ----------------------------------------------------------------------- */

typedef struct {
    json_t *items;
    zt_app *app;
    zt_arena *a;
} list_ctx;

static void list_row(zt_stmt *st, void *ctx) {
    list_ctx *l = ctx;
    case_row c;
    row_from(st, l->a, &c);
    const zt_flow *f = zt_flows_get(c.flow_id, c.flow_version);
    json_t *j =
        json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:o,s:s,s:o,s:o,s:o,s:o,s:o,s:o}", "number", c.number, "title",
                  c.title ? c.title : "", "item_code", c.item_code, "item_name", c.item_name, "department_name",
                  c.dept_name, "state", c.state, "state_label", state_label(f, c.state), "submitted_at",
                  ts_json(c.submitted_at), "applicant_name", c.applicant_name, "step_due", day_json(c.due_day),
                  "remaining_days", remaining_json(l->app->cal, c.due_day), "promised_due", day_json(c.promised_due),
                  "legal_due", day_json(c.legal_due), "closed_at", ts_json(c.closed_at), "result_type",
                  c.result_type ? json_string(c.result_type) : json_null());
    json_array_append_new(l->items, j);
}

/* Filters both lists share: ?state= (comma-separated), ?open=1, ?q= (number,
 * applicant, item, title), ?item=, ?from= / ?to= (submission days),
 * ?overdue=1. */
static zt_err list_filters(zt_req *r, zt_qb *f, zt_error *e) {
    zt_arena *A = zt_req_arena(r);
    const char *state = zt_req_query(r, "state"), *q = zt_req_query(r, "q"), *item = zt_req_query(r, "item");
    const char *from = zt_req_query(r, "from"), *to = zt_req_query(r, "to"), *open = zt_req_query(r, "open");
    const char *overdue = zt_req_query(r, "overdue");
    if (state && *state) {
        char *copy = zt_arena_strdup(A, state), *save = NULL;
        zt_qb_sql(f, " AND c.state IN (");
        int n = 0;
        for (char *s = strtok_r(copy, ",", &save); s; s = strtok_r(NULL, ",", &save)) {
            if (n++ >= 32) return zt_fail(e, ZT_EINVAL, "state", "state 最多列出 32 个状态");
            zt_qb_sql(f, n > 1 ? ", ?" : "?");
            zt_qb_text(f, s);
        }
        zt_qb_sql(f, n ? ")" : "NULL)");
    }
    if (open && !strcmp(open, "1")) zt_qb_sql(f, " AND c.closed_at IS NULL");
    if (open && !strcmp(open, "0")) zt_qb_sql(f, " AND c.closed_at IS NOT NULL");
    if (q && *q) zt_qb_search(f, q, (const char *const[]){"c.number", "c.applicant_name", "i.name", "c.title", NULL});
    if (item && *item) {
        zt_qb_sql(f, " AND i.code = ?");
        zt_qb_text(f, item);
    }
    zt_day d;
    if (from && *from) {
        if (zt_day_parse(from, &d)) return zt_fail(e, ZT_EINVAL, "from", "from 须是日期 YYYY-MM-DD");
        zt_qb_sql(f, " AND c.submitted_at >= ?");
        zt_qb_int(f, zt_day_start(d));
    }
    if (to && *to) {
        if (zt_day_parse(to, &d)) return zt_fail(e, ZT_EINVAL, "to", "to 须是日期 YYYY-MM-DD");
        zt_qb_sql(f, " AND c.submitted_at < ?");
        zt_qb_int(f, zt_day_start(d + 1));
    }
    if (overdue && !strcmp(overdue, "1")) {
        char tday[11];
        day_text(today(), tday);
        zt_qb_sql(f, " AND c.closed_at IS NULL AND c.due_day < ?");
        zt_qb_text(f, zt_arena_strdup(A, tday));
    }
    return ZT_OK;
}

static zt_err reply_list(zt_req *r, zt_qb *f, const char *order, zt_error *e) {
    int64_t limit, offset, total;
    zt_err rc = zt_req_page(r, &limit, &offset, e);
    if (rc) return rc;
    list_ctx l = {json_array(), APP(r), zt_req_arena(r)};
    rc = zt_qb_list(zt_store_reader(APP(r)->store), f, CASE_COLS, CASE_FROM, order, limit, offset, list_row, &l, &total,
                    e);
    if (rc) {
        json_decref(l.items);
        return rc;
    }
    zt_reply_json(r, 200, zt_page_json(l.items, total, limit, offset));
    return ZT_OK;
}

/* GET /api/my/cases: the applicant's own, newest first. */
static zt_err h_mine(zt_req *r, zt_error *e) {
    zt_qb f;
    zt_qb_init(&f, zt_req_arena(r), "c.applicant_id = ?");
    zt_qb_int(&f, zt_req_principal(r)->user_id);
    zt_err rc = list_filters(r, &f, e);
    if (rc) return rc;
    return reply_list(r, &f, "ORDER BY c.submitted_at DESC, c.id DESC", e);
}

/* GET /api/dept/cases: the to-do list. Staff: their department's cases
 * and those it reviews jointly; supervisors: their region; auditors and
 * administrators: all. Soonest due first. */
static zt_err h_dept(zt_req *r, zt_error *e) {
    const zt_principal *p = zt_req_principal(r);
    zt_qb f;
    zt_qb_init(&f, zt_req_arena(r), "1 = 1");
    if (p->role_bit & ZT_R_SUPERVISOR) {
        zt_qb_region(&f, "c.region_code", p->region);
    } else if (!(p->role_bit & (ZT_R_ADMIN | ZT_R_AUDITOR))) {
        zt_qb_sql(&f, " AND (c.dept_id = ? OR c.id IN (SELECT case_id FROM case_joint WHERE dept_id = ?))");
        zt_qb_int(&f, p->dept_id);
        zt_qb_int(&f, p->dept_id);
    }
    const char *dept = zt_req_query(r, "dept");
    if (dept && *dept) {
        zt_qb_sql(&f, " AND d.code = ?");
        zt_qb_text(&f, dept);
    }
    zt_err rc = list_filters(r, &f, e);
    if (rc) return rc;
    return reply_list(r, &f, "ORDER BY c.closed_at IS NOT NULL, c.due_day IS NULL, c.due_day, c.submitted_at", e);
}

/* --- the status query -------------------------------------------------------------- */

/* POST /api/public/case-status {number, password}: no login. A wrong
 * password answers exactly like an unknown number; failures are throttled
 * per address (services.query_max_failures in services.query_window). */
static zt_err h_status(zt_req *r, zt_error *e) {
    zt_app *app = APP(r);
    json_t *b;
    const char *number, *password;
    zt_err rc = zt_req_json(r, &b, e);
    if (!rc) rc = zt_json_only(b, (const char *const[]){"number", "password", NULL}, e);
    if (!rc) rc = zt_json_str(b, "number", 1, 64, &number, e);
    if (!rc) rc = zt_json_str(b, "password", 1, 64, &password, e);
    if (rc) return rc;
    char key[96];
    snprintf(key, sizeof key, "query:%s", zt_req_client(r));
    int64_t now = zt_now(), retry = 0, win = app->cfg->query_window;
    if (zt_throttle_blocked(key, now, app->cfg->query_max_failures, win, &retry)) {
        char ra[24];
        snprintf(ra, sizeof ra, "%lld", (long long)retry);
        zt_reply_header(r, "Retry-After", ra);
        return zt_fail(e, ZT_ETHROTTLED, "password", "查询失败次数过多，请 %lld 秒后再试", (long long)retry);
    }
    /* the case and its stored hash in one read (the profile of this
     * endpoint: each statement is a read transaction of its own) */
    zt_db *db = zt_store_reader(app->store);
    zt_stmt *st = zt_db_prepare(db, "SELECT " CASE_COLS ", c.query_hash FROM " CASE_FROM " WHERE c.number = ?", e);
    if (!st) return ZT_EINTERNAL;
    zt_bind_text(st, 1, number);
    unsigned char want[32], got[32];
    case_row c;
    zt_err step = zt_step(st, e);
    if (zt_step_failed(step)) return step;
    int found = step == ZT_ROW;
    if (found) {
        size_t n;
        const void *h = zt_col_blob(st, 40, &n);
        found = n == 32;
        if (found) memcpy(want, h, 32);
        row_from(st, zt_req_arena(r), &c);
    }
    if (!found) memset(want, 0, sizeof want);
    zt_db_release(db);
    query_hash(number, password, got);
    if (sodium_memcmp(want, got, 32) != 0 || !found) {
        zt_throttle_fail(key, now, win);
        return zt_fail(e, ZT_ENOTFOUND, "password", "办件编号或查询密码不正确");
    }
    const zt_flow *f = zt_flows_get(c.flow_id, c.flow_version);
    /* what the holder of the receipt may know: no personal numbers, no
     * staff names */
    json_t *j = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:o,s:o,s:o,s:o,s:o}", "number", c.number, "item_name", c.item_name,
                          "department_name", c.dept_name, "state", c.state, "state_label", state_label(f, c.state),
                          "applicant_name", c.applicant_name, "submitted_at", ts_json(c.submitted_at), "accepted_at",
                          ts_json(c.accepted_at), "promised_due", day_json(c.promised_due), "result", result_json(&c),
                          "timeline", events_json(db, f, c.id, 1, e));
    applicant_timeline(json_object_get(j, "timeline"));
    zt_reply_json(r, 200, j);
    return ZT_OK;
}

/* --- receipts -------------------------------------------------------------------- */

static size_t url_escape(const char *s, char *out, size_t cap) {
    size_t n = 0;
    for (; *s && n + 4 < cap; s++) {
        unsigned char ch = (unsigned char)*s;
        if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || strchr("-._~", ch))
            out[n++] = (char)ch;
        else
            n += (size_t)snprintf(out + n, cap - n, "%%%02X", ch);
    }
    out[n] = 0;
    return n;
}

/* The link of the receipt's QR code: the portal's status page with the
 * number and password in the fragment (never sent to a server log). */
void zt_case_status_url(const zt_config *cfg, const char *number, const char *password, char *out, size_t cap) {
    char n[160], p[40];
    url_escape(number, n, sizeof n);
    url_escape(password, p, sizeof p);
    const char *base = cfg->public_url;
    size_t bl = strlen(base);
    while (bl && base[bl - 1] == '/') bl--;
    snprintf(out, cap, "%.*s/#/status?no=%s&pw=%s", (int)bl, base, n, p);
}

/* GET /api/cases/{number}/receipt.pdf: the 受理通知书 once accepted, the
 * 网上申请回执 before. */
static zt_err h_receipt(zt_req *r, zt_error *e) {
    zt_app *app = APP(r);
    case_row c;
    zt_err rc = load_visible(r, &c, e);
    if (rc) return rc;
    char pw[9], url[512], submitted[11], promised_text[64], legal_text[64], limits[96];
    query_password(c.number, pw);
    zt_case_status_url(app->cfg, c.number, pw, url, sizeof url);
    zt_city_day(c.submitted_at, submitted);
    int accepted = c.accepted_at != 0;
    char body[1024], issued[11];
    zt_city_day(zt_now(), issued);
    if (accepted) {
        snprintf(
            body, sizeof body,
            "你（单位）于 %s 提出的「%s」申请，经审查，申请材料齐全、符合法定形式，根据《中华人民共和国行政许可法》"
            "第三十二条的规定，决定予以受理。\n本机关将在承诺时限内作出决定，请凭办件编号和查询密码查询办理进度。",
            submitted, c.item_name);
    } else {
        snprintf(body, sizeof body,
                 "你（单位）于 %s 在网上提交的「%s」申请已收到，正在预审。本机关将在 5 个工作日内决定是否受理；"
                 "材料不齐全或者不符合法定形式的，将一次性告知需要补正的全部内容。",
                 submitted, c.item_name);
    }
    snprintf(limits, sizeof limits, "法定 %d 个工作日，承诺 %d 个工作日", c.legal_days, c.promised_days);
    if (c.legal_days == 0) snprintf(limits, sizeof limits, "即办件（当场办结）");
    snprintf(promised_text, sizeof promised_text, "%s", c.promised_due ? c.promised_due : "受理后计算");
    snprintf(legal_text, sizeof legal_text, "%s", c.legal_due ? c.legal_due : "受理后计算");
    const char *labels[] = {"申请人", "办理部门", "申请日期", "受理日期", "办理时限", "承诺办结日期", "法定办结日期"};
    const char *values[] = {c.applicant_name, c.dept_name,   submitted, c.accept_day ? c.accept_day : "待受理",
                            limits,           promised_text, legal_text};
    zt_receipt rec = {.title = accepted ? "受理通知书" : "网上申请回执",
                      .number = c.number,
                      .dept_name = c.dept_name,
                      .applicant = c.applicant_name,
                      .item_name = c.item_name,
                      .body = body,
                      .row_labels = labels,
                      .row_values = values,
                      .nrows = sizeof labels / sizeof labels[0],
                      .query_password = pw,
                      .qr_url = url,
                      .date = issued};
    unsigned char *pdf;
    size_t len;
    if ((rc = zt_receipt_pdf(&rec, app->cfg->receipt_font, &pdf, &len, e))) return rc;
    zt_reply_data(r, 200, "application/pdf", pdf, len);
    char disp[160];
    snprintf(disp, sizeof disp, "inline; filename=\"receipt-%s.pdf\"", c.number);
    zt_reply_header(r, "Content-Disposition", disp);
    free(pdf);
    return ZT_OK;
}

/* GET /api/flows/{id}?version=: a process definition (labels and forms for
 * the UI). */
static zt_err h_flow(zt_req *r, zt_error *e) {
    int64_t v;
    zt_err rc = zt_req_query_int(r, "version", 0, 0, 1000000, &v, e);
    if (rc) return rc;
    const zt_flow *f = zt_flows_get(zt_req_param(r, "id"), (int)v);
    if (!f) return zt_fail(e, ZT_ENOTFOUND, "id", "流程定义不存在");
    zt_reply_json(r, 200, zt_flow_json(f));
    return ZT_OK;
}

#define CASE_STAFF (ZT_R_CLERK | ZT_R_DEPT_HEAD | ZT_R_SUPERVISOR | ZT_R_ADMIN | ZT_R_AUDITOR)

static const zt_route routes[] = {
    {"POST", "/api/cases", h_apply, ZT_R_PEOPLE,
     "apply for a published item: {item_code, title, form, materials:[{material, upload_id}], contact_phone}"},
    {"GET", "/api/my/cases", h_mine, ZT_R_PEOPLE, "my cases (?state ?open ?q ?item ?from ?to, paged)"},
    {"GET", "/api/dept/cases", h_dept, CASE_STAFF,
     "to-do list with remaining working days (?state ?open ?overdue ?q ?item ?dept ?from ?to, paged)"},
    {"GET", "/api/cases/{number}", h_get, ZT_R_USERS,
     "a case: timeline, materials, deadlines, the actions open to the viewer"},
    {"POST", "/api/cases/{number}/actions/{action}", h_act, ZT_R_USERS,
     "take a process action: {fields, attachments}; 400/403/409 as the definition says"},
    {"GET", "/api/cases/{number}/receipt.pdf", h_receipt, ZT_R_USERS,
     "the receipt (受理通知书 / 网上申请回执) as PDF with the status QR code"},
    {"POST", "/api/public/case-status", h_status, ZT_PUBLIC,
     "status query without login: {number, password} (throttled)"},
    {"GET", "/api/flows/{id}", h_flow, ZT_PUBLIC, "a process definition (?version=, default the newest)"},
};

const zt_route *zt_cases_routes(size_t *n) {
    *n = sizeof routes / sizeof routes[0];
    return routes;
}
