/* intake.c - POST /api/supervision/events: events reported by departments'
 * own systems, in the schema the platform's services emit
 * (docs/supervision-events.md).
 *
 * Only API keys report (role system), each for its own department: every
 * event's department is the key's, its source "dept:{code}", its region the
 * department's or one below it. An event is judged alone: a bad one is
 * listed in `rejected` and the others go on. The valid events of one
 * request are ingested in one write (one commit), each in a savepoint of
 * its own, so that one the engine refuses is undone alone; the subjects they
 * touch are evaluated once, at the end of the write. The reply comes after
 * the commit: an accepted event is durable and in the ledger.
 *
 * A key's events and subjects are its own (issue #18 F1, F2): an event id
 * is unique within its source, ids of the form platform/... are the
 * platform's, a subject number another source reported is refused, and
 * nothing a key sends can take or block the platform's own subjects.
 *
 * Validation is deliberately narrow - what the engine needs to identify and
 * place an event: the envelope here, the subject's member by its kind
 * (kind.h check). What a step should have said (a refusal's reason, the
 * legal basis, a fee's standard) is the rules' business: they raise a card
 * for it, which is the point of supervision; refusing the report would hide
 * the fault instead. */
#include "supervise/intake.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "auth/auth.h"
#include "base/calendar.h"
#include "base/clock.h"
#include "base/json.h"
#include "org/org.h"
#include "supervise/kind.h"
#include "supervise/supervise.h"

/* An event may be ahead of our clock by this much (a department's clock
 * that runs fast, time zones written wrongly by a few hours), no more. */
#define FUTURE_SLACK 86400
/* 2000-01-01T00:00:00+08:00: nothing supervised happened before; earlier
 * instants are typing errors, and the working-day calendar has no data. */
#define EARLIEST 946656000

static const char *const RESULTS[] = {"accept", "refuse",   "supplement", "approve", "deny",     "suspend", "resume",
                                      "return", "withdraw", "complete",   "void",    "transfer", NULL};

/* Members of the envelope; a kind adds its info member and its own. */
static const char *const ENVELOPE[] = {"id",   "source",     "type",   "time", "subject_type", "subject", "seq",
                                       "step", "department", "region", NULL};
static const char *const STEP_MEMBERS[] = {"action", "label",       "result",           "from",
                                           "to",     "actor",       "actor_role",       "actor_department",
                                           "fields", "attachments", "days_not_counted", NULL};

int zt_sv_one_of(const char *s, const char *const *set) {
    for (; s && set && *set; set++)
        if (strcmp(s, *set) == 0) return 1;
    return 0;
}

/* The path of a member: "key" at the top, "obj.key" inside obj. */
static const char *path_of(char *buf, size_t cap, const char *obj, const char *key) {
    if (obj)
        snprintf(buf, cap, "%s.%s", obj, *key ? key : "\"\"");
    else
        snprintf(buf, cap, "%s", *key ? key : "\"\"");
    return buf;
}

zt_err zt_sv_check_bad(zt_error *e, const char *obj, const char *key, const char *fmt, ...) {
    char p[64], msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return zt_fail(e, ZT_EINVAL, path_of(p, sizeof p, obj, key), "%s", msg);
}
#define bad zt_sv_check_bad

/* Refuse members not in any of the NULL-terminated lists. */
static zt_err only(json_t *o, const char *obj, const char *const *a, const char *const *b, const char *c, zt_error *e) {
    const char *k;
    json_t *v;
    json_object_foreach(o, k, v) {
        if (zt_sv_one_of(k, a) || zt_sv_one_of(k, b) || (c && !strcmp(k, c))) continue;
        char p[64];
        /* a name too long to be a field path names its object instead */
        if ((size_t)snprintf(p, sizeof p, "%s%s%s", obj ? obj : "", obj ? "." : "", k) >= sizeof p)
            return zt_fail(e, ZT_EINVAL, obj ? obj : "event", "未知字段（名称超过 %zu 个字节）", sizeof p - 1);
        return bad(e, obj, k, "未知字段 %s", path_of(p, sizeof p, obj, k));
    }
    return ZT_OK;
}

