/* test_json.c - request-field validation (src/base/json.c) and the error
 * context (src/base/err.c).
 *
 * Every failure must be ZT_EINVAL with e.field naming the field, because
 * http/ turns e into {"error":{"code","message","field"}} with jansson, which
 * refuses text that is not valid UTF-8: messages and fields must stay valid
 * UTF-8 whatever their length (checked here with an independent decoder). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "base/err.h"
#include "base/json.h"

/* Strict UTF-8 (RFC 3629): no overlongs, no surrogates, at most U+10FFFF. */
static int valid_utf8(const char *str) {
    const unsigned char *s = (const unsigned char *)str;
    while (*s) {
        unsigned c = *s;
        int n;
        unsigned min;
        if (c < 0x80) {
            s++;
            continue;
        } else if ((c & 0xE0) == 0xC0) {
            n = 1, min = 0x80, c &= 0x1F;
        } else if ((c & 0xF0) == 0xE0) {
            n = 2, min = 0x800, c &= 0x0F;
        } else if ((c & 0xF8) == 0xF0) {
            n = 3, min = 0x10000, c &= 0x07;
        } else {
            return 0;
        }
        s++;
        for (int i = 0; i < n; i++, s++) {
            if ((*s & 0xC0) != 0x80) return 0;
            c = (c << 6) | (*s & 0x3F);
        }
        if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) return 0;
    }
    return 1;
}

static json_t *parse(const char *text) {
    json_error_t je;
    json_t *o = json_loads(text, 0, &je);
    if (!o) fail_msg("bad test JSON %s: %s", text, je.text);
    return o;
}

static void fresh(zt_error *e) {
    memset(e, 0, sizeof *e);
    e->code = ZT_OK;
}

/* --- zt_json_str ------------------------------------------------------ */

static void str_present(void **state) {
    json_t *o = parse("{\"name\":\"政务服务中心\",\"code\":\"110000\",\"blank\":\"\"}");
    zt_error e;
    fresh(&e);
    const char *s = (const char *)1;
    assert_int_equal(zt_json_str(o, "name", 1, 6, &s, &e), ZT_OK);
    assert_string_equal(s, "政务服务中心");
    assert_int_equal(zt_json_str(o, "code", 0, 6, &s, &e), ZT_OK);
    assert_string_equal(s, "110000");
    assert_int_equal(e.code, ZT_OK); /* untouched on success */
    json_decref(o);
}

static void str_missing_and_null(void **state) {
    json_t *o = parse("{\"a\":null}");
    zt_error e;
    const char *s;

    fresh(&e);
    s = "sentinel";
    assert_int_equal(zt_json_str(o, "name", 1, 10, &s, &e), ZT_EINVAL);
    assert_null(s);
    assert_int_equal(e.code, ZT_EINVAL);
    assert_string_equal(e.field, "name");
    assert_non_null(strstr(e.message, "name"));

    fresh(&e);
    assert_int_equal(zt_json_str(o, "a", 1, 10, &s, &e), ZT_EINVAL); /* null counts as missing */
    assert_string_equal(e.field, "a");

    /* optional: absent and null both give NULL */
    s = "sentinel";
    assert_int_equal(zt_json_str(o, "name", 0, 10, &s, &e), ZT_OK);
    assert_null(s);
    s = "sentinel";
    assert_int_equal(zt_json_str(o, "a", 0, 10, &s, &e), ZT_OK);
    assert_null(s);
    json_decref(o);
}

static void str_wrong_type(void **state) {
    json_t *o = parse("{\"n\":5,\"b\":true,\"arr\":[\"x\"],\"obj\":{},\"f\":1.5}");
    const char *keys[] = {"n", "b", "arr", "obj", "f"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        zt_error e;
        fresh(&e);
        const char *s = "sentinel";
        /* wrong type is refused even when the field is optional */
        assert_int_equal(zt_json_str(o, keys[i], 0, 10, &s, &e), ZT_EINVAL);
        assert_null(s);
        assert_int_equal(e.code, ZT_EINVAL);
        assert_string_equal(e.field, keys[i]);
    }
    json_decref(o);
}

