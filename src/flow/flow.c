/* flow.c - process definitions: the JSON of docs/flow.md is checked once,
 * member by member, into fixed tables (states and actions as bit sets), so
 * that every query afterwards is a few table look-ups and never fails on a
 * malformed definition. The strings of the tables point into the kept copy
 * of the document (f->root), which nothing changes after loading. */
#include "flow/flow.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "base/calendar.h"
#include "base/json.h"
#include "http/access.h"

enum {
    PATHLEN = 128,
    ID_MAX = 63,    /* identifiers fit zt_error.field */
    LABEL_MAX = 64, /* characters */
    TEXT_MAX = 100000,
    ITEMS_MAX = 1000,
    VALUES_MAX = 64,
    DAYS_MAX = 365,
    VERSION_MAX = 1000000
};

static const char *const clocks[] = {"none", "runs", "stopped", NULL}; /* zt_flow_clock order */
/* What an action means to supervision (DOMAIN.md §4: the step results that
 * departments' systems report). */
static const char *const results[] = {"accept", "refuse",   "supplement", "approve", "deny",     "suspend", "resume",
                                      "return", "withdraw", "complete",   "void",    "transfer", NULL};

typedef enum { T_TEXT, T_INTEGER, T_DATE, T_ENUM, T_LIST } ftype;
static const char *const ftypes[] = {"text", "integer", "date", "enum", "list", NULL};
/* How a missing field is asked for: 写明理由, 填写天数, 选择种类, 列明材料. */
static const char *const verbs[] = {"写明", "填写", "填写", "选择", "列明"};

static const char *const text_keys[] = {"name", "label", "type", "required", "max", NULL};
static const char *const int_keys[] = {"name", "label", "type", "required", "min", "max", NULL};
static const char *const date_keys[] = {"name", "label", "type", "required", NULL};
static const char *const enum_keys[] = {"name", "label", "type", "required", "values", NULL};
static const char *const list_keys[] = {"name", "label", "type", "required", "max", "max_items", NULL};
static const char *const *const field_keys[] = {text_keys, int_keys, date_keys, enum_keys, list_keys};

static const char *const top_keys[] = {"id",     "version", "name",    "kind", "description",
                                       "limits", "states",  "actions", NULL};
static const char *const limit_keys[] = {"id", "label", "days", "extension", "item_limit", "basis", NULL};
static const char *const state_keys[] = {"id", "label", "start", "terminal", "clock", "limit", "counts", NULL};
static const char *const action_keys[] = {"id",
                                          "label",
                                          "from",
                                          "to",
                                          "roles",
                                          "fields",
                                          "result",
                                          "once_per_case",
                                          "parallel",
                                          "create",
                                          "requires_all_parallel",
                                          NULL};

typedef struct {
    const char *name, *label;
    ftype type;
    int required;
    json_int_t min, max; /* integer: the range; text and list: characters per text */
    json_int_t items;    /* list: most items */
    json_t *values;      /* enum: the array inside f->root */
} field_def;

typedef struct {
    const char *id, *label, *basis;
    int days, extension, item;
} limit_def;

typedef struct {
    const char *id, *label;
    int start, terminal, limit;
    zt_flow_clock clock;
    unsigned counts; /* bit i: limits[i] */
} state_def;

/* to[s] for a source state s: the target's index, CHOOSE when the step
 * names one of `targets`, NONE where s is not a source. */
enum { NONE = -1, CHOOSE = -2 };

typedef struct {
    const char *id, *label, *result, *guard_id;
    uint32_t roles;                     /* ZT_R_* bits (http/access.h) */
    uint64_t from;                      /* bit i: states[i] */
    signed char to[ZT_FLOW_MAX_STATES]; /* target by source state (or CHOOSE, NONE) */
    uint64_t targets;                   /* "to" as a list, and a creation's targets: bit i: states[i] */
    int create;                         /* may create an instance (from nothing) */
    int choose;                         /* "to" is a list: the step names its target */
    int once, parallel, guard;          /* guard: index of the parallel action, or -1 */
    size_t nfields;
    field_def *fields; /* owned */
} action_def;

struct zt_flow {
    json_t *root; /* owns every string of the tables */
    const char *id, *name, *kind;
    int version, start;
    int creates; /* some action creates instances (else the implicit "submit" into the start) */
    size_t nlimits, nstates, nactions;
    limit_def limits[ZT_FLOW_MAX_LIMITS];
    state_def states[ZT_FLOW_MAX_STATES];
    action_def actions[ZT_FLOW_MAX_ACTIONS];
};

/* --- small helpers ---------------------------------------------------- */

static int lookup(const char *const *list, const char *s) {
    for (int i = 0; s && list[i]; i++)
        if (strcmp(list[i], s) == 0) return i;
    return -1;
}

static int find_limit(const zt_flow *f, const char *id, size_t n) {
    for (size_t i = 0; id && i < n; i++)
        if (strcmp(f->limits[i].id, id) == 0) return (int)i;
    return -1;
}

static int find_state(const zt_flow *f, const char *id, size_t n) {
    for (size_t i = 0; id && i < n; i++)
        if (strcmp(f->states[i].id, id) == 0) return (int)i;
    return -1;
}

static int find_action(const zt_flow *f, const char *id, size_t n) {
    for (size_t i = 0; id && i < n; i++)
        if (strcmp(f->actions[i].id, id) == 0) return (int)i;
    return -1;
}

/* Definition errors: "PATH: message", and the path in e->field. */
__attribute__((format(printf, 3, 4))) static zt_err bad(zt_error *e, const char *path, const char *fmt, ...) {
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return zt_fail(e, ZT_EINVAL, path, "%s: %s", path, msg);
}

static int plain_key(const char *k) {
    if (!*k) return 0;
    for (; *k; k++)
        if (!((*k >= 'a' && *k <= 'z') || (*k >= 'A' && *k <= 'Z') || (*k >= '0' && *k <= '9') || *k == '_')) return 0;
    return 1;
}

