/* err.h - error codes and the error context every fallible function fills.
 *
 * Functions return zt_err (ZT_OK == 0) and, on failure, write a readable
 * message (and, for bad input, the offending field) into a zt_error owned by
 * the caller. Only src/http maps a zt_err to an HTTP status (habit 5). */
#ifndef ZT_ERR_H
#define ZT_ERR_H

#include <stddef.h>

typedef enum {
    ZT_OK = 0,
    ZT_EINVAL,     /* bad input: 400 (422 is not used; one status for bad input) */
    ZT_EUNAUTH,    /* not logged in / bad credentials: 401 */
    ZT_EFORBIDDEN, /* logged in but not allowed: 403 */
    ZT_ENOTFOUND,  /* 404 */
    ZT_ECONFLICT,  /* state does not allow it, duplicate: 409 */
    ZT_ETOOLARGE,  /* 413 */
    ZT_ETHROTTLED, /* 429 */
    ZT_EUNAVAIL,   /* storage unavailable, shutting down: 503 */
    ZT_EINTERNAL,  /* a bug or an unexpected library failure: 500 */
    ZT_EMEDIA,     /* a file of a type not accepted (sniffed from its bytes): 415 */
    /* results of zt_step, as SQLITE_ROW/SQLITE_DONE; never errors (never
     * returned by a function that reports success as ZT_OK) */
    ZT_ROW = 100,
    ZT_DONE = 101
} zt_err;

typedef struct zt_error {
    zt_err code;
    char message[256];
    char field[64];
} zt_error;

/* Fill e (may be NULL) and return code. field may be NULL. */
zt_err zt_fail(zt_error *e, zt_err code, const char *field, const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Put context before e's message ("file:12: " + message), truncating. */
void zt_error_prefix(zt_error *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Is s[0..n) well-formed UTF-8 (no overlong forms, no surrogates, nothing
 * above U+10FFFF)? The one check every importer and parser uses. */
int zt_utf8_valid(const char *s, size_t n);

/* Replace every byte of s that does not start a valid UTF-8 sequence with
 * '?', in place (messages quote paths and keys sent by clients). */
void zt_utf8_clean(char *s);

/* Stable machine-readable name of a code: "invalid", "forbidden", ...;
 * "row" and "done" for ZT_ROW and ZT_DONE. */
const char *zt_err_name(zt_err code);

/* Invariants (STYLE.md habit 7). ZT_ASSERT(cond) and ZT_ASSERTF(cond, fmt,
 * ...): in builds with ZT_DEBUG defined (the sanitizer and fuzz builds), a
 * false cond prints "zhengtong: assertion failed at FILE:LINE in FUNC: COND
 * (message)" to stderr and aborts. Without ZT_DEBUG they compile to nothing:
 * cond is not evaluated (it must have no side effects that matter) but is
 * still compiled, so it cannot rot. What must never happen even in
 * production (a broken ledger chain) is checked always, not with these. */
#ifdef ZT_DEBUG
#define ZT_ASSERT(cond)       ((cond) ? (void)0 : zt_assert_fail(__FILE__, __LINE__, __func__, #cond, NULL))
#define ZT_ASSERTF(cond, ...) ((cond) ? (void)0 : zt_assert_fail(__FILE__, __LINE__, __func__, #cond, __VA_ARGS__))
#else
#define ZT_ASSERT(cond)       ((void)sizeof(!(cond)))
#define ZT_ASSERTF(cond, ...) ((void)sizeof(!(cond)))
#endif

/* What a failed ZT_ASSERT calls: prints the line above (fmt may be NULL:
 * no message) and aborts. */
void zt_assert_fail(const char *file, int line, const char *func, const char *cond, const char *fmt, ...)
    __attribute__((noreturn, format(printf, 5, 6)));

#endif
