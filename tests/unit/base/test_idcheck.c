/* test_idcheck.c - ID numbers, social credit codes and masking.
 *
 * Every "valid" example was checked by a second, independent implementation
 * (a Python script) before being written here. ID numbers other than the
 * two from the standard itself are synthetic (made-up serials, real region
 * codes of 萍乡), so no real person's number appears in the tree. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "base/idcheck.h"

static void id_bad(const char *s, const char *reason) {
    const char *why = NULL;

    if (zt_idnum_valid(s, &why)) fail_msg("ID %s accepted, expected rejection (%s)", s ? s : "(null)", reason);
    assert_non_null(why);
    assert_string_equal(why, reason);
}

static void uscc_bad(const char *s, const char *reason) {
    const char *why = NULL;

    if (zt_uscc_valid(s, &why)) fail_msg("USCC %s accepted, expected rejection (%s)", s ? s : "(null)", reason);
    assert_non_null(why);
    assert_string_equal(why, reason);
}

static void id_valid(void **state) {
    static const char *const ok[] = {
        "11010519491231002X", /* GB 11643-1999's own example (check X) */
        "360302198002290011", /* synthetic: 安源区, 1980-02-29 (leap year) */
        "360322200002290025", /* synthetic: 上栗县, 2000-02-29 (400-year leap) */
        "360313199912310038", /* synthetic: 湘东区 */
        "360321190001010041", /* synthetic: lower bound of the date window */
        "360323209912310053", /* synthetic: upper bound of the date window */
    };
    (void)state;
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        const char *why = "unset";
        if (!zt_idnum_valid(ok[i], &why)) fail_msg("ID %s rejected: %s", ok[i], why);
    }
    assert_int_equal(zt_idnum_valid("11010519491231002X", NULL), 1); /* why may be NULL */
}

static void id_invalid(void **state) {
    (void)state;
    id_bad("110105194912310021", "check digit"); /* standard example, wrong check */
    id_bad("360302198002290012", "check digit");
    id_bad("11010519491231002x", "character"); /* lower-case x: callers upper-case */
    id_bad("1101051949123100X2", "character"); /* X only in the last place */
    id_bad("11010519491231 02X", "character");
    id_bad("-1010519491231002X", "character");
    id_bad("360302199902300013", "birth date"); /* 1999-02-30; check digit right */
    id_bad("360302190002290015", "birth date"); /* 1900 not a leap year */
    id_bad("360302199913010010", "birth date"); /* month 13 */
    id_bad("360302199900010010", "birth date"); /* month 0 */
    id_bad("360302199904310010", "birth date"); /* 31 April */
    id_bad("360302199901000010", "birth date"); /* day 0 */
    /* the standard's second example has a right check digit but a birth year
     * (1880) outside the sanity window: nobody alive applies with it */
    id_bad("440524188001010014", "birth date");
    id_bad("360302210001010010", "birth date"); /* 2100 */
    id_bad("11010519491231002", "length");      /* 17 */
    id_bad("11010519491231002X0", "length");    /* 19 */
    id_bad("110105491231002", "length");        /* old 15-digit form */
    id_bad("", "length");
    id_bad(NULL, "length");
    assert_int_equal(zt_idnum_valid("11010519491231002Y", NULL), 0);
}

static void uscc_valid(void **state) {
    static const char *const ok[] = {
        "91350100M000100Y43", /* widely cited example (福州), "M..." new-style code */
        "914403001922038216", /* 华为技术有限公司 */
        "91330100799655058B", /* 阿里巴巴（中国）有限公司 */
        "91440300708461136T", /* 深圳市腾讯计算机系统有限公司 */
        "91110108551385082Q", /* 小米科技有限责任公司 */
        "91110000802100433B", /* 百度在线网络技术（北京）有限公司 */
        "91110000100010433L", /* 中国石油天然气集团有限公司 */
        "91110000600037341L", /* python-stdnum's documented example */
        "12100000470095016Q", /* 浙江大学 (1 机构编制, 2 事业单位) */
        "12100000425006117P", /* 复旦大学 */
        "51310110501144395U", /* a 社会团体 registered in 上海市杨浦区 (5 民政, 1) */
    };
    (void)state;
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        const char *why = "unset";
        if (!zt_uscc_valid(ok[i], &why)) fail_msg("USCC %s rejected: %s", ok[i], why);
    }
    assert_int_equal(zt_uscc_valid("914403001922038216", NULL), 1);
}