zt_err zt_sv_check_only(json_t *o, const char *obj, const char *const *allowed, zt_error *e) {
    return only(o, obj, allowed, NULL, NULL, e);
}

zt_err zt_sv_check_str(json_t *o, const char *obj, const char *key, int required, size_t maxc, const char **out,
                       zt_error *e) {
    char p[64];
    path_of(p, sizeof p, obj, key);
    json_t *v = json_object_get(o, key);
    *out = NULL;
    if (!v || json_is_null(v)) return required ? bad(e, obj, key, "缺少必填字段 %s", p) : ZT_OK;
    if (!json_is_string(v)) return bad(e, obj, key, "字段 %s 必须是字符串", p);
    const char *s = json_string_value(v);
    if (strlen(s) != json_string_length(v)) return bad(e, obj, key, "字段 %s 含有空字符", p);
    if (required && !*s) return bad(e, obj, key, "字段 %s 不能为空", p);
    for (const unsigned char *c = (const unsigned char *)s; *c; c++)
        if (*c < 0x20 || *c == 0x7F) return bad(e, obj, key, "字段 %s 含有控制字符", p);
    if (zt_utf8_len(s) > maxc) return bad(e, obj, key, "字段 %s 最多 %zu 个字符", p, maxc);
    *out = s;
    return ZT_OK;
}

zt_err zt_sv_check_int(json_t *o, const char *obj, const char *key, int required, int64_t lo, int64_t hi, int64_t *out,
                       int *present, zt_error *e) {
    char p[64];
    path_of(p, sizeof p, obj, key);
    json_t *v = json_object_get(o, key);
    *out = 0;
    if (present) *present = 0;
    if (!v || json_is_null(v)) return required ? bad(e, obj, key, "缺少必填字段 %s", p) : ZT_OK;
    if (!json_is_integer(v)) return bad(e, obj, key, "字段 %s 必须是整数", p);
    json_int_t n = json_integer_value(v);
    if (n < lo || n > hi) return bad(e, obj, key, "字段 %s 必须在 %lld 到 %lld 之间", p, (long long)lo, (long long)hi);
    *out = n;
    if (present) *present = 1;
    return ZT_OK;
}

zt_err zt_sv_check_day(json_t *o, const char *obj, const char *key, zt_error *e) {
    const char *s;
    zt_err rc = zt_sv_check_str(o, obj, key, 0, 10, &s, e);
    if (rc || !s) return rc;
    zt_day d;
    if (zt_day_parse(s, &d) != 0) {
        char p[64];
        return bad(e, obj, key, "字段 %s 必须是日期 YYYY-MM-DD", path_of(p, sizeof p, obj, key));
    }
    return ZT_OK;
}

zt_err zt_sv_check_type(json_t *o, const char *obj, const char *key, json_type t, const char *what, zt_error *e) {
    json_t *v = json_object_get(o, key);
    if (!v || json_is_null(v) || json_typeof(v) == t) return ZT_OK;
    char p[64];
    return bad(e, obj, key, "字段 %s 必须是%s", path_of(p, sizeof p, obj, key), what);
}

/* A required object member. */
static zt_err obj_at(json_t *o, const char *key, json_t **out, zt_error *e) {
    *out = json_object_get(o, key);
    if (!*out || json_is_null(*out)) return bad(e, NULL, key, "缺少必填字段 %s", key);
    if (!json_is_object(*out)) return bad(e, NULL, key, "字段 %s 必须是对象", key);
    return ZT_OK;
}

/* [a-z_]{1,32} */
static int action_ok(const char *s, size_t n) {
    if (n < 1 || n > 32) return 0;
    for (size_t i = 0; i < n; i++)
        if (!(s[i] >= 'a' && s[i] <= 'z') && s[i] != '_') return 0;
    return 1;
}

/* A region code of GB/T 2260: 6 digits, or 9 for a township. */
static int region_ok(const char *s) {
    size_t n = strspn(s, "0123456789");
    return s[n] == 0 && (n == 6 || n == 9);
}

