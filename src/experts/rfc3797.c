/* rfc3797.c - RFC 3797 selection (rfc3797.h). */
#include "experts/rfc3797.h"

#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const char *p; /* first significant digit */
    size_t n;      /* digits from p ("0" keeps one) */
} num;

static int num_cmp(const void *a, const void *b) {
    const num *x = a, *y = b;
    if (x->n != y->n) return x->n < y->n ? -1 : 1;
    return memcmp(x->p, y->p, x->n);
}

static int blank(char c) { return c == ' ' || c == '\t' || c == '\r'; }

/* One source line (without its '\n') into out; 1 if the line is empty or a
 * comment (nothing written), 0 written, -1 on error. */
static int source(const char *s, size_t len, char *out, size_t cap, size_t *used, const char **why) {
    size_t i = 0;
    while (i < len && blank(s[i])) i++;
    if (i == len || s[i] == '#') return 1;
    num v[ZT_RFC3797_MAX_VALUES];
    size_t nv = 0;
    while (i < len) {
        if (blank(s[i])) {
            i++;
            continue;
        }
        size_t start = i;
        while (i < len && !blank(s[i])) {
            if (s[i] < '0' || s[i] > '9') return *why = "not an integer", -1;
            i++;
        }
        if (i - start > ZT_RFC3797_MAX_DIGITS) return *why = "integer too long", -1;
        if (nv == ZT_RFC3797_MAX_VALUES) return *why = "too many values", -1;
        while (start + 1 < i && s[start] == '0') start++; /* leading zeros suppressed */
        v[nv++] = (num){s + start, i - start};
    }
    qsort(v, nv, sizeof v[0], num_cmp);
    size_t need = 1;
    for (size_t k = 0; k < nv; k++) need += v[k].n + 1;
    if (*used + need + 1 > cap) return *why = "key too long", -1;
    for (size_t k = 0; k < nv; k++) {
        memcpy(out + *used, v[k].p, v[k].n);
        *used += v[k].n;
        out[(*used)++] = '.';
    }
    out[(*used)++] = '/';
    out[*used] = '\0';
    return 0;
}

int zt_rfc3797_source(const char *line, size_t len, char *out, size_t cap, const char **why) {
    const char *w = NULL;
    size_t used = 0;
    if (!why) why = &w;
    if (cap) *out = '\0';
    if (memchr(line, '\0', len) || memchr(line, '\n', len)) return *why = "NUL byte", -1;
    int rc = source(line, len, out, cap, &used, why);
    if (rc == 1) return *why = "no source", -1;
    return rc;
}

int zt_rfc3797_key(const char *seeds, size_t len, char *key, const char **why) {
    const char *w = NULL;
    if (!why) why = &w;
    size_t used = 0, nsrc = 0;
    key[0] = '\0';
    if (memchr(seeds, '\0', len)) return *why = "NUL byte", -1;
    for (size_t i = 0; i < len;) {
        const char *nl = memchr(seeds + i, '\n', len - i);
        size_t end = nl ? (size_t)(nl - seeds) : len;
        size_t before = used;
        int rc = source(seeds + i, end - i, key, ZT_RFC3797_KEY_MAX, &used, why);
        if (rc < 0) return -1;
        if (rc == 0 && ++nsrc > ZT_RFC3797_MAX_SOURCES) {
            key[before] = '\0';
            return *why = "too many sources", -1;
        }
        i = end + 1;
    }
    if (!nsrc) return *why = "no source", -1;
    return 0;
}

/* A 16-byte big-endian integer modulo a small divisor. */
static uint32_t mod128(const uint8_t h[16], uint32_t d) {
    uint64_t r = 0;
    for (int i = 0; i < 16; i++) r = ((r << 8) | h[i]) % d;
    return (uint32_t)r;
}

int zt_rfc3797_pick(const char *key, uint32_t pool, uint32_t count, uint32_t *picks, uint8_t (*md5)[16]) {
    if (count > pool || pool > ZT_RFC3797_MAX_POOL) return -1;
    if (!count) return 0;
    uint8_t *taken = calloc(pool, 1);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    int rc = taken && ctx ? 0 : -1;
    size_t klen = strlen(key);
    for (uint32_t i = 0; !rc && i < count; i++) {
        uint8_t ix[2] = {(uint8_t)(i >> 8), (uint8_t)i}, h[16];
        unsigned hl = 0;
        if (EVP_DigestInit_ex(ctx, EVP_md5(), NULL) != 1 || EVP_DigestUpdate(ctx, ix, 2) != 1 ||
            EVP_DigestUpdate(ctx, key, klen) != 1 || EVP_DigestUpdate(ctx, ix, 2) != 1 ||
            EVP_DigestFinal_ex(ctx, h, &hl) != 1 || hl != 16) {
            rc = -1;
            break;
        }
        uint32_t k = mod128(h, pool - i);
        for (uint32_t j = 0; j < pool; j++) {
            if (taken[j]) continue;
            if (k-- == 0) {
                taken[j] = 1;
                picks[i] = j;
                break;
            }
        }
        if (md5) memcpy(md5[i], h, 16);
    }
    EVP_MD_CTX_free(ctx);
    free(taken);
    return rc;
}
