/* fuzz_redflags.c - the red-flag indicators' two readers of untrusted text
 * (src/trading/redflags.c): Cardinal's settings INI and the JSONL stream of
 * compiled releases. The input is "INI\n%%\nJSONL"; without the separator
 * it is the JSONL, read with every indicator enabled.
 *
 * Checked: the settings parse or fail with "line N: " where N is a line of
 * the text, in valid UTF-8 up to the quoted excerpt; a run either writes
 * one JSON object (jansson reads it back; groups are objects of objects of
 * numbers or null) or fails with "line N: " where N is a line of the JSONL,
 * writing nothing. */
#include <jansson.h>

#include "fuzz.h"
#include "trading/redflags.h"

static size_t count_lines(const uint8_t *d, size_t n) {
    size_t l = 1;
    for (size_t i = 0; i < n; i++) l += d[i] == '\n';
    return l;
}

static void check_line_error(const char *err, size_t lines) {
    FUZZ_CHECK(strncmp(err, "line ", 5) == 0);
    char *end;
    unsigned long n = strtoul(err + 5, &end, 10);
    FUZZ_CHECK(n >= 1 && n <= lines && *end == ':');
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const uint8_t *jsonl = data;
    size_t jlen = size;
    zt_rf_settings *s = NULL;
    char err[256] = "";
    const uint8_t *sep = NULL;
    for (size_t i = 0; i + 4 <= size; i++)
        if (memcmp(data + i, "\n%%\n", 4) == 0) {
            sep = data + i;
            break;
        }
    if (sep) {
        size_t ilen = (size_t)(sep - data);
        s = zt_rf_settings_parse((const char *)data, ilen, err, sizeof err);
        if (!s) {
            check_line_error(err, count_lines(data, ilen));
            return 0;
        }
        jsonl = sep + 4;
        jlen = size - ilen - 4;
    } else {
        s = zt_rf_settings_parse(NULL, 0, err, sizeof err);
        FUZZ_CHECK(s);
    }
    FILE *in = fmemopen((void *)(jlen ? jsonl : (const uint8_t *)""), jlen ? jlen : 1, "r");
    FUZZ_CHECK(in);
    if (!jlen) getc(in); /* an empty stream */
    char *out = NULL;
    size_t olen = 0;
    FILE *o = open_memstream(&out, &olen);
    FUZZ_CHECK(o);
    int rc = zt_rf_run(in, s, o, err, sizeof err);
    fclose(in);
    fclose(o);
    if (rc) {
        check_line_error(err, count_lines(jsonl, jlen));
        FUZZ_CHECK(olen == 0);
    } else {
        json_error_t je;
        json_t *res = json_loadb(out, olen, 0, &je);
        FUZZ_CHECK(res && json_is_object(res));
        const char *g;
        json_t *ids;
        json_object_foreach(res, g, ids) {
            FUZZ_CHECK(json_is_object(ids));
            const char *id;
            json_t *inds;
            json_object_foreach(ids, id, inds) {
                FUZZ_CHECK(json_is_object(inds) && json_object_size(inds) >= 1);
                const char *code;
                json_t *v;
                json_object_foreach(inds, code, v) FUZZ_CHECK(code[0] == 'R' && (json_is_number(v) || json_is_null(v)));
            }
        }
        json_decref(res);
    }
    free(out);
    zt_rf_settings_free(s);
    return 0;
}
