/* cli.c - `zhengtong experts draw-verify --seeds FILE --names FILE --count N
 * [--json]`: re-runs an RFC 3797 draw from its published inputs (the seeds,
 * one source a line, and the candidate list, one entry a line in the
 * committed order) and prints the picks in RFC 3797's order, as the RFC's
 * own table: index, MD5, entries remaining, selected 1-based position, name. */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "experts/experts.h"
#include "experts/rfc3797.h"

#define FILE_MAX (4u << 20)

static const char *arg(int argc, char **argv, const char *name) {
    size_t n = strlen(name);
    for (int i = 1; i < argc; i++) {
        if (strncmp(argv[i], name, n) != 0) continue;
        if (argv[i][n] == '=') return argv[i] + n + 1;
        if (argv[i][n] == 0 && i + 1 < argc) return argv[i + 1];
    }
    return NULL;
}

static int flag(int argc, char **argv, const char *name) {
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], name)) return 1;
    return 0;
}

/* The whole file, NUL-terminated; NULL with a message on stderr. */
static char *slurp(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "zhengtong experts: %s: %s\n", path, strerror(errno));
        return NULL;
    }
    char *buf = malloc(FILE_MAX + 1);
    size_t n = buf ? fread(buf, 1, FILE_MAX + 1, f) : 0;
    int bad = !buf || ferror(f) || n > FILE_MAX;
    fclose(f);
    if (bad) {
        fprintf(stderr, "zhengtong experts: %s: unreadable or larger than %u bytes\n", path, FILE_MAX);
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

/* Splits text into lines in place (the last newline ends the last line);
 * returns the count, or -1 when there are more than max. */
static long lines(char *text, size_t len, char **out, long max) {
    long n = 0;
    for (size_t i = 0; i < len;) {
        char *nl = memchr(text + i, '\n', len - i);
        size_t end = nl ? (size_t)(nl - text) : len;
        if (n == max) return -1;
        text[end] = '\0';
        if (end > i && text[end - 1] == '\r') text[end - 1] = '\0';
        out[n++] = text + i;
        i = end + 1;
    }
    return n;
}

static int draw_verify(int argc, char **argv) {
    const char *seeds = arg(argc, argv, "--seeds"), *names = arg(argc, argv, "--names"),
               *count = arg(argc, argv, "--count");
    if (!seeds || !names || !count || flag(argc, argv, "--help")) {
        puts("usage: zhengtong experts draw-verify --seeds FILE --names FILE --count N [--json]\n"
             "  re-run an RFC 3797 draw: FILE of seeds (one source a line, blank-separated integers, '#' lines\n"
             "  ignored), FILE of names (the committed candidate list, one a line, in its order); prints the\n"
             "  first N picks in RFC 3797 order (index, MD5, remaining, selected position, name)");
        return flag(argc, argv, "--help") ? 0 : 2;
    }
    char *end = NULL;
    long n = strtol(count, &end, 10);
    if (!*count || *end || n < 1 || n > ZT_RFC3797_MAX_POOL) {
        fprintf(stderr, "zhengtong experts: --count must be 1 to %d\n", ZT_RFC3797_MAX_POOL);
        return 2;
    }
    size_t slen = 0, nlen = 0;
    char *stext = slurp(seeds, &slen), *ntext = stext ? slurp(names, &nlen) : NULL;
    char **pool = ntext ? malloc(sizeof(char *) * (ZT_RFC3797_MAX_POOL + 1)) : NULL;
    char *key = pool ? malloc(ZT_RFC3797_KEY_MAX) : NULL;
    uint32_t *picks = key ? malloc(sizeof(uint32_t) * (size_t)n) : NULL;
    uint8_t(*md5)[16] = picks ? malloc(16 * (size_t)n) : NULL;
    int rc = md5 ? 0 : 1;
    const char *why = NULL;
    long np = 0;
    if (!rc && zt_rfc3797_key(stext, slen, key, &why)) {
        fprintf(stderr, "zhengtong experts: %s: %s\n", seeds, why);
        rc = 2;
    }
    if (!rc && (np = lines(ntext, nlen, pool, ZT_RFC3797_MAX_POOL)) < 0) {
        fprintf(stderr, "zhengtong experts: %s: more than %d names\n", names, ZT_RFC3797_MAX_POOL);
        rc = 2;
    }
    if (!rc && np < n) {
        fprintf(stderr, "zhengtong experts: --count %ld exceeds the %ld names of %s\n", n, np, names);
        rc = 2;
    }
    if (!rc && zt_rfc3797_pick(key, (uint32_t)np, (uint32_t)n, picks, md5)) {
        fputs("zhengtong experts: MD5 unavailable\n", stderr);
        rc = 1;
    }
    if (!rc && flag(argc, argv, "--json")) {
        json_t *arr = json_array();
        for (long i = 0; i < n; i++) {
            char hex[33];
            for (int b = 0; b < 16; b++) snprintf(hex + 2 * b, 3, "%02X", md5[i][b]);
            json_array_append_new(arr, json_pack("{s:I,s:s,s:I,s:I,s:s}", "index", (json_int_t)i + 1, "md5", hex,
                                                 "remaining", (json_int_t)(np - i), "position",
                                                 (json_int_t)picks[i] + 1, "name", pool[picks[i]]));
        }
        json_t *out = json_pack("{s:s,s:I,s:o}", "key", key, "pool", (json_int_t)np, "picks", arr);
        char *s = json_dumps(out, JSON_INDENT(2));
        puts(s ? s : "{}");
        free(s);
        json_decref(out);
    } else if (!rc) {
        printf("key %s\n", key);
        puts(" index        hex value of MD5        div  selected");
        for (long i = 0; i < n; i++) {
            printf("%5ld  ", i + 1);
            for (int b = 0; b < 16; b++) printf("%02X", md5[i][b]);
            printf("  %2ld  -> %2u <- %s\n", np - i, picks[i] + 1, pool[picks[i]]);
        }
    }
    free(md5);
    free(picks);
    free(key);
    free(pool);
    free(ntext);
    free(stext);
    return rc;
}

int zt_experts_cli(int argc, char **argv) {
    const char *sub = argc > 1 ? argv[1] : NULL;
    if (sub && !strcmp(sub, "draw-verify")) return draw_verify(argc - 1, argv + 1);
    puts("usage: zhengtong experts draw-verify --seeds FILE --names FILE --count N [--json]");
    return sub && !strcmp(sub, "--help") ? 0 : 2;
}
