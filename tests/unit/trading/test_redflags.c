/* test_redflags.c - the two numeric pieces of the red flags that the
 * conformance vectors exercise only lightly (src/trading/redflags.c): the
 * number format (Rust's f64 Display, as Cardinal writes its output) and the
 * statrs quantile Cardinal's fences use. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "trading/redflags.h"

static void fmt(double v, const char *want) {
    char buf[64];
    zt_rf_format_double(v, buf, sizeof buf);
    if (strcmp(buf, want) != 0) fail_msg("%.17g: got %s, want %s", v, buf, want);
}

static void test_format(void **state) {
    (void)state;
    fmt(1.0, "1.0");
    fmt(0.0, "0.0");
    fmt(99.0, "99.0");
    fmt(1.0 / 6.0, "0.16666666666666666");
    fmt(0.05, "0.05");
    fmt(2.0 / 3.0, "0.6666666666666666");
    fmt(-1.5, "-1.5");
    fmt(123456789012.5, "123456789012.5");
    fmt(1e15, "1000000000000000.0");
    fmt(1e16, "1e16");
    fmt(1.25e17, "1.25e17");
    fmt(0.0001, "0.0001");
    fmt(0.00001, "0.00001");
    fmt(0.000001, "1e-6");
    fmt(1.5e-7, "1.5e-7");
    fmt(5e-324, "5e-324");
    fmt(1.7976931348623157e308, "1.7976931348623157e308");
    fmt(NAN, "null");
    fmt(INFINITY, "null");
}

static void test_quantile(void **state) {
    (void)state;
    /* the R024 example: ratios 1, 99, 99, 99, 99 */
    const double a[] = {1, 99, 99, 99, 99};
    assert_true(fabs(zt_rf_quantile(a, 5, 0.25) - (1 + (2.0 / 3.0) * 98)) < 1e-12);
    assert_true(zt_rf_quantile(a, 5, 0.75) == 99);
    /* the R025 example: processes 1 x5 and 6, the 75th percentile */
    const double b[] = {1, 1, 1, 1, 1, 6};
    assert_true(fabs(zt_rf_quantile(b, 6, 0.75) - (1 + (1.0 / 12) * 5)) < 1e-12);
    /* ends and empties */
    const double c[] = {3};
    assert_true(zt_rf_quantile(c, 1, 0.25) == 3 && zt_rf_quantile(c, 1, 0.75) == 3);
    assert_true(zt_rf_quantile(b, 6, 0) == 1 && zt_rf_quantile(b, 6, 1) == 6);
    assert_true(isnan(zt_rf_quantile(NULL, 0, 0.5)));
    assert_true(isnan(zt_rf_quantile(b, 6, 1.5)));
}

int main(void) {
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_format), cmocka_unit_test(test_quantile)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