static void uscc_invalid(void **state) {
    (void)state;
    uscc_bad("914403001922038217", "check character");
    uscc_bad("91350100M000100Y44", "check character");
    uscc_bad("91330100799655058C", "check character");
    /* organisation-code check (char 17) broken, the overall check recomputed
     * so that only the embedded GB 11714 check is wrong */
    uscc_bad("91440300192203823C", "check character");
    /* letters the code never uses: I O S V Z, and lower case */
    uscc_bad("91350100M000100I43", "character");
    uscc_bad("91350100M000100O43", "character");
    uscc_bad("91350100M000100S43", "character");
    uscc_bad("91350100M000100V43", "character");
    uscc_bad("91350100Z000100Y43", "character");
    uscc_bad("91350100m000100y43", "character");
    uscc_bad("91350100M000100Y4 ", "character");
    uscc_bad("91A50100M000100Y43", "character"); /* division code must be digits */
    /* authority and type codes */
    uscc_bad("01350100M000100Y43", "authority code"); /* no authority 0 */
    uscc_bad("B1350100M000100Y43", "authority code"); /* no authority B */
    uscc_bad("99350100M000100Y43", "authority code"); /* 工商 has no type 9 */
    uscc_bad("94350100M000100Y43", "authority code");
    uscc_bad("90350100M000100Y43", "authority code");
    uscc_bad("Y2350100M000100Y43", "authority code"); /* 其他 uses type 1 only */
    uscc_bad("22350100M000100Y43", "authority code"); /* 外交: 1 or 9 */
    uscc_bad("36350100M000100Y43", "authority code"); /* 司法行政: 1-5, 9 */
    uscc_bad("A2350100M000100Y43", "authority code");
    uscc_bad("N4350100M000100Y43", "authority code");
    uscc_bad("1A350100M000100Y43", "authority code");
    /* lengths */
    uscc_bad("91350100M000100Y4", "length");
    uscc_bad("91350100M000100Y431", "length");
    uscc_bad("", "length");
    uscc_bad(NULL, "length");
}

/* Every authority and type the standard defines is accepted: take a fixed
 * body, put each pair in front and recompute the final check character. */
static void uscc_all_authorities(void **state) {
    static const char *const pairs[] = {
        "11", "12", "13", "19", "21", "29", "31", "32", "33", "34", "35", "39", "41", "49", "51", "52", "53", "59",
        "61", "62", "69", "71", "72", "79", "81", "89", "91", "92", "93", "A1", "A9", "N1", "N2", "N3", "N9", "Y1",
    };
    static const char chars[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";
    static const int w[17] = {1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28};
    (void)state;
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
        char code[19];
        const char *why = "unset";
        int sum = 0;

        memcpy(code, pairs[i], 2);
        memcpy(code + 2, "360300M000100Y4", 15); /* 萍乡 + a valid org code */
        for (int k = 0; k < 17; k++) sum += (int)(strchr(chars, code[k]) - chars) * w[k];
        code[17] = chars[(31 - sum % 31) % 31];
        code[18] = '\0';
        if (!zt_uscc_valid(code, &why)) fail_msg("USCC %s rejected: %s", code, why);
    }
}

static void mask(void **state) {
    char out[32];
    (void)state;
    assert_string_equal(zt_mask("360302198002291234", 4, 4, out, sizeof out), "3603**********1234");
    assert_string_equal(zt_mask("91350100M000100Y43", 2, 2, out, sizeof out), "91**************43");
    assert_string_equal(zt_mask("360302198002291234", 0, 0, out, sizeof out), "******************");
    assert_string_equal(zt_mask("360302198002291234", 6, 0, out, sizeof out), "360302************");
    /* no longer than head + tail: nothing revealed */
    assert_string_equal(zt_mask("12345678", 4, 4, out, sizeof out), "********");
    assert_string_equal(zt_mask("123", 4, 4, out, sizeof out), "***");
    assert_string_equal(zt_mask("123456789", 4, 4, out, sizeof out), "1234*6789");
    assert_string_equal(zt_mask("", 4, 4, out, sizeof out), "");
    assert_string_equal(zt_mask(NULL, 4, 4, out, sizeof out), "");
    assert_string_equal(zt_mask("123456789", -1, -5, out, sizeof out), "*********");
    /* truncated to outlen, always terminated */
    assert_string_equal(zt_mask("360302198002291234", 4, 4, out, 8), "3603***");
    assert_string_equal(zt_mask("360302198002291234", 4, 4, out, 1), "");
    /* outlen 0: nothing written, out returned */
    out[0] = 'q';
    assert_ptr_equal(zt_mask("3603", 1, 1, out, 0), out);
    assert_int_equal(out[0], 'q');
    /* returns out */
    assert_ptr_equal(zt_mask("3603", 1, 1, out, sizeof out), out);
}

/* Phone numbers the services accept for contact: mobiles and landlines. */
static void phone(void **state) {
    static const char *const good[] = {"13907991234", "19912345678", "0799-6837420", "010-12345678", "07996837420",
                                       "01012345678", NULL};
    static const char *const bad[] = {"12907991234", "1390799123",    "139079912345",     "0799-683742",
                                      "799-6837420", "0799-6837420x", "0799--6837420",    "",
                                      "12345",       "00-12345678",   "０７９９-6837420", NULL};
    for (int i = 0; good[i]; i++)
        if (!zt_phone_valid(good[i])) fail_msg("refused %s", good[i]);
    for (int i = 0; bad[i]; i++)
        if (zt_phone_valid(bad[i])) fail_msg("accepted %s", bad[i]);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(id_valid),     cmocka_unit_test(id_invalid),           cmocka_unit_test(uscc_valid),
        cmocka_unit_test(uscc_invalid), cmocka_unit_test(uscc_all_authorities), cmocka_unit_test(mask),
        cmocka_unit_test(phone),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
