/* fuzz_events.c - the validation of an event reported by a department's
 * system: zt_sv_event_check (src/supervise/intake.h), which POST
 * /api/supervision/events runs on each event of a request before anything
 * is stored. The input is parsed as zt_req_json parses a body (jansson,
 * duplicate keys rejected; any JSON value, since a batch's elements may be
 * anything) and checked for the department 360300-GA of the city 360300,
 * on a fake clock fixed at 2026-11-28T12:00:00+08:00 (events may be one day
 * ahead of it). The kinds are registered as serve registers them (zt_wire).
 *
 * Checked: a refusal is ZT_EINVAL with a non-empty field and a non-empty,
 * valid UTF-8 message (json_string() accepts both), the field's first
 * segment is a member of the envelope, "event", or an unknown member of the
 * input, and the event is left unchanged. An accepted event has every
 * property docs/supervision-events.md ("Reporting from a department's
 * system") promises, checked here independently: only known members; id of
 * 1-160 printable ASCII characters, not the platform's "platform/…"; type = subject_type "." [a-z_]{1,32};
 * time RFC 3339 between 2000 and one day ahead; subject of 1-64 characters
 * without blank, '/' or control characters; the body's number = subject and
 * department = 360300-GA, so is the envelope's department if given, and its
 * region has 6 or 9 digits within the city (3603…, F9); for a case region of
 * 6 or 9 digits within the city, applicant_type
 * citizen|enterprise, 0 <= promised_days <= legal_days <= 365; step.action =
 * the type's action and step.result null or one of the 12; source
 * "dept:360300-GA", filled in when absent, a rating's region filled with
 * the department's when it names none, and nothing else changed. An
 * accepted event also refuses each required member taken away (naming it),
 * another department (in the body or the envelope), a bad envelope region,
 * a region outside the city, a platform id, another source and an unknown
 * member; and is accepted
 * again, unchanged, once its source is filled. Every check runs twice on
 * copies and must give the same answer (deterministic). */
#include <jansson.h>
#include <time.h>

#include "base/clock.h"
#include "base/err.h"
#include "base/json.h"
#include "fuzz.h"
#include "routes.h"
#include "supervise/intake.h"

enum { MAX_INPUT = 64 * 1024 };

#define DEPT   "360300-GA"
#define REGION "360300"
#define SOURCE "dept:" DEPT
/* 2026-11-28T12:00:00+08:00 */
#define NOW 1795838400LL

static const char *const RESULTS[] = {"accept", "refuse",   "supplement", "approve", "deny",     "suspend", "resume",
                                      "return", "withdraw", "complete",   "void",    "transfer", NULL};
static const char *const TOP[] = {
    "id",      "source",     "type",   "time", "subject_type", "subject",           "seq",
    "step",    "department", "region", "case", "materials",    "special_procedure", "result",
    "message", "rating",     NULL};

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc;
    (void)argv;
    setenv("TZ", "Asia/Shanghai", 1);
    tzset();
    zt_clock_enable_fake();
    zt_clock_set_us(NOW * 1000000);
    zt_wire();
    return 0;
}

static int one_of(const char *s, const char *const *set) {
    for (; s && *set; set++)
        if (strcmp(s, *set) == 0) return 1;
    return 0;
}

static const char *str(json_t *o, const char *key) { return json_string_value(json_object_get(o, key)); }

typedef struct {
    zt_err rc;
    zt_error e;
} outcome;

static outcome run(json_t *ev) {
    outcome o;
    memset(&o, 0, sizeof o);
    o.rc = zt_sv_event_check(ev, DEPT, REGION, &o.e);
    return o;
}

static void check_same(const outcome *a, const outcome *b) {
    FUZZ_CHECK(a->rc == b->rc);
    if (a->rc)
        FUZZ_CHECK(a->e.code == b->e.code && !strcmp(a->e.message, b->e.message) && !strcmp(a->e.field, b->e.field));
}