zt_err zt_sv_check_identity(json_t *o, const char *obj, const char *num_key, const char *subject, const char *dept,
                            zt_error *e) {
    const char *num, *d;
    zt_err rc = zt_sv_check_str(o, obj, num_key, 1, 64, &num, e);
    if (rc) return rc;
    char p[64];
    if (strcmp(num, subject) != 0)
        return bad(e, obj, num_key, "字段 %s 必须与 subject 相同", path_of(p, sizeof p, obj, num_key));
    if ((rc = zt_sv_check_str(o, obj, "department", 1, 64, &d, e))) return rc;
    if (strcmp(d, dept) != 0)
        return bad(e, obj, "department", "字段 %s 必须是本密钥所属部门 %s（只能报送本部门的事件）",
                   path_of(p, sizeof p, obj, "department"), dept);
    return ZT_OK;
}

zt_err zt_sv_check_region(json_t *o, const char *obj, int required, const char *dept_region, zt_error *e) {
    const char *s;
    zt_err rc = zt_sv_check_str(o, obj, "region", required, 9, &s, e);
    if (rc || !s) return rc;
    char p[64];
    path_of(p, sizeof p, obj, "region");
    if (!region_ok(s)) return bad(e, obj, "region", "字段 %s 必须是 6 位或 9 位行政区划代码", p);
    /* a department reports within its own region (issue #18 F9) */
    if (dept_region && *dept_region && !zt_region_within(s, dept_region))
        return bad(e, obj, "region", "字段 %s 必须是本部门所在区划 %s 或其下级区划", p, dept_region);
    return ZT_OK;
}

static zt_err check_step(json_t *st, const char *action, size_t action_len, zt_error *e) {
    const char *s;
    int64_t n;
    int has;
    zt_err rc = zt_sv_check_only(st, "step", STEP_MEMBERS, e);
    if (!rc) rc = zt_sv_check_str(st, "step", "action", 1, 32, &s, e);
    if (rc) return rc;
    if (strlen(s) != action_len || strncmp(s, action, action_len) != 0)
        return bad(e, "step", "action", "字段 step.action 必须与事件类型 type 的动作相同");
    if ((rc = zt_sv_check_str(st, "step", "result", 0, 16, &s, e))) return rc;
    if (s && !zt_sv_one_of(s, RESULTS))
        return bad(e, "step", "result",
                   "字段 step.result 必须为 null 或 accept refuse supplement approve deny suspend resume return "
                   "withdraw complete void transfer 之一");
    if (!rc) rc = zt_sv_check_str(st, "step", "label", 0, 64, &s, e);
    if (!rc) rc = zt_sv_check_str(st, "step", "from", 0, 64, &s, e);
    if (!rc) rc = zt_sv_check_str(st, "step", "to", 0, 64, &s, e);
    if (!rc) rc = zt_sv_check_str(st, "step", "actor", 0, 64, &s, e);
    if (!rc) rc = zt_sv_check_str(st, "step", "actor_role", 0, 32, &s, e);
    if (!rc) rc = zt_sv_check_str(st, "step", "actor_department", 0, 64, &s, e);
    if (!rc) rc = zt_sv_check_type(st, "step", "fields", JSON_OBJECT, "对象", e);
    if (!rc) rc = zt_sv_check_type(st, "step", "attachments", JSON_ARRAY, "数组", e);
    if (!rc) rc = zt_sv_check_int(st, "step", "days_not_counted", 0, 0, 3650, &n, &has, e);
    return rc;
}

/* The subject types the registered kinds watch: "case、consultation …". */
static void kind_names(char *out, size_t cap) {
    size_t n = 0;
    out[0] = 0;
    for (size_t i = 0; zt_sv_kind_at(i) && n < cap; i++) {
        int w = snprintf(out + n, cap - n, "%s%s", i ? "、" : "", zt_sv_kind_at(i)->name);
        if (w < 0 || (size_t)w >= cap - n) break;
        n += (size_t)w;
    }
}