/* "path.key", or path["key"] for a key that is not a plain name (an empty
 * or odd key must still be visible). Paths are short (ids are at most 63
 * bytes); a longer one is cut, which zt_fail repairs if the cut splits a
 * character. */
static void member(char out[PATHLEN], const char *path, const char *key) {
    int n = !plain_key(key) ? snprintf(out, PATHLEN, "%s[\"%s\"]", path, key)
            : *path         ? snprintf(out, PATHLEN, "%s.%s", path, key)
                            : snprintf(out, PATHLEN, "%s", key);
    if (n < 0) out[0] = 0;
}

static void element(char out[PATHLEN], const char *path, size_t i) {
    if (snprintf(out, PATHLEN, "%s[%zu]", path, i) < 0) out[0] = 0;
}

/* bad() at member key of path. */
__attribute__((format(printf, 4, 5))) static zt_err bad_in(zt_error *e, const char *path, const char *key,
                                                           const char *fmt, ...) {
    char p[PATHLEN], msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    member(p, path, key);
    return bad(e, p, "%s", msg);
}

/* "a、b 或 c" */
static void one_of(char *out, size_t n, const char *const *list) {
    size_t len = 0;
    out[0] = 0;
    for (size_t i = 0; list[i] && len < n; i++) {
        const char *sep = i == 0 ? "" : list[i + 1] ? "、" : " 或 ";
        int k = snprintf(out + len, n - len, "%s%s", sep, list[i]);
        if (k < 0) break;
        len += (size_t)k;
    }
}

static zt_err only(json_t *o, const char *path, const char *const *allowed, zt_error *e) {
    const char *k;
    json_t *v;
    char p[PATHLEN];
    json_object_foreach(o, k, v) {
        if (lookup(allowed, k) < 0) {
            member(p, path, k);
            return bad(e, p, "未知的键");
        }
    }
    return ZT_OK;
}

static zt_err get_str(json_t *o, const char *path, const char *key, int required, size_t maxlen, const char **out,
                      zt_error *e) {
    char p[PATHLEN];
    json_t *v = json_object_get(o, key);
    *out = NULL;
    member(p, path, key);
    if (!v) return required ? bad(e, p, "缺少必填项") : ZT_OK;
    if (!json_is_string(v)) return bad(e, p, "必须是字符串");
    const char *s = json_string_value(v);
    if (!*s || strlen(s) != json_string_length(v)) return bad(e, p, "不能为空，也不能含空字符");
    if (zt_utf8_len(s) > maxlen) return bad(e, p, "最多 %zu 个字符", maxlen);
    *out = s;
    return ZT_OK;
}

static int is_ident(const char *s) {
    if (*s < 'a' || *s > 'z') return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_')) return 0;
    return 1;
}

static zt_err get_id(json_t *o, const char *path, const char *key, int required, const char **out, zt_error *e) {
    zt_err rc = get_str(o, path, key, required, ID_MAX, out, e);
    if (rc || !*out || is_ident(*out)) return rc;
    return bad_in(e, path, key, "「%s」不是标识符（小写字母开头，只含 a-z、0-9 和 _）", *out);
}

static zt_err get_int(json_t *o, const char *path, const char *key, int required, json_int_t lo, json_int_t hi,
                      json_int_t def, json_int_t *out, zt_error *e) {
    char p[PATHLEN];
    json_t *v = json_object_get(o, key);
    member(p, path, key);
    *out = def;
    if (!v) return required ? bad(e, p, "缺少必填项") : ZT_OK;
    if (!json_is_integer(v)) return bad(e, p, "必须是整数");
    json_int_t n = json_integer_value(v);
    if (n < lo || n > hi) return bad(e, p, "必须在 %lld 到 %lld 之间", (long long)lo, (long long)hi);
    *out = n;
    return ZT_OK;
}

static zt_err get_bool(json_t *o, const char *path, const char *key, int *out, zt_error *e) {
    char p[PATHLEN];
    json_t *v = json_object_get(o, key);
    *out = 0;
    if (!v) return ZT_OK;
    member(p, path, key);
    if (!json_is_boolean(v)) return bad(e, p, "必须是 true 或 false");
    *out = json_is_true(v);
    return ZT_OK;
}

static zt_err get_array(json_t *o, const char *path, const char *key, int required, size_t maxn, json_t **out,
                        zt_error *e) {
    char p[PATHLEN];
    json_t *v = json_object_get(o, key);
    member(p, path, key);
    *out = NULL;
    if (!v) return required ? bad(e, p, "缺少必填项") : ZT_OK;
    if (!json_is_array(v)) return bad(e, p, "必须是数组");
    if (json_array_size(v) == 0) return bad(e, p, "不能为空数组");
    if (json_array_size(v) > maxn) return bad(e, p, "最多 %zu 项", maxn);
    *out = v;
    return ZT_OK;
}

/* A member that names one of list; *out its index. */
static zt_err get_enum(json_t *o, const char *path, const char *key, int required, const char *const *list, int *out,
                       zt_error *e) {
    const char *s;
    char p[PATHLEN], all[256];
    zt_err rc = get_str(o, path, key, required, ID_MAX, &s, e);
    *out = -1;
    if (rc || !s) return rc;
    if ((*out = lookup(list, s)) >= 0) return ZT_OK;
    member(p, path, key);
    one_of(all, sizeof all, list);
    return bad(e, p, "「%s」不对，须是 %s", s, all);
}

static zt_err need_object(json_t *v, const char *path, const char *const *keys, zt_error *e) {
    if (!json_is_object(v)) return bad(e, path, "必须是对象");
    return only(v, path, keys, e);
}

/* --- the definition, member by member ---------------------------------- */

