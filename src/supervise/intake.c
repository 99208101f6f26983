/* intake.c - POST /api/supervision/events: events reported by departments'
 * own systems (issue #5), in the schema the platform's services emit
 * (docs/supervision-events.md).
 *
 * Only API keys report (role system), each for its own department: every
 * event's department is the key's and its source "dept:{code}". An event is
 * judged alone: a bad one is listed in `rejected` and the others go on. The
 * valid events of one request are ingested in one write (one commit), each
 * in a savepoint of its own, so that one the engine refuses is undone alone.
 * The reply comes after the commit: an accepted event is durable and in the
 * ledger (zt_sv_ingest appends the entry).
 *
 * Validation is deliberately narrow - what the engine needs to identify and
 * place an event. What a step should have said (a refusal's reason, the
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
#include "supervise/supervise.h"

/* An event may be ahead of our clock by this much (a department's clock
 * that runs fast, time zones written wrongly by a few hours), no more. */
#define FUTURE_SLACK 86400
/* 2000-01-01T00:00:00+08:00: nothing supervised happened before; earlier
 * instants are typing errors, and the working-day calendar has no data. */
#define EARLIEST 946656000

static const char *const SUBJECT_TYPES[] = {"case", "consultation", "complaint", "rating", NULL};
static const char *const RESULTS[] = {"accept", "refuse",   "supplement", "approve", "deny",     "suspend", "resume",
                                      "return", "withdraw", "complete",   "void",    "transfer", NULL};
static const char *const APPLICANT_TYPES[] = {"citizen", "enterprise", NULL};
static const char *const RATING_ACTIONS[] = {"rate", "visit", "fix", NULL};

/* Members of the envelope, and those each kind of subject adds. */
static const char *const ENVELOPE[] = {"id",   "source",     "type",   "time", "subject_type", "subject", "seq",
                                       "step", "department", "region", NULL};
static const char *const CASE_TOP[] = {"case", "materials", "special_procedure", "result", NULL};
static const char *const MESSAGE_TOP[] = {"message", NULL};
static const char *const RATING_TOP[] = {"rating", NULL};

static const char *const CASE_MEMBERS[] = {
    "number", "title",          "item_code",    "item_version", "item_name",         "department", "department_name",
    "region", "applicant_type", "channel",      "legal_days",   "promised_days",     "flow",       "flow_version",
    "state",  "accept_day",     "promised_due", "legal_due",    "joint_departments", NULL};
static const char *const STEP_MEMBERS[] = {"action", "label",       "result",           "from",
                                           "to",     "actor",       "actor_role",       "actor_department",
                                           "fields", "attachments", "days_not_counted", NULL};
static const char *const MESSAGE_MEMBERS[] = {"number",      "kind",  "department", "region", "item_code",
                                              "case_number", "title", "due_day",    "state",  NULL};
static const char *const RATING_MEMBERS[] = {"case_number", "level",  "level_label", "bad",     "criteria", "comment",
                                             "department",  "region", "state",       "fix_due", "note",     NULL};

