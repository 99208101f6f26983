/* test_rfc3797.c - RFC 3797 key and selection against the RFC's own
 * example (../shared/vectors/rfc3797/, read in place: ref.seeds, ref.names
 * and ref.results, the reference code's output), and the seeds parser's
 * canonical form and refusals. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "experts/rfc3797.h"

#define VEC "../shared/vectors/rfc3797/"

static char *slurp(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) fail_msg("cannot open %s (the shared vectors, read in place)", path);
    static char buf[1 << 16];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    *len = n;
    char *s = malloc(n + 1);
    memcpy(s, buf, n + 1);
    return s;
}

static void reference(void **state) {
    size_t len;
    char *seeds = slurp(VEC "ref.seeds", &len), key[ZT_RFC3797_KEY_MAX];
    const char *why = NULL;
    assert_int_equal(zt_rfc3797_key(seeds, len, key, &why), 0);
    assert_string_equal(key, "9319./2.5.8.10.12./9.18.26.34.41.45./");
    char *names = slurp(VEC "ref.names", &len);
    uint32_t pool = 0;
    for (size_t i = 0; i < len; i++) pool += names[i] == '\n';
    assert_int_equal(pool, 25);
    char *results = slurp(VEC "ref.results", &len);
    uint32_t picks[25];
    uint8_t md5[25][16];
    assert_int_equal(zt_rfc3797_pick(key, pool, pool, picks, md5), 0);
    int checked = 0;
    for (char *line = results, *nl; line && *line; line = nl ? nl + 1 : NULL) {
        if ((nl = strchr(line, '\n'))) *nl = '\0';
        unsigned idx, div, sel;
        char hex[33];
        if (sscanf(line, "%u %32s %u -> %u", &idx, hex, &div, &sel) != 4) continue;
        char mine[33];
        for (int b = 0; b < 16; b++) snprintf(mine + 2 * b, 3, "%02X", md5[idx - 1][b]);
        assert_string_equal(mine, hex);
        assert_int_equal(pool - (idx - 1), div);
        assert_int_equal(picks[idx - 1] + 1, sel);
        checked++;
    }
    assert_int_equal(checked, 16);
    /* the same inputs give the same prefix whatever the count */
    uint32_t few[3];
    assert_int_equal(zt_rfc3797_pick(key, pool, 3, few, NULL), 0);
    assert_memory_equal(few, picks, sizeof few);
    free(seeds);
    free(names);
    free(results);
}

static void canonical(void **state) {
    char key[ZT_RFC3797_KEY_MAX];
    const char *s = "# comment\r\n\n  0012 7 0 \t100000000000000000000000001\r\n  \n9\n";
    assert_int_equal(zt_rfc3797_key(s, strlen(s), key, NULL), 0);
    assert_string_equal(key, "0.7.12.100000000000000000000000001./9./");
    char src[64];
    assert_int_equal(zt_rfc3797_source("45 9 18", 7, src, sizeof src, NULL), 0);
    assert_string_equal(src, "9.18.45./");
}

static void refusals(void **state) {
    static const struct {
        const char *in, *why;
    } bad[] = {
        {"", "no source"},
        {"# only\n\n", "no source"},
        {"1 2 x\n", "not an integer"},
        {"-3\n", "not an integer"},
        {"1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17\n", "too many values"},
        {"12345678901234567890123456789012345678901234567890123456789012345\n", "integer too long"},
        {"1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n13\n14\n15\n16\n17\n", "too many sources"},
    };
    char key[ZT_RFC3797_KEY_MAX];
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *why = NULL;
        if (zt_rfc3797_key(bad[i].in, strlen(bad[i].in), key, &why) != -1) fail_msg("accepted %s", bad[i].in);
        assert_string_equal(why, bad[i].why);
    }
    const char *why = NULL;
    assert_int_equal(zt_rfc3797_key("1\0002\n", 4, key, &why), -1);
    assert_string_equal(why, "NUL byte");
    uint32_t p[2];
    assert_int_equal(zt_rfc3797_pick("1./", 1, 2, p, NULL), -1);
    assert_int_equal(zt_rfc3797_pick("1./", ZT_RFC3797_MAX_POOL + 1, 1, p, NULL), -1);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(reference),
        cmocka_unit_test(canonical),
        cmocka_unit_test(refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