static zt_err parse_limits(zt_flow *f, json_t *root, zt_error *e) {
    json_t *arr, *v;
    size_t i;
    zt_err rc = get_array(root, "", "limits", 0, ZT_FLOW_MAX_LIMITS, &arr, e);
    if (rc) return rc;
    json_array_foreach(arr, i, v) {
        char p[PATHLEN], q[PATHLEN];
        limit_def *l = &f->limits[i];
        json_int_t days, ext;
        element(p, "limits", i);
        if ((rc = need_object(v, p, limit_keys, e)) || (rc = get_id(v, p, "id", 1, &l->id, e)) ||
            (rc = get_str(v, p, "label", 1, LABEL_MAX, &l->label, e)) ||
            (rc = get_int(v, p, "days", 1, 0, DAYS_MAX, 0, &days, e)) ||
            (rc = get_int(v, p, "extension", 0, 0, DAYS_MAX, 0, &ext, e)) ||
            (rc = get_bool(v, p, "item_limit", &l->item, e)) || (rc = get_str(v, p, "basis", 0, 200, &l->basis, e)))
            return rc;
        member(q, p, "id");
        if (find_limit(f, l->id, i) >= 0) return bad(e, q, "时限「%s」重复", l->id);
        l->days = (int)days;
        l->extension = (int)ext;
        f->nlimits = i + 1;
    }
    return ZT_OK;
}

static zt_err parse_counts(zt_flow *f, state_def *s, json_t *v, const char *path, zt_error *e) {
    json_t *arr, *x;
    size_t i;
    char p[PATHLEN], q[PATHLEN];
    zt_err rc = get_array(v, path, "counts", 0, ZT_FLOW_MAX_LIMITS, &arr, e);
    if (rc || !arr) return rc;
    member(p, path, "counts");
    if (s->terminal || s->clock != ZT_FLOW_CLOCK_RUNS) return bad(e, p, "只有时钟运行（clock: runs）的状态才计入时限");
    json_array_foreach(arr, i, x) {
        element(q, p, i);
        if (!json_is_string(x)) return bad(e, q, "必须是时限 id");
        int k = find_limit(f, json_string_value(x), f->nlimits);
        if (k < 0) return bad(e, q, "未定义的时限「%s」（见 limits）", json_string_value(x));
        if (s->counts & (1u << k)) return bad(e, q, "时限「%s」重复", json_string_value(x));
        s->counts |= 1u << k;
    }
    return ZT_OK;
}

static zt_err parse_states(zt_flow *f, json_t *root, zt_error *e) {
    json_t *arr, *v;
    size_t i;
    zt_err rc = get_array(root, "", "states", 1, ZT_FLOW_MAX_STATES, &arr, e);
    if (rc) return rc;
    f->start = -1;
    json_array_foreach(arr, i, v) {
        char p[PATHLEN], q[PATHLEN];
        state_def *s = &f->states[i];
        json_int_t lim;
        int clock;
        element(p, "states", i);
        if ((rc = need_object(v, p, state_keys, e)) || (rc = get_id(v, p, "id", 1, &s->id, e)) ||
            (rc = get_str(v, p, "label", 1, LABEL_MAX, &s->label, e)) || (rc = get_bool(v, p, "start", &s->start, e)) ||
            (rc = get_bool(v, p, "terminal", &s->terminal, e)) ||
            (rc = get_enum(v, p, "clock", !s->terminal, clocks, &clock, e)) ||
            (rc = get_int(v, p, "limit", 0, 0, DAYS_MAX, -1, &lim, e)))
            return rc;
        member(q, p, "id");
        if (find_state(f, s->id, i) >= 0) return bad(e, q, "状态「%s」重复", s->id);
        s->clock = clock < 0 ? ZT_FLOW_CLOCK_NONE : (zt_flow_clock)clock;
        s->limit = (int)lim;
        if (s->terminal) {
            if (s->start) return bad_in(e, p, "start", "终止状态不能是开始状态");
            if (s->clock != ZT_FLOW_CLOCK_NONE) return bad_in(e, p, "clock", "终止状态的时钟只能是 none");
            if (s->limit >= 0) return bad_in(e, p, "limit", "终止状态没有时限");
        }
        if ((rc = parse_counts(f, s, v, p, e))) return rc;
        if (s->start && f->start >= 0)
            return bad_in(e, p, "start", "只能有一个开始状态（已有「%s」）", f->states[f->start].id);
        if (s->start) f->start = (int)i;
        f->nstates = i + 1;
    }
    if (f->start < 0) return bad(e, "states", "没有开始状态（start: true）");
    return ZT_OK;
}

static zt_err parse_field(field_def *fd, json_t *v, const char *p, zt_error *e) {
    json_t *vals, *x;
    json_int_t lo, hi;
    size_t i;
    int type;
    char q[PATHLEN], r[PATHLEN];
    zt_err rc;
    if (!json_is_object(v)) return bad(e, p, "必须是对象");
    if ((rc = get_enum(v, p, "type", 1, ftypes, &type, e))) return rc;
    fd->type = (ftype)type;
    if ((rc = only(v, p, field_keys[type], e)) || (rc = get_id(v, p, "name", 1, &fd->name, e)) ||
        (rc = get_str(v, p, "label", 1, LABEL_MAX, &fd->label, e)) ||
        (rc = get_bool(v, p, "required", &fd->required, e)))
        return rc;
    switch (fd->type) {
    case T_TEXT:
    case T_LIST:
        if ((rc = get_int(v, p, "max", 1, 1, TEXT_MAX, 0, &fd->max, e))) return rc;
        if (fd->type == T_LIST && (rc = get_int(v, p, "max_items", 1, 1, ITEMS_MAX, 0, &fd->items, e))) return rc;
        break;
    case T_INTEGER:
        if ((rc = get_int(v, p, "min", 1, INT64_MIN, INT64_MAX, 0, &lo, e)) ||
            (rc = get_int(v, p, "max", 1, INT64_MIN, INT64_MAX, 0, &hi, e)))
            return rc;
        if (lo > hi) return bad_in(e, p, "min", "不能大于 max");
        fd->min = lo;
        fd->max = hi;
        break;
    case T_ENUM:
        if ((rc = get_array(v, p, "values", 1, VALUES_MAX, &vals, e))) return rc;
        member(q, p, "values");
        json_array_foreach(vals, i, x) {
            element(r, q, i);
            const char *s = json_string_value(x);
            if (!s || !*s || strlen(s) != json_string_length(x) || zt_utf8_len(s) > LABEL_MAX)
                return bad(e, r, "必须是 1 到 %d 个字符的字符串", LABEL_MAX);
            for (size_t j = 0; j < i; j++)
                if (strcmp(json_string_value(json_array_get(vals, j)), s) == 0) return bad(e, r, "「%s」重复", s);
        }
        fd->values = vals;
        break;
    case T_DATE:
        break;
    }
    return ZT_OK;
}

