/* redflags.h - Open Contracting red-flag indicators (红旗指标) over OCDS
 * compiled releases, one JSON object a line: the indicators, settings file
 * and output of the Open Contracting Partnership's Cardinal (cardinal-rs),
 * re-implemented in C (docs/redflags.md). One streaming pass: per-process
 * facts are kept (O(bids) memory), the statistical fences are computed at
 * the end. */
#ifndef ZT_TRADING_REDFLAGS_H
#define ZT_TRADING_REDFLAGS_H

#include <stddef.h>
#include <stdio.h>

enum {
    ZT_RF_R003,
    ZT_RF_R018,
    ZT_RF_R024,
    ZT_RF_R025,
    ZT_RF_R028,
    ZT_RF_R030,
    ZT_RF_R035,
    ZT_RF_R036,
    ZT_RF_R038,
    ZT_RF_R048,
    ZT_RF_R058,
    ZT_RF_N
};

typedef struct zt_rf_settings zt_rf_settings;

/* A settings file (Cardinal's INI). NULL text = every indicator enabled with
 * its defaults. On error returns NULL and writes "line N: ..." to err. */
zt_rf_settings *zt_rf_settings_parse(const char *text, size_t len, char *err, size_t errlen);
void zt_rf_settings_free(zt_rf_settings *s);

/* Reads the JSONL stream, writes the result object and a newline to out.
 * Returns 0, or -1 with "line N: ..." in err (malformed input). */
int zt_rf_run(FILE *in, const zt_rf_settings *s, FILE *out, char *err, size_t errlen);

/* Cardinal's number format (Rust f64 Display through ryu): shortest
 * round-trip digits, "1.0", "0.16666666666666666", "0.00001", "1e-6", "1e16". */
void zt_rf_format_double(double v, char *buf, size_t len);

/* statrs' quantile (OrderStatistics::quantile, R-8 median-unbiased) of a
 * sorted array; NAN when n == 0. */
double zt_rf_quantile(const double *sorted, size_t n, double tau);

/* the command line: argv[0] = "trading", argv[1] = "red-flags" (redflags_cli.c) */
int zt_rf_cli(int argc, char **argv);

#endif
