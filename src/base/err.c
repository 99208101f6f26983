#include "base/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Shorten s (len bytes) so that it does not end inside a UTF-8 sequence:
 * a cut made by snprintf must not leave text that JSON encoders refuse. */
static void utf8_cut(char *s, size_t len) {
    size_t i = len;
    while (i > 0 && ((unsigned char)s[i - 1] & 0xC0) == 0x80) i--;
    if (i == 0) return;
    unsigned char lead = (unsigned char)s[i - 1];
    size_t need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
    if (len - (i - 1) < need) s[i - 1] = 0;
}

int zt_utf8_valid(const char *str, size_t n) {
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0;
    while (i < n) {
        unsigned c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t len;
        unsigned min;
        if (c >= 0xC2 && c <= 0xDF)
            len = 2, min = 0x80;
        else if (c >= 0xE0 && c <= 0xEF)
            len = 3, min = 0x800;
        else if (c >= 0xF0 && c <= 0xF4)
            len = 4, min = 0x10000;
        else
            return 0;
        if (n - i < len) return 0;
        unsigned cp = c & (0xFFu >> (len + 1));
        for (size_t j = 1; j < len; j++) {
            if ((s[i + j] & 0xC0) != 0x80) return 0;
            cp = (cp << 6) | (s[i + j] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
        i += len;
    }
    return 1;
}

void zt_utf8_clean(char *s) {
    unsigned char *p = (unsigned char *)s;
    while (*p) {
        size_t need = *p < 0x80 ? 1 : (*p & 0xE0) == 0xC0 ? 2 : (*p & 0xF0) == 0xE0 ? 3 : (*p & 0xF8) == 0xF0 ? 4 : 0;
        size_t ok = need;
        /* stop at the first byte that is not a continuation: it may be the
         * terminating NUL, and nothing after it may be read */
        for (size_t i = 1; i < need; i++)
            if ((p[i] & 0xC0) != 0x80) {
                ok = 0;
                break;
            }
        /* overlong forms and surrogates are invalid too */
        if (need == 2 && *p < 0xC2) ok = 0;
        if (need == 3 && ok && ((*p == 0xE0 && p[1] < 0xA0) || (*p == 0xED && p[1] >= 0xA0))) ok = 0;
        if (need == 4 && ok && ((*p == 0xF0 && p[1] < 0x90) || (*p == 0xF4 && p[1] >= 0x90) || *p > 0xF4)) ok = 0;
        if (!ok) {
            *p++ = '?';
            continue;
        }
        p += need;
    }
}

zt_err zt_fail(zt_error *e, zt_err code, const char *field, const char *fmt, ...) {
    if (!e) return code;
    e->code = code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->message, sizeof e->message, fmt, ap);
    va_end(ap);
    snprintf(e->field, sizeof e->field, "%s", field ? field : "");
    utf8_cut(e->message, strlen(e->message));
    utf8_cut(e->field, strlen(e->field));
    zt_utf8_clean(e->message);
    zt_utf8_clean(e->field);
    return code;
}

const char *zt_err_name(zt_err code) {
    switch (code) {
    case ZT_OK:
        return "ok";
    case ZT_EINVAL:
        return "invalid";
    case ZT_EUNAUTH:
        return "unauthenticated";
    case ZT_EFORBIDDEN:
        return "forbidden";
    case ZT_ENOTFOUND:
        return "not_found";
    case ZT_ECONFLICT:
        return "conflict";
    case ZT_ETOOLARGE:
        return "too_large";
    case ZT_ETHROTTLED:
        return "throttled";
    case ZT_EUNAVAIL:
        return "unavailable";
    case ZT_EINTERNAL:
        return "internal";
    case ZT_EMEDIA:
        return "unsupported_media_type";
    case ZT_ROW:
        return "row";
    case ZT_DONE:
        return "done";
    }
    return "internal";
}

void zt_error_prefix(zt_error *e, const char *fmt, ...) {
    if (!e) return;
    char pre[sizeof e->message], msg[sizeof e->message];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(pre, sizeof pre, fmt, ap);
    va_end(ap);
    size_t a = strnlen(pre, sizeof pre - 1), b = strnlen(e->message, sizeof e->message - 1);
    if (a + b > sizeof msg - 1) b = sizeof msg - 1 - a;
    memcpy(msg, pre, a);
    memcpy(msg + a, e->message, b);
    msg[a + b] = 0;
    utf8_cut(msg, a + b);
    zt_utf8_clean(msg);
    memcpy(e->message, msg, a + b + 1);
}

void zt_assert_fail(const char *file, int line, const char *func, const char *cond, const char *fmt, ...) {
    char msg[512] = "";
    if (fmt) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof msg, fmt, ap);
        va_end(ap);
    }
    fprintf(stderr, "zhengtong: assertion failed at %s:%d in %s: %s%s%s%s\n", file, line, func, cond, fmt ? " (" : "",
            msg, fmt ? ")" : "");
    fflush(stderr);
    abort();
}