static zt_err parse_fields(action_def *a, json_t *v, const char *path, zt_error *e) {
    json_t *arr, *x;
    size_t i;
    char p[PATHLEN], q[PATHLEN];
    zt_err rc = get_array(v, path, "fields", 0, ZT_FLOW_MAX_FIELDS, &arr, e);
    if (rc || !arr) return rc;
    a->fields = zt_calloc(json_array_size(arr), sizeof *a->fields);
    member(p, path, "fields");
    json_array_foreach(arr, i, x) {
        element(q, p, i);
        if ((rc = parse_field(&a->fields[i], x, q, e))) return rc;
        for (size_t j = 0; j < i; j++)
            if (strcmp(a->fields[j].name, a->fields[i].name) == 0)
                return bad_in(e, q, "name", "字段「%s」重复", a->fields[i].name);
        a->nfields = i + 1;
    }
    return ZT_OK;
}

static zt_err parse_from(zt_flow *f, action_def *a, json_t *v, const char *path, zt_error *e) {
    json_t *arr, *x;
    size_t i;
    char p[PATHLEN], q[PATHLEN];
    /* a creation may also be taken from states (a card raised again) */
    zt_err rc = get_array(v, path, "from", !a->create, ZT_FLOW_MAX_STATES, &arr, e);
    if (rc || !arr) return rc;
    member(p, path, "from");
    json_array_foreach(arr, i, x) {
        element(q, p, i);
        if (!json_is_string(x)) return bad(e, q, "必须是状态 id");
        int k = find_state(f, json_string_value(x), f->nstates);
        if (k < 0) return bad(e, q, "未定义的状态「%s」", json_string_value(x));
        if (a->from >> k & 1) return bad(e, q, "状态「%s」重复", json_string_value(x));
        if (f->states[k].terminal) return bad(e, q, "终止状态「%s」不能有后续动作", json_string_value(x));
        a->from |= (uint64_t)1 << k;
    }
    return ZT_OK;
}

/* "to": one state for every source; {"source": "target", ...}; or a list of
 * states the step chooses from (a system step whose outcome a rule decides;
 * a creation into one of several states). */
static zt_err parse_to(zt_flow *f, action_def *a, json_t *v, const char *path, zt_error *e) {
    json_t *to = json_object_get(v, "to"), *x;
    const char *key;
    size_t i;
    char p[PATHLEN], q[PATHLEN];
    member(p, path, "to");
    memset(a->to, NONE, sizeof a->to);
    if (json_is_string(to)) {
        int k = find_state(f, json_string_value(to), f->nstates);
        if (k < 0) return bad(e, p, "未定义的状态「%s」", json_string_value(to));
        for (size_t s = 0; s < f->nstates; s++)
            if (a->from >> s & 1) a->to[s] = (signed char)k;
        a->targets = (uint64_t)1 << k;
        return ZT_OK;
    }
    if (json_is_array(to)) {
        if (json_array_size(to) < 2) return bad(e, p, "目标状态列表至少两项（一项请直接写状态 id）");
        json_array_foreach(to, i, x) {
            element(q, p, i);
            int k = json_is_string(x) ? find_state(f, json_string_value(x), f->nstates) : -1;
            if (k < 0) return bad(e, q, "未定义的状态「%s」", json_is_string(x) ? json_string_value(x) : "");
            if (a->targets >> k & 1) return bad(e, q, "状态「%s」重复", json_string_value(x));
            a->targets |= (uint64_t)1 << k;
        }
        for (size_t s = 0; s < f->nstates; s++)
            if (a->from >> s & 1) a->to[s] = CHOOSE;
        a->choose = 1;
        return ZT_OK;
    }
    if (a->create && json_is_object(to)) return bad(e, p, "创建动作的目标须是状态 id 或状态列表");
    if (!json_is_object(to))
        return bad(e, p, to ? "必须是状态 id、状态列表，或 {来源状态: 目标状态} 对象" : "缺少必填项");
    json_object_foreach(to, key, x) {
        member(q, p, key);
        int s = find_state(f, key, f->nstates), k = find_state(f, json_string_value(x), f->nstates);
        if (s < 0 || !(a->from >> s & 1)) return bad(e, q, "「%s」不是本动作的来源状态（from）", key);
        if (!json_is_string(x)) return bad(e, q, "必须是状态 id");
        if (k < 0) return bad(e, q, "未定义的状态「%s」", json_string_value(x));
        a->to[s] = (signed char)k;
    }
    for (size_t s = 0; s < f->nstates; s++)
        if ((a->from >> s & 1) && a->to[s] < 0) return bad(e, p, "缺少来源状态「%s」的目标", f->states[s].id);
    return ZT_OK;
}

static zt_err parse_roles(action_def *a, json_t *v, const char *path, zt_error *e) {
    json_t *arr, *x;
    size_t i;
    char p[PATHLEN], q[PATHLEN];
    zt_err rc = get_array(v, path, "roles", 1, zt_role_count(), &arr, e);
    if (rc) return rc;
    member(p, path, "roles");
    json_array_foreach(arr, i, x) {
        element(q, p, i);
        if (!json_is_string(x)) return bad(e, q, "必须是角色名");
        uint32_t r = zt_role_bit(json_string_value(x));
        if (!r) return bad(e, q, "未知的角色「%s」", json_string_value(x));
        if (a->roles & r) return bad(e, q, "角色「%s」重复", json_string_value(x));
        a->roles |= r;
    }
    return ZT_OK;
}

