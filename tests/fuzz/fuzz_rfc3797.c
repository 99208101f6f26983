/* fuzz_rfc3797.c - the RFC 3797 seeds parser (zt_rfc3797_key: a published
 * seeds file, a party's reveal) and the selection over its key.
 *
 * Checked: the key is refused with a documented reason or is canonical
 * (only digits, '.' and '/', each source ending "./", no leading zero
 * before another digit); parsing the key
 * rewritten as one source a line gives the same key; selection over a small
 * pool picks distinct in-range positions, and a shorter count is a prefix. */
#include "experts/rfc3797.h"
#include "fuzz.h"

static const char *const reasons[] = {"no source",        "too many sources", "too many values", "not an integer",
                                      "integer too long", "NUL byte",         "key too long",    NULL};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static char key[ZT_RFC3797_KEY_MAX], again[ZT_RFC3797_KEY_MAX];
    const char *why = NULL;
    int rc = zt_rfc3797_key((const char *)data, size, key, &why);
    FUZZ_CHECK(rc == 0 || rc == -1);
    if (rc) {
        int known = 0;
        for (const char *const *r = reasons; *r; r++) known |= why && !strcmp(why, *r);
        FUZZ_CHECK(known);
        return 0;
    }
    size_t n = strlen(key);
    FUZZ_CHECK(n >= 2 && key[n - 1] == '/' && key[n - 2] == '.');
    /* the key back as a seeds text: '.' -> ' ', '/' -> '\n' */
    char *text = malloc(n + 1);
    for (size_t i = 0; i < n; i++) {
        char c = key[i];
        FUZZ_CHECK((c >= '0' && c <= '9') || c == '.' || c == '/');
        if (c >= '0' && c <= '9')
            FUZZ_CHECK(!(c == '0' && (i == 0 || key[i - 1] == '.' || key[i - 1] == '/') && key[i + 1] >= '0' &&
                         key[i + 1] <= '9'));
        if (c == '/') FUZZ_CHECK(i > 0 && key[i - 1] == '.');
        text[i] = c == '.' ? ' ' : c == '/' ? '\n' : c;
    }
    FUZZ_CHECK(zt_rfc3797_key(text, n, again, NULL) == 0);
    FUZZ_CHECK(!strcmp(key, again));
    free(text);
    uint32_t pool = 1 + (size ? data[0] % 40 : 0), count = pool < 8 ? pool : 8, a[8], b[8];
    FUZZ_CHECK(zt_rfc3797_pick(key, pool, count, a, NULL) == 0);
    FUZZ_CHECK(zt_rfc3797_pick(key, pool, count / 2, b, NULL) == 0);
    for (uint32_t i = 0; i < count; i++) {
        FUZZ_CHECK(a[i] < pool);
        for (uint32_t j = 0; j < i; j++) FUZZ_CHECK(a[i] != a[j]);
        if (i < count / 2) FUZZ_CHECK(a[i] == b[i]);
    }
    return 0;
}
