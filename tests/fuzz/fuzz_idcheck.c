/* fuzz_idcheck.c - zt_idnum_valid, zt_uscc_valid and zt_mask on a
 * NUL-terminated copy of the input (identifiers typed into registration and
 * case forms).
 *
 * Checked: `why` is set exactly when the answer is 0, to a documented
 * reason; an accepted identifier has the documented shape, and changing any
 * one of its characters makes it invalid (both check characters catch every
 * single substitution); an ID number built from the input's bytes is
 * accepted exactly when an independent MOD 11-2 computation says so; a
 * USCC's 17 leading characters allow at most one check character; zt_mask
 * keeps exactly head and tail characters and never writes past outlen. */
#include "base/calendar.h"
#include "base/idcheck.h"
#include "fuzz.h"

static const char uscc_chars[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";

static int reason_in(const char *why, const char *const *list) {
    for (; *list; list++)
        if (why && strcmp(why, *list) == 0) return 1;
    return 0;
}

static void check_idnum(const char *s, size_t pos) {
    static const char *const reasons[] = {"length", "character", "birth date", "check digit", NULL};
    const char *why = "unset";
    int ok = zt_idnum_valid(s, &why);
    FUZZ_CHECK(ok == 0 || ok == 1);
    FUZZ_CHECK(ok ? why == NULL : reason_in(why, reasons));
    FUZZ_CHECK(zt_idnum_valid(s, NULL) == ok);
    if (!ok) return;
    FUZZ_CHECK(strlen(s) == 18);
    char t[19];
    memcpy(t, s, 19);
    size_t i = pos % 18;
    char alphabet[] = "0123456789X";
    for (const char *c = alphabet; *c; c++) {
        if (*c == s[i]) continue;
        t[i] = *c;
        FUZZ_CHECK(!zt_idnum_valid(t, NULL));
    }
    char out[32];
    zt_mask(s, 6, 4, out, sizeof out);
    FUZZ_CHECK(memcmp(out, s, 6) == 0 && memcmp(out + 6, "********", 8) == 0 && memcmp(out + 14, s + 14, 5) == 0);
}

/* An 18-character candidate from the input's bytes (digits, then a check
 * character), judged by an independent computation. */
static void check_idnum_built(const uint8_t *data, size_t size) {
    if (size < 18) return;
    char id[19];
    int sum = 0, w = 1;
    for (int i = 0; i < 17; i++) id[i] = (char)('0' + data[i] % 10);
    for (int i = 16; i >= 0; i--) { /* weight 2^(17-i) mod 11, from the right */
        w = w * 2 % 11;
        sum += (id[i] - '0') * w;
    }
    int c = (12 - sum % 11) % 11; /* the check value making the total 1 mod 11 */
    char check = c == 10 ? 'X' : (char)('0' + c);
    id[17] = data[17] % 2 ? check : (char)("0123456789X"[data[17] % 11]);
    id[18] = '\0';
    char date[11] = {id[6], id[7], id[8], id[9], '-', id[10], id[11], '-', id[12], id[13], '\0'};
    int date_ok = zt_day_parse(date, NULL) == 0 && memcmp(date, "2100", 4) < 0;
    FUZZ_CHECK(zt_idnum_valid(id, NULL) == (date_ok && id[17] == check));
}

static void check_uscc(const char *s, size_t pos) {
    static const char *const reasons[] = {"length", "character", "authority code", "check character", NULL};
    const char *why = "unset";
    int ok = zt_uscc_valid(s, &why);
    FUZZ_CHECK(ok == 0 || ok == 1);
    FUZZ_CHECK(ok ? why == NULL : reason_in(why, reasons));
    if (!ok) return;
    FUZZ_CHECK(strlen(s) == 18);
    char t[19];
    memcpy(t, s, 19);
    size_t i = pos % 18;
    for (const char *c = uscc_chars; *c; c++) {
        if (*c == s[i]) continue;
        t[i] = *c;
        FUZZ_CHECK(!zt_uscc_valid(t, NULL));
    }
}

static void check_uscc_built(const uint8_t *data, size_t size) {
    if (size < 17) return;
    char code[19];
    for (int i = 0; i < 17; i++) code[i] = uscc_chars[data[i] % 31];
    code[18] = '\0';
    int valid = 0;
    for (const char *c = uscc_chars; *c; c++) {
        code[17] = *c;
        valid += zt_uscc_valid(code, NULL);
    }
    FUZZ_CHECK(valid <= 1);
}

static void check_mask(const char *s, int head, int tail, size_t outlen) {
    char buf[80];
    memset(buf, 0x5A, sizeof buf);
    char *r = zt_mask(s, head, tail, buf + 8, outlen);
    FUZZ_CHECK(r == buf + 8);
    for (size_t i = 0; i < 8; i++) FUZZ_CHECK(buf[i] == 0x5A);
    for (size_t i = 8 + outlen; i < sizeof buf; i++) FUZZ_CHECK(buf[i] == 0x5A);
    if (outlen == 0) return;
    const char *out = buf + 8;
    size_t n = strlen(s), h = head > 0 ? (size_t)head : 0, t = tail > 0 ? (size_t)tail : 0;
    size_t m = n < outlen - 1 ? n : outlen - 1;
    FUZZ_CHECK(strlen(out) == m);
    for (size_t i = 0; i < m; i++) {
        int shown = n > h + t && (i < h || i >= n - t);
        FUZZ_CHECK(out[i] == (shown ? s[i] : '*'));
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *s = fuzz_cstr(data, size);
    size_t pos = 0;
    for (size_t i = 0; i < size; i++) pos = pos * 31 + data[i];
    check_idnum(s, pos);
    check_uscc(s, pos);
    check_idnum_built(data, size);
    check_uscc_built(data, size);
    if (size >= 3) check_mask(s, (int8_t)data[0], (int8_t)data[1], data[2] % 72);
    check_mask(s, 4, 4, 64);
    static const int big[] = {0x7fffffff, -0x7fffffff - 1, 0};
    check_mask(s, big[pos % 3], big[pos / 3 % 3], 64);
    free(s);
    return 0;
}