static zt_err parse_actions(zt_flow *f, json_t *root, zt_error *e) {
    json_t *arr, *v;
    size_t i;
    zt_err rc = get_array(root, "", "actions", 1, ZT_FLOW_MAX_ACTIONS, &arr, e);
    if (rc) return rc;
    json_array_foreach(arr, i, v) {
        char p[PATHLEN], q[PATHLEN];
        action_def *a = &f->actions[i];
        int result;
        element(p, "actions", i);
        a->guard = -1;
        f->nactions = i + 1; /* before anything is allocated, so zt_flow_free sees it */
        if ((rc = need_object(v, p, action_keys, e)) || (rc = get_id(v, p, "id", 1, &a->id, e)) ||
            (rc = get_str(v, p, "label", 1, LABEL_MAX, &a->label, e)) ||
            (rc = get_bool(v, p, "create", &a->create, e)) || (rc = parse_from(f, a, v, p, e)) ||
            (rc = parse_to(f, a, v, p, e)) || (rc = parse_roles(a, v, p, e)) ||
            (rc = get_enum(v, p, "result", 0, results, &result, e)) ||
            (rc = get_bool(v, p, "once_per_case", &a->once, e)) || (rc = get_bool(v, p, "parallel", &a->parallel, e)) ||
            (rc = get_id(v, p, "requires_all_parallel", 0, &a->guard_id, e)) || (rc = parse_fields(a, v, p, e)))
            return rc;
        member(q, p, "id");
        if (find_action(f, a->id, i) >= 0) return bad(e, q, "动作「%s」重复", a->id);
        a->result = result < 0 ? NULL : results[result];
        if (a->create) f->creates = 1;
    }
    return ZT_OK;
}

/* --- whole-definition checks ------------------------------------------ */

/* The targets of action a from source state s (a bit set). */
static uint64_t targets_from(const action_def *a, size_t s) {
    if (a->to[s] == CHOOSE) return a->targets;
    return a->to[s] >= 0 ? (uint64_t)1 << a->to[s] : 0;
}

/* What the tables cannot say member by member: guards, creations, the clock
 * of special procedures, and that every state is reachable and can finish. */
static zt_err check_actions(zt_flow *f, zt_error *e) {
    for (size_t i = 0; i < f->nactions; i++) {
        action_def *a = &f->actions[i];
        char p[PATHLEN], q[PATHLEN];
        element(p, "actions", i);
        if (a->parallel && a->once) return bad_in(e, p, "parallel", "并行动作每个部门各一次，不能同时是 once_per_case");
        if (a->parallel && (a->create || a->choose))
            return bad_in(e, p, "parallel", "并行动作不能是创建动作，也不能有多个目标状态");
        if (a->create && a->result && strcmp(a->result, "accept") != 0)
            return bad_in(e, p, "result", "创建动作只能没有 result 或是 accept（即办件收件即受理）");
        for (size_t s = 0; s < f->nstates; s++) {
            if (!(a->from >> s & 1)) continue;
            uint64_t t = targets_from(a, s);
            if (a->parallel && t != (uint64_t)1 << s)
                return bad_in(e, p, "to", "并行动作不能改变状态（各部门都在同一状态中执行）");
            for (size_t k = 0; k < f->nstates; k++) {
                if (!(t >> k & 1)) continue;
                const state_def *to = &f->states[k];
                if (a->result && !strcmp(a->result, "suspend") && to->clock != ZT_FLOW_CLOCK_STOPPED)
                    return bad_in(e, p, "to", "特别程序开始（suspend）须进入时钟停止（stopped）的状态，「%s」不是",
                                  to->id);
            }
            if (a->result && !strcmp(a->result, "resume") && f->states[s].clock != ZT_FLOW_CLOCK_STOPPED)
                return bad_in(e, p, "from", "特别程序结束（resume）须从时钟停止（stopped）的状态出发，「%s」不是",
                              f->states[s].id);
        }
        if (!a->guard_id) continue;
        member(q, p, "requires_all_parallel");
        int g = find_action(f, a->guard_id, f->nactions);
        if (g < 0) return bad(e, q, "未定义的动作「%s」", a->guard_id);
        if (!f->actions[g].parallel) return bad(e, q, "「%s」不是并行动作（parallel: true）", a->guard_id);
        if (a->from & ~f->actions[g].from) return bad(e, q, "「%s」须能在本动作的每个来源状态中执行", a->guard_id);
        a->guard = g;
    }
    if (!f->creates) return ZT_OK;
    /* with creation actions, the start state is where one of them leads */
    uint64_t entries = 0;
    for (size_t i = 0; i < f->nactions; i++)
        if (f->actions[i].create) entries |= f->actions[i].targets;
    if (!(entries >> f->start & 1)) {
        char p[PATHLEN];
        element(p, "states", (size_t)f->start);
        return bad(e, p, "开始状态「%s」不是任何创建动作（create: true）的目标", f->states[f->start].id);
    }
    return ZT_OK;
}

static zt_err check_graph(zt_flow *f, zt_error *e) {
    uint64_t reach = (uint64_t)1 << f->start, done = 0, grew = 1;
    char p[PATHLEN];
    for (size_t i = 0; i < f->nactions; i++)
        if (f->actions[i].create) reach |= f->actions[i].targets;
    for (size_t i = 0; i < f->nstates; i++)
        if (f->states[i].terminal) done |= (uint64_t)1 << i;
    while (grew) { /* forward from the entries, backward from the terminal states */
        grew = 0;
        for (size_t i = 0; i < f->nactions; i++) {
            const action_def *a = &f->actions[i];
            for (size_t s = 0; s < f->nstates; s++) {
                if (!(a->from >> s & 1)) continue;
                uint64_t src = (uint64_t)1 << s, dst = targets_from(a, s);
                if ((reach & src) && (dst & ~reach)) reach |= dst, grew = 1;
                if ((done & dst) && !(done & src)) done |= src, grew = 1;
            }
        }
    }
    uint64_t out = 0;
    unsigned used = 0;
    for (size_t k = 0; k < f->nactions; k++) out |= f->actions[k].from;
    for (size_t i = 0; i < f->nstates; i++) used |= f->states[i].counts;
    for (size_t i = 0; i < f->nstates; i++) {
        const state_def *s = &f->states[i];
        element(p, "states", i);
        if (!(reach >> i & 1)) return bad(e, p, "从开始状态「%s」无法到达「%s」", f->states[f->start].id, s->id);
        if (!s->terminal && !(out >> i & 1)) return bad(e, p, "非终止状态「%s」没有任何动作", s->id);
        if (!(done >> i & 1)) return bad(e, p, "从「%s」无法到达任何终止状态", s->id);
    }
    for (size_t k = 0; k < f->nlimits; k++) {
        element(p, "limits", k);
        if (!(used >> k & 1)) return bad(e, p, "没有状态计入时限「%s」（states[].counts）", f->limits[k].id);
    }
    return ZT_OK;
}

