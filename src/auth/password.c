/* password.c - what a password must be (R16; issue 22, "password1" was
 * accepted).
 *
 * The structural rules (length, a letter and a digit, enough different
 * characters, not the login dressed up) say little about guessing: attackers try the
 * common passwords first, with digits and signs appended and letters
 * swapped for look-alikes. So a password is also refused when it, or the
 * word left once the digits and signs at its ends are taken off, or either
 * with the look-alikes undone, is on a common-password list. The lists are
 * files Debian ships (auth.password_list): John the Ripper's password.lst
 * (john-data: 3,546 passwords most seen in real leaks) and cracklib's
 * word list (cracklib-runtime: 54,763 English words), installed by
 * scripts/deps.sh. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/auth.h"
#include "base/arena.h"
#include "base/json.h"

static char **words; /* sorted, lower-case, unique */
static size_t nwords;
static int64_t min_distinct = 1;

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static void lower(char *s) {
    for (; *s; s++) *s = (char)tolower((unsigned char)*s);
}

static zt_err load_file(const char *path, size_t *cap, zt_error *e) {
    FILE *f = fopen(path, "r");
    if (!f)
        return zt_fail(e, ZT_EINVAL, "auth.password_list",
                       "cannot read the common-password list %s: %s (Debian packages john-data and cracklib-runtime; "
                       "scripts/deps.sh installs them)",
                       path, strerror(errno));
    char *line = NULL;
    size_t lcap = 0;
    ssize_t n;
    while ((n = getline(&line, &lcap, f)) != -1) {
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r' || line[n - 1] == ' ')) line[--n] = 0;
        if (n == 0 || strncmp(line, "#!comment", 9) == 0) continue;
        lower(line);
        if (nwords == *cap) {
            *cap = *cap ? *cap * 2 : 65536;
            words = zt_realloc(words, *cap * sizeof *words);
        }
        words[nwords++] = zt_strdup(line);
    }
    free(line);
    fclose(f);
    return ZT_OK;
}

zt_err zt_password_policy_init(const zt_config *cfg, zt_error *e) {
    min_distinct = cfg->password_min_distinct;
    if (words) return ZT_OK; /* once per process */
    size_t cap = 0;
    const char *p = cfg->password_list;
    while (p && *p) {
        size_t len = strcspn(p, ",");
        char path[4096];
        snprintf(path, sizeof path, "%.*s", (int)len, p);
        char *s = path;
        while (*s == ' ') s++;
        if (*s) {
            zt_err rc = load_file(s, &cap, e);
            if (rc) return rc;
        }
        p += len;
        if (*p == ',') p++;
    }
    if (!nwords) return ZT_OK;
    qsort(words, nwords, sizeof *words, cmp_str);
    size_t out = 1;
    for (size_t i = 1; i < nwords; i++) {
        if (strcmp(words[i], words[out - 1]) == 0)
            free(words[i]);
        else
            words[out++] = words[i];
    }
    nwords = out;
    return ZT_OK;
}

size_t zt_password_list_size(void) { return nwords; }

static int listed(const char *s) { return *s && nwords && bsearch(&s, words, nwords, sizeof *words, cmp_str) != NULL; }

/* s with the look-alike digits and signs read as the letters they stand
 * for; one is read as i or as l (one_as). */
static void unleet(const char *s, char one_as, char *out, size_t cap) {
    size_t n = 0;
    for (; *s && n + 1 < cap; s++) {
        char c = *s;
        switch (c) {
        case '@':
        case '4':
            c = 'a';
            break;
        case '0':
            c = 'o';
            break;
        case '1':
        case '!':
        case '|':
            c = one_as;
            break;
        case '3':
            c = 'e';
            break;
        case '$':
        case '5':
            c = 's';
            break;
        case '7':
        case '+':
            c = 't';
            break;
        case '9':
            c = 'g';
            break;
        default:
            break;
        }
        out[n++] = c;
    }
    out[n] = 0;
}

/* The word inside s: the digits and signs at both ends taken off. */
static void core_of(const char *s, char *out, size_t cap) {
    while (*s && !isalpha((unsigned char)*s) && !((unsigned char)*s & 0x80)) s++;
    size_t len = strlen(s);
    while (len && !isalpha((unsigned char)s[len - 1]) && !((unsigned char)s[len - 1] & 0x80)) len--;
    snprintf(out, cap, "%.*s", (int)len, s);
}

/* Is pw (lower-case) a common password, or a common one dressed up? */
static int common(const char *pw) {
    char core[520], v[520];
    core_of(pw, core, sizeof core);
    if (listed(pw) || listed(core)) return 1;
    const char *forms[] = {pw, core};
    for (int i = 0; i < 2; i++)
        for (int k = 0; k < 2; k++) {
            unleet(forms[i], k ? 'l' : 'i', v, sizeof v);
            if (listed(v)) return 1;
        }
    return 0;
}

zt_err zt_password_check(const char *pw, const char *login, const char *field, zt_error *e) {
    if (!field) field = "password";
    size_t n = zt_utf8_len(pw);
    int alpha = 0, digit = 0;
    for (const char *s = pw; *s; s++) {
        if ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z')) alpha = 1;
        if (*s >= '0' && *s <= '9') digit = 1;
    }
    if (n < 8 || n > 128 || !alpha || !digit)
        return zt_fail(e, ZT_EINVAL, field, "密码须为 8 到 128 个字符，且同时包含字母和数字");
    unsigned char seen[256] = {0};
    int64_t distinct = 0;
    for (const unsigned char *s = (const unsigned char *)pw; *s; s++)
        if (!seen[*s]++) distinct++;
    if (distinct < min_distinct)
        return zt_fail(e, ZT_EINVAL, field, "密码过于简单：至少要有 %lld 个不同的字符", (long long)min_distinct);
    char low[520];
    snprintf(low, sizeof low, "%s", pw);
    lower(low);
    if (login && *login) {
        /* the login, or the login with digits and signs around it */
        char l[80], lc[80], pc[520];
        snprintf(l, sizeof l, "%s", login);
        lower(l);
        core_of(l, lc, sizeof lc);
        core_of(low, pc, sizeof pc);
        if (!strcmp(pc, l) || (*lc && !strcmp(pc, lc)))
            return zt_fail(e, ZT_EINVAL, field, "密码不能是登录名（或登录名加上数字、符号）");
    }
    if (common(low))
        return zt_fail(e, ZT_EINVAL, field,
                       "密码过于常见：它（或去掉首尾的数字和符号后）在常用密码或常见单词表中，请换一个不易猜到的密码");
    return ZT_OK;
}