static void str_empty_required(void **state) {
    json_t *o = parse("{\"name\":\"\"}");
    zt_error e;
    fresh(&e);
    const char *s = "sentinel";
    assert_int_equal(zt_json_str(o, "name", 1, 10, &s, &e), ZT_EINVAL);
    assert_null(s);
    assert_string_equal(e.field, "name");
    json_decref(o);
}

static void str_length_in_characters(void **state) {
    /* "北京市" is 3 characters and 9 bytes */
    json_t *o = parse("{\"city\":\"北京市\",\"ascii\":\"abcd\",\"mixed\":\"a中b\",\"emoji\":\"😀😀\"}");
    zt_error e;
    const char *s;
    fresh(&e);
    assert_int_equal(zt_json_str(o, "city", 1, 3, &s, &e), ZT_OK);
    assert_string_equal(s, "北京市");
    assert_int_equal(zt_json_str(o, "city", 1, 2, &s, &e), ZT_EINVAL);
    assert_null(s);
    assert_string_equal(e.field, "city");
    assert_non_null(strstr(e.message, "2"));

    fresh(&e);
    assert_int_equal(zt_json_str(o, "ascii", 1, 4, &s, &e), ZT_OK);
    assert_int_equal(zt_json_str(o, "ascii", 1, 3, &s, &e), ZT_EINVAL);
    assert_string_equal(e.field, "ascii");
    assert_int_equal(zt_json_str(o, "mixed", 1, 3, &s, &e), ZT_OK);
    assert_int_equal(zt_json_str(o, "emoji", 1, 2, &s, &e), ZT_OK); /* 4-byte characters */
    assert_int_equal(zt_json_str(o, "emoji", 1, 1, &s, &e), ZT_EINVAL);
    json_decref(o);
}

static void str_embedded_nul(void **state) {
    json_t *o = json_object();
    json_object_set_new(o, "name", json_stringn("ab\0cd", 5));
    zt_error e;
    fresh(&e);
    const char *s = "sentinel";
    assert_int_equal(zt_json_str(o, "name", 1, 100, &s, &e), ZT_EINVAL);
    assert_null(s);
    assert_string_equal(e.field, "name");
    json_decref(o);
}

static void utf8_len(void **state) {
    assert_int_equal(zt_utf8_len(""), 0);
    assert_int_equal(zt_utf8_len("abc"), 3);
    assert_int_equal(zt_utf8_len("北京市"), 3);
    assert_int_equal(zt_utf8_len("a中b"), 3);
    assert_int_equal(zt_utf8_len("\xc3\xa9"), 1);          /* é */
    assert_int_equal(zt_utf8_len("\xf0\x9f\x98\x80x"), 2); /* 😀x */
}

/* --- zt_json_int / zt_json_bool ------------------------------------- */

static void int_field(void **state) {
    json_t *o = parse("{\"n\":7,\"lo\":1,\"hi\":10,\"neg\":-3,\"s\":\"7\",\"f\":7.0,\"b\":true,\"z\":null,"
                      "\"big\":9223372036854775807}");
    zt_error e;
    int64_t v = -1;
    fresh(&e);
    assert_int_equal(zt_json_int(o, "n", 1, 1, 10, 0, &v, &e), ZT_OK);
    assert_int_equal(v, 7);
    /* bounds are inclusive */
    assert_int_equal(zt_json_int(o, "lo", 1, 1, 10, 0, &v, &e), ZT_OK);
    assert_int_equal(v, 1);
    assert_int_equal(zt_json_int(o, "hi", 1, 1, 10, 0, &v, &e), ZT_OK);
    assert_int_equal(v, 10);
    assert_int_equal(zt_json_int(o, "big", 1, INT64_MIN, INT64_MAX, 0, &v, &e), ZT_OK);
    assert_int_equal(v, INT64_MAX);

    const char *bad_range[] = {"hi", "lo", "neg"};
    int64_t lo[] = {1, 2, 0}, hi[] = {9, 10, 10};
    for (int i = 0; i < 3; i++) {
        fresh(&e);
        v = 12345;
        assert_int_equal(zt_json_int(o, bad_range[i], 1, lo[i], hi[i], 0, &v, &e), ZT_EINVAL);
        assert_int_equal(v, 12345); /* not written on error */
        assert_int_equal(e.code, ZT_EINVAL);
        assert_string_equal(e.field, bad_range[i]);
    }

    const char *bad_type[] = {"s", "f", "b"};
    for (int i = 0; i < 3; i++) {
        fresh(&e);
        assert_int_equal(zt_json_int(o, bad_type[i], 0, 0, 100, 0, &v, &e), ZT_EINVAL);
        assert_string_equal(e.field, bad_type[i]);
    }

    /* missing / null */
    fresh(&e);
    assert_int_equal(zt_json_int(o, "absent", 1, 0, 10, 5, &v, &e), ZT_EINVAL);
    assert_string_equal(e.field, "absent");
    fresh(&e);
    assert_int_equal(zt_json_int(o, "z", 1, 0, 10, 5, &v, &e), ZT_EINVAL);
    assert_string_equal(e.field, "z");
    v = -1;
    assert_int_equal(zt_json_int(o, "absent", 0, 0, 10, 5, &v, &e), ZT_OK);
    assert_int_equal(v, 5);
    v = -1;
    assert_int_equal(zt_json_int(o, "z", 0, 0, 10, 6, &v, &e), ZT_OK);
    assert_int_equal(v, 6);
    json_decref(o);
}