/* --- loading ------------------------------------------------------------ */

zt_err zt_flow_from_json(json_t *root, zt_flow **out, zt_error *e) {
    zt_flow *f = zt_calloc(1, sizeof *f);
    json_int_t version;
    const char *description;
    zt_err rc;
    *out = NULL;
    if (!json_is_object(root)) {
        rc = bad(e, "$", "流程定义必须是 JSON 对象");
        goto fail;
    }
    if (!(f->root = json_deep_copy(root))) {
        rc = zt_fail(e, ZT_EINTERNAL, NULL, "内存不足");
        goto fail;
    }
    root = f->root;
    if ((rc = only(root, "", top_keys, e)) || (rc = get_id(root, "", "id", 1, &f->id, e)) ||
        (rc = get_int(root, "", "version", 1, 1, VERSION_MAX, 0, &version, e)) ||
        (rc = get_str(root, "", "name", 1, LABEL_MAX, &f->name, e)) ||
        (rc = get_id(root, "", "kind", 1, &f->kind, e)) ||
        (rc = get_str(root, "", "description", 0, 1000, &description, e)) || (rc = parse_limits(f, root, e)) ||
        (rc = parse_states(f, root, e)) || (rc = parse_actions(f, root, e)) || (rc = check_actions(f, e)) ||
        (rc = check_graph(f, e)))
        goto fail;
    f->version = (int)version;
    *out = f;
    return ZT_OK;
fail:
    zt_flow_free(f);
    return rc;
}

zt_err zt_flow_parse(const char *text, size_t len, zt_flow **out, zt_error *e) {
    json_error_t je;
    *out = NULL;
    if (len > ZT_FLOW_MAX_BYTES) return zt_fail(e, ZT_ETOOLARGE, NULL, "流程定义超过 %d 字节", ZT_FLOW_MAX_BYTES);
    json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
    if (!root)
        return zt_fail(e, ZT_EINVAL, "$", "$: 不是合法的 JSON（第 %d 行第 %d 列）：%s", je.line, je.column, je.text);
    zt_err rc = zt_flow_from_json(root, out, e);
    json_decref(root);
    return rc;
}

zt_err zt_flow_load_file(const char *path, zt_flow **out, zt_error *e) {
    FILE *fp = fopen(path, "rb");
    *out = NULL;
    if (!fp) return zt_fail(e, ZT_ENOTFOUND, NULL, "无法读取流程定义 %s：%s", path, strerror(errno));
    char *buf = zt_malloc(ZT_FLOW_MAX_BYTES + 1);
    size_t n = fread(buf, 1, ZT_FLOW_MAX_BYTES + 1, fp);
    int failed = ferror(fp);
    fclose(fp);
    zt_err rc = failed ? zt_fail(e, ZT_ENOTFOUND, NULL, "无法读取流程定义 %s", path) : zt_flow_parse(buf, n, out, e);
    free(buf);
    if (rc && !failed) zt_error_prefix(e, "%s: ", path);
    return rc;
}

void zt_flow_free(zt_flow *f) {
    if (!f) return;
    for (size_t i = 0; i < f->nactions; i++) free(f->actions[i].fields);
    json_decref(f->root);
    free(f);
}

/* --- queries ------------------------------------------------------------ */

const char *zt_flow_id(const zt_flow *f) { return f->id; }
int zt_flow_version(const zt_flow *f) { return f->version; }
const char *zt_flow_name(const zt_flow *f) { return f->name; }
const char *zt_flow_kind(const zt_flow *f) { return f->kind; }
const char *zt_flow_start(const zt_flow *f) { return f->states[f->start].id; }
json_t *zt_flow_json(const zt_flow *f) { return json_deep_copy(f->root); }
const char *const *zt_flow_roles(void) { return zt_role_names(); }

const char *zt_flow_role_label(const char *role) { return zt_role_bit(role) ? zt_role_label(role) : NULL; }

int zt_flow_state_at(const zt_flow *f, size_t i, zt_flow_state_info *out) {
    if (i >= f->nstates) return -1;
    const state_def *s = &f->states[i];
    *out = (zt_flow_state_info){.id = s->id,
                                .label = s->label,
                                .start = s->start,
                                .terminal = s->terminal,
                                .clock = s->clock,
                                .limit = s->limit};
    for (size_t k = 0; k < f->nlimits; k++)
        if (s->counts >> k & 1) out->counts[out->ncounts++] = f->limits[k].id;
    return 0;
}

int zt_flow_state(const zt_flow *f, const char *id, zt_flow_state_info *out) {
    int i = find_state(f, id, f->nstates);
    return i < 0 ? -1 : zt_flow_state_at(f, (size_t)i, out);
}

int zt_flow_action_at(const zt_flow *f, size_t i, zt_flow_action_info *out) {
    if (i >= f->nactions) return -1;
    const action_def *a = &f->actions[i];
    *out = (zt_flow_action_info){.id = a->id,
                                 .label = a->label,
                                 .result = a->result,
                                 .once_per_case = a->once,
                                 .parallel = a->parallel,
                                 .requires_all_parallel = a->guard_id,
                                 .create = a->create,
                                 .choose = a->choose,
                                 .nfields = a->nfields};
    return 0;
}

