/* redflags_cli.c - `zhengtong trading red-flags FILE.jsonl [--settings FILE]`:
 * Cardinal's red-flag indicators over compiled releases (docs/redflags.md).
 * Exit 0 with the result on stdout; 2 with the reason on stderr. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trading/redflags.h"

#define RF_USAGE                                                                                                       \
    "usage: zhengtong trading red-flags FILE.jsonl [--settings FILE.ini]\n"                                            \
    "  Open Contracting red-flag indicators (R003 R018 R024 R025 R028 R030 R035 R036 R038 R048 R058)\n"                \
    "  over OCDS compiled releases, one JSON object a line (FILE '-' = standard input); the settings\n"                \
    "  file is Cardinal's INI (a [Rnnn] section enables an indicator; without --settings, all run\n"                   \
    "  with their defaults). Prints {\"OCID\":{id:{\"R003\":1.0}},\"Tenderer\":...}; see docs/redflags.md.\n"

static char *slurp(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    char *buf = NULL;
    size_t cap = 0, n = 0, got;
    do {
        if (n + 4096 > cap) {
            cap = cap ? cap * 2 : 8192;
            if (cap > (1u << 24)) break; /* a settings file is small */
            char *b = realloc(buf, cap);
            if (!b) break;
            buf = b;
        }
        got = fread(buf + n, 1, cap - n, f);
        n += got;
    } while (got);
    int bad = ferror(f) || !feof(f);
    fclose(f);
    if (bad) {
        free(buf);
        return NULL;
    }
    *len = n;
    return buf ? buf : calloc(1, 1);
}

int zt_rf_cli(int argc, char **argv) {
    /* argv[0] = "trading" */
    const char *sub = argc > 1 ? argv[1] : NULL, *file = NULL, *settings = NULL;
    if (!sub || strcmp(sub, "red-flags") != 0) {
        fputs(RF_USAGE, sub && (!strcmp(sub, "--help") || !strcmp(sub, "-h")) ? stdout : stderr);
        return sub && (!strcmp(sub, "--help") || !strcmp(sub, "-h")) ? 0 : 2;
    }
    for (int i = 2; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            fputs(RF_USAGE, stdout);
            return 0;
        } else if (!strcmp(argv[i], "--settings") && i + 1 < argc) {
            settings = argv[++i];
        } else if (!file && (argv[i][0] != '-' || !strcmp(argv[i], "-"))) {
            file = argv[i];
        } else {
            fprintf(stderr, "zhengtong: unexpected argument '%s'\n%s", argv[i], RF_USAGE);
            return 2;
        }
    }
    if (!file) {
        fputs(RF_USAGE, stderr);
        return 2;
    }
    char err[256] = "";
    zt_rf_settings *s;
    if (settings) {
        size_t len;
        char *text = slurp(settings, &len);
        if (!text) {
            fprintf(stderr, "zhengtong: cannot read settings file %s\n", settings);
            return 2;
        }
        s = zt_rf_settings_parse(text, len, err, sizeof err);
        free(text);
        if (!s) {
            fprintf(stderr, "zhengtong: %s:%s\n", settings, err + (strncmp(err, "line ", 5) == 0 ? 5 : 0));
            return 2;
        }
    } else {
        s = zt_rf_settings_parse(NULL, 0, err, sizeof err);
        if (!s) return 2;
    }
    FILE *in = strcmp(file, "-") == 0 ? stdin : fopen(file, "r");
    if (!in) {
        fprintf(stderr, "zhengtong: cannot open %s\n", file);
        zt_rf_settings_free(s);
        return 2;
    }
    int rc = zt_rf_run(in, s, stdout, err, sizeof err);
    if (in != stdin) fclose(in);
    zt_rf_settings_free(s);
    if (rc) {
        fprintf(stderr, "zhengtong: %s: %s\n", file, err);
        return 2;
    }
    return fflush(stdout) ? 1 : 0;
}