static void bool_field(void **state) {
    json_t *o = parse("{\"t\":true,\"f\":false,\"one\":1,\"s\":\"true\",\"z\":null}");
    zt_error e;
    int v = -1;
    fresh(&e);
    assert_int_equal(zt_json_bool(o, "t", 0, &v, &e), ZT_OK);
    assert_int_equal(v, 1);
    assert_int_equal(zt_json_bool(o, "f", 1, &v, &e), ZT_OK);
    assert_int_equal(v, 0);
    assert_int_equal(zt_json_bool(o, "absent", 1, &v, &e), ZT_OK);
    assert_int_equal(v, 1);
    assert_int_equal(zt_json_bool(o, "z", 0, &v, &e), ZT_OK);
    assert_int_equal(v, 0);
    const char *bad[] = {"one", "s"};
    for (int i = 0; i < 2; i++) {
        fresh(&e);
        assert_int_equal(zt_json_bool(o, bad[i], 0, &v, &e), ZT_EINVAL);
        assert_int_equal(e.code, ZT_EINVAL);
        assert_string_equal(e.field, bad[i]);
    }
    json_decref(o);
}

/* --- zt_json_only ----------------------------------------------------- */

static void only_known_keys(void **state) {
    static const char *const allowed[] = {"name", "code", "phone", NULL};
    zt_error e;
    json_t *o = parse("{\"name\":\"x\",\"code\":\"1\"}");
    fresh(&e);
    assert_int_equal(zt_json_only(o, allowed, &e), ZT_OK);
    json_decref(o);

    o = parse("{}");
    assert_int_equal(zt_json_only(o, allowed, &e), ZT_OK);
    json_decref(o);

    o = parse("{\"name\":\"x\",\"nmae\":\"typo\"}");
    fresh(&e);
    assert_int_equal(zt_json_only(o, allowed, &e), ZT_EINVAL);
    assert_int_equal(e.code, ZT_EINVAL);
    assert_string_equal(e.field, "nmae");
    assert_non_null(strstr(e.message, "nmae"));
    json_decref(o);

    static const char *const none[] = {NULL};
    o = parse("{\"a\":1}");
    fresh(&e);
    assert_int_equal(zt_json_only(o, none, &e), ZT_EINVAL);
    assert_string_equal(e.field, "a");
    json_decref(o);
}

/* An unknown key is client input of any length. The message and field that
 * reach the JSON error body must stay valid UTF-8 when they are cut to fit
 * (e.field is 64 bytes, e.message 256): a cut inside a character makes
 * jansson refuse the string, turning a 400 into a 500. */