int zt_flow_action(const zt_flow *f, const char *id, zt_flow_action_info *out) {
    int i = find_action(f, id, f->nactions);
    return i < 0 ? -1 : zt_flow_action_at(f, (size_t)i, out);
}

int zt_flow_limit_at(const zt_flow *f, size_t i, zt_flow_limit_info *out) {
    if (i >= f->nlimits) return -1;
    const limit_def *l = &f->limits[i];
    *out = (zt_flow_limit_info){.id = l->id,
                                .label = l->label,
                                .basis = l->basis,
                                .days = l->days,
                                .extension = l->extension,
                                .item_limit = l->item};
    return 0;
}

int zt_flow_limit(const zt_flow *f, const char *id, zt_flow_limit_info *out) {
    int i = find_limit(f, id, f->nlimits);
    return i < 0 ? -1 : zt_flow_limit_at(f, (size_t)i, out);
}

size_t zt_flow_actions(const zt_flow *f, const char *state, const char *role, const char **ids, size_t cap) {
    int s = find_state(f, state, f->nstates);
    uint32_t r = zt_role_bit(role);
    size_t n = 0;
    if (s < 0 || (role && !r)) return 0;
    for (size_t i = 0; i < f->nactions; i++) {
        const action_def *a = &f->actions[i];
        if (!(a->from >> s & 1) || (role && !(a->roles & r))) continue;
        if (n < cap) ids[n] = a->id;
        n++;
    }
    return n;
}

const char *zt_flow_target(const zt_flow *f, const char *state, const char *action) {
    return zt_flow_target_of(f, state, action, NULL);
}

const char *zt_flow_target_of(const zt_flow *f, const char *state, const char *action, const char *to) {
    int s = find_state(f, state, f->nstates), a = find_action(f, action, f->nactions);
    if (s < 0 || a < 0 || !(f->actions[a].from >> s & 1)) return NULL;
    int k = f->actions[a].to[s];
    if (k == CHOOSE) {
        k = find_state(f, to, f->nstates);
        return k >= 0 && (f->actions[a].targets >> k & 1) ? f->states[k].id : NULL;
    }
    return !to || !strcmp(to, f->states[k].id) ? f->states[k].id : NULL;
}

const char *zt_flow_label(const zt_flow *f, const char *action) {
    int k = find_action(f, action, f->nactions);
    if (k >= 0) return f->actions[k].label;
    return !f->creates && action && !strcmp(action, "submit") ? "提交申请" : NULL;
}

/* The creation a definition without creation actions has: "submit" into
 * its start state, by any role (the platform's first definitions). */
static const action_def IMPLICIT_CREATE = {.id = "submit", .label = "提交申请", .create = 1, .guard = -1};

zt_err zt_flow_creation(const zt_flow *f, const char *action, const char *role, const char *state,
                        zt_flow_action_info *out, zt_error *e) {
    int k = find_action(f, action, f->nactions), s = find_state(f, state, f->nstates);
    uint32_t r = zt_role_bit(role);
    const action_def *a = k >= 0 ? &f->actions[k] : NULL;
    if (!a && !f->creates && action && !strcmp(action, IMPLICIT_CREATE.id)) a = &IMPLICIT_CREATE;
    if (!a) return zt_fail(e, ZT_EINVAL, "action", "流程「%s」没有动作「%s」", f->name, action ? action : "");
    if (!a->create) return zt_fail(e, ZT_ECONFLICT, "action", "「%s」不能创建新的%s", a->label, f->name);
    if (a != &IMPLICIT_CREATE) {
        if (!r) return zt_fail(e, ZT_EFORBIDDEN, "role", "未知角色（%s）无权执行「%s」", role ? role : "", a->label);
        if (!(a->roles & r))
            return zt_fail(e, ZT_EFORBIDDEN, "role", "%s无权执行「%s」", zt_role_label(role), a->label);
    }
    uint64_t entries = a == &IMPLICIT_CREATE ? (uint64_t)1 << f->start : a->targets;
    if (s < 0 || !(entries >> s & 1))
        return zt_fail(e, ZT_EINTERNAL, "state", "「%s」不能创建到状态「%s」", a->label, state ? state : "");
    *out = (zt_flow_action_info){
        .id = a->id, .label = a->label, .result = a->result, .create = 1, .choose = a->choose, .nfields = a->nfields};
    return ZT_OK;
}

zt_err zt_flow_allowed(const zt_flow *f, const char *state, const char *action, const char *role, int times_taken,
                       int parallel_done, zt_error *e) {
    int s = find_state(f, state, f->nstates), k = find_action(f, action, f->nactions);
    uint32_t r = zt_role_bit(role);
    if (k < 0) return zt_fail(e, ZT_EINVAL, "action", "流程「%s」没有动作「%s」", f->name, action ? action : "");
    if (s < 0)
        return zt_fail(e, ZT_EINTERNAL, "state", "状态「%s」不在流程「%s」（第 %d 版）中", state ? state : "", f->name,
                       f->version);
    const action_def *a = &f->actions[k];
    const state_def *st = &f->states[s];
    if (!r) return zt_fail(e, ZT_EFORBIDDEN, "role", "未知角色（%s）无权执行「%s」", role ? role : "", a->label);
    if (!(a->roles & r)) return zt_fail(e, ZT_EFORBIDDEN, "role", "%s无权执行「%s」", zt_role_label(role), a->label);
    if (!(a->from >> s & 1)) {
        /* name the states it applies to: "「待发」「已发」" */
        char from[200] = "";
        size_t n = 0;
        for (size_t j = 0; j < f->nstates && n < sizeof from; j++) {
            if (!(a->from >> j & 1)) continue;
            int w = snprintf(from + n, sizeof from - n, "「%s」", f->states[j].label);
            if (w < 0 || (size_t)w >= sizeof from - n) break;
            n += (size_t)w;
        }
        return zt_fail(e, ZT_ECONFLICT, "state", "当前状态「%s」不能执行「%s」（只适用于%s）", st->label, a->label,
                       from);
    }
    if (a->once && times_taken > 0)
        return zt_fail(e, ZT_ECONFLICT, "state", "「%s」每件只能一次，本件已执行过", a->label);
    if (a->parallel && times_taken > 0) return zt_fail(e, ZT_ECONFLICT, "state", "本部门已执行过「%s」", a->label);
    if (a->guard >= 0 && !parallel_done)
        return zt_fail(e, ZT_ECONFLICT, "state", "「%s」尚未全部完成，不能执行「%s」", f->actions[a->guard].label,
                       a->label);
    return ZT_OK;
}