zt_err zt_sv_event_check(json_t *ev, const char *dept_code, const char *dept_region, zt_error *e) {
    if (!json_is_object(ev)) return zt_fail(e, ZT_EINVAL, "event", "事件必须是 JSON 对象");
    const char *id, *st, *type, *time, *subject, *source;
    int64_t n;
    int has;

    /* subject_type first: its kind decides which members the event may have */
    zt_err rc = zt_sv_check_str(ev, NULL, "subject_type", 1, 16, &st, e);
    if (rc) return rc;
    const zt_sv_kind *k = zt_sv_kind_get(st);
    if (!k) {
        char names[256];
        kind_names(names, sizeof names);
        return bad(e, NULL, "subject_type", "字段 subject_type 必须是 %s 之一", names);
    }
    if ((rc = only(ev, NULL, ENVELOPE, k->members, k->info, e))) return rc;

    /* id: printable ASCII without spaces (it is quoted in URLs and logs);
     * the platform's own form is not a department's to use (F1) */
    if ((rc = zt_sv_check_str(ev, NULL, "id", 1, 160, &id, e))) return rc;
    for (const char *c = id; *c; c++)
        if (*c < 0x21 || *c > 0x7E) return bad(e, NULL, "id", "字段 id 只能由可打印 ASCII 字符组成，不含空格");
    if (!strncmp(id, "platform/", 9)) return bad(e, NULL, "id", "字段 id 不能以 platform/ 开头（平台事件的编号）");

    if ((rc = zt_sv_check_str(ev, NULL, "type", 1, 64, &type, e))) return rc;
    size_t stl = strlen(st);
    const char *action = strncmp(type, st, stl) == 0 && type[stl] == '.' ? type + stl + 1 : "";
    if (!action_ok(action, strlen(action)))
        return bad(e, NULL, "type", "字段 type 必须是 %s.{动作}，动作由 1 到 32 个小写字母或下划线组成", st);

    if ((rc = zt_sv_check_str(ev, NULL, "time", 1, 64, &time, e))) return rc;
    int64_t t;
    if (zt_time_parse(time, &t) != 0)
        return bad(e, NULL, "time", "字段 time 必须是带时区的 RFC 3339 时间，如 2026-09-24T10:00:00+08:00");
    if (t < EARLIEST) return bad(e, NULL, "time", "字段 time 不能早于 2000 年");
    if (t > zt_now() + FUTURE_SLACK) return bad(e, NULL, "time", "字段 time 超前于当前时间一天以上");

    /* subject: it becomes part of URLs (/cases/{number}) and of the ledger's
     * subject "case/{number}", so no blank and no '/' */
    if ((rc = zt_sv_check_str(ev, NULL, "subject", 1, 64, &subject, e))) return rc;
    if (strpbrk(subject, " /")) return bad(e, NULL, "subject", "字段 subject 不能含有空格或斜杠");
    if ((rc = zt_sv_check_int(ev, NULL, "seq", 0, 1, INT32_MAX, &n, &has, e))) return rc;

    char want[96];
    snprintf(want, sizeof want, "dept:%s", dept_code);
    if ((rc = zt_sv_check_str(ev, NULL, "source", 0, 96, &source, e))) return rc;
    if (source && strcmp(source, want) != 0) return bad(e, NULL, "source", "字段 source 必须是 %s 或省略", want);
    /* the envelope's own department and region (the platform sets them;
     * optional here, the body's are required) */
    const char *d;
    if ((rc = zt_sv_check_str(ev, NULL, "department", 0, 64, &d, e))) return rc;
    if (d && strcmp(d, dept_code) != 0)
        return bad(e, NULL, "department", "字段 department 必须是本密钥所属部门 %s（只能报送本部门的事件）", dept_code);
    if ((rc = zt_sv_check_region(ev, NULL, 0, dept_region, e))) return rc;

    /* the step: what happened (some kinds carry it in the type alone) */
    json_t *body, *step = json_object_get(ev, "step");
    if ((rc = obj_at(ev, k->info, &body, e))) return rc;
    if (!k->step_optional || (step && !json_is_null(step))) {
        if ((rc = obj_at(ev, "step", &step, e))) return rc;
        if ((rc = check_step(step, action, strlen(action), e))) return rc;
    }
    /* the subject's member, as its kind says: last, since it may fill in a
     * member when it accepts */
    if (k->check && (rc = k->check(ev, action, subject, dept_code, dept_region, e))) return rc;
    if (!source) json_object_set_new(ev, "source", json_string(want));
    return ZT_OK;
}