static void only_long_chinese_key_stays_utf8(void **state) {
    static const char *const allowed[] = {"name", NULL};
    char key[3 * 120 + 1] = "";
    for (int i = 0; i < 120; i++) memcpy(key + 3 * i, "字", 4);
    json_t *o = json_object();
    json_object_set_new(o, key, json_integer(1));
    zt_error e;
    fresh(&e);
    zt_err rc = zt_json_only(o, allowed, &e);
    json_decref(o);
    /* what http/ does with them: jansson must accept both */
    json_t *m = json_string(e.message), *f = json_string(e.field);
    int m_ok = m != NULL, f_ok = f != NULL;
    json_decref(m);
    json_decref(f);
    assert_int_equal(rc, ZT_EINVAL);
    assert_true(strlen(e.field) < sizeof e.field);
    assert_true(strlen(e.message) < sizeof e.message);
    assert_true(strlen(e.field) > 0);
    assert_true(m_ok);
    assert_true(f_ok);
    assert_true(valid_utf8(e.message));
    assert_true(valid_utf8(e.field));
}

/* --- err.c ------------------------------------------------------------ */

static void fail_formats(void **state) {
    zt_error e;
    fresh(&e);
    assert_int_equal(zt_fail(&e, ZT_ENOTFOUND, "id", "没有编号为 %d 的%s", 42, "部门"), ZT_ENOTFOUND);
    assert_int_equal(e.code, ZT_ENOTFOUND);
    assert_string_equal(e.message, "没有编号为 42 的部门");
    assert_string_equal(e.field, "id");

    /* NULL field clears an earlier one */
    assert_int_equal(zt_fail(&e, ZT_ECONFLICT, NULL, "%s", "dup"), ZT_ECONFLICT);
    assert_string_equal(e.field, "");
    assert_string_equal(e.message, "dup");
    assert_int_equal(e.code, ZT_ECONFLICT);

    /* NULL context: just the code */
    assert_int_equal(zt_fail(NULL, ZT_EFORBIDDEN, "x", "no"), ZT_EFORBIDDEN);

    /* a long message and field are cut, terminated */
    char long_ascii[600];
    memset(long_ascii, 'm', sizeof long_ascii - 1);
    long_ascii[sizeof long_ascii - 1] = 0;
    zt_fail(&e, ZT_EINVAL, long_ascii, "%s", long_ascii);
    assert_int_equal(strlen(e.message), sizeof e.message - 1);
    assert_int_equal(strlen(e.field), sizeof e.field - 1);
}

static void fail_long_chinese_message_stays_utf8(void **state) {
    /* 100 three-byte characters = 300 bytes: more than the 255 that fit, and
     * 255 is a multiple of 3 only by luck, so shift by one ASCII byte */
    char text[1 + 300 + 1] = "a";
    for (int i = 0; i < 100; i++) memcpy(text + 1 + 3 * i, "办", 4);
    zt_error e;
    fresh(&e);
    zt_fail(&e, ZT_EINVAL, text, "%s", text);
    assert_true(strlen(e.message) <= sizeof e.message - 1);
    assert_true(strlen(e.message) >= sizeof e.message - 4); /* at most one character dropped */
    assert_true(valid_utf8(e.message));
    assert_true(valid_utf8(e.field));
    assert_int_equal(strncmp(e.message, text, strlen(e.message)), 0);
}

static void error_prefix(void **state) {
    zt_error e;
    fresh(&e);
    zt_fail(&e, ZT_EINVAL, "listen.port", "unknown key");
    zt_error_prefix(&e, "%s:%d: ", "zhengtong.conf", 12);
    assert_string_equal(e.message, "zhengtong.conf:12: unknown key");
    assert_int_equal(e.code, ZT_EINVAL);         /* unchanged */
    assert_string_equal(e.field, "listen.port"); /* unchanged */

    /* twice: prefixes stack outermost first */
    zt_error_prefix(&e, "migration %s: ", "001");
    assert_string_equal(e.message, "migration 001: zhengtong.conf:12: unknown key");

    /* empty message */
    fresh(&e);
    zt_error_prefix(&e, "p: ");
    assert_string_equal(e.message, "p: ");

    zt_error_prefix(NULL, "nothing %d", 1); /* no crash */
}