static void check_error(const outcome *o, json_t *ev) {
    const zt_error *e = &o->e;
    FUZZ_CHECK(o->rc == ZT_EINVAL && e->code == ZT_EINVAL);
    size_t m = strlen(e->message), f = strlen(e->field);
    FUZZ_CHECK(m > 0 && m < sizeof e->message && f > 0 && f < sizeof e->field);
    FUZZ_CHECK(fuzz_utf8_ok(e->message, m) && fuzz_utf8_ok(e->field, f));
    char copy[sizeof e->message];
    memcpy(copy, e->message, m + 1);
    zt_utf8_clean(copy);
    FUZZ_CHECK(!strcmp(copy, e->message));
    json_t *jm = json_string(e->message), *jf = json_string(e->field);
    FUZZ_CHECK(jm && jf);
    json_decref(jm);
    json_decref(jf);
    FUZZ_CHECK((unsigned char)e->message[0] > ' ');
    if (!json_is_object(ev)) {
        FUZZ_CHECK(!strcmp(e->field, "event"));
        return;
    }
    /* the field is a member path: its first segment is a known member, or it
     * is an unknown member the input has ("\"\"" for the empty name, "event"
     * for one too long to be a path) */
    size_t seg = strcspn(e->field, ".");
    char first[64];
    memcpy(first, e->field, seg);
    first[seg] = 0;
    FUZZ_CHECK(one_of(first, TOP) || json_object_get(ev, e->field) || !strcmp(e->field, "\"\"") ||
               !strcmp(e->field, "event"));
}

/* [a-z_]{1,32} */
static int action_ok(const char *s) {
    size_t n = strlen(s);
    return n >= 1 && n <= 32 && strspn(s, "abcdefghijklmnopqrstuvwxyz_") == n;
}

/* 6 or 9 digits within the city 360300 */
static int region_ok(const char *s) {
    size_t n = s ? strspn(s, "0123456789") : 0;
    return s && s[n] == 0 && (n == 6 || n == 9) && !strncmp(s, "3603", 4);
}

static int is_int(json_t *o, const char *key, json_int_t lo, json_int_t hi) {
    json_t *v = json_object_get(o, key);
    return json_is_integer(v) && json_integer_value(v) >= lo && json_integer_value(v) <= hi;
}

