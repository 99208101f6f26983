/* redflags.c - Cardinal's red-flag indicators (红旗指标): see redflags.h and
 * docs/redflags.md for each indicator's methodology and settings. */
#include "trading/redflags.h"

#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const char *const CODES[ZT_RF_N] = {"R003", "R018", "R024", "R025", "R028", "R030",
                                           "R035", "R036", "R038", "R048", "R058"};

/* ---- a string set / map: open addressing, insertion order kept ---- */

typedef struct {
    char **keys;   /* insertion order */
    size_t n, cap; /* keys */
    size_t *slots; /* index + 1, 0 = empty */
    size_t nslots;
} rf_map;

static void oom(void) {
    fputs("zhengtong: out of memory\n", stderr);
    exit(1);
}

static void *xrealloc(void *p, size_t n) {
    void *q = realloc(p, n ? n : 1);
    if (!q) oom();
    return q;
}

static uint64_t hash_str(const char *s) {
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

static void map_free(rf_map *m) {
    for (size_t i = 0; i < m->n; i++) free(m->keys[i]);
    free(m->keys);
    free(m->slots);
    memset(m, 0, sizeof *m);
}

static long map_find(const rf_map *m, const char *k) {
    if (!m->nslots) return -1;
    for (size_t i = hash_str(k) & (m->nslots - 1);; i = (i + 1) & (m->nslots - 1)) {
        if (!m->slots[i]) return -1;
        if (strcmp(m->keys[m->slots[i] - 1], k) == 0) return (long)(m->slots[i] - 1);
    }
}

/* index of k, added if absent (*added set) */
static size_t map_put(rf_map *m, const char *k, int *added) {
    long f = map_find(m, k);
    if (added) *added = f < 0;
    if (f >= 0) return (size_t)f;
    if ((m->n + 1) * 2 > m->nslots) {
        size_t ns = m->nslots ? m->nslots * 2 : 16;
        free(m->slots);
        m->slots = xrealloc(NULL, ns * sizeof *m->slots);
        memset(m->slots, 0, ns * sizeof *m->slots);
        m->nslots = ns;
        for (size_t j = 0; j < m->n; j++) {
            size_t i = hash_str(m->keys[j]) & (ns - 1);
            while (m->slots[i]) i = (i + 1) & (ns - 1);
            m->slots[i] = j + 1;
        }
    }
    if (m->n == m->cap) {
        m->cap = m->cap ? m->cap * 2 : 16;
        m->keys = xrealloc(m->keys, m->cap * sizeof *m->keys);
    }
    m->keys[m->n] = strdup(k);
    if (!m->keys[m->n]) oom();
    size_t i = hash_str(k) & (m->nslots - 1);
    while (m->slots[i]) i = (i + 1) & (m->nslots - 1);
    m->slots[i] = m->n + 1;
    return m->n++;
}

/* grow a parallel value array to hold index i */
#define GROW(arr, cap, i)                                                                                              \
    do {                                                                                                               \
        if ((i) >= (cap)) {                                                                                            \
            size_t nc_ = (cap) ? (cap)*2 : 16;                                                                         \
            while (nc_ <= (i)) nc_ *= 2;                                                                               \
            (arr) = xrealloc((arr), nc_ * sizeof *(arr));                                                              \
            memset((arr) + (cap), 0, (nc_ - (cap)) * sizeof *(arr));                                                   \
            (cap) = nc_;                                                                                               \
        }                                                                                                              \
    } while (0)

/* ---- settings ---- */

struct zt_rf_settings {
    int enabled[ZT_RF_N];
    char *currency;
    rf_map no_price, price, excl_pmd; /* pipe-separated lists */
    long r003_threshold;
    rf_map r003_methods, r003_pmd; /* pmd keys */
    long *r003_pmd_days;
    size_t r003_pmd_cap;
    rf_map r018_methods;
    double r024_threshold, r025_threshold, r038_threshold, r058_threshold; /* NAN = from the data */
    long r025_percentile, r035_threshold, r038_min_bids, r038_min_processes;
    long r048_digits, r048_threshold, r048_min_processes; /* threshold < 0 = from the data */
};

static void pipe_list(rf_map *m, const char *v) {
    map_free(m);
    /* Rust split_terminator('|'): a trailing empty piece is dropped, inner ones kept */
    const char *p = v;
    size_t len = strlen(v);
    if (!len) return;
    for (;;) {
        const char *bar = strchr(p, '|');
        size_t n = bar ? (size_t)(bar - p) : strlen(p);
        if (!bar && n == 0) break;
        char *piece = strndup(p, n);
        if (!piece) oom();
        map_put(m, piece, NULL);
        free(piece);
        if (!bar) break;
        p = bar + 1;
        if (!*p) break;
    }
}

void zt_rf_settings_free(zt_rf_settings *s) {
    if (!s) return;
    free(s->currency);
    map_free(&s->no_price);
    map_free(&s->price);
    map_free(&s->excl_pmd);
    map_free(&s->r003_methods);
    map_free(&s->r003_pmd);
    free(s->r003_pmd_days);
    map_free(&s->r018_methods);
    free(s);
}

static void seterr(char *err, size_t errlen, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

static int parse_long(const char *v, long min, long *out) {
    char *end;
    errno = 0;
    long x = strtol(v, &end, 10);
    if (errno || end == v || *end || x < min) return -1;
    *out = x;
    return 0;
}

static int parse_double(const char *v, double *out) {
    char *end;
    errno = 0;
    double x = strtod(v, &end);
    if (errno || end == v || *end || !isfinite(x)) return -1;
    *out = x;
    return 0;
}

static char *trim(char *s) {
    while (*s == ' ' || *s == '\t') s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r')) s[--n] = '\0';
    return s;
}

enum { SEC_TOP = -1, SEC_IGNORED = -2, SEC_EXCLUSIONS = -3, SEC_R003_PMD = -4 };

static int section_of(const char *name) {
    for (int i = 0; i < ZT_RF_N; i++)
        if (strcmp(name, CODES[i]) == 0) return i;
    if (strcmp(name, "exclusions") == 0) return SEC_EXCLUSIONS;
    if (strcmp(name, "R003.procurement_method_details") == 0) return SEC_R003_PMD;
    /* the prepare command's sections: accepted, not used by the indicators */
    static const char *const prepare[] = {"defaults", "redactions", "corrections", "modifications", NULL};
    for (int i = 0; prepare[i]; i++)
        if (strcmp(name, prepare[i]) == 0) return SEC_IGNORED;
    if (strncmp(name, "codelists.", 10) == 0 && name[10]) return SEC_IGNORED;
    return -100;
}

/* one key = value in section sec; 0 or -1 */
static int setting(zt_rf_settings *s, int sec, const char *k, const char *v) {
    if (sec == SEC_IGNORED) return 0;
    if (sec == SEC_TOP) {
        if (strcmp(k, "currency") == 0) {
            free(s->currency);
            s->currency = strdup(v);
            return s->currency ? 0 : -1;
        }
        if (strcmp(k, "no_price_comparison_procurement_methods") == 0) return pipe_list(&s->no_price, v), 0;
        if (strcmp(k, "price_comparison_procurement_methods") == 0) return pipe_list(&s->price, v), 0;
        return -1;
    }
    if (sec == SEC_EXCLUSIONS) {
        if (strcmp(k, "procurement_method_details") == 0) return pipe_list(&s->excl_pmd, v), 0;
        return -1;
    }
    if (sec == SEC_R003_PMD) {
        long days;
        if (parse_long(v, LONG_MIN, &days)) return -1;
        size_t i = map_put(&s->r003_pmd, k, NULL);
        GROW(s->r003_pmd_days, s->r003_pmd_cap, i);
        s->r003_pmd_days[i] = days;
        return 0;
    }
    switch (sec) {
    case ZT_RF_R003:
        if (strcmp(k, "threshold") == 0) return parse_long(v, LONG_MIN, &s->r003_threshold);
        if (strcmp(k, "procurement_methods") == 0) return pipe_list(&s->r003_methods, v), 0;
        return -1;
    case ZT_RF_R018:
        if (strcmp(k, "procurement_methods") == 0) return pipe_list(&s->r018_methods, v), 0;
        return -1;
    case ZT_RF_R024:
        return strcmp(k, "threshold") == 0 ? parse_double(v, &s->r024_threshold) : -1;
    case ZT_RF_R058:
        return strcmp(k, "threshold") == 0 ? parse_double(v, &s->r058_threshold) : -1;
    case ZT_RF_R025:
        if (strcmp(k, "threshold") == 0) return parse_double(v, &s->r025_threshold);
        if (strcmp(k, "percentile") == 0) return parse_long(v, 0, &s->r025_percentile) || s->r025_percentile > 100;
        return -1;
    case ZT_RF_R035:
        if (strcmp(k, "threshold") != 0 || parse_long(v, 0, &s->r035_threshold)) return -1;
        if (s->r035_threshold < 1) s->r035_threshold = 1; /* at least one disqualified tenderer */
        return 0;
    case ZT_RF_R038:
        if (strcmp(k, "threshold") == 0) return parse_double(v, &s->r038_threshold);
        if (strcmp(k, "minimum_submitted_bids") == 0) return parse_long(v, 0, &s->r038_min_bids);
        if (strcmp(k, "minimum_contracting_processes") == 0) return parse_long(v, 0, &s->r038_min_processes);
        return -1;
    case ZT_RF_R048:
        if (strcmp(k, "digits") == 0) return parse_long(v, 0, &s->r048_digits);
        if (strcmp(k, "threshold") == 0) return parse_long(v, 0, &s->r048_threshold);
        if (strcmp(k, "minimum_contracting_processes") == 0) return parse_long(v, 0, &s->r048_min_processes);
        return -1;
    default:
        return -1; /* R028, R030, R036 have no settings */
    }
}

static zt_rf_settings *settings_new(void) {
    zt_rf_settings *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    s->r003_threshold = 15;
    pipe_list(&s->r018_methods, "open|selective");
    s->r024_threshold = s->r025_threshold = s->r038_threshold = s->r058_threshold = NAN;
    s->r025_percentile = 75;
    s->r035_threshold = 1;
    s->r038_min_bids = 2;
    s->r038_min_processes = 2;
    s->r048_digits = 2;
    s->r048_threshold = -1;
    s->r048_min_processes = 20;
    return s;
}

zt_rf_settings *zt_rf_settings_parse(const char *text, size_t len, char *err, size_t errlen) {
    zt_rf_settings *s = settings_new();
    if (!s) return seterr(err, errlen, "out of memory"), NULL;
    if (!text) {
        for (int i = 0; i < ZT_RF_N; i++) s->enabled[i] = 1;
        return s;
    }
    int sec = SEC_TOP;
    size_t lineno = 0, pos = 0;
    while (pos < len) {
        lineno++;
        size_t end = pos;
        while (end < len && text[end] != '\n') end++;
        if (memchr(text + pos, '\0', end - pos)) {
            zt_rf_settings_free(s);
            seterr(err, errlen, "line %zu: a NUL byte", lineno);
            return NULL;
        }
        char *line = strndup(text + pos, end - pos);
        if (!line) return zt_rf_settings_free(s), seterr(err, errlen, "out of memory"), NULL;
        pos = end + 1;
        char *t = trim(line);
        if (!*t || *t == ';' || *t == '#') {
            free(line);
            continue;
        }
        if (*t == '[') {
            char *close = strchr(t, ']');
            if (!close || *trim(close + 1)) {
                free(line);
                zt_rf_settings_free(s);
                seterr(err, errlen, "line %zu: a section header is [NAME]", lineno);
                return NULL;
            }
            *close = '\0';
            char *name = trim(t + 1);
            sec = section_of(name);
            if (sec == -100) {
                seterr(err, errlen, "line %zu: unknown section [%.60s]", lineno, name);
                free(line);
                zt_rf_settings_free(s);
                return NULL;
            }
            if (sec >= 0) s->enabled[sec] = 1;
            free(line);
            continue;
        }
        char *eq = strchr(t, '=');
        if (!eq) {
            free(line);
            zt_rf_settings_free(s);
            seterr(err, errlen, "line %zu: expected key = value", lineno);
            return NULL;
        }
        *eq = '\0';
        char *k = trim(t), *v = eq + 1;
        /* an inline comment starts at " ;" or " #" */
        for (char *c = v; *c; c++)
            if ((*c == ';' || *c == '#') && c > v && (c[-1] == ' ' || c[-1] == '\t')) {
                *c = '\0';
                break;
            }
        v = trim(v);
        if (!*k || setting(s, sec, k, v)) {
            seterr(err, errlen, "line %zu: unknown key or bad value: %.60s = %.60s", lineno, k, v);
            free(line);
            zt_rf_settings_free(s);
            return NULL;
        }
        free(line);
    }
    return s;
}

/* ---- numbers ---- */

void zt_rf_format_double(double v, char *buf, size_t len) {
    if (!isfinite(v)) { /* serde_json writes a non-finite f64 as null */
        snprintf(buf, len, "null");
        return;
    }
    if (v == 0) {
        snprintf(buf, len, signbit(v) ? "-0.0" : "0.0");
        return;
    }
    char sci[40];
    for (int prec = 0; prec < 17; prec++) { /* shortest digits that read back to v */
        snprintf(sci, sizeof sci, "%.*e", prec, v);
        if (strtod(sci, NULL) == v) break;
    }
    /* sci: [-]d[.ddd]e[+-]XX -> digits and exponent */
    char digits[24];
    size_t nd = 0;
    const char *p = sci;
    int neg = *p == '-';
    if (neg) p++;
    for (; *p && *p != 'e'; p++)
        if (isdigit((unsigned char)*p) && nd < sizeof digits - 1) digits[nd++] = *p;
    digits[nd] = '\0';
    while (nd > 1 && digits[nd - 1] == '0') digits[--nd] = '\0';
    int e10 = (int)strtol(p + 1, NULL, 10); /* v = d.ddd * 10^e10 */
    int kk = e10 + 1;                       /* 10^(kk-1) <= |v| < 10^kk */
    int k = kk - (int)nd;                   /* v = digits * 10^k */
    char out[64];
    size_t o = 0;
    if (neg) out[o++] = '-';
    if (k >= 0 && kk <= 16) {
        memcpy(out + o, digits, nd), o += nd;
        for (int i = 0; i < k; i++) out[o++] = '0';
        out[o++] = '.', out[o++] = '0';
    } else if (kk > 0 && kk <= 16) {
        memcpy(out + o, digits, (size_t)kk), o += (size_t)kk;
        out[o++] = '.';
        memcpy(out + o, digits + kk, nd - (size_t)kk), o += nd - (size_t)kk;
    } else if (kk > -5 && kk <= 0) {
        out[o++] = '0', out[o++] = '.';
        for (int i = 0; i < -kk; i++) out[o++] = '0';
        memcpy(out + o, digits, nd), o += nd;
    } else {
        out[o++] = digits[0];
        if (nd > 1) {
            out[o++] = '.';
            memcpy(out + o, digits + 1, nd - 1), o += nd - 1;
        }
        o += (size_t)snprintf(out + o, sizeof out - o, "e%d", kk - 1);
    }
    out[o] = '\0';
    snprintf(buf, len, "%s", out);
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    if (isnan(x) || isnan(y)) return isnan(x) - isnan(y);
    return (x > y) - (x < y);
}

double zt_rf_quantile(const double *x, size_t n, double tau) {
    if (n == 0 || tau < 0 || tau > 1) return NAN;
    double h = ((double)n + 1.0 / 3.0) * tau + 1.0 / 3.0;
    long hf = (long)h;
    if (hf <= 0 || tau == 0) return x[0];
    if ((size_t)hf >= n || fabs(tau - 1.0) <= 4 * 2.220446049250313e-16) return x[n - 1];
    double a = x[hf - 1], b = x[hf];
    return a + (h - (double)hf) * (b - a);
}

/* q1 and q3 of an unsorted array (sorted in place) */
static void quartiles(double *x, size_t n, double *q1, double *q3) {
    qsort(x, n, sizeof *x, cmp_double);
    *q1 = zt_rf_quantile(x, n, 0.25);
    *q3 = zt_rf_quantile(x, n, 0.75);
}

/* RFC 3339 date-time to seconds since the epoch (+ nanoseconds); -1 if not one */
static int rfc3339(const char *s, int64_t *secs, long *nanos) {
    int Y, M, D, h, m, sec, n = 0;
    if (sscanf(s, "%4d-%2d-%2d%n", &Y, &M, &D, &n) != 3 || n != 10) return -1;
    if (s[10] != 'T' && s[10] != 't' && s[10] != ' ') return -1;
    const char *p = s + 11;
    if (sscanf(p, "%2d:%2d:%2d%n", &h, &m, &sec, &n) != 3 || n != 8) return -1;
    p += 8;
    long ns = 0;
    if (*p == '.') {
        p++;
        int digits = 0;
        if (!isdigit((unsigned char)*p)) return -1;
        for (; isdigit((unsigned char)*p); p++, digits++)
            if (digits < 9) ns = ns * 10 + (*p - '0');
        for (; digits < 9; digits++) ns *= 10;
    }
    int off = 0;
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int oh, om;
        if (sscanf(p + 1, "%2d:%2d%n", &oh, &om, &n) != 2 || n != 5 || oh > 23 || om > 59) return -1;
        off = (oh * 60 + om) * 60 * (*p == '-' ? -1 : 1);
        p += 6;
    } else {
        return -1;
    }
    if (*p || M < 1 || M > 12 || D < 1 || D > 31 || h > 23 || m > 59 || sec > 60) return -1;
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (Y % 4 == 0 && Y % 100 != 0) || Y % 400 == 0;
    if (D > mdays[M - 1] || (M == 2 && D == 29 && !leap)) return -1;
    /* days from civil (Howard Hinnant) */
    int y = Y - (M <= 2);
    int era = (y >= 0 ? y : y - 399) / 400;
    int yoe = y - era * 400;
    int doy = (153 * (M + (M > 2 ? -3 : 9)) + 2) / 5 + D - 1;
    int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    int64_t days = (int64_t)era * 146097 + doe - 719468;
    *secs = days * 86400 + h * 3600 + m * 60 + (sec == 60 ? 59 : sec) - off;
    *nanos = sec == 60 ? ns + 1000000000L : ns;
    return 0;
}

/* ---- the run ---- */

typedef struct {
    double v[ZT_RF_N];
    unsigned mask;
} rf_res;

enum { G_OCID, G_TENDERER, G_BUYER, G_PE, G_N };
static const char *const GROUPS[G_N] = {"OCID", "Tenderer", "Buyer", "ProcuringEntity"};

typedef struct {
    size_t num, den;
} rf_frac;

typedef struct {
    const zt_rf_settings *s;
    char *cur; /* the main currency: settings, else the first observed */
    rf_map groups[G_N];
    rf_res *res[G_N];
    size_t rescap[G_N];
    /* second-lowest bid ratio (R024, R058), per ocid */
    rf_map slb;
    double *slb_ratio;
    char **slb_ids; /* 2 per ocid: winner, lowest non-winner */
    size_t slb_cap, slb_idcap;
    /* R025 tenderer, R038 buyer / procuring entity / tenderer: fractions */
    rf_map r025, r038[3];
    rf_frac *f025, *f038[3];
    size_t c025, c038[3];
    /* R048: supplier -> processes, distinct codes; "supplier\x1fcode" pairs */
    rf_map r048, r048_pairs;
    size_t *r048_processes, *r048_codes, *r048_seen, c048, c048b, c048c;
    size_t release; /* 1-based count of the releases folded */
} rf_run;

static void flag(rf_run *r, int g, const char *id, int ind, double v) {
    size_t i = map_put(&r->groups[g], id, NULL);
    GROW(r->res[g], r->rescap[g], i);
    r->res[g][i].v[ind] = v;
    r->res[g][i].mask |= 1u << ind;
}

static json_t *jobj(const json_t *o, const char *k) {
    json_t *v = json_object_get(o, k);
    return json_is_object(v) ? v : NULL;
}
static json_t *jarr(const json_t *o, const char *k) {
    json_t *v = json_object_get(o, k);
    return json_is_array(v) ? v : NULL;
}
static const char *jstr(const json_t *o, const char *k) {
    json_t *v = json_object_get(o, k);
    return json_is_string(v) ? json_string_value(v) : NULL;
}
static int status_is(const json_t *o, const char *st) {
    const char *v = jstr(o, "status");
    return v && strcmp(v, st) == 0;
}

/* is the (main-currency) value ok: sets the main currency from the first seen */
static int main_currency(rf_run *r, const char *currency) {
    if (!r->cur) {
        r->cur = strdup(r->s->currency ? r->s->currency : currency);
        if (!r->cur) oom();
    }
    return strcmp(currency, r->cur) == 0;
}

/* the bid's amount and currency; 0 if it has none */
static int bid_value(const json_t *bid, double *amount, const char **currency) {
    json_t *value = jobj(bid, "value");
    json_t *a = value ? json_object_get(value, "amount") : NULL;
    *currency = value ? jstr(value, "currency") : NULL;
    if (!json_is_number(a) || !*currency) return 0;
    *amount = json_number_value(a);
    return 1;
}

/* submitted = pending, valid or disqualified: status set and not invited / withdrawn */
static int submitted(const json_t *bid) {
    const char *st = jstr(bid, "status");
    return st && strcmp(st, "invited") != 0 && strcmp(st, "withdrawn") != 0;
}

/* the only active award when every award is final (active, cancelled,
 * unsuccessful) and bids/details is an array; *n = number of active awards;
 * returns details or NULL when not all final */
static json_t *final_awards(const json_t *rel, json_t **active, size_t *n) {
    json_t *awards = jarr(rel, "awards"), *bids = jobj(rel, "bids");
    json_t *details = bids ? jarr(bids, "details") : NULL;
    *n = 0;
    *active = NULL;
    if (!awards || !details) return NULL;
    size_t i;
    json_t *a;
    json_array_foreach(awards, i, a) {
        const char *st = jstr(a, "status");
        if (!st) continue;
        if (strcmp(st, "active") == 0) {
            if (!*n) *active = a;
            (*n)++;
        } else if (strcmp(st, "cancelled") != 0 && strcmp(st, "unsuccessful") != 0) {
            *n = 0;
            *active = NULL;
            return NULL;
        }
    }
    return details;
}

/* the id of the award's single supplier */
static const char *single_supplier(const json_t *award) {
    json_t *sup = award ? jarr(award, "suppliers") : NULL;
    if (!sup || json_array_size(sup) != 1) return NULL;
    return jstr(json_array_get(sup, 0), "id");
}

/* the id of the bid's single tenderer */
static const char *single_tenderer(const json_t *bid) {
    json_t *t = jarr(bid, "tenderers");
    if (!t || json_array_size(t) != 1) return NULL;
    return jstr(json_array_get(t, 0), "id");
}

static int in_ids(const char *const *ids, size_t n, const char *id) {
    for (size_t i = 0; i < n; i++)
        if (strcmp(ids[i], id) == 0) return 1;
    return 0;
}

/* the distinct string ids of an array of organization references */
static size_t ids_of(const json_t *arr, const char ***ids, size_t *cap) {
    size_t n = 0, i;
    json_t *o;
    json_array_foreach(arr, i, o) {
        const char *id = jstr(o, "id");
        if (!id || in_ids(*ids, n, id)) continue;
        if (n == *cap) {
            *cap = *cap ? *cap * 2 : 8;
            *ids = xrealloc(*ids, *cap * sizeof **ids);
        }
        (*ids)[n++] = id;
    }
    return n;
}

static int same_ids(const json_t *a, const json_t *b) {
    const char **x = NULL, **y = NULL;
    size_t cx = 0, cy = 0;
    size_t nx = ids_of(a, &x, &cx), ny = ids_of(b, &y, &cy);
    int same = nx == ny;
    for (size_t i = 0; same && i < nx; i++) same = in_ids(y, ny, x[i]);
    free(x);
    free(y);
    return same;
}

static void frac_add(rf_map *m, rf_frac **f, size_t *cap, const char *id, size_t num, size_t den) {
    size_t i = map_put(m, id, NULL);
    GROW(*f, *cap, i);
    (*f)[i].num += num;
    (*f)[i].den += den;
}

static void fold_second_lowest(rf_run *r, const json_t *rel, const char *ocid) {
    json_t *award;
    size_t n;
    json_t *details = final_awards(rel, &award, &n);
    const char *supplier = n == 1 ? single_supplier(award) : NULL;
    if (!details || !supplier) return;
    const char *winner = NULL, *second = NULL;
    double wa = 0, sa = 0;
    size_t i;
    json_t *bid;
    json_array_foreach(details, i, bid) {
        double amount;
        const char *currency, *tenderer = single_tenderer(bid);
        if (!status_is(bid, "valid") || !tenderer || !bid_value(bid, &amount, &currency)) continue;
        if (!main_currency(r, currency)) continue;
        if (strcmp(tenderer, supplier) == 0) {
            if (!winner || amount < wa) winner = tenderer, wa = amount; /* the winner's lowest bid */
        } else if (!second || amount < sa) {
            second = tenderer, sa = amount;
        }
    }
    /* if the lowest bid did not win, the award criteria are not price only */
    if (!winner || !second || !(sa >= wa)) return;
    int added;
    size_t k = map_put(&r->slb, ocid, &added);
    GROW(r->slb_ratio, r->slb_cap, k);
    GROW(r->slb_ids, r->slb_idcap, 2 * k + 1);
    if (!added) free(r->slb_ids[2 * k]), free(r->slb_ids[2 * k + 1]);
    r->slb_ratio[k] = (sa - wa) / wa;
    r->slb_ids[2 * k] = strdup(winner);
    r->slb_ids[2 * k + 1] = strdup(second);
    if (!r->slb_ids[2 * k] || !r->slb_ids[2 * k + 1]) oom();
}

static void fold_r003(rf_run *r, const json_t *tender, const char *ocid, const char *pmd) {
    const zt_rf_settings *s = r->s;
    if (s->r003_methods.n) {
        const char *pm = jstr(tender, "procurementMethod");
        if (!pm || map_find(&s->r003_methods, pm) < 0) return;
    }
    json_t *period = jobj(tender, "tenderPeriod");
    const char *start = period ? jstr(period, "startDate") : NULL, *end = period ? jstr(period, "endDate") : NULL;
    int64_t s0, s1;
    long n0, n1;
    if (!start || !end || rfc3339(start, &s0, &n0) || rfc3339(end, &s1, &n1)) return;
    int64_t secs = s1 - s0;
    long ns = n1 - n0;
    if (ns < 0) secs--, ns += 1000000000L;
    if (ns >= 1000000000L) secs++, ns -= 1000000000L;
    if (secs < 0 && ns > 0) secs++; /* whole seconds, toward zero */
    int64_t days = secs / 86400;    /* whole days, toward zero */
    long threshold = s->r003_threshold;
    long k = pmd ? map_find(&s->r003_pmd, pmd) : -1;
    if (k >= 0) threshold = s->r003_pmd_days[k];
    if (days < threshold) flag(r, G_OCID, ocid, ZT_RF_R003, 1.0);
}

static void fold_r018(rf_run *r, const json_t *tender, const char *ocid) {
    if (r->s->r018_methods.n) {
        const char *pm = jstr(tender, "procurementMethod");
        if (!pm || map_find(&r->s->r018_methods, pm) < 0) return;
    }
    json_t *n = json_object_get(tender, "numberOfTenderers");
    if (json_is_number(n) && json_number_value(n) == 1.0) flag(r, G_OCID, ocid, ZT_RF_R018, 1.0);
}

static void fold_r025(rf_run *r, const json_t *rel) {
    json_t *award;
    size_t n;
    json_t *details = final_awards(rel, &award, &n);
    const char *supplier = n == 1 ? single_supplier(award) : NULL;
    if (!details || !supplier) return;
    const char **ids = NULL;
    size_t nids = 0, cap = 0, i;
    json_t *bid;
    json_array_foreach(details, i, bid) { /* each tenderer once per process */
        const char *t = single_tenderer(bid);
        if (!status_is(bid, "valid") || !t || in_ids(ids, nids, t)) continue;
        if (nids == cap) cap = cap ? cap * 2 : 8, ids = xrealloc(ids, cap * sizeof *ids);
        ids[nids++] = t;
    }
    for (i = 0; i < nids; i++) frac_add(&r->r025, &r->f025, &r->c025, ids[i], strcmp(ids[i], supplier) == 0, 1);
    free(ids);
}

static void fold_r028(rf_run *r, const json_t *rel, const char *ocid) {
    json_t *bids = jobj(rel, "bids"), *details = bids ? jarr(bids, "details") : NULL;
    if (!details) return;
    size_t nd = json_array_size(details), np = 0, i;
    struct price {
        double amount;
        const char *currency;
        const json_t *tenderers;
    } *prices = xrealloc(NULL, nd * sizeof *prices);
    const char **ids = NULL;
    size_t idcap = 0;
    json_t *bid;
    json_array_foreach(details, i, bid) {
        double amount;
        const char *currency;
        json_t *tenderers = jarr(bid, "tenderers");
        if (!submitted(bid) || !tenderers || !bid_value(bid, &amount, &currency)) continue;
        if (!ids_of(tenderers, &ids, &idcap)) continue;
        size_t p = 0;
        while (p < np && !(prices[p].amount == amount && strcmp(prices[p].currency, currency) == 0)) p++;
        if (p < np && !same_ids(tenderers, prices[p].tenderers)) {
            flag(r, G_OCID, ocid, ZT_RF_R028, 1.0);
            size_t k;
            json_t *o;
            json_array_foreach(tenderers, k, o) if (jstr(o, "id")) flag(r, G_TENDERER, jstr(o, "id"), ZT_RF_R028, 1.0);
            json_array_foreach(prices[p].tenderers, k, o) if (jstr(o, "id"))
                flag(r, G_TENDERER, jstr(o, "id"), ZT_RF_R028, 1.0);
        }
        if (p == np) np++;
        prices[p] = (struct price){amount, currency, tenderers};
    }
    free(ids);
    free(prices);
}

static void fold_r030(rf_run *r, const json_t *rel, const json_t *tender, const char *ocid) {
    json_t *period = tender ? jobj(tender, "tenderPeriod") : NULL;
    const char *end = period ? jstr(period, "endDate") : NULL;
    json_t *awards = jarr(rel, "awards"), *bids = jobj(rel, "bids");
    json_t *details = bids ? jarr(bids, "details") : NULL;
    if (!end || !awards || !details) return;
    const char **sup = NULL;
    size_t ns = 0, cap = 0, i;
    json_t *a, *bid;
    json_array_foreach(awards, i, a) {
        json_t *s = jarr(a, "suppliers");
        if (!status_is(a, "active") || !s) continue;
        size_t k;
        json_t *o;
        json_array_foreach(s, k, o) {
            const char *id = jstr(o, "id");
            if (!id || in_ids(sup, ns, id)) continue;
            if (ns == cap) cap = cap ? cap * 2 : 8, sup = xrealloc(sup, cap * sizeof *sup);
            sup[ns++] = id;
        }
    }
    json_array_foreach(details, i, bid) {
        const char *date = jstr(bid, "date");
        json_t *t = jarr(bid, "tenderers");
        /* a valid bid, received after the deadline (RFC 3339 strings, compared as Cardinal does) */
        if (!status_is(bid, "valid") || !date || strcmp(date, end) <= 0 || !t) continue;
        size_t k;
        json_t *o;
        json_array_foreach(t, k, o) {
            const char *id = jstr(o, "id");
            if (id && in_ids(sup, ns, id)) {
                flag(r, G_OCID, ocid, ZT_RF_R030, 1.0);
                flag(r, G_TENDERER, id, ZT_RF_R030, 1.0);
                break;
            }
        }
    }
    free(sup);
}

static void add_id(const char ***ids, size_t *n, size_t *cap, const char *id) {
    if (in_ids(*ids, *n, id)) return;
    if (*n == *cap) *cap = *cap ? *cap * 2 : 8, *ids = xrealloc(*ids, *cap * sizeof **ids);
    (*ids)[(*n)++] = id;
}

static void fold_r035(rf_run *r, const json_t *rel, const char *ocid) {
    json_t *award;
    size_t n;
    json_t *details = final_awards(rel, &award, &n);
    if (!details) return;
    const char **sup = NULL, **valid = NULL, **dq = NULL;
    size_t ns = 0, nv = 0, nq = 0, cs = 0, cv = 0, cq = 0, i, k;
    json_t *a, *bid, *o;
    json_array_foreach(jarr(rel, "awards"), i, a) {
        json_t *s = jarr(a, "suppliers");
        if (!status_is(a, "active") || !s) continue;
        json_array_foreach(s, k, o) if (jstr(o, "id")) add_id(&sup, &ns, &cs, jstr(o, "id"));
    }
    json_array_foreach(details, i, bid) {
        json_t *t = jarr(bid, "tenderers");
        int v = status_is(bid, "valid"), q = status_is(bid, "disqualified");
        if (!t || (!v && !q)) continue;
        json_array_foreach(t, k, o) if (jstr(o, "id")) {
            if (v)
                add_id(&valid, &nv, &cv, jstr(o, "id"));
            else
                add_id(&dq, &nq, &cq, jstr(o, "id"));
        }
    }
    /* one valid tenderer, the awarded supplier(s), and others disqualified */
    if (nv == 1 && ns == 1 && strcmp(valid[0], sup[0]) == 0) {
        size_t others = 0;
        for (i = 0; i < nq; i++) others += strcmp(dq[i], valid[0]) != 0;
        if (others >= (size_t)r->s->r035_threshold) {
            flag(r, G_OCID, ocid, ZT_RF_R035, (double)others);
            flag(r, G_TENDERER, valid[0], ZT_RF_R035, 0.0);
        }
    }
    free(sup);
    free(valid);
    free(dq);
}

static void fold_r036(rf_run *r, const json_t *rel, const char *ocid) {
    json_t *awards = jarr(rel, "awards"), *a, *bids = jobj(rel, "bids");
    json_t *details = bids ? jarr(bids, "details") : NULL, *bid;
    size_t i;
    int active = 0;
    json_array_foreach(awards, i, a) active |= status_is(a, "active");
    if (!active || !details) return;
    int have = 0, lowest_dq = 0;
    double lowest = 0;
    json_array_foreach(details, i, bid) {
        double amount;
        const char *currency;
        if (!submitted(bid) || !bid_value(bid, &amount, &currency) || !main_currency(r, currency)) continue;
        if (!have || amount < lowest) {
            have = 1;
            lowest = amount;
            lowest_dq = status_is(bid, "disqualified");
        }
    }
    if (lowest_dq) flag(r, G_OCID, ocid, ZT_RF_R036, 1.0);
}

static void fold_r038(rf_run *r, const json_t *rel) {
    json_t *bids = jobj(rel, "bids"), *details = bids ? jarr(bids, "details") : NULL, *bid, *o;
    size_t nsub = 0, ndq = 0, i, k;
    json_array_foreach(details, i, bid) {
        if (!submitted(bid)) continue;
        nsub++;
        int dq = status_is(bid, "disqualified");
        ndq += dq;
        json_array_foreach(jarr(bid, "tenderers"), k, o) if (jstr(o, "id"))
            frac_add(&r->r038[2], &r->f038[2], &r->c038[2], jstr(o, "id"), (size_t)dq, 1);
    }
    if (!nsub) return;
    json_t *buyer = jobj(rel, "buyer"), *tender = jobj(rel, "tender");
    json_t *pe = tender ? jobj(tender, "procuringEntity") : NULL;
    if (buyer && jstr(buyer, "id")) frac_add(&r->r038[0], &r->f038[0], &r->c038[0], jstr(buyer, "id"), ndq, nsub);
    if (pe && jstr(pe, "id")) frac_add(&r->r038[1], &r->f038[1], &r->c038[1], jstr(pe, "id"), ndq, nsub);
}

static void fold_r048(rf_run *r, const json_t *rel) {
    json_t *a, *it;
    size_t i, k;
    json_array_foreach(jarr(rel, "awards"), i, a) {
        const char *supplier = status_is(a, "active") ? single_supplier(a) : NULL;
        json_t *items = jarr(a, "items");
        if (!supplier || !items) continue;
        size_t s = map_put(&r->r048, supplier, NULL);
        GROW(r->r048_processes, r->c048, s);
        GROW(r->r048_codes, r->c048b, s);
        GROW(r->r048_seen, r->c048c, s);
        if (r->r048_seen[s] != r->release) r->r048_seen[s] = r->release, r->r048_processes[s]++;
        json_array_foreach(items, k, it) {
            json_t *c = jobj(it, "classification");
            const char *id = c ? jstr(c, "id") : NULL;
            if (!id) continue;
            /* the first `digits` characters (code points) of the code */
            size_t bytes = 0;
            for (long d = 0; id[bytes] && d < r->s->r048_digits; d++) {
                bytes++;
                while (((unsigned char)id[bytes] & 0xC0) == 0x80) bytes++;
            }
            size_t sl = strlen(supplier);
            char *key = xrealloc(NULL, sl + bytes + 2);
            memcpy(key, supplier, sl);
            key[sl] = '\x1f';
            memcpy(key + sl + 1, id, bytes);
            key[sl + 1 + bytes] = '\0';
            int added;
            map_put(&r->r048_pairs, key, &added);
            free(key);
            if (added) r->r048_codes[s]++;
        }
    }
}

static void fold(rf_run *r, const json_t *rel) {
    const zt_rf_settings *s = r->s;
    const char *ocid = jstr(rel, "ocid");
    if (!ocid) return;
    json_t *tender = jobj(rel, "tender");
    const char *pmd = tender ? jstr(tender, "procurementMethodDetails") : NULL;
    if (tender && status_is(tender, "cancelled")) return;
    if (pmd && map_find(&s->excl_pmd, pmd) >= 0) return;
    /* price comparisons: an allow list if set, else a deny list */
    int prices = s->price.n ? pmd && map_find(&s->price, pmd) >= 0 : !(pmd && map_find(&s->no_price, pmd) >= 0);
    if (prices && (s->enabled[ZT_RF_R024] || s->enabled[ZT_RF_R058])) fold_second_lowest(r, rel, ocid);
    if (s->enabled[ZT_RF_R003] && tender) fold_r003(r, tender, ocid, pmd);
    if (s->enabled[ZT_RF_R018] && tender) fold_r018(r, tender, ocid);
    if (s->enabled[ZT_RF_R025]) fold_r025(r, rel);
    if (s->enabled[ZT_RF_R028] && prices) fold_r028(r, rel, ocid);
    if (s->enabled[ZT_RF_R030]) fold_r030(r, rel, tender, ocid);
    if (s->enabled[ZT_RF_R035]) fold_r035(r, rel, ocid);
    if (s->enabled[ZT_RF_R036]) fold_r036(r, rel, ocid);
    if (s->enabled[ZT_RF_R038]) fold_r038(r, rel);
    if (s->enabled[ZT_RF_R048]) fold_r048(r, rel);
}

static void finalize(rf_run *r) {
    const zt_rf_settings *s = r->s;
    size_t n = r->slb.n;
    double *x = xrealloc(NULL, (n ? n : 1) * sizeof *x), q1, q3;
    if (n) memcpy(x, r->slb_ratio, n * sizeof *x);
    quartiles(x, n, &q1, &q3);
    if (s->enabled[ZT_RF_R024]) {
        double fence = isnan(s->r024_threshold) ? fma(q3 - q1, -1.5, q1) : s->r024_threshold;
        for (size_t i = 0; i < n; i++)
            if (r->slb_ratio[i] <= fence) {
                flag(r, G_OCID, r->slb.keys[i], ZT_RF_R024, r->slb_ratio[i]);
                flag(r, G_TENDERER, r->slb_ids[2 * i], ZT_RF_R024, 0.0);
                flag(r, G_TENDERER, r->slb_ids[2 * i + 1], ZT_RF_R024, 0.0);
            }
    }
    if (s->enabled[ZT_RF_R058]) {
        double fence = isnan(s->r058_threshold) ? fma(q3 - q1, 1.5, q3) : s->r058_threshold;
        /* the difference is never negative: with a fence of 0, most processes would be flagged */
        if (fence > 0)
            for (size_t i = 0; i < n; i++)
                if (r->slb_ratio[i] >= fence) {
                    flag(r, G_OCID, r->slb.keys[i], ZT_RF_R058, r->slb_ratio[i]);
                    flag(r, G_TENDERER, r->slb_ids[2 * i], ZT_RF_R058, 0.0);
                }
    }
    free(x);
    if (s->enabled[ZT_RF_R025]) {
        n = r->r025.n;
        x = xrealloc(NULL, (n ? n : 1) * sizeof *x);
        for (size_t i = 0; i < n; i++) x[i] = (double)r->f025[i].den;
        qsort(x, n, sizeof *x, cmp_double);
        double upper = zt_rf_quantile(x, n, (double)s->r025_percentile / 100.0);
        for (size_t i = 0; i < n; i++) x[i] = (double)r->f025[i].num / (double)r->f025[i].den;
        quartiles(x, n, &q1, &q3);
        double lower = isnan(s->r025_threshold) ? fma(q3 - q1, -1.5, q1) : s->r025_threshold;
        for (size_t i = 0; i < n; i++) {
            double ratio = (double)r->f025[i].num / (double)r->f025[i].den;
            if ((double)r->f025[i].den > upper && ratio < lower)
                flag(r, G_TENDERER, r->r025.keys[i], ZT_RF_R025, ratio);
        }
        free(x);
    }
    if (s->enabled[ZT_RF_R038]) {
        static const int group[3] = {G_BUYER, G_PE, G_TENDERER};
        for (int g = 0; g < 3; g++) {
            size_t min = (size_t)(g == 2 ? s->r038_min_bids : s->r038_min_processes), m = 0;
            n = r->r038[g].n;
            x = xrealloc(NULL, (n ? n : 1) * sizeof *x);
            for (size_t i = 0; i < n; i++)
                if (r->f038[g][i].den >= min) x[m++] = (double)r->f038[g][i].num / (double)r->f038[g][i].den;
            if (m) {
                quartiles(x, m, &q1, &q3);
                double fence = isnan(s->r038_threshold) ? fma(q3 - q1, 1.5, q3) : s->r038_threshold;
                /* as for R058: with a fence of 0, every organization would be flagged */
                for (size_t i = 0; fence > 0 && i < n; i++) {
                    double ratio = (double)r->f038[g][i].num / (double)r->f038[g][i].den;
                    if (r->f038[g][i].den >= min && ratio >= fence)
                        flag(r, group[g], r->r038[g].keys[i], ZT_RF_R038, ratio);
                }
            }
            free(x);
        }
    }
    if (s->enabled[ZT_RF_R048]) {
        size_t m = 0, min = (size_t)s->r048_min_processes;
        n = r->r048.n;
        x = xrealloc(NULL, (n ? n : 1) * sizeof *x);
        for (size_t i = 0; i < n; i++)
            if (r->r048_processes[i] >= min) x[m++] = (double)r->r048_codes[i];
        quartiles(x, m, &q1, &q3);
        double fence = s->r048_threshold >= 0 ? (double)s->r048_threshold : ceil(fma(q3 - q1, 1.5, q3));
        for (size_t i = 0; i < n; i++)
            if (r->r048_processes[i] >= min && (double)r->r048_codes[i] >= fence)
                flag(r, G_TENDERER, r->r048.keys[i], ZT_RF_R048, (double)r->r048_codes[i]);
        free(x);
    }
}

static void write_result(const rf_run *r, FILE *out) {
    fputc('{', out);
    int first = 1;
    for (int g = 0; g < G_N; g++) {
        if (!r->groups[g].n) continue;
        fprintf(out, "%s\"%s\":{", first ? "" : ",", GROUPS[g]);
        first = 0;
        for (size_t i = 0; i < r->groups[g].n; i++) {
            json_t *k = json_string(r->groups[g].keys[i]);
            char *ks = k ? json_dumps(k, JSON_ENCODE_ANY) : NULL;
            fprintf(out, "%s%s:{", i ? "," : "", ks ? ks : "\"\"");
            free(ks);
            json_decref(k);
            int f = 1;
            for (int ind = 0; ind < ZT_RF_N; ind++) {
                if (!(r->res[g][i].mask & (1u << ind))) continue;
                char num[64];
                zt_rf_format_double(r->res[g][i].v[ind], num, sizeof num);
                fprintf(out, "%s\"%s\":%s", f ? "" : ",", CODES[ind], num);
                f = 0;
            }
            fputc('}', out);
        }
        fputc('}', out);
    }
    fputs("}\n", out);
}

static void run_free(rf_run *r) {
    for (int g = 0; g < G_N; g++) map_free(&r->groups[g]), free(r->res[g]);
    for (size_t i = 0; i < 2 * r->slb.n; i++) free(r->slb_ids[i]);
    map_free(&r->slb);
    free(r->slb_ratio);
    free(r->slb_ids);
    map_free(&r->r025);
    free(r->f025);
    for (int g = 0; g < 3; g++) map_free(&r->r038[g]), free(r->f038[g]);
    map_free(&r->r048);
    map_free(&r->r048_pairs);
    free(r->r048_processes);
    free(r->r048_codes);
    free(r->r048_seen);
    free(r->cur);
}

int zt_rf_run(FILE *in, const zt_rf_settings *s, FILE *out, char *err, size_t errlen) {
    rf_run r = {.s = s};
    char *line = NULL;
    size_t cap = 0, lineno = 0;
    ssize_t len;
    int rc = 0;
    while ((len = getline(&line, &cap, in)) >= 0) {
        lineno++;
        size_t i = 0;
        while (i < (size_t)len && isspace((unsigned char)line[i])) i++;
        if (i == (size_t)len) continue; /* blank lines are skipped */
        json_error_t je;
        json_t *rel = json_loadb(line, (size_t)len, JSON_DECODE_ANY | JSON_DECODE_INT_AS_REAL, &je);
        if (!rel) {
            seterr(err, errlen, "line %zu: invalid JSON at column %d: %s", lineno, je.column, je.text);
            rc = -1;
            break;
        }
        if (!json_is_object(rel)) {
            json_decref(rel);
            seterr(err, errlen, "line %zu: not a JSON object (a compiled release is one)", lineno);
            rc = -1;
            break;
        }
        r.release++;
        fold(&r, rel);
        json_decref(rel);
    }
    free(line);
    if (!rc && ferror(in)) {
        seterr(err, errlen, "line %zu: read error", lineno + 1);
        rc = -1;
    }
    if (!rc) {
        finalize(&r);
        write_result(&r, out);
    }
    run_free(&r);
    return rc;
}
