/* idcheck.c - citizen ID numbers (GB 11643) and unified social credit codes
 * (GB 32100), and masked display of either.
 *
 * Pure functions: no allocation, no clock. The birth-date bound is a fixed
 * sanity window (1900-2099) rather than "not after today", so a result never
 * depends on when it is computed. */
#include "base/idcheck.h"

#include <string.h>

static void set_why(const char **why, const char *reason) {
    if (why) *why = reason;
}

static int is_digit(char c) { return c >= '0' && c <= '9'; }

/* ---- 居民身份证号码 (GB 11643-1999) ---------------------------------- */

enum { ID_LEN = 18, YEAR_MIN = 1900, YEAR_MAX = 2099 };

static int num(const char *s, int n) {
    int v = 0;
    for (int i = 0; i < n; i++) v = v * 10 + (s[i] - '0');
    return v;
}

static int leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

/* s points at 8 digits YYYYMMDD. */
static int real_date(const char *s) {
    static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int y = num(s, 4), m = num(s + 4, 2), d = num(s + 6, 2);

    if (y < YEAR_MIN || y > YEAR_MAX || m < 1 || m > 12 || d < 1) return 0;
    return d <= mdays[m - 1] + (m == 2 && leap(y));
}

int zt_idnum_valid(const char *s, const char **why) {
    /* ISO 7064 MOD 11-2: weight i = 2^(17-i) mod 11 */
    static const int w[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
    static const char check[] = "10X98765432";
    int sum = 0;

    if (!s || strlen(s) != ID_LEN) {
        set_why(why, "length");
        return 0;
    }
    for (int i = 0; i < ID_LEN - 1; i++)
        if (!is_digit(s[i])) {
            set_why(why, "character");
            return 0;
        }
    /* lower-case x is refused on purpose: one spelling per person */
    if (!is_digit(s[ID_LEN - 1]) && s[ID_LEN - 1] != 'X') {
        set_why(why, "character");
        return 0;
    }
    if (!real_date(s + 6)) {
        set_why(why, "birth date");
        return 0;
    }
    for (int i = 0; i < ID_LEN - 1; i++) sum += (s[i] - '0') * w[i];
    if (check[sum % 11] != s[ID_LEN - 1]) {
        set_why(why, "check digit");
        return 0;
    }
    set_why(why, NULL);
    return 1;
}

/* ---- 统一社会信用代码 (GB 32100-2015 with amendment No. 1) ------------- */

enum { USCC_LEN = 18 };

/* 31 characters: no I, O, S, V, Z (easily confused with 1, 0, 5, U, 2). */
static const char uscc_chars[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";

/* 登记管理部门代码 and the 机构类别代码 the standard defines under each.
 * 9 has no "9 其他" type; Y does not subdivide and always uses 1. */
static const struct {
    char authority;
    const char *types;
} uscc_authorities[] = {
    {'1', "1239"},   /* 机构编制: 机关, 事业单位, 编办直管群众团体, 其他 */
    {'2', "19"},     /* 外交: 外国常驻新闻机构, 其他 */
    {'3', "123459"}, /* 司法行政: 律师执业机构, 公证处, 基层法律服务所,
                        司法鉴定机构, 仲裁委员会, 其他 */
    {'4', "19"},     /* 文化: 外国在华文化中心, 其他 */
    {'5', "1239"},   /* 民政: 社会团体, 民办非企业单位, 基金会, 其他 */
    {'6', "129"},    /* 旅游: 外国/港澳台旅游部门常驻代表机构, 其他 */
    {'7', "129"},    /* 宗教: 宗教活动场所, 宗教院校, 其他 */
    {'8', "19"},     /* 工会: 基层工会, 其他 */
    {'9', "123"},    /* 工商 (now 市场监管): 企业, 个体工商户, 农民专业合作社 */
    {'A', "19"},     /* 中央军委改革和编制办公室: 军队事业单位, 其他 */
    {'N', "1239"},   /* 农业: 组级/村级/乡镇级集体经济组织, 其他 */
    {'Y', "1"},      /* 其他 */
};

static int uscc_value(char c) {
    const char *p = c ? strchr(uscc_chars, c) : NULL;
    return p ? (int)(p - uscc_chars) : -1;
}

static int authority_ok(char authority, char type) {
    for (size_t i = 0; i < sizeof uscc_authorities / sizeof uscc_authorities[0]; i++)
        if (uscc_authorities[i].authority == authority)
            return type != '\0' && strchr(uscc_authorities[i].types, type) != NULL;
    return 0;
}

/* GB 11714 organisation code: 8 characters + check character, the letters
 * valued A = 10 .. Z = 35 (the full alphabet, unlike the USCC check). */
static char org_check(const char *s) {
    static const int w[8] = {3, 7, 9, 10, 5, 8, 4, 2};
    int sum = 0, c;

    for (int i = 0; i < 8; i++) sum += (is_digit(s[i]) ? s[i] - '0' : s[i] - 'A' + 10) * w[i];
    c = 11 - sum % 11;
    return c == 10 ? 'X' : c == 11 ? '0' : (char)('0' + c);
}

int zt_uscc_valid(const char *s, const char **why) {
    static const int w[17] = {1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28};
    int sum = 0;

    if (!s || strlen(s) != USCC_LEN) {
        set_why(why, "length");
        return 0;
    }
    for (int i = 0; i < USCC_LEN; i++)
        if (uscc_value(s[i]) < 0) {
            set_why(why, "character");
            return 0;
        }
    /* characters 3-8: the registering authority's GB/T 2260 division code */
    for (int i = 2; i < 8; i++)
        if (!is_digit(s[i])) {
            set_why(why, "character");
            return 0;
        }
    if (!authority_ok(s[0], s[1])) {
        set_why(why, "authority code");
        return 0;
    }
    /* characters 9-17 are a GB 11714 organisation code with its own check */
    if (org_check(s + 8) != s[16]) {
        set_why(why, "check character");
        return 0;
    }
    for (int i = 0; i < USCC_LEN - 1; i++) sum += uscc_value(s[i]) * w[i];
    if (uscc_chars[(31 - sum % 31) % 31] != s[USCC_LEN - 1]) {
        set_why(why, "check character");
        return 0;
    }
    set_why(why, NULL);
    return 1;
}

/* ---- masking ------------------------------------------------------------ */

char *zt_mask(const char *s, int head, int tail, char *out, size_t outlen) {
    size_t n, h, t, i;

    if (!out || outlen == 0) return out;
    if (!s) s = "";
    n = strlen(s);
    h = head > 0 ? (size_t)head : 0;
    t = tail > 0 ? (size_t)tail : 0;
    if (n <= h + t) h = t = 0; /* too short to reveal anything */
    for (i = 0; i < n && i + 1 < outlen; i++) out[i] = (i < h || i >= n - t) ? s[i] : '*';
    out[i] = '\0';
    return out;
}

static int digits(const char *s, size_t n) { return strspn(s, "0123456789") == n && strlen(s) >= n; }

int zt_phone_valid(const char *s) {
    size_t n = strlen(s);
    if (n == 11 && s[0] == '1' && s[1] >= '3' && s[1] <= '9' && digits(s, 11)) return 1;
    if (s[0] != '0') return 0;
    const char *dash = strchr(s, '-');
    if (dash) {
        size_t a = (size_t)(dash - s), b = strlen(dash + 1);
        return (a == 3 || a == 4) && digits(s, a) && (b == 7 || b == 8) && digits(dash + 1, b);
    }
    return n >= 10 && n <= 12 && digits(s, n);
}
