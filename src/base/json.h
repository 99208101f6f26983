/* json.h - reading fields of a request object with validation that names
 * the field (jansson values; the object stays owned by the caller). */
#ifndef ZT_JSON_H
#define ZT_JSON_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

/* A string field: required or optional (absent or null gives *out = NULL),
 * 1..maxlen bytes of valid UTF-8 (jansson guarantees UTF-8), trimmed of
 * nothing: leading/trailing spaces are refused for identifiers by callers. */
zt_err zt_json_str(json_t *o, const char *key, int required, size_t maxlen, const char **out, zt_error *e);
/* An integer field within [lo, hi]; absent gives def when not required. */
zt_err zt_json_int(json_t *o, const char *key, int required, int64_t lo, int64_t hi, int64_t def, int64_t *out,
                   zt_error *e);
/* A boolean field; absent gives def. */
zt_err zt_json_bool(json_t *o, const char *key, int def, int *out, zt_error *e);
/* Refuse keys not in the NULL-terminated list (a typo must not pass silently). */
zt_err zt_json_only(json_t *o, const char *const *allowed, zt_error *e);
/* Blank text: NULL, empty, or only ASCII white space and the ideographic
 * space U+3000 (what a required text field must not be). */
int zt_blank(const char *s);
/* Count of UTF-8 characters (not bytes). */
size_t zt_utf8_len(const char *s);

#endif
