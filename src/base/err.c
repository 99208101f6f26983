#include "base/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

zt_err zt_fail(zt_error *e, zt_err code, const char *field, const char *fmt, ...) {
    if (!e) return code;
    e->code = code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->message, sizeof e->message, fmt, ap);
    va_end(ap);
    snprintf(e->field, sizeof e->field, "%s", field ? field : "");
    return code;
}

const char *zt_err_name(zt_err code) {
    switch (code) {
    case ZT_OK: return "ok";
    case ZT_EINVAL: return "invalid";
    case ZT_EUNAUTH: return "unauthenticated";
    case ZT_EFORBIDDEN: return "forbidden";
    case ZT_ENOTFOUND: return "not_found";
    case ZT_ECONFLICT: return "conflict";
    case ZT_ETOOLARGE: return "too_large";
    case ZT_ETHROTTLED: return "throttled";
    case ZT_EUNAVAIL: return "unavailable";
    case ZT_EINTERNAL: return "internal";
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
    memcpy(e->message, msg, a + b + 1);
}
