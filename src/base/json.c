#include "base/json.h"

#include <string.h>

size_t zt_utf8_len(const char *s) {
    size_t n = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xC0) != 0x80) n++;
    return n;
}

zt_err zt_json_str(json_t *o, const char *key, int required, size_t maxlen, const char **out, zt_error *e) {
    json_t *v = json_object_get(o, key);
    *out = NULL;
    if (!v || json_is_null(v)) {
        if (required) return zt_fail(e, ZT_EINVAL, key, "缺少必填字段 %s", key);
        return ZT_OK;
    }
    if (!json_is_string(v)) return zt_fail(e, ZT_EINVAL, key, "字段 %s 必须是字符串", key);
    const char *s = json_string_value(v);
    if (strlen(s) != json_string_length(v)) return zt_fail(e, ZT_EINVAL, key, "字段 %s 含有空字符", key);
    if (required && !*s) return zt_fail(e, ZT_EINVAL, key, "字段 %s 不能为空", key);
    if (zt_utf8_len(s) > maxlen) return zt_fail(e, ZT_EINVAL, key, "字段 %s 最多 %zu 个字符", key, maxlen);
    *out = s;
    return ZT_OK;
}

zt_err zt_json_int(json_t *o, const char *key, int required, int64_t lo, int64_t hi, int64_t def, int64_t *out,
                   zt_error *e) {
    json_t *v = json_object_get(o, key);
    if (!v || json_is_null(v)) {
        if (required) return zt_fail(e, ZT_EINVAL, key, "缺少必填字段 %s", key);
        *out = def;
        return ZT_OK;
    }
    if (!json_is_integer(v)) return zt_fail(e, ZT_EINVAL, key, "字段 %s 必须是整数", key);
    json_int_t n = json_integer_value(v);
    if (n < lo || n > hi)
        return zt_fail(e, ZT_EINVAL, key, "字段 %s 必须在 %lld 到 %lld 之间", key, (long long)lo, (long long)hi);
    *out = n;
    return ZT_OK;
}

zt_err zt_json_bool(json_t *o, const char *key, int def, int *out, zt_error *e) {
    json_t *v = json_object_get(o, key);
    if (!v || json_is_null(v)) {
        *out = def;
        return ZT_OK;
    }
    if (!json_is_boolean(v)) return zt_fail(e, ZT_EINVAL, key, "字段 %s 必须是 true 或 false", key);
    *out = json_is_true(v);
    return ZT_OK;
}

zt_err zt_json_only(json_t *o, const char *const *allowed, zt_error *e) {
    const char *k;
    json_t *v;
    json_object_foreach(o, k, v) {
        int ok = 0;
        for (const char *const *a = allowed; *a; a++)
            if (strcmp(*a, k) == 0) ok = 1;
        if (!ok) return zt_fail(e, ZT_EINVAL, k, "未知字段 %s", k);
    }
    return ZT_OK;
}

int zt_blank(const char *s) {
    if (!s) return 1;
    for (; *s; s++) {
        if (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r') continue;
        if (strncmp(s, "\xE3\x80\x80", 3) == 0) {
            s += 2;
            continue;
        }
        return 0;
    }
    return 1;
}