/* The properties of an accepted event ev (orig: as it came). */
static void check_accepted(json_t *ev, json_t *orig) {
    const char *k;
    json_t *v;
    FUZZ_CHECK(json_is_object(ev));
    json_object_foreach(ev, k, v) FUZZ_CHECK(one_of(k, TOP));

    const char *id = str(ev, "id");
    FUZZ_CHECK(id && strlen(id) >= 1 && strlen(id) <= 160);
    for (const char *c = id; *c; c++) FUZZ_CHECK(*c > ' ' && *c < 0x7F);
    FUZZ_CHECK(strncmp(id, "platform/", 9) != 0);

    const char *st = str(ev, "subject_type"), *type = str(ev, "type");
    FUZZ_CHECK(one_of(st, (const char *const[]){"case", "consultation", "complaint", "rating", NULL}));
    size_t stl = strlen(st);
    FUZZ_CHECK(type && !strncmp(type, st, stl) && type[stl] == '.' && action_ok(type + stl + 1));
    const char *action = type + stl + 1;

    int64_t t;
    FUZZ_CHECK(str(ev, "time") && zt_time_parse(str(ev, "time"), &t) == 0);
    FUZZ_CHECK(t >= 946656000 && t <= NOW + 86400);

    const char *subject = str(ev, "subject");
    FUZZ_CHECK(subject && *subject && json_string_length(json_object_get(ev, "subject")) == strlen(subject));
    FUZZ_CHECK(zt_utf8_len(subject) <= 64 && !strpbrk(subject, " /"));
    for (const unsigned char *c = (const unsigned char *)subject; *c; c++) FUZZ_CHECK(*c >= 0x20 && *c != 0x7F);

    v = json_object_get(ev, "seq");
    FUZZ_CHECK(!v || json_is_null(v) || (json_is_integer(v) && json_integer_value(v) >= 1));
    FUZZ_CHECK(str(ev, "source") && !strcmp(str(ev, "source"), SOURCE));
    v = json_object_get(ev, "department");
    FUZZ_CHECK(!v || json_is_null(v) || !strcmp(json_string_value(v), DEPT));
    v = json_object_get(ev, "region");
    FUZZ_CHECK(!v || json_is_null(v) || region_ok(json_string_value(v)));

    /* nothing changed but the source, filled in when absent, and a rating's
     * region: the department's when it names none */
    json_t *c = json_deep_copy(ev);
    if (!json_object_get(orig, "source")) json_object_del(c, "source");
    json_t *orig_rating = json_object_get(orig, "rating");
    if (!strcmp(st, "rating") && json_is_object(orig_rating) &&
        !json_is_string(json_object_get(orig_rating, "region")) && !json_is_string(json_object_get(orig, "region"))) {
        FUZZ_CHECK(str(json_object_get(c, "rating"), "region") &&
                   !strcmp(str(json_object_get(c, "rating"), "region"), REGION));
        if (json_object_get(orig_rating, "region"))
            json_object_set(json_object_get(c, "rating"), "region", json_object_get(orig_rating, "region"));
        else
            json_object_del(json_object_get(c, "rating"), "region");
    }
    FUZZ_CHECK(json_equal(c, orig));
    json_decref(c);

    json_t *body;
    if (!strcmp(st, "case")) {
        body = json_object_get(ev, "case");
        FUZZ_CHECK(json_is_object(body));
        FUZZ_CHECK(!json_object_get(ev, "message") && !json_object_get(ev, "rating"));
        FUZZ_CHECK(str(body, "number") && !strcmp(str(body, "number"), subject));
        FUZZ_CHECK(str(body, "item_code") && *str(body, "item_code") && str(body, "channel"));
        FUZZ_CHECK(region_ok(str(body, "region")));
        FUZZ_CHECK(one_of(str(body, "applicant_type"), (const char *const[]){"citizen", "enterprise", NULL}));
        FUZZ_CHECK(is_int(body, "legal_days", 0, 365) && is_int(body, "promised_days", 0, 365));
        FUZZ_CHECK(json_integer_value(json_object_get(body, "promised_days")) <=
                   json_integer_value(json_object_get(body, "legal_days")));
    } else if (!strcmp(st, "rating")) {
        body = json_object_get(ev, "rating");
        FUZZ_CHECK(json_is_object(body) && !json_object_get(ev, "case") && !json_object_get(ev, "message"));
        FUZZ_CHECK(str(body, "case_number") && !strcmp(str(body, "case_number"), subject));
        FUZZ_CHECK(one_of(action, (const char *const[]){"rate", "visit", "fix", NULL}));
        if (!strcmp(action, "rate")) FUZZ_CHECK(is_int(body, "level", 1, 5));
    } else {
        body = json_object_get(ev, "message");
        FUZZ_CHECK(json_is_object(body) && !json_object_get(ev, "case") && !json_object_get(ev, "rating"));
        FUZZ_CHECK(str(body, "number") && !strcmp(str(body, "number"), subject));
        FUZZ_CHECK(region_ok(str(body, "region")));
    }
    FUZZ_CHECK(str(body, "department") && !strcmp(str(body, "department"), DEPT));

    json_t *step = json_object_get(ev, "step");
    if (strcmp(st, "rating") != 0) FUZZ_CHECK(json_is_object(step));
    if (json_is_object(step)) {
        FUZZ_CHECK(str(step, "action") && !strcmp(str(step, "action"), action));
        v = json_object_get(step, "result");
        FUZZ_CHECK(!v || json_is_null(v) || one_of(json_string_value(v), RESULTS));
    }
}