static int one_of(const char *s, const char *const *set) {
    for (; *set; set++)
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

static zt_err bad(zt_error *e, const char *obj, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static zt_err bad(zt_error *e, const char *obj, const char *key, const char *fmt, ...) {
    char p[64], msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return zt_fail(e, ZT_EINVAL, path_of(p, sizeof p, obj, key), "%s", msg);
}

/* Refuse members not in any of the NULL-terminated lists. */
static zt_err only(json_t *o, const char *obj, const char *const *a, const char *const *b, zt_error *e) {
    const char *k;
    json_t *v;
    json_object_foreach(o, k, v) {
        if (one_of(k, a) || (b && one_of(k, b))) continue;
        char p[64];
        /* a name too long to be a field path names its object instead */
        if ((size_t)snprintf(p, sizeof p, "%s%s%s", obj ? obj : "", obj ? "." : "", k) >= sizeof p)
            return zt_fail(e, ZT_EINVAL, obj ? obj : "event", "未知字段（名称超过 %zu 个字节）", sizeof p - 1);
        return bad(e, obj, k, "未知字段 %s", path_of(p, sizeof p, obj, k));
    }
    return ZT_OK;
}

/* A string member of 1..maxc characters (required), or absent/null
 * (optional: *out = NULL). Control characters are refused. */
static zt_err str_at(json_t *o, const char *obj, const char *key, int required, size_t maxc, const char **out,
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

/* An integer member within [lo, hi]; absent/null: *present = 0. */
static zt_err int_at(json_t *o, const char *obj, const char *key, int required, int64_t lo, int64_t hi, int64_t *out,
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

/* An optional day "YYYY-MM-DD" (or null). */
static zt_err day_at(json_t *o, const char *obj, const char *key, zt_error *e) {
    const char *s;
    zt_err rc = str_at(o, obj, key, 0, 10, &s, e);
    if (rc || !s) return rc;
    zt_day d;
    if (zt_day_parse(s, &d) != 0) {
        char p[64];
        return bad(e, obj, key, "字段 %s 必须是日期 YYYY-MM-DD", path_of(p, sizeof p, obj, key));
    }
    return ZT_OK;
}

/* An optional member of a JSON type (null allowed). */
static zt_err kind_at(json_t *o, const char *obj, const char *key, json_type t, const char *what, zt_error *e) {
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

/* number (or case_number) = the subject, department = the key's. */
static zt_err identity(json_t *o, const char *obj, const char *num_key, const char *subject, const char *dept,
                       zt_error *e) {
    const char *num, *d;
    zt_err rc = str_at(o, obj, num_key, 1, 64, &num, e);
    if (rc) return rc;
    char p[64];
    if (strcmp(num, subject) != 0)
        return bad(e, obj, num_key, "字段 %s 必须与 subject 相同", path_of(p, sizeof p, obj, num_key));
    if ((rc = str_at(o, obj, "department", 1, 64, &d, e))) return rc;
    if (strcmp(d, dept) != 0)
        return bad(e, obj, "department", "字段 %s 必须是本密钥所属部门 %s（只能报送本部门的事件）",
                   path_of(p, sizeof p, obj, "department"), dept);
    return ZT_OK;
}

static zt_err region_at(json_t *o, const char *obj, zt_error *e) {
    const char *s;
    zt_err rc = str_at(o, obj, "region", 1, 9, &s, e);
    if (rc) return rc;
    char p[64];
    if (!region_ok(s))
        return bad(e, obj, "region", "字段 %s 必须是 6 位或 9 位行政区划代码", path_of(p, sizeof p, obj, "region"));
    return ZT_OK;
}

static zt_err check_case(json_t *c, const char *subject, const char *dept, zt_error *e) {
    const char *s;
    int64_t legal, promised, n;
    int has;
    zt_err rc = only(c, "case", CASE_MEMBERS, NULL, e);
    if (!rc) rc = identity(c, "case", "number", subject, dept, e);
    if (!rc) rc = str_at(c, "case", "item_code", 1, 64, &s, e);
    if (!rc) rc = region_at(c, "case", e);
    if (!rc) rc = str_at(c, "case", "applicant_type", 1, 16, &s, e);
    if (!rc && !one_of(s, APPLICANT_TYPES))
        rc = bad(e, "case", "applicant_type", "字段 case.applicant_type 必须是 citizen 或 enterprise");
    if (!rc) rc = str_at(c, "case", "channel", 1, 32, &s, e);
    if (!rc) rc = int_at(c, "case", "legal_days", 1, 0, 365, &legal, NULL, e);
    if (!rc) rc = int_at(c, "case", "promised_days", 1, 0, 365, &promised, NULL, e);
    if (!rc && promised > legal)
        rc = bad(e, "case", "promised_days", "承诺时限（case.promised_days）不能超过法定时限（case.legal_days）");
    if (!rc) rc = str_at(c, "case", "title", 0, 200, &s, e);
    if (!rc) rc = int_at(c, "case", "item_version", 0, 1, INT32_MAX, &n, &has, e);
    if (!rc) rc = str_at(c, "case", "item_name", 0, 200, &s, e);
    if (!rc) rc = str_at(c, "case", "department_name", 0, 64, &s, e);
    if (!rc) rc = str_at(c, "case", "flow", 0, 64, &s, e);
    if (!rc) rc = int_at(c, "case", "flow_version", 0, 1, INT32_MAX, &n, &has, e);
    if (!rc) rc = str_at(c, "case", "state", 0, 64, &s, e);
    if (!rc) rc = day_at(c, "case", "accept_day", e);
    if (!rc) rc = day_at(c, "case", "promised_due", e);
    if (!rc) rc = day_at(c, "case", "legal_due", e);
    if (rc) return rc;
    json_t *joint = json_object_get(c, "joint_departments"), *v;
    if (!joint || json_is_null(joint)) return ZT_OK;
    if (!json_is_array(joint) || json_array_size(joint) > 50)
        return bad(e, "case", "joint_departments", "字段 case.joint_departments 必须是至多 50 个部门代码的数组");
    size_t i;
    json_array_foreach(joint, i, v) {
        const char *d = json_string_value(v);
        if (!d || !*d || strlen(d) != json_string_length(v) || zt_utf8_len(d) > 64)
            return bad(e, "case", "joint_departments", "字段 case.joint_departments 的第 %zu 项必须是部门代码", i + 1);
    }
    return ZT_OK;
}

static zt_err check_step(json_t *st, const char *action, size_t action_len, zt_error *e) {
    const char *s;
    int64_t n;
    int has;
    zt_err rc = only(st, "step", STEP_MEMBERS, NULL, e);
    if (!rc) rc = str_at(st, "step", "action", 1, 32, &s, e);
    if (rc) return rc;
    if (strlen(s) != action_len || strncmp(s, action, action_len) != 0)
        return bad(e, "step", "action", "字段 step.action 必须与事件类型 type 的动作相同");
    if ((rc = str_at(st, "step", "result", 0, 16, &s, e))) return rc;
    if (s && !one_of(s, RESULTS))
        return bad(e, "step", "result",
                   "字段 step.result 必须为 null 或 accept refuse supplement approve deny suspend resume return "
                   "withdraw complete void transfer 之一");
    if (!rc) rc = str_at(st, "step", "label", 0, 64, &s, e);
    if (!rc) rc = str_at(st, "step", "from", 0, 64, &s, e);
    if (!rc) rc = str_at(st, "step", "to", 0, 64, &s, e);
    if (!rc) rc = str_at(st, "step", "actor", 0, 64, &s, e);
    if (!rc) rc = str_at(st, "step", "actor_role", 0, 32, &s, e);
    if (!rc) rc = str_at(st, "step", "actor_department", 0, 64, &s, e);
    if (!rc) rc = kind_at(st, "step", "fields", JSON_OBJECT, "对象", e);
    if (!rc) rc = kind_at(st, "step", "attachments", JSON_ARRAY, "数组", e);
    if (!rc) rc = int_at(st, "step", "days_not_counted", 0, 0, 3650, &n, &has, e);
    return rc;
}

static zt_err check_message(json_t *m, const char *subject_type, const char *subject, const char *dept, zt_error *e) {
    const char *s;
    zt_err rc = only(m, "message", MESSAGE_MEMBERS, NULL, e);
    if (!rc) rc = identity(m, "message", "number", subject, dept, e);
    if (!rc) rc = region_at(m, "message", e);
    if (!rc) rc = str_at(m, "message", "kind", 0, 16, &s, e);
    if (!rc && s && strcmp(s, subject_type) != 0)
        rc = bad(e, "message", "kind", "字段 message.kind 必须与 subject_type 相同");
    if (!rc) rc = day_at(m, "message", "due_day", e);
    if (!rc) rc = str_at(m, "message", "item_code", 0, 64, &s, e);
    if (!rc) rc = str_at(m, "message", "case_number", 0, 64, &s, e);
    if (!rc) rc = str_at(m, "message", "title", 0, 200, &s, e);
    if (!rc) rc = str_at(m, "message", "state", 0, 64, &s, e);
    return rc;
}

static zt_err check_rating(json_t *r, int rate, const char *subject, const char *dept, zt_error *e) {
    const char *s;
    int64_t n;
    int has;
    zt_err rc = only(r, "rating", RATING_MEMBERS, NULL, e);
    if (!rc) rc = identity(r, "rating", "case_number", subject, dept, e);
    if (!rc && json_object_get(r, "region") && !json_is_null(json_object_get(r, "region")))
        rc = region_at(r, "rating", e);
    if (!rc) rc = int_at(r, "rating", "level", rate, 1, 5, &n, &has, e);
    json_t *b = json_object_get(r, "bad");
    if (!rc && b && !json_is_null(b) && !json_is_boolean(b))
        rc = bad(e, "rating", "bad", "字段 rating.bad 必须是 true 或 false");
    if (!rc) rc = day_at(r, "rating", "fix_due", e);
    if (!rc) rc = str_at(r, "rating", "level_label", 0, 16, &s, e);
    if (!rc) rc = str_at(r, "rating", "state", 0, 32, &s, e);
    if (!rc) rc = kind_at(r, "rating", "comment", JSON_STRING, "字符串", e);
    if (!rc) rc = kind_at(r, "rating", "note", JSON_STRING, "字符串", e);
    return rc;
}

zt_err zt_sv_event_check(json_t *ev, const char *dept_code, zt_error *e) {
    if (!json_is_object(ev)) return zt_fail(e, ZT_EINVAL, "event", "事件必须是 JSON 对象");
    const char *id, *st, *type, *time, *subject, *source;
    int64_t n;
    int has;

    /* subject_type first: it decides which members the event may have */
    zt_err rc = str_at(ev, NULL, "subject_type", 1, 16, &st, e);
    if (rc) return rc;
    if (!one_of(st, SUBJECT_TYPES))
        return bad(e, NULL, "subject_type", "字段 subject_type 必须是 case、consultation、complaint 或 rating");
    int is_case = !strcmp(st, "case"), is_rating = !strcmp(st, "rating");
    if ((rc = only(ev, NULL, ENVELOPE, is_case ? CASE_TOP : is_rating ? RATING_TOP : MESSAGE_TOP, e))) return rc;

    /* id: printable ASCII without spaces (it is quoted in URLs and logs) */
    if ((rc = str_at(ev, NULL, "id", 1, 160, &id, e))) return rc;
    for (const char *c = id; *c; c++)
        if (*c < 0x21 || *c > 0x7E) return bad(e, NULL, "id", "字段 id 只能由可打印 ASCII 字符组成，不含空格");

    if ((rc = str_at(ev, NULL, "type", 1, 64, &type, e))) return rc;
    size_t stl = strlen(st);
    const char *action = strncmp(type, st, stl) == 0 && type[stl] == '.' ? type + stl + 1 : "";
    if (!action_ok(action, strlen(action)))
        return bad(e, NULL, "type", "字段 type 必须是 %s.{动作}，动作由 1 到 32 个小写字母或下划线组成", st);
    if (is_rating && !one_of(action, RATING_ACTIONS))
        return bad(e, NULL, "type", "评价事件的 type 必须是 rating.rate、rating.visit 或 rating.fix");

    if ((rc = str_at(ev, NULL, "time", 1, 64, &time, e))) return rc;
    int64_t t;
    if (zt_time_parse(time, &t) != 0)
        return bad(e, NULL, "time", "字段 time 必须是带时区的 RFC 3339 时间，如 2026-09-24T10:00:00+08:00");
    if (t < EARLIEST) return bad(e, NULL, "time", "字段 time 不能早于 2000 年");
    if (t > zt_now() + FUTURE_SLACK) return bad(e, NULL, "time", "字段 time 超前于当前时间一天以上");

    /* subject: it becomes part of URLs (/cases/{number}) and of the ledger's
     * subject "case/{number}", so no blank and no '/' */
    if ((rc = str_at(ev, NULL, "subject", 1, 64, &subject, e))) return rc;
    if (strpbrk(subject, " /")) return bad(e, NULL, "subject", "字段 subject 不能含有空格或斜杠");
    if ((rc = int_at(ev, NULL, "seq", 0, 1, INT32_MAX, &n, &has, e))) return rc;

    char want[96];
    snprintf(want, sizeof want, "dept:%s", dept_code);
    if ((rc = str_at(ev, NULL, "source", 0, 96, &source, e))) return rc;
    if (source && strcmp(source, want) != 0) return bad(e, NULL, "source", "字段 source 必须是 %s 或省略", want);
    /* the envelope's own department and region (the platform sets them;
     * optional here, the body's are required) */
    const char *d;
    if ((rc = str_at(ev, NULL, "department", 0, 64, &d, e))) return rc;
    if (d && strcmp(d, dept_code) != 0)
        return bad(e, NULL, "department", "字段 department 必须是本密钥所属部门 %s（只能报送本部门的事件）", dept_code);
    json_t *reg = json_object_get(ev, "region");
    if (reg && !json_is_null(reg) && (rc = region_at(ev, NULL, e))) return rc;

    /* the body */
    json_t *body, *step = json_object_get(ev, "step");
    if (is_case) {
        if ((rc = obj_at(ev, "case", &body, e)) || (rc = check_case(body, subject, dept_code, e))) return rc;
        if ((rc = kind_at(ev, NULL, "materials", JSON_ARRAY, "数组", e))) return rc;
        if ((rc = kind_at(ev, NULL, "special_procedure", JSON_OBJECT, "对象", e))) return rc;
        if ((rc = kind_at(ev, NULL, "result", JSON_OBJECT, "对象", e))) return rc;
    } else if (is_rating) {
        if ((rc = obj_at(ev, "rating", &body, e)) ||
            (rc = check_rating(body, !strcmp(action, "rate"), subject, dept_code, e)))
            return rc;
    } else {
        if ((rc = obj_at(ev, "message", &body, e)) || (rc = check_message(body, st, subject, dept_code, e))) return rc;
    }
    /* the step: what happened (ratings carry it in the type alone) */
    if (!is_rating || (step && !json_is_null(step))) {
        if ((rc = obj_at(ev, "step", &step, e))) return rc;
        if ((rc = check_step(step, action, strlen(action), e))) return rc;
    }
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

/* Who else reported this id or this subject? ZT_ROW with *other filled
 * (copied into other[cap]), ZT_DONE if nobody, or the error. */
static zt_err other_source(zt_db *db, const char *sql, const char *a, const char *b, const char *source, char *other,
                           size_t cap, zt_error *e) {
    zt_stmt *st = zt_db_prepare(db, sql, e);
    if (!st) return ZT_EINTERNAL;
    zt_bind_text(st, 1, a);
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
    /* ids are unique across sources: another source's id is not a resend */
    zt_err s = other_source(db, "SELECT source FROM sv_events WHERE event_id = ? AND source <> ?", id, NULL, a->source,
                            other, sizeof other, e);
    if (zt_step_failed(s)) return s;
    if (s == ZT_ROW) {
        zt_fail(ee, ZT_ECONFLICT, "id", "事件编号 id 已被其他来源（%s）使用", other);
        *status = "rejected";
        return ZT_OK;
    }
    /* a subject belongs to the source that reported it first */
    s = other_source(db, "SELECT source FROM sv_subjects WHERE subject_type = ? AND subject = ? AND source <> ?", st,
                     subject, a->source, other, sizeof other, e);
    if (s == ZT_DONE)
        s = other_source(db,
                         "SELECT source FROM sv_events WHERE subject_type = ? AND subject = ? AND source <> ? LIMIT 1",
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

/* The key's department code and region, as the authenticator found them.
 * A retired department's key reports nothing. */
static zt_err key_department(const zt_principal *p, const char **code, const char **region, zt_error *e) {
    if (!p->dept_code || !*p->dept_code || p->dept_retired)
        return zt_fail(e, ZT_EFORBIDDEN, NULL, "密钥所属部门不存在或已撤销");
    *code = p->dept_code;
    *region = p->dept_region ? p->dept_region : "";
    return ZT_OK;
}

/* POST /api/supervision/events: one event, or {"events": [...]}. */
static zt_err h_events(zt_req *r, zt_error *e) {
    const zt_principal *p = zt_req_principal(r);
    if (!p->key_id || !p->dept_id) return zt_fail(e, ZT_EFORBIDDEN, NULL, "只有部门系统的 API 密钥可以报送事件");
    const char *dept = NULL, *region = NULL;
    json_t *body = NULL;
    zt_err rc = key_department(p, &dept, &region, e);
    if (!rc) rc = zt_req_json(r, &body, e);
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
                    .rejected = json_array()};
    json_t *invalid = json_array();
    size_t nvalid = 0;
    for (size_t i = 0; i < n; i++) {
        zt_error ee = {0};
        json_t *ev = json_array_get(events, i);
        if (zt_sv_event_check(ev, dept, &ee) == ZT_OK) {
            a.valid[i] = 1;
            /* a rating has no region of its own: the department's */
            json_t *rating = json_object_get(ev, "rating");
            if (rating && !json_is_string(json_object_get(rating, "region")) &&
                !json_is_string(json_object_get(ev, "region")))
                json_object_set_new(rating, "region", json_string(region));
            nvalid++;
            json_array_append_new(a.statuses, json_string("accepted"));
        } else {
            reject(invalid, events, i, prefix, &ee);
            json_array_append_new(a.statuses, json_string("rejected"));
        }
    }
    if (nvalid) rc = zt_store_write(((zt_app *)zt_req_app(r))->store, run_intake, &a, e);
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
