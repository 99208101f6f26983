/* service.c - keys on disk, the checkpointer thread. */
#include "ledger/service.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "base/clock.h"
#include "base/log.h"
#include "base/periodic.h"
#include "base/tsv.h"
#include "ledger/ledger.h"
#include "ledger/note.h"

static char *pub_path(const char *key_file) {
    size_t n = strlen(key_file) + 8;
    char *p = zt_malloc(n);
    snprintf(p, n, "%s.pub", key_file);
    return p;
}

/* Write a whole file via a temporary and rename, with the given mode. */
static zt_err write_file(const char *path, const char *text, mode_t mode, int exclusive, zt_error *e) {
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp%ld", path, (long)getpid());
    int fd = open(exclusive ? path : tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | (exclusive ? O_EXCL : 0), mode);
    if (fd < 0) return zt_fail(e, ZT_EUNAVAIL, "file", "cannot create %s: %s", exclusive ? path : tmp, strerror(errno));
    size_t len = strlen(text), off = 0;
    while (off < len) {
        ssize_t w = write(fd, text + off, len - off);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) {
            close(fd);
            return zt_fail(e, ZT_EUNAVAIL, "file", "cannot write %s: %s", path, strerror(errno));
        }
        off += (size_t)w;
    }
    if (fsync(fd) != 0 || close(fd) != 0) return zt_fail(e, ZT_EUNAVAIL, "file", "cannot sync %s", path);
    if (!exclusive && rename(tmp, path) != 0)
        return zt_fail(e, ZT_EUNAVAIL, "file", "cannot rename to %s: %s", path, strerror(errno));
    return ZT_OK;
}

/* A key file: the key and a newline. */
static zt_err write_line(const char *path, const char *text, mode_t mode, int exclusive, zt_error *e) {
    size_t n = strlen(text) + 2;
    char *line = zt_malloc(n);
    snprintf(line, n, "%s\n", text);
    zt_err rc = write_file(path, line, mode, exclusive, e);
    sodium_memzero(line, n);
    free(line);
    return rc;
}

zt_err zt_ledger_keys_init(const zt_config *cfg, int *created, zt_error *e) {
    char *key = zt_config_path(cfg, cfg->ledger_key_file, "ledger.key"), *pub = pub_path(key);
    *created = 0;
    zt_err rc = ZT_OK;
    struct stat st;
    if (stat(key, &st) != 0) {
        char *signer = NULL, *verifier = NULL;
        rc = zt_note_keygen(cfg->ledger_origin, &signer, &verifier, e);
        if (!rc) rc = write_line(key, signer, 0600, 1, e);
        if (!rc) rc = write_line(pub, verifier, 0644, 0, e);
        *created = !rc;
        if (signer) {
            sodium_memzero(signer, strlen(signer));
            free(signer);
        }
        free(verifier);
    } else if ((st.st_mode & 077) != 0) {
        rc = zt_fail(e, ZT_EINVAL, "ledger.key_file", "%s must be readable by its owner only (chmod 600)", key);
    }
    free(key);
    free(pub);
    return rc;
}

static char *first_line(const char *path, zt_error *e) {
    size_t len;
    char *text = zt_read_file(path, &len, e);
    if (!text) return NULL;
    text[strcspn(text, "\r\n")] = 0;
    return text;
}

zt_err zt_ledger_read_verifier(const char *path, char **verifier, zt_error *e) {
    *verifier = first_line(path, e);
    return *verifier ? ZT_OK : ZT_EINVAL;
}

zt_err zt_ledger_keys_load(zt_app *app, zt_error *e) {
    char *key = zt_config_path(app->cfg, app->cfg->ledger_key_file, "ledger.key");
    struct stat st;
    zt_err rc = ZT_OK;
    if (stat(key, &st) != 0)
        rc = zt_fail(e, ZT_EINVAL, "ledger.key_file", "no ledger key at %s: run 'zhengtong init'", key);
    else if ((st.st_mode & 077) != 0)
        rc = zt_fail(e, ZT_EINVAL, "ledger.key_file", "%s must be readable by its owner only (chmod 600)", key);
    if (!rc && !(app->ledger_signer = first_line(key, e))) rc = ZT_EINVAL;
    if (!rc) rc = zt_note_verifier_of(app->ledger_signer, &app->ledger_verifier, e);
    free(key);
    return rc;
}

/* --- checkpoints --- */

typedef struct {
    const char *origin, *signer;
    uint64_t size;
    char *note;
} cp_arg;

static zt_err sign_cp(zt_db *db, void *arg, zt_error *e) {
    cp_arg *a = arg;
    return zt_ledger_checkpoint(db, a->origin, a->signer, &a->size, &a->note, e);
}

