#include "base/tsv.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"

char *zt_read_file(const char *path, size_t *len, zt_error *e) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        zt_fail(e, ZT_EINVAL, "file", "cannot open %s: %s", path, strerror(errno));
        return NULL;
    }
    size_t cap = 65536, n = 0;
    char *buf = zt_malloc(cap);
    size_t got;
    while ((got = fread(buf + n, 1, cap - n - 1, f)) > 0) {
        n += got;
        if (cap - n - 1 == 0) buf = zt_realloc(buf, cap *= 2);
    }
    int err = ferror(f);
    fclose(f);
    if (err) {
        free(buf);
        zt_fail(e, ZT_EINVAL, "file", "cannot read %s", path);
        return NULL;
    }
    buf[n] = 0;
    if (len) *len = n;
    return buf;
}

zt_err zt_tsv_each(const char *path, int min_fields, zt_tsv_fn fn, void *ctx, zt_error *e) {
    size_t len;
    char *buf = zt_read_file(path, &len, e);
    if (!buf) return ZT_EINVAL;
    zt_err rc = ZT_OK;
    int lineno = 0;
    char *line = buf;
    while (line < buf + len && !rc) {
        char *nl = memchr(line, '\n', (size_t)(buf + len - line));
        char *end = nl ? nl : buf + len;
        *end = 0;
        if (end > line && end[-1] == '\r') end[-1] = 0;
        lineno++;
        if (*line && *line != '#') {
            char *f[ZT_TSV_MAX_FIELDS];
            int n = 0;
            char *p = line;
            for (;;) {
                f[n++] = p;
                char *tab = strchr(p, '\t');
                if (!tab || n == ZT_TSV_MAX_FIELDS) break;
                *tab = 0;
                p = tab + 1;
            }
            if (n < min_fields)
                rc = zt_fail(e, ZT_EINVAL, "file", "%s:%d: expected %d fields, found %d", path, lineno, min_fields, n);
            else if ((rc = fn(f, n, lineno, ctx, e)) != ZT_OK) {
                zt_error_prefix(e, "%s:%d: ", path, lineno);
            }
        }
        line = end + 1;
    }
    free(buf);
    return rc;
}
