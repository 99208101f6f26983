/* fuzz_json.c - request bodies: jansson's json_loadb as zt_req_json calls it
 * (duplicate keys rejected), then the field readers of base/json.h on the
 * result, and the error context (zt_fail, zt_error_prefix) fed with text
 * from the input.
 *
 * Checked: every error message and field name is valid UTF-8 that
 * json_string() accepts (it becomes the JSON error reply, and a refused
 * string turns a 400 into a 500); a field reader either succeeds with a
 * value inside its bounds or fails with ZT_EINVAL naming the key;
 * zt_utf8_len counts code points. */
#include <jansson.h>

#include "base/err.h"
#include "base/json.h"
#include "fuzz.h"

static uint64_t mix;

static void check_error(const zt_error *e, zt_err rc) {
    FUZZ_CHECK(rc == ZT_EINVAL && e->code == ZT_EINVAL);
    FUZZ_CHECK(strlen(e->message) < sizeof e->message && strlen(e->field) < sizeof e->field);
    FUZZ_CHECK(fuzz_utf8_ok(e->message, strlen(e->message)));
    FUZZ_CHECK(fuzz_utf8_ok(e->field, strlen(e->field)));
    json_t *m = json_string(e->message), *f = json_string(e->field);
    FUZZ_CHECK(m != NULL && f != NULL);
    json_decref(m);
    json_decref(f);
}

static size_t code_points(const char *s) {
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) n += (*p & 0xC0) != 0x80;
    return n;
}

static void check_fields(json_t *o, const char *key) {
    zt_error e = {0};
    const char *s;
    int required = (int)(mix & 1);
    size_t maxlen = (size_t)(mix >> 1) % 40;
    zt_err rc = zt_json_str(o, key, required, maxlen, &s, &e);
    if (rc) {
        check_error(&e, rc);
        FUZZ_CHECK(s == NULL);
        /* the field names the key, cut at a character boundary if long */
        FUZZ_CHECK(strncmp(e.field, key, strlen(e.field)) == 0);
        FUZZ_CHECK(strlen(key) >= sizeof e.field - 1 ? strlen(e.field) + 4 >= sizeof e.field - 1
                                                     : !strcmp(e.field, key));
    } else if (s) {
        FUZZ_CHECK(zt_utf8_len(s) <= maxlen && zt_utf8_len(s) == code_points(s));
        FUZZ_CHECK(!required || s[0]);
        FUZZ_CHECK(fuzz_utf8_ok(s, strlen(s)));
    } else {
        FUZZ_CHECK(!required);
    }

    int64_t lo = -(int64_t)(mix % 1000), hi = (int64_t)(mix % 100000), n;
    e = (zt_error){0};
    rc = zt_json_int(o, key, required, lo, hi, 7, &n, &e);
    if (rc)
        check_error(&e, rc);
    else
        FUZZ_CHECK((n >= lo && n <= hi) || (n == 7 && !json_is_integer(json_object_get(o, key))));

    int b = -1;
    e = (zt_error){0};
    rc = zt_json_bool(o, key, 1, &b, &e);
    if (rc)
        check_error(&e, rc);
    else
        FUZZ_CHECK(b == 0 || b == 1);
}

/* The input's own text in messages: whole, truncated, as a prefix. */
static void check_text(const char *text) {
    zt_error e = {0};
    check_error(&e, zt_fail(&e, ZT_EINVAL, text, "字段 %s 不对：%s", text, text));
    zt_error_prefix(&e, "%s:%d: ", text, 12);
    check_error(&e, ZT_EINVAL);
    e = (zt_error){0};
    zt_fail(&e, ZT_EINVAL, NULL, "%s", text);
    zt_error_prefix(&e, "%.*s", (int)(mix % 300), text);
    check_error(&e, ZT_EINVAL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    mix = 1469598103934665603ULL;
    for (size_t i = 0; i < size; i++) mix = (mix ^ data[i]) * 1099511628211ULL;

    json_error_t je;
    json_t *v = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &je);
    if (!v) {
        /* the message zt_req_json builds from jansson's complaint */
        zt_error e = {0};
        zt_err rc = zt_fail(&e, ZT_EINVAL, "body", "请求体不是合法的 JSON（第 %d 行第 %d 列）：%s", je.line, je.column,
                            je.text);
        check_error(&e, rc);
        char *raw = fuzz_cstr(data, size);
        check_text(raw);
        free(raw);
        return 0;
    }
    if (json_is_object(v)) {
        static const char *const allowed[] = {"name", "kind", "id", "enabled", "now", NULL};
        zt_error e = {0};
        zt_err rc = zt_json_only(v, allowed, &e);
        if (rc) check_error(&e, rc);
        for (const char *const *k = allowed; *k; k++) check_fields(v, *k);
        check_fields(v, "absent");
        const char *key;
        json_t *val;
        json_object_foreach(v, key, val) {
            check_fields(v, key);
            check_text(key);
            if (json_is_string(val)) check_text(json_string_value(val));
            mix = mix * 6364136223846793005ULL + 1442695040888963407ULL;
        }
    } else if (json_is_string(v)) {
        check_text(json_string_value(v));
    }
    json_decref(v);
    return 0;
}