zt_err zt_ledger_checkpoint_now(zt_app *app, uint64_t *size, zt_error *e) {
    cp_arg a = {.origin = app->cfg->ledger_origin, .signer = app->ledger_signer};
    zt_err rc = zt_store_write(app->store, sign_cp, &a, e);
    if (rc) {
        free(a.note); /* signed, then the commit failed (disk full, read-only) */
        return rc;
    }
    /* a copy outside the database: the DR issue ships this folder off-site */
    char *dir = zt_config_path(app->cfg, app->cfg->ledger_cp_dir, "checkpoints");
    char path[4096];
    if (mkdir(dir, 0750) != 0 && errno != EEXIST)
        rc = zt_fail(e, ZT_EUNAVAIL, "ledger.checkpoint_dir", "cannot create %s", dir);
    if (!rc) {
        snprintf(path, sizeof path, "%s/checkpoint.%llu", dir, (unsigned long long)a.size);
        rc = write_file(path, a.note, 0644, 0, e);
    }
    if (!rc) {
        snprintf(path, sizeof path, "%s/checkpoint", dir);
        rc = write_file(path, a.note, 0644, 0, e);
    }
    free(dir);
    free(a.note);
    if (size) *size = a.size;
    return rc;
}

/* --- checkpoints outside the database, for the verifier --- */

static int outside_add(zt_ledger_outside *out, size_t *n, const char *path, zt_error *e) {
    size_t len;
    char *note = zt_read_file(path, &len, e);
    if (!note) return -1;
    out[*n].from = zt_strdup(path);
    out[*n].note = note;
    (*n)++;
    return 0;
}

zt_err zt_ledger_outside_load(const zt_config *cfg, const char *file, zt_ledger_outside out[3], size_t *n,
                              char **dir_out, zt_error *e) {
    *n = 0;
    zt_error fe = {0};
    if (file && outside_add(out, n, file, &fe) != 0)
        return zt_fail(e, ZT_EINVAL, "checkpoint", "cannot read the checkpoint %s: %s", file, fe.message);
    char *dir = zt_config_path(cfg, cfg->ledger_cp_dir, "checkpoints"), path[4096];
    /* the latest (`checkpoint`) and the highest checkpoint.<size>: they are
     * the same note unless one write of a pair was lost */
    DIR *d = opendir(dir);
    unsigned long long best = 0;
    int have = 0;
    for (struct dirent *de; d && (de = readdir(d));) {
        const char *digits = strncmp(de->d_name, "checkpoint.", 11) == 0 ? de->d_name + 11 : NULL;
        if (!digits || !*digits || strspn(digits, "0123456789") != strlen(digits) || strlen(digits) > 19) continue;
        unsigned long long size = strtoull(digits, NULL, 10);
        if (!have || size > best) best = size, have = 1;
    }
    if (d) closedir(d);
    zt_error ignored = {0};
    snprintf(path, sizeof path, "%s/checkpoint", dir);
    if (access(path, F_OK) == 0 && outside_add(out, n, path, &ignored) != 0)
        zt_warn("cannot read %s: %s", path, ignored.message);
    snprintf(path, sizeof path, "%s/checkpoint.%llu", dir, best);
    if (have && outside_add(out, n, path, &ignored) != 0) zt_warn("cannot read %s: %s", path, ignored.message);
    if (dir_out)
        *dir_out = dir;
    else
        free(dir);
    return ZT_OK;
}

void zt_ledger_outside_free(zt_ledger_outside *o, size_t n) {
    for (size_t i = 0; i < n; i++) {
        free((char *)o[i].from);
        free((char *)o[i].note);
    }
}

struct zt_checkpointer {
    zt_app *app;
    zt_periodic *job;
    uint64_t last; /* the size of the newest checkpoint */
    int64_t last_at;
};

/* Each second: a checkpoint when enough entries or time have passed since
 * the last one; and one more of whatever is new as the server stops. */
static void checkpoint_job(void *arg, int stopping) {
    zt_checkpointer *c = arg;
    zt_app *app = c->app;
    zt_db *db = zt_store_reader(app->store);
    zt_error e;
    uint64_t size = 0;
    zt_err rc = zt_ledger_size(db, &size, &e);
    zt_db_release(db);
    if (rc) return;
    int64_t now = zt_mono_us();
    if (size > c->last && (stopping || size - c->last >= (uint64_t)app->cfg->ledger_cp_entries ||
                           now - c->last_at >= app->cfg->ledger_cp_seconds * 1000000)) {
        if (zt_ledger_checkpoint_now(app, &c->last, &e) == ZT_OK)
            c->last_at = now;
        else
            zt_warn("ledger checkpoint failed: %s", e.message);
    }
}

zt_checkpointer *zt_checkpointer_start(zt_app *app) {
    zt_checkpointer *c = zt_calloc(1, sizeof *c);
    c->app = app;
    c->last_at = zt_mono_us();
    /* start from the newest stored checkpoint */
    zt_db *db = zt_store_reader(app->store);
    zt_error e;
    zt_stmt *st = zt_db_prepare(db, "SELECT coalesce(max(size), 0) FROM ledger_checkpoints", &e);
    if (st && zt_step(st, &e) == ZT_ROW) c->last = (uint64_t)zt_col_int(st, 0);
    zt_db_release(db);
    c->job = zt_periodic_start(1000, 1, checkpoint_job, c);
    if (!c->job) {
        free(c);
        return NULL;
    }
    return c;
}

void zt_checkpointer_stop(zt_checkpointer *c) {
    if (!c) return;
    zt_periodic_stop(c->job);
    free(c);
}