static void error_prefix_long_message(void **state) {
    zt_error e;
    fresh(&e);
    char msg[300];
    memset(msg, 'x', sizeof msg - 1);
    msg[sizeof msg - 1] = 0;
    zt_fail(&e, ZT_EINVAL, NULL, "%s", msg); /* message full: 255 'x' */
    zt_error_prefix(&e, "file:%d: ", 7);
    assert_int_equal(strlen(e.message), sizeof e.message - 1);
    assert_int_equal(strncmp(e.message, "file:7: xxxx", 12), 0);
    assert_int_equal(e.message[sizeof e.message - 2], 'x');

    /* a prefix longer than the whole message buffer */
    char pre[400];
    memset(pre, 'p', sizeof pre - 1);
    pre[sizeof pre - 1] = 0;
    zt_error_prefix(&e, "%s", pre);
    assert_int_equal(strlen(e.message), sizeof e.message - 1);
    for (size_t i = 0; i < sizeof e.message - 1; i++) assert_int_equal(e.message[i], 'p');

    /* the message must not be read past its end even if it was not terminated */
    memset(e.message, 'y', sizeof e.message);
    zt_error_prefix(&e, "z");
    assert_int_equal(strlen(e.message), sizeof e.message - 1);
    assert_int_equal(e.message[0], 'z');
}

static void error_prefix_chinese_stays_utf8(void **state) {
    zt_error e;
    fresh(&e);
    char text[3 * 85 + 1] = ""; /* 255 bytes: a full message of whole characters */
    for (int i = 0; i < 85; i++) memcpy(text + 3 * i, "证", 4);
    zt_fail(&e, ZT_EINVAL, NULL, "%s", text);
    assert_string_equal(e.message, text);
    zt_error_prefix(&e, "f:%d: ", 3); /* 5 bytes: the cut falls inside a character */
    assert_int_equal(strncmp(e.message, "f:3: 证", 8), 0);
    assert_true(valid_utf8(e.message));
}

static void err_names(void **state) {
    assert_string_equal(zt_err_name(ZT_OK), "ok");
    assert_string_equal(zt_err_name(ZT_EINVAL), "invalid");
    assert_string_equal(zt_err_name(ZT_EUNAUTH), "unauthenticated");
    assert_string_equal(zt_err_name(ZT_EFORBIDDEN), "forbidden");
    assert_string_equal(zt_err_name(ZT_ENOTFOUND), "not_found");
    assert_string_equal(zt_err_name(ZT_ECONFLICT), "conflict");
    assert_string_equal(zt_err_name(ZT_ETOOLARGE), "too_large");
    assert_string_equal(zt_err_name(ZT_ETHROTTLED), "throttled");
    assert_string_equal(zt_err_name(ZT_EUNAVAIL), "unavailable");
    assert_string_equal(zt_err_name(ZT_EINTERNAL), "internal");
    assert_string_equal(zt_err_name(ZT_ROW), "row");
    assert_string_equal(zt_err_name(ZT_DONE), "done");
    assert_string_equal(zt_err_name((zt_err)99), "internal");
    /* names are distinct */
    for (int i = ZT_OK; i <= ZT_EINTERNAL; i++)
        for (int j = i + 1; j <= ZT_EINTERNAL; j++)
            assert_string_not_equal(zt_err_name((zt_err)i), zt_err_name((zt_err)j));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(str_present),
        cmocka_unit_test(str_missing_and_null),
        cmocka_unit_test(str_wrong_type),
        cmocka_unit_test(str_empty_required),
        cmocka_unit_test(str_length_in_characters),
        cmocka_unit_test(str_embedded_nul),
        cmocka_unit_test(utf8_len),
        cmocka_unit_test(int_field),
        cmocka_unit_test(bool_field),
        cmocka_unit_test(only_known_keys),
        cmocka_unit_test(only_long_chinese_key_stays_utf8),
        cmocka_unit_test(fail_formats),
        cmocka_unit_test(fail_long_chinese_message_stays_utf8),
        cmocka_unit_test(error_prefix),
        cmocka_unit_test(error_prefix_long_message),
        cmocka_unit_test(error_prefix_chinese_stays_utf8),
        cmocka_unit_test(err_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