/* --- the route ---------------------------------------------------------- */

typedef struct {
    const zt_principal *p;
    const char *source; /* "dept:{code}" */
    json_t *events;     /* all events of the request (borrowed) */
    char *valid;        /* valid[i]: passed zt_sv_event_check */
    const char *prefix; /* "events" for a batch, NULL for a single event */
    json_t *statuses;   /* out: per event: "accepted" | "duplicate" | "rejected" */
    json_t *rejected;   /* out: [{index, id, field, message}] */
    zt_quota quota;     /* the key's events per minute: the valid events take it */
    int64_t now, retry; /* retry: out, the 429's Retry-After */
} intake_arg;

static json_t *id_json(json_t *ev) {
    json_t *id = json_is_object(ev) ? json_object_get(ev, "id") : NULL;
    return json_is_string(id) ? json_incref(id) : json_null();
}

static void reject(json_t *rejected, json_t *events, size_t i, const char *prefix, const zt_error *ee) {
    char field[128];
    if (!prefix)
        snprintf(field, sizeof field, "%s", ee->field);
    else if (!*ee->field || !strcmp(ee->field, "event"))
        snprintf(field, sizeof field, "%s[%zu]", prefix, i);
    else
        snprintf(field, sizeof field, "%s[%zu].%s", prefix, i, ee->field);
    json_array_append_new(rejected,
                          json_pack("{s:I,s:o,s:s,s:s}", "index", (json_int_t)i, "id",
                                    id_json(json_array_get(events, i)), "field", field, "message", ee->message));
}

/* Who else used this id, or reported this subject? ZT_ROW with other
 * filled (copied into other[cap]), ZT_DONE if nobody, or the error. */
static zt_err other_source(zt_db *db, const char *sql, const char *a, const char *b, const char *source, char *other,
                           size_t cap, zt_error *e) {
    zt_stmt *st = zt_db_query(db, e, sql, ZT_T(a));
    if (!st) return ZT_EINTERNAL;
    int k = 2;
    if (b) zt_bind_text(st, k++, b);
    zt_bind_text(st, k, source);
    zt_err s = zt_step(st, e);
    if (s == ZT_ROW) snprintf(other, cap, "%s", zt_col_text(st, 0));
    zt_db_release(db);
    return s;
}

static zt_err savepoint(zt_db *db, const char *sql, zt_error *e) {
    zt_stmt *st = zt_db_prepare(db, sql, e);
    return st ? zt_step_done(st, e) : ZT_EINTERNAL;
}

/* One event inside the write. ZT_OK with *status set, or a failure of
 * storage (the whole write is undone). */
