#include "base/arena.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BLOCK_SIZE 8192

struct zt_arena_block {
    zt_arena_block *next;
    size_t size, off;
    _Alignas(16) unsigned char data[];
};

void *zt_malloc(size_t n) {
    void *p = malloc(n ? n : 1);
    if (!p) {
        fputs("zhengtong: out of memory\n", stderr);
        abort();
    }
    return p;
}

void *zt_calloc(size_t n, size_t size) {
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p) {
        fputs("zhengtong: out of memory\n", stderr);
        abort();
    }
    return p;
}

void *zt_realloc(void *p, size_t n) {
    void *q = realloc(p, n ? n : 1);
    if (!q) {
        fputs("zhengtong: out of memory\n", stderr);
        abort();
    }
    return q;
}

char *zt_strdup(const char *s) {
    size_t n = strlen(s) + 1;
    return memcpy(zt_malloc(n), s, n);
}

void zt_arena_init(zt_arena *a) {
    a->head = NULL;
    a->used = 0;
}

static zt_arena_block *new_block(size_t min) {
    size_t size = min > BLOCK_SIZE ? min : BLOCK_SIZE;
    zt_arena_block *b = zt_malloc(sizeof *b + size);
    b->next = NULL;
    b->size = size;
    b->off = 0;
    return b;
}

void *zt_arena_alloc(zt_arena *a, size_t n) {
    if (n > SIZE_MAX / 2) { /* rounding and the block header would wrap */
        fputs("zhengtong: out of memory\n", stderr);
        abort();
    }
    n = (n + 15) & ~(size_t)15;
    if (!a->head || a->head->size - a->head->off < n) {
        zt_arena_block *b = new_block(n);
        b->next = a->head;
        a->head = b;
    }
    void *p = a->head->data + a->head->off;
    a->head->off += n;
    a->used += n;
    return p;
}

void *zt_arena_calloc(zt_arena *a, size_t n) { return memset(zt_arena_alloc(a, n), 0, n); }

char *zt_arena_strndup(zt_arena *a, const char *s, size_t n) {
    char *p = zt_arena_alloc(a, n + 1);
    memcpy(p, s, n);
    p[n] = 0;
    return p;
}

char *zt_arena_strdup(zt_arena *a, const char *s) { return zt_arena_strndup(a, s, strlen(s)); }

char *zt_arena_vprintf(zt_arena *a, const char *fmt, va_list ap) {
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0) n = 0;
    char *p = zt_arena_alloc(a, (size_t)n + 1);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    return p;
}

char *zt_arena_printf(zt_arena *a, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    char *p = zt_arena_vprintf(a, fmt, ap);
    va_end(ap);
    return p;
}

void zt_arena_reset(zt_arena *a) {
    zt_arena_block *b = a->head;
    if (!b) return;
    /* keep one standard-size block for the next request; a block made for
     * one large allocation is not kept */
    zt_arena_block *keep = NULL; /* the oldest standard block: its memory is warm */
    for (zt_arena_block *p = b; p; p = p->next)
        if (p->size == BLOCK_SIZE) keep = p;
    while (b) {
        zt_arena_block *next = b->next;
        if (b != keep) free(b);
        b = next;
    }
    if (keep) {
        keep->off = 0;
        keep->next = NULL;
    }
    a->head = keep;
    a->used = 0;
}

void zt_arena_free(zt_arena *a) {
    zt_arena_block *b = a->head;
    while (b) {
        zt_arena_block *next = b->next;
        free(b);
        b = next;
    }
    a->head = NULL;
    a->used = 0;
}
