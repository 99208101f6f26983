/* test_base.c - the base databases' generator (src/exchange/base.c): every
 * generated ID number passes GB 11643 and agrees with its own record (birth
 * date, sex, county); every credit code passes GB 32100 and carries a valid
 * GB 11714 organisation code; the same seed gives the same rows, another
 * seed others. The generator's functions are static: the file is included
 * (habit 8), its one exported function renamed so as not to clash with
 * base.o, which the test binary links too. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define zt_exchange_cli copy_zt_exchange_cli
#include "exchange/base.c"
#undef zt_exchange_cli

static town TOWNS[] = {
    {"360302001", "360302", "八一街道"}, {"360313100", "360313", "荷尧镇"}, {"360321101", "360321", "坊楼镇"}};
static const towns TS = {TOWNS, 3};

static void persons_are_valid_and_consistent(void **state) {
    (void)state;
    rng r = {42};
    row o;
    for (int i = 0; i < 20000; i++) {
        gen_person(&r, &TS, &o);
        const char *id = o.vals[0], *why = NULL;
        assert_int_equal(zt_idnum_valid(id, &why), 1);
        char birth[11];
        snprintf(birth, sizeof birth, "%.4s-%.2s-%.2s", id + 6, id + 10, id + 12);
        assert_string_equal(o.vals[3], birth);
        assert_string_equal(o.vals[2], (id[16] - '0') % 2 ? "男" : "女");
        assert_memory_equal(o.vals[5], id, 6); /* the township lies in the county of registration */
    }
}

static int org_check(const char *c) {
    static const int W9[] = {3, 7, 9, 10, 5, 8, 4, 2};
    int sum = 0;
    for (int i = 0; i < 8; i++) sum += (c[i] >= '0' && c[i] <= '9' ? c[i] - '0' : c[i] - 'A' + 10) * W9[i];
    int v = 11 - sum % 11;
    return c[8] == (v == 10 ? 'X' : v == 11 ? '0' : '0' + v);
}

static void credit_codes_are_valid(void **state) {
    (void)state;
    rng r = {7};
    row o;
    for (int i = 0; i < 20000; i++) {
        gen_legal(&r, &TS, &o);
        const char *why = NULL;
        assert_int_equal(zt_uscc_valid(o.vals[0], &why), 1);
        assert_true(org_check(o.vals[0] + 8));
        assert_memory_equal(o.vals[0] + 2, o.vals[6], 6); /* the county of the registered address */
        assert_true(strtoll(o.vals[4], NULL, 10) >= 10);
    }
}

static void seeds_are_deterministic(void **state) {
    (void)state;
    rng a = {2026}, b = {2026}, c = {2027};
    row x, y, z;
    int differ = 0;
    for (int i = 0; i < 100; i++) {
        gen_person(&a, &TS, &x);
        gen_person(&b, &TS, &y);
        gen_person(&c, &TS, &z);
        for (int k = 0; k < 10; k++) assert_string_equal(x.vals[k], y.vals[k]);
        differ += strcmp(x.vals[0], z.vals[0]) != 0;
    }
    assert_true(differ > 90);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(persons_are_valid_and_consistent),
        cmocka_unit_test(credit_codes_are_valid),
        cmocka_unit_test(seeds_are_deterministic),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