static zt_err ingest_one(zt_db *db, intake_arg *a, size_t i, const char **status, zt_error *ee, zt_error *e) {
    json_t *ev = json_array_get(a->events, i);
    const char *id = json_string_value(json_object_get(ev, "id"));
    const char *st = json_string_value(json_object_get(ev, "subject_type"));
    const char *subject = json_string_value(json_object_get(ev, "subject"));
    char other[128];
    /* an id another source used is not a resend of it (ids are each
     * source's own; the platform's cannot be taken: zt_sv_event_check) */
    zt_err s = other_source(db, "SELECT source FROM sv_events WHERE event_id = ? AND source <> ? LIMIT 1", id, NULL,
                            a->source, other, sizeof other, e);
    if (zt_step_failed(s)) return s;
    if (s == ZT_ROW) {
        zt_fail(ee, ZT_ECONFLICT, "id", "事件编号 id 已被其他来源（%s）使用", other);
        *status = "rejected";
        return ZT_OK;
    }
    /* a number another source reported first is that source's subject: a
     * key does not report into it (the platform's subjects stay its own
     * whatever a key sent before them, F2) */
    s = other_source(db,
                     "SELECT source FROM sv_subjects WHERE subject_type = ? AND subject = ? AND source <> ? LIMIT 1",
                     st, subject, a->source, other, sizeof other, e);
    if (zt_step_failed(s)) return s;
    if (s == ZT_ROW) {
        zt_fail(ee, ZT_ECONFLICT, "subject", "编号 %s 已由其他来源（%s）报送", subject, other);
        *status = "rejected";
        return ZT_OK;
    }
    zt_err rc = savepoint(db, "SAVEPOINT sv_intake", e);
    if (rc) return rc;
    int dup = 0;
    memset(ee, 0, sizeof *ee);
    rc = zt_sv_ingest(db, a->p, ev, 0, &dup, ee);
    zt_db_release(db);
    if (rc == ZT_EINVAL || rc == ZT_ECONFLICT) {
        if ((rc = savepoint(db, "ROLLBACK TO sv_intake", e))) return rc;
        *status = "rejected";
    } else if (rc) {
        *e = *ee;
        return rc;
    } else {
        *status = dup ? "duplicate" : "accepted";
    }
    return savepoint(db, "RELEASE sv_intake", e);
}

static zt_err run_intake(zt_db *db, void *arg, zt_error *e) {
    intake_arg *a = arg;
    size_t n = json_array_size(a->events);
    /* all of the request's valid events or none (issue #22 F13) */
    zt_err qrc = zt_quota_take(db, &a->quota, a->now, &a->retry, e);
    if (qrc) return qrc;
    for (size_t i = 0; i < n; i++) {
        zt_error ee = {0};
        const char *status = "rejected";
        if (!a->valid[i]) continue;
        zt_err rc = ingest_one(db, a, i, &status, &ee, e);
        if (rc) return rc;
        json_array_set_new(a->statuses, i, json_string(status));
        if (!strcmp(status, "rejected")) reject(a->rejected, a->events, i, a->prefix, &ee);
    }
    return ZT_OK;
}

/* The regions an event names must exist (the directory's; checked here,
 * not in the pure check, which the fuzzer drives without a database). */
static zt_err regions_known(zt_db *db, json_t *ev, const zt_sv_kind *k, zt_error *e) {
    json_t *holders[] = {ev, json_object_get(ev, k->info)};
    for (int i = 0; i < 2; i++) {
        const char *region = json_string_value(json_object_get(holders[i], "region"));
        if (!region) continue;
        zt_error le = {0};
        zt_err rc = zt_region_known(db, region, &le);
        if (rc == ZT_ENOTFOUND) {
            char p[64];
            return bad(e, i ? k->info : NULL, "region", "字段 %s 不是已登记的行政区划：%s",
                       path_of(p, sizeof p, i ? k->info : NULL, "region"), region);
        }
        if (rc) {
            *e = le;
            return rc;
        }
    }
    return ZT_OK;
}

