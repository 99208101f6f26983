/* api.c - the classification catalogue (政府收支分类科目) over HTTP: the
 * functional (支出功能分类) and economic (支出经济分类) codes that budget lines
 * and payments name, read from data/funds/{scheme}.tsv (docs/funds.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "base/json.h"
#include "base/tsv.h"
#include "funds/funds.h"

/* One scheme: its file's name, and its fields past code, name, level, parent. */
static const struct {
    const char *name, *label;
    int fields;
} SCHEMES[] = {
    {"functional", "支出功能分类科目", 4},
    {"economic", "部门预算支出经济分类科目", 5},
};

static zt_err add_row(char **f, int n, int lineno, void *ctx, zt_error *e) {
    json_t *item = json_pack("{s:s,s:s,s:i}", "code", f[0], "name", f[1], "level", (int)strtol(f[2], NULL, 10));
    json_object_set_new(item, "parent", f[3][0] ? json_string(f[3]) : json_null());
    if (n > 4) {
        json_t *flags = json_array();
        char *save = NULL;
        for (char *t = strtok_r(f[4], ",", &save); t; t = strtok_r(NULL, ",", &save))
            json_array_append_new(flags, json_string(t));
        json_object_set_new(item, "flags", flags);
    }
    json_array_append_new(ctx, item);
    return ZT_OK;
}

static zt_err h_classification(zt_req *r, zt_error *e) {
    const char *scheme = zt_req_param(r, "scheme");
    for (size_t i = 0; i < sizeof SCHEMES / sizeof SCHEMES[0]; i++) {
        if (!scheme || strcmp(scheme, SCHEMES[i].name) != 0) continue;
        char path[1024];
        snprintf(path, sizeof path, "%s/funds/%s.tsv", ((zt_app *)zt_req_app(r))->cfg->source_dir, SCHEMES[i].name);
        json_t *items = json_array();
        zt_err rc = zt_tsv_each(path, SCHEMES[i].fields, add_row, items, e);
        if (rc) { /* the committed data file is missing or malformed: the server's fault */
            json_decref(items);
            return zt_fail(e, ZT_EINTERNAL, "scheme", "分类科目数据不可读");
        }
        zt_reply_json(r, 200,
                      json_pack("{s:s,s:s,s:o}", "scheme", SCHEMES[i].name, "label", SCHEMES[i].label, "items", items));
        return ZT_OK;
    }
    return zt_fail(e, ZT_ENOTFOUND, "scheme", "分类体系须为 functional（功能分类）或 economic（经济分类）");
}

static const zt_route routes[] = {
    {"GET", "/api/funds/classification/{scheme}", h_classification, ZT_R_USERS,
     "the national classification codes (政府收支分类科目): scheme functional or economic"},
};

const zt_route *zt_funds_routes(size_t *n) {
    *n = sizeof routes / sizeof routes[0];
    return routes;
}
