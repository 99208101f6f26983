/* registry.c - the process definitions of the running platform.
 *
 * At start every *.json of the flows directory is validated (src/flow) and
 * stored in flow_defs under its (id, version); a file whose version is
 * already stored with other content is refused, because a running case must
 * keep the definition it started under: a change has to be a new version.
 * Then every stored version is loaded into memory, so that old versions stay
 * available to the cases that run under them.
 *
 * The registry is filled once before the server starts and is read-only
 * afterwards: handlers on any thread may call zt_flows_get. */
#include <dirent.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/tsv.h"
#include "flow/registry.h"

#define MAX_FLOWS 256

static zt_flow *flows[MAX_FLOWS];
static size_t nflows;

void zt_flows_unload(void) {
    for (size_t i = 0; i < nflows; i++) zt_flow_free(flows[i]);
    nflows = 0;
}

const zt_flow *zt_flows_get(const char *id, int version) {
    const zt_flow *best = NULL;
    for (size_t i = 0; i < nflows; i++) {
        if (strcmp(zt_flow_id(flows[i]), id) != 0) continue;
        if (version ? zt_flow_version(flows[i]) == version : !best || zt_flow_version(flows[i]) > zt_flow_version(best))
            best = flows[i];
        if (version && best) break;
    }
    return best;
}

/* The stored text of a definition: its canonical JSON (sorted keys), so
 * that reformatting a file is not a change. */
static char *canonical(const zt_flow *f) {
    json_t *j = zt_flow_json(f);
    char *text = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(j);
    return text;
}

static void sha256_hex(const char *text, char out[65]) {
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, (const unsigned char *)text, strlen(text));
    sodium_bin2hex(out, 65, h, sizeof h);
}

typedef struct {
    zt_flow **files;
    char **paths;
    size_t n;
    int stored;
} store_arg;

static zt_err store_defs(zt_db *db, void *arg, zt_error *e) {
    store_arg *a = arg;
    for (size_t i = 0; i < a->n; i++) {
        const zt_flow *f = a->files[i];
        char *text = canonical(f);
        char hex[65];
        sha256_hex(text, hex);
        zt_stmt *st = zt_db_prepare(db, "SELECT sha256 FROM flow_defs WHERE id = ? AND version = ?", e);
        if (!st) {
            free(text);
            return ZT_EINTERNAL;
        }
        zt_bind_text(st, 1, zt_flow_id(f));
        zt_bind_int(st, 2, zt_flow_version(f));
        zt_err rc = zt_step(st, e);
        if (rc == ZT_ROW) {
            int same = strcmp(zt_col_text(st, 0), hex) == 0;
            free(text);
            if (!same)
                return zt_fail(e, ZT_EINVAL, "version",
                               "%s: 流程定义「%s」第 %d 版已存储且内容不同；修改流程须提高版本号（version）",
                               a->paths[i], zt_flow_id(f), zt_flow_version(f));
            continue;
        }
        if (zt_step_failed(rc)) {
            free(text);
            return rc;
        }
        st = zt_db_prepare(db,
                           "INSERT INTO flow_defs (id, version, kind, name, body, sha256, loaded_at)"
                           " VALUES (?, ?, ?, ?, ?, ?, ?)",
                           e);
        if (!st) {
            free(text);
            return ZT_EINTERNAL;
        }
        zt_bind_text(st, 1, zt_flow_id(f));
        zt_bind_int(st, 2, zt_flow_version(f));
        zt_bind_text(st, 3, zt_flow_kind(f));
        zt_bind_text(st, 4, zt_flow_name(f));
        zt_bind_text(st, 5, text);
        zt_bind_text(st, 6, hex);
        zt_bind_int(st, 7, zt_now());
        zt_err src = zt_step_done(st, e);
        free(text);
        if (src) return src;
        a->stored++;
    }
    return ZT_OK;
}

static int by_name(const struct dirent **a, const struct dirent **b) { return strcmp((*a)->d_name, (*b)->d_name); }

static int is_json(const struct dirent *d) {
    size_t n = strlen(d->d_name);
    return d->d_name[0] != '.' && n > 5 && strcmp(d->d_name + n - 5, ".json") == 0;
}

zt_err zt_flows_load(zt_app *app, zt_error *e) {
    zt_flows_unload();
    const zt_config *cfg = app->cfg;
    char dir[4096];
    if (cfg->flows_dir && *cfg->flows_dir)
        snprintf(dir, sizeof dir, "%s", cfg->flows_dir);
    else
        snprintf(dir, sizeof dir, "%s/flows", cfg->source_dir);
    struct dirent **names;
    int n = scandir(dir, &names, is_json, by_name);
    if (n < 0) return zt_fail(e, ZT_ENOTFOUND, "services.flows_dir", "无法读取流程定义目录 %s", dir);
    store_arg a = {zt_calloc((size_t)n + 1, sizeof *a.files), zt_calloc((size_t)n + 1, sizeof *a.paths), 0, 0};
    zt_err rc = ZT_OK;
    for (int i = 0; i < n; i++) {
        size_t len = strlen(dir) + strlen(names[i]->d_name) + 2;
        char *path = zt_malloc(len);
        snprintf(path, len, "%s/%s", dir, names[i]->d_name);
        if (!rc) {
            rc = zt_flow_load_file(path, &a.files[a.n], e);
            if (!rc) {
                for (size_t j = 0; j < a.n && !rc; j++)
                    if (!strcmp(zt_flow_id(a.files[j]), zt_flow_id(a.files[a.n])) &&
                        zt_flow_version(a.files[j]) == zt_flow_version(a.files[a.n]))
                        rc = zt_fail(e, ZT_EINVAL, "version", "%s: 流程定义「%s」第 %d 版与 %s 重复", path,
                                     zt_flow_id(a.files[j]), zt_flow_version(a.files[j]), a.paths[j]);
                a.paths[a.n++] = path;
                path = NULL;
            }
        }
        free(path);
        free(names[i]);
    }
    free(names);
    if (!rc) rc = zt_store_write(app->store, store_defs, &a, e);
    for (size_t i = 0; i < a.n; i++) {
        zt_flow_free(a.files[i]);
        free(a.paths[i]);
    }
    free(a.files);
    free(a.paths);
    if (rc) return rc;

    /* every stored version, the running cases' included */
    zt_db *db = zt_store_reader(app->store);
    zt_stmt *st = zt_db_prepare(db, "SELECT id, version, body FROM flow_defs ORDER BY id, version", e);
    if (!st) return ZT_EINTERNAL;
    zt_err step;
    while ((step = zt_step(st, e)) == ZT_ROW) {
        if (nflows == MAX_FLOWS) {
            zt_db_release(db);
            return zt_fail(e, ZT_EINVAL, "flow_defs", "流程定义版本过多（上限 %d）", MAX_FLOWS);
        }
        const char *body = zt_col_text(st, 2);
        zt_flow *f;
        if (zt_flow_parse(body, strlen(body), &f, e)) {
            zt_error_prefix(e, "flow_defs %s v%lld: ", zt_col_text(st, 0), (long long)zt_col_int(st, 1));
            zt_db_release(db);
            return ZT_EINVAL;
        }
        flows[nflows++] = f;
    }
    zt_db_release(db);
    if (zt_step_failed(step)) return step;
    if (a.stored) zt_info("flows: %d new definition version(s) stored from %s", a.stored, dir);
    return ZT_OK;
}