/* Take away (or change) a member; the check must refuse, naming want. */
static void refuses(json_t *ev, const char *obj, const char *key, json_t *value, const char *want) {
    json_t *c = json_deep_copy(ev), *o = obj ? json_object_get(c, obj) : c;
    if (value)
        json_object_set(o, key, value);
    else
        json_object_del(o, key);
    outcome r = run(c);
    if (r.rc != ZT_EINVAL || strcmp(r.e.field, want) != 0)
        fprintf(stderr, "variant %s.%s: rc %d field %s (%s), want %s\n", obj ? obj : "", key, r.rc, r.e.field,
                r.e.message, want);
    FUZZ_CHECK(r.rc == ZT_EINVAL && !strcmp(r.e.field, want));
    check_error(&r, c);
    json_decref(c);
}

static void check_variants(json_t *ev) {
    static const char *const envelope[] = {"id", "type", "time", "subject_type", "subject", NULL};
    for (const char *const *k = envelope; *k; k++) refuses(ev, NULL, *k, NULL, *k);
    const char *st = str(ev, "subject_type");
    const char *bodykey = !strcmp(st, "case") ? "case" : !strcmp(st, "rating") ? "rating" : "message";
    refuses(ev, NULL, bodykey, NULL, bodykey);
    if (strcmp(st, "rating") != 0) {
        refuses(ev, NULL, "step", NULL, "step");
        refuses(ev, "step", "action", NULL, "step.action");
    }
    static const char *const case_req[] = {"number",  "item_code",  "department",    "region", "applicant_type",
                                           "channel", "legal_days", "promised_days", NULL};
    static const char *const msg_req[] = {"number", "department", "region", NULL};
    static const char *const rating_req[] = {"case_number", "department", NULL};
    const char *const *req = !strcmp(st, "case") ? case_req : !strcmp(st, "rating") ? rating_req : msg_req;
    char want[64];
    for (const char *const *k = req; *k; k++) {
        snprintf(want, sizeof want, "%s.%s", bodykey, *k);
        refuses(ev, bodykey, *k, NULL, want);
    }
    json_t *other = json_string("360300-MZ");
    snprintf(want, sizeof want, "%s.department", bodykey);
    refuses(ev, bodykey, "department", other, want);
    json_decref(other);
    other = json_string("360300-MZ");
    refuses(ev, NULL, "department", other, "department");
    json_decref(other);
    other = json_string("3603");
    refuses(ev, NULL, "region", other, "region");
    json_decref(other);
    other = json_string("360402"); /* another city's district (F9) */
    refuses(ev, NULL, "region", other, "region");
    json_decref(other);
    other = json_string("platform/case/JX1/1");
    refuses(ev, NULL, "id", other, "id");
    json_decref(other);
    other = json_string("dept:360300-MZ");
    refuses(ev, NULL, "source", other, "source");
    json_decref(other);
    other = json_string("备注");
    refuses(ev, NULL, "remarks", other, "remarks");
    json_decref(other);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size > MAX_INPUT) return 0;
    json_t *orig = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, NULL);
    if (!orig) return 0;
    json_t *a = json_deep_copy(orig), *b = json_deep_copy(orig);
    FUZZ_CHECK(a && b);
    outcome oa = run(a), ob = run(b);
    check_same(&oa, &ob);
    FUZZ_CHECK(json_equal(a, b));
    if (oa.rc) {
        FUZZ_CHECK(json_equal(a, orig)); /* a refusal changes nothing */
        check_error(&oa, orig);
    } else {
        check_accepted(a, orig);
        check_variants(a);
        /* the event as filled in is accepted again, unchanged */
        outcome again = run(b);
        FUZZ_CHECK(again.rc == ZT_OK && json_equal(a, b));
    }
    json_decref(a);
    json_decref(b);
    json_decref(orig);
    return 0;
}
