/* test_password.c - the password policy (src/auth/password.c): the
 * structural rules, the login dressed up, and the common-password lists
 * Debian ships (john-data, cracklib-runtime; scripts/deps.sh), with the
 * dressing-up attackers try first: digits and signs around a common word,
 * look-alike characters. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "auth/auth.h"

static zt_config cfg;

static int setup(void **state) {
    zt_config_defaults(&cfg);
    zt_error e = {0};
    if (zt_password_policy_init(&cfg, &e)) {
        fprintf(stderr, "%s\n", e.message);
        return -1;
    }
    return 0;
}

static int teardown(void **state) {
    zt_config_free(&cfg);
    return 0;
}

static void refused(const char *pw, const char *login, const char *needle) {
    zt_error e = {0};
    if (zt_password_check(pw, login, "password", &e) != ZT_EINVAL) fail_msg("accepted %s", pw);
    assert_string_equal(e.field, "password");
    if (needle && !strstr(e.message, needle)) fail_msg("%s: message %s lacks %s", pw, e.message, needle);
}

static void accepted(const char *pw, const char *login) {
    zt_error e = {0};
    if (zt_password_check(pw, login, "password", &e) != ZT_OK) fail_msg("refused %s: %s", pw, e.message);
}

static void lists_loaded(void **state) {
    /* password.lst (3,546) and cracklib-small (54,763), less the words on both */
    assert_true(zt_password_list_size() > 50000);
}

static void structure(void **state) {
    refused("short1", NULL, "8 到 128");
    refused("onlyletterslong", NULL, "字母和数字");
    refused("1234567890", NULL, "字母和数字");
    refused("aaaa1111", NULL, "不同的字符");
    refused("abab1212", NULL, "不同的字符");
    zt_error e = {0};
    assert_int_equal(zt_password_check("x1", NULL, "new_password", &e), ZT_EINVAL);
    assert_string_equal(e.field, "new_password");
}

static void common_and_dressed_up(void **state) {
    const char *const weak[] = {"password1",  "Password2026", "P@ssw0rd!1",   "qwerty123", "Sunshine2026", "iloveyou99",
                                "Dragon123!", "123abc456",    "Elephant2026", "L3tm31n!2", "Monkey#2026",  NULL};
    for (int i = 0; weak[i]; i++) refused(weak[i], NULL, "常用");
}

static void login_dressed_up(void **state) {
    refused("Zhangsan2026", "zhangsan", "登录名");
    refused("2026zhangsan!", "zhangsan", "登录名");
    refused("wangfang88", "wangfang88", "登录名");
    accepted("Zhangsan-Pingxiang7", "zhangsan");
}

static void strong_enough(void **state) {
    const char *const good[] = {"Demo2026pass", "Lisi2026pass",   "Pingxiang-Anyuan7",
                                "x9k2m4p7Q",    "萍乡安源2026ab", NULL};
    for (int i = 0; good[i]; i++) accepted(good[i], "someone");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(lists_loaded),     cmocka_unit_test(structure),     cmocka_unit_test(common_and_dressed_up),
        cmocka_unit_test(login_dressed_up), cmocka_unit_test(strong_enough),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
