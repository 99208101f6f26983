/* fuzz_tsv.c - zt_tsv_each, the reader of the committed data files
 * (data/regions.tsv, data/demo/NAME.tsv), through an in-memory file. The
 * input's first byte picks min_fields (1-17) and which line's callback
 * fails.
 *
 * Checked: each data line reaches the callback with min_fields to
 * ZT_TSV_MAX_FIELDS fields, none holding '\n', '\r' at the end or (but the
 * last when the maximum is reached) '\t'; line numbers count every line
 * from 1 and never go back; the fields, joined by tabs, are the line; an
 * error names "PATH:N: " with N a line of the file and stops the walk. */
#include "base/tsv.h"
#include "fuzz.h"

typedef struct walk {
    const uint8_t *data;
    size_t size;
    size_t *starts; /* offset of each line's first byte, by line number - 1 */
    size_t nlines;
    int last, calls, fail_at, min_fields;
} walk;

static zt_err on_line(char **f, int n, int lineno, void *ctx, zt_error *e) {
    walk *w = ctx;
    FUZZ_CHECK(n >= w->min_fields && n >= 1 && n <= ZT_TSV_MAX_FIELDS);
    FUZZ_CHECK(lineno > w->last && lineno >= 1 && (size_t)lineno <= w->nlines);
    w->last = lineno;
    w->calls++;
    /* the fields joined by tabs are the line, up to a NUL byte inside it */
    const char *line = (const char *)w->data + w->starts[lineno - 1];
    size_t avail = w->size - w->starts[lineno - 1], o = 0;
    FUZZ_CHECK(f[0][0] != '#');
    for (int i = 0; i < n; i++) {
        size_t len = strlen(f[i]);
        FUZZ_CHECK(!memchr(f[i], '\n', len));
        FUZZ_CHECK(i == ZT_TSV_MAX_FIELDS - 1 || !memchr(f[i], '\t', len));
        FUZZ_CHECK(o + len <= avail && memcmp(line + o, f[i], len) == 0);
        o += len;
        if (i + 1 < n) {
            FUZZ_CHECK(o < avail && line[o] == '\t');
            o++;
        }
    }
    FUZZ_CHECK(o == avail || line[o] == '\n' || line[o] == '\0' ||
               (line[o] == '\r' && (o + 1 == avail || line[o + 1] == '\n')));
    if (w->calls == w->fail_at) return zt_fail(e, ZT_EINVAL, f[0], "line refused: %s", f[n - 1]);
    return ZT_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size == 0) return 0;
    walk w = {.data = data + 1, .size = size - 1};
    w.min_fields = 1 + data[0] % 17;
    w.fail_at = data[0] / 17; /* 0: never */
    w.starts = malloc(sizeof *w.starts * (w.size + 1));
    FUZZ_CHECK(w.starts != NULL);
    w.starts[w.nlines++] = 0;
    for (size_t i = 0; i < w.size; i++)
        if (data[1 + i] == '\n' && i + 1 < w.size) w.starts[w.nlines++] = i + 1;

    const char *path = fuzz_file(data + 1, size - 1);
    zt_error e = {0};
    zt_err rc = zt_tsv_each(path, w.min_fields, on_line, &w, &e);
    if (rc) {
        FUZZ_CHECK(rc == ZT_EINVAL);
        size_t pl = strlen(path);
        FUZZ_CHECK(strncmp(e.message, path, pl) == 0 && e.message[pl] == ':');
        char *end;
        long line = strtol(e.message + pl + 1, &end, 10);
        FUZZ_CHECK(end[0] == ':' && line >= 1 && (size_t)line <= w.nlines);
        FUZZ_CHECK(line >= w.last); /* the walk stopped at the failing line */
        FUZZ_CHECK(fuzz_utf8_ok(e.message, strlen(e.message)));
    } else {
        FUZZ_CHECK(w.fail_at == 0 || w.calls < w.fail_at);
    }
    free(w.starts);
    return 0;
}
