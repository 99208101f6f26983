/* tsv.h - the committed data files (data/NAME.tsv): UTF-8 lines of
 * TAB-separated fields, '#' comment lines and blank lines skipped. */
#ifndef ZT_TSV_H
#define ZT_TSV_H

#include <stddef.h>

#include "base/err.h"

#define ZT_TSV_MAX_FIELDS 16

/* Call fn for each data line with its fields (NUL-terminated, valid during
 * the call). A line with fewer than min_fields fields is an error naming
 * the file and line; so is fn's error. */
typedef zt_err (*zt_tsv_fn)(char **f, int n, int lineno, void *ctx, zt_error *e);
zt_err zt_tsv_each(const char *path, int min_fields, zt_tsv_fn fn, void *ctx, zt_error *e);
/* Read a whole file (NUL-terminated; caller frees). NULL on error, e filled. */
char *zt_read_file(const char *path, size_t *len, zt_error *e);

#endif