/* POST /api/supervision/events: one event, or {"events": [...]}. */
static zt_err h_events(zt_req *r, zt_error *e) {
    const zt_principal *p = zt_req_principal(r);
    if (!p->key_id || !p->dept_id) return zt_fail(e, ZT_EFORBIDDEN, NULL, "只有部门系统的 API 密钥可以报送事件");
    if (p->dept_retired || !p->dept_code || !*p->dept_code)
        return zt_fail(e, ZT_EFORBIDDEN, NULL, "密钥所属部门不存在或已撤销");
    const char *dept = p->dept_code, *region = p->dept_region;
    json_t *body = NULL;
    zt_err rc = zt_req_json(r, &body, e);
    if (rc) return rc;

    json_t *events, *batch = json_object_get(body, "events");
    const char *prefix = NULL;
    if (batch) {
        static const char *const allowed[] = {"events", NULL};
        if ((rc = zt_json_only(body, allowed, e))) return rc;
        if (!json_is_array(batch)) return zt_fail(e, ZT_EINVAL, "events", "events 必须是事件的数组");
        size_t n = json_array_size(batch);
        if (n == 0) return zt_fail(e, ZT_EINVAL, "events", "events 不能为空");
        if (n > ZT_SV_BATCH_MAX)
            return zt_fail(e, ZT_EINVAL, "events", "一次最多报送 %d 个事件（收到 %zu 个），请分批报送", ZT_SV_BATCH_MAX,
                           n);
        events = json_incref(batch);
        prefix = "events";
    } else {
        events = json_pack("[O]", body);
    }

    size_t n = json_array_size(events);
    zt_arena *ar = zt_req_arena(r);
    intake_arg a = {.p = p,
                    .source = zt_arena_printf(ar, "dept:%s", dept),
                    .events = events,
                    .valid = zt_arena_calloc(ar, n),
                    .prefix = prefix,
                    .statuses = json_array(),
                    .rejected = json_array(),
                    .quota = {"quota.events_per_minute", "本密钥报送事件数",
                              zt_arena_printf(ar, "key/%lld", (long long)p->key_id), 60,
                              zt_app_of(r)->cfg->quota_events, 1, 0},
                    .now = zt_now()};
    json_t *invalid = json_array();
    size_t nvalid = 0;
    zt_db *db = zt_store_reader(zt_app_of(r)->store);
    /* a key whose minute is used up is refused before its events are read */
    if ((rc = zt_quota_check(db, &a.quota, a.now, &a.retry, e))) {
        if (rc == ZT_ETHROTTLED) zt_quota_retry_after(r, a.retry);
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        zt_error ee = {0};
        json_t *ev = json_array_get(events, i);
        if (zt_sv_event_check(ev, dept, region, &ee) == ZT_OK &&
            regions_known(db, ev, zt_sv_kind_get(json_string_value(json_object_get(ev, "subject_type"))), &ee) ==
                ZT_OK) {
            a.valid[i] = 1;
            nvalid++;
            json_array_append_new(a.statuses, json_string("accepted"));
        } else {
            reject(invalid, events, i, prefix, &ee);
            json_array_append_new(a.statuses, json_string("rejected"));
        }
    }
    zt_db_release(db);
    a.quota.amount = (int64_t)nvalid;
    if (nvalid) rc = zt_store_write(zt_app_of(r)->store, run_intake, &a, e);
    if (rc == ZT_ETHROTTLED) zt_quota_retry_after(r, a.retry);
    if (rc) goto out;

    /* the reply: rejections in the order of the events */
    json_t *rejected = json_array(), *dups = json_array(), *list = json_array(), *v;
    size_t ia = 0, ib = 0, accepted = 0;
    for (size_t i = 0; i < n; i++) {
        const char *status = json_string_value(json_array_get(a.statuses, i));
        json_t *ev = json_array_get(events, i);
        json_array_append_new(list,
                              json_pack("{s:I,s:o,s:s}", "index", (json_int_t)i, "id", id_json(ev), "status", status));
        if (!strcmp(status, "accepted")) accepted++;
        if (!strcmp(status, "duplicate")) json_array_append_new(dups, id_json(ev));
        if (strcmp(status, "rejected")) continue;
        json_t *x = json_array_get(invalid, ia), *y = json_array_get(a.rejected, ib);
        if (x && json_integer_value(json_object_get(x, "index")) == (json_int_t)i) {
            v = x;
            ia++;
        } else {
            v = y;
            ib++;
        }
        json_array_append(rejected, v);
    }
    zt_reply_json(r, 200,
                  json_pack("{s:I,s:o,s:o,s:o}", "accepted", (json_int_t)accepted, "duplicates", dups, "rejected",
                            rejected, "events", list));
out:
    json_decref(invalid);
    json_decref(a.statuses);
    json_decref(a.rejected);
    json_decref(events);
    return rc;
}

static const zt_route ROUTES[] = {
    {"POST", "/api/supervision/events", h_events, ZT_R_SYSTEM,
     "report supervision events from a department's system (API key; one event or {events: [...]}, at most 1000)",
     8u << 20},
};

const zt_route *zt_sv_intake_routes(size_t *n) {
    *n = sizeof ROUTES / sizeof ROUTES[0];
    return ROUTES;
}
