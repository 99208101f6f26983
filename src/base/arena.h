/* arena.h - a per-request region allocator (h2o's req->pool).
 *
 * Everything a request allocates comes from its arena and is freed in one
 * zt_arena_reset() when the response has been sent. Allocation never fails:
 * out of memory aborts (Redis's zmalloc), so callers never check for NULL. */
#ifndef ZT_ARENA_H
#define ZT_ARENA_H

#include <stdarg.h>
#include <stddef.h>

typedef struct zt_arena_block zt_arena_block;
typedef struct zt_arena {
    zt_arena_block *head;
    size_t used; /* bytes handed out since the last reset (for tests/metrics) */
} zt_arena;

void zt_arena_init(zt_arena *a);
/* 16-byte aligned memory valid until the next reset. */
void *zt_arena_alloc(zt_arena *a, size_t n);
void *zt_arena_calloc(zt_arena *a, size_t n);
char *zt_arena_strdup(zt_arena *a, const char *s);
char *zt_arena_strndup(zt_arena *a, const char *s, size_t n);
char *zt_arena_printf(zt_arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
char *zt_arena_vprintf(zt_arena *a, const char *fmt, va_list ap);
/* Free every block but the first, which is kept for the next request. */
void zt_arena_reset(zt_arena *a);
/* Free everything. */
void zt_arena_free(zt_arena *a);

/* Allocation wrappers that abort on out-of-memory. */
void *zt_malloc(size_t n);
void *zt_calloc(size_t n, size_t size);
void *zt_realloc(void *p, size_t n);
char *zt_strdup(const char *s);

#endif