/* --- fields ------------------------------------------------------------- */

/* A text, or item n (1-based) of a list. */
static zt_err check_text(const field_def *fd, json_t *v, size_t n, zt_error *e) {
    char what[256];
    if (n)
        snprintf(what, sizeof what, "%s（%s）第 %zu 项", fd->label, fd->name, n);
    else
        snprintf(what, sizeof what, "%s（%s）", fd->label, fd->name);
    if (!json_is_string(v)) return zt_fail(e, ZT_EINVAL, fd->name, "%s必须是文本", what);
    const char *s = json_string_value(v);
    if (strlen(s) != json_string_length(v)) return zt_fail(e, ZT_EINVAL, fd->name, "%s含有空字符", what);
    if (n && zt_blank(s)) return zt_fail(e, ZT_EINVAL, fd->name, "%s不能为空", what);
    if ((json_int_t)zt_utf8_len(s) > fd->max)
        return zt_fail(e, ZT_EINVAL, fd->name, "%s最多 %lld 个字", what, (long long)fd->max);
    return ZT_OK;
}

/* "a、b、c", cut after the last value that fits. */
static const char *values_text(const field_def *fd, char *out, size_t cap) {
    size_t len = 0, i;
    json_t *x;
    out[0] = 0;
    json_array_foreach(fd->values, i, x) {
        int k = snprintf(out + len, cap - len, "%s%s", i ? "、" : "", json_string_value(x));
        if (k < 0 || (size_t)k >= cap - len) {
            out[len] = 0;
            break;
        }
        len += (size_t)k;
    }
    return out;
}

static zt_err check_value(const action_def *a, const field_def *fd, json_t *v, zt_error *e) {
    const char *n = fd->name, *l = fd->label;
    char all[200];
    json_t *x;
    size_t i;
    zt_err rc;
    zt_day day;
    if (!v || json_is_null(v) || (json_is_string(v) && zt_blank(json_string_value(v))) ||
        (json_is_array(v) && json_array_size(v) == 0))
        return fd->required ? zt_fail(e, ZT_EINVAL, n, "%s须%s%s（%s）", a->label, verbs[fd->type], l, n) : ZT_OK;
    switch (fd->type) {
    case T_TEXT:
        return check_text(fd, v, 0, e);
    case T_INTEGER:
        if (!json_is_integer(v)) return zt_fail(e, ZT_EINVAL, n, "%s（%s）必须是整数", l, n);
        if (json_integer_value(v) < fd->min || json_integer_value(v) > fd->max)
            return zt_fail(e, ZT_EINVAL, n, "%s（%s）必须在 %lld 到 %lld 之间", l, n, (long long)fd->min,
                           (long long)fd->max);
        return ZT_OK;
    case T_DATE:
        if (!json_is_string(v) || strlen(json_string_value(v)) != json_string_length(v) ||
            zt_day_parse(json_string_value(v), &day) != 0)
            return zt_fail(e, ZT_EINVAL, n, "%s（%s）必须是日期 YYYY-MM-DD", l, n);
        return ZT_OK;
    case T_ENUM:
        json_array_foreach(fd->values, i, x) {
            if (json_equal(x, v)) return ZT_OK;
        }
        return zt_fail(e, ZT_EINVAL, n, "%s（%s）须是以下之一：%s", l, n, values_text(fd, all, sizeof all));
    case T_LIST:
        if (!json_is_array(v)) return zt_fail(e, ZT_EINVAL, n, "%s（%s）必须是文本列表", l, n);
        if ((json_int_t)json_array_size(v) > fd->items)
            return zt_fail(e, ZT_EINVAL, n, "%s（%s）最多 %lld 项", l, n, (long long)fd->items);
        json_array_foreach(v, i, x) {
            if ((rc = check_text(fd, x, i + 1, e))) return rc;
        }
        return ZT_OK;
    }
    return ZT_OK;
}

zt_err zt_flow_check_fields(const zt_flow *f, const char *action, json_t *fields, zt_error *e) {
    int k = find_action(f, action, f->nactions);
    const char *key;
    json_t *v;
    zt_err rc;
    const action_def *a = k >= 0 ? &f->actions[k] : NULL;
    if (!a && !f->creates && action && !strcmp(action, IMPLICIT_CREATE.id)) a = &IMPLICIT_CREATE;
    if (!a) return zt_fail(e, ZT_EINVAL, "action", "流程「%s」没有动作「%s」", f->name, action ? action : "");
    if (fields && !json_is_object(fields))
        return zt_fail(e, ZT_EINVAL, "fields", "「%s」的字段必须是 JSON 对象", a->label);
    for (size_t i = 0; i < a->nfields; i++)
        if ((rc = check_value(a, &a->fields[i], json_object_get(fields, a->fields[i].name), e))) return rc;
    json_object_foreach(fields, key, v) {
        size_t i = 0;
        while (i < a->nfields && strcmp(a->fields[i].name, key) != 0) i++;
        if (i == a->nfields) return zt_fail(e, ZT_EINVAL, key, "「%s」没有字段 %s", a->label, key);
    }
    return ZT_OK;
}

zt_err zt_flow_check(const zt_flow *f, const char *state, const char *action, const char *role, int times_taken,
                     int parallel_done, json_t *fields, zt_error *e) {
    zt_err rc = zt_flow_allowed(f, state, action, role, times_taken, parallel_done, e);
    return rc ? rc : zt_flow_check_fields(f, action, fields, e);
}
