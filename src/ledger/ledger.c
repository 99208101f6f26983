/* ledger.c - the Merkle log in the store: append, roots, proofs,
 * checkpoints, verification. */
#include "ledger/ledger.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/clock.h"
#include "ledger/note.h"

static void utc(int64_t t, char out[32]) {
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* A stored perfect subtree: level 0 = a leaf hash, above = ledger_nodes. */
static int fetch_node(int level, uint64_t index, zt_hash *out, void *ctx) {
    zt_db *db = ctx;
    zt_error e;
    zt_stmt *st = level == 0 ? zt_db_prepare(db, "SELECT leaf_hash FROM ledger_entries WHERE idx = ?", &e)
                             : zt_db_prepare(db, "SELECT hash FROM ledger_nodes WHERE level = ? AND idx = ?", &e);
    if (!st) return -1;
    if (level == 0)
        zt_bind_int(st, 1, (int64_t)index);
    else {
        zt_bind_int(st, 1, level);
        zt_bind_int(st, 2, (int64_t)index);
    }
    if (zt_step(st, &e) != ZT_ROW) return -1;
    size_t n;
    const void *b = zt_col_blob(st, 0, &n);
    if (n != ZT_HASH_LEN) return -1;
    memcpy(out->b, b, ZT_HASH_LEN);
    return 0;
}

zt_err zt_ledger_size(zt_db *db, uint64_t *size, zt_error *e) {
    zt_stmt *st = zt_db_prepare(db, "SELECT coalesce(max(idx) + 1, 0) FROM ledger_entries", e);
    if (!st) return ZT_EINTERNAL;
    zt_err rc = zt_step(st, e);
    if (zt_step_failed(rc)) return rc;
    *size = (uint64_t)zt_col_int(st, 0);
    return ZT_OK;
}

zt_err zt_ledger_append(zt_db *db, const zt_ledger_event *ev, int64_t *index, zt_error *e) {
    uint64_t size = 0;
    zt_err rc = zt_ledger_size(db, &size, e);
    if (rc) return rc;
    char et[32], rt[32];
    int64_t now = zt_now();
    utc(ev->event_time ? ev->event_time : now, et);
    utc(now, rt);
    /* jansson keeps insertion order: the documented key order */
    json_t *o = json_object();
    json_object_set_new(o, "index", json_integer((json_int_t)size));
    json_object_set_new(o, "kind", json_string(ev->kind));
    json_object_set_new(o, "subject", json_string(ev->subject));
    json_object_set_new(o, "actor", json_string(ev->actor ? ev->actor : "system"));
    json_object_set_new(o, "event_time", json_string(et));
    json_object_set_new(o, "recorded_time", json_string(rt));
    json_object_set(o, "payload", ev->payload ? ev->payload : json_object());
    if (!ev->payload) json_decref(json_object_get(o, "payload")); /* the fresh {} is owned by o */
    char *entry = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    if (!entry) return zt_fail(e, ZT_EINTERNAL, NULL, "ledger entry could not be encoded");
    size_t len = strlen(entry);
    zt_hash leaf;
    zt_merkle_leaf(entry, len, &leaf);
    zt_stmt *st = zt_db_prepare(db,
                                "INSERT INTO ledger_entries (idx, entry, leaf_hash, subject, owner_user_id, "
                                "region_code) VALUES (?, ?, ?, ?, ?, ?)",
                                e);
    if (!st) {
        free(entry);
        return ZT_EINTERNAL;
    }
    zt_bind_int(st, 1, (int64_t)size);
    zt_bind_blob(st, 2, entry, len);
    zt_bind_blob(st, 3, leaf.b, ZT_HASH_LEN);
    zt_bind_text(st, 4, ev->subject);
    if (ev->owner_user_id)
        zt_bind_int(st, 5, ev->owner_user_id);
    else
        zt_bind_null(st, 5);
    if (ev->region)
        zt_bind_text(st, 6, ev->region);
    else
        zt_bind_null(st, 6);
    free(entry);
    if ((rc = zt_step_done(st, e))) return rc;
#ifdef ZT_DEBUG
    /* ledger continuity: the entry just appended is at the log's size before
     * the append (idx 0, 1, 2, ... without a gap). A count reads the whole
     * index, so only debug builds pay for it. */
    zt_error ce = {0};
    int64_t count = -1;
    zt_stmt *cs = zt_db_prepare(db, "SELECT count(*) FROM ledger_entries", &ce);
    if (cs && zt_step(cs, &ce) == ZT_ROW) count = zt_col_int(cs, 0);
    ZT_ASSERTF(count >= 1 && (uint64_t)count - 1 == size,
               "entry appended at index %" PRIu64 ", %lld entries after the append%s%s", size, (long long)count,
               ce.message[0] ? "; " : "", ce.message);
#endif
    /* the perfect subtrees this leaf completes: one read and one insert per
     * level, about one level per append on average */
    zt_hash cur = leaf;
    for (int level = 0; (size >> level) & 1; level++) {
        zt_hash left;
        uint64_t j = ((size + 1) >> level) - 1; /* cur's index at this level */
        if (fetch_node(level, j - 1, &left, db) != 0)
            return zt_fail(e, ZT_EINTERNAL, NULL, "ledger node (%d, %" PRIu64 ") is missing", level, j - 1);
        zt_merkle_node(&left, &cur, &cur);
        st = zt_db_prepare(db, "INSERT INTO ledger_nodes (level, idx, hash) VALUES (?, ?, ?)", e);
        if (!st) return ZT_EINTERNAL;
        zt_bind_int(st, 1, level + 1);
        zt_bind_int(st, 2, (int64_t)(((size + 1) >> (level + 1)) - 1));
        zt_bind_blob(st, 3, cur.b, ZT_HASH_LEN);
        if ((rc = zt_step_done(st, e))) return rc;
    }
    if (index) *index = (int64_t)size;
    return ZT_OK;
}

zt_err zt_ledger_root(zt_db *db, uint64_t size, zt_hash *root, zt_error *e) {
    if (zt_merkle_root(size, fetch_node, db, root) != 0)
        return zt_fail(e, ZT_EINTERNAL, NULL, "ledger nodes for size %" PRIu64 " are missing", size);
    return ZT_OK;
}

zt_err zt_ledger_inclusion(zt_db *db, uint64_t index, uint64_t size, zt_hash *proof, size_t *n, zt_error *e) {
    uint64_t have = 0;
    zt_err rc = zt_ledger_size(db, &have, e);
    if (rc) return rc;
    if (size > have) return zt_fail(e, ZT_EINVAL, "size", "账本只有 %" PRIu64 " 条记录", have);
    if (index >= size) return zt_fail(e, ZT_EINVAL, "index", "index 须小于 size");
    if (zt_merkle_inclusion_proof(index, size, fetch_node, db, proof, n) != 0)
        return zt_fail(e, ZT_EINTERNAL, NULL, "ledger nodes are missing");
    return ZT_OK;
}

zt_err zt_ledger_consistency(zt_db *db, uint64_t size1, uint64_t size2, zt_hash *proof, size_t *n, zt_error *e) {
    uint64_t have = 0;
    zt_err rc = zt_ledger_size(db, &have, e);
    if (rc) return rc;
    if (size2 > have) return zt_fail(e, ZT_EINVAL, "to", "账本只有 %" PRIu64 " 条记录", have);
    if (size1 > size2) return zt_fail(e, ZT_EINVAL, "from", "from 不能大于 to");
    if (zt_merkle_consistency_proof(size1, size2, fetch_node, db, proof, n) != 0)
        return zt_fail(e, ZT_EINTERNAL, NULL, "ledger nodes are missing");
    return ZT_OK;
}

#define LIST_COLS "SELECT idx, entry, leaf_hash, subject, owner_user_id, region_code FROM ledger_entries WHERE "

const char *zt_ledger_list_sql(const zt_ledger_filter *f) {
    if (f->subject) return LIST_COLS "subject = ? AND idx >= ? AND idx < ? ORDER BY idx LIMIT ?";
    if (f->owner_user_id) return LIST_COLS "owner_user_id = ? AND idx >= ? AND idx < ? ORDER BY idx LIMIT ?";
    return LIST_COLS "idx >= ? AND idx < ? ORDER BY idx LIMIT ?";
}

zt_err zt_ledger_list(zt_db *db, const zt_ledger_filter *f, void (*fn)(const zt_ledger_row *row, void *ctx), void *ctx,
                      int64_t *next_from, zt_error *e) {
    *next_from = -1;
    zt_stmt *st = zt_db_prepare(db, zt_ledger_list_sql(f), e);
    if (!st) return ZT_EINTERNAL;
    int i = 1;
    if (f->subject)
        zt_bind_text(st, i++, f->subject);
    else if (f->owner_user_id)
        zt_bind_int(st, i++, f->owner_user_id);
    zt_bind_int(st, i++, f->from);
    zt_bind_int(st, i++, f->to);
    zt_bind_int(st, i, ZT_LEDGER_PAGE + 1);
    zt_err s;
    int read = 0;
    while ((s = zt_step(st, e)) == ZT_ROW) {
        zt_ledger_row row = {.index = zt_col_int(st, 0)};
        if (read++ == ZT_LEDGER_PAGE) { /* one more than a page: where the next one starts */
            *next_from = row.index;
            break;
        }
        row.owner_user_id = zt_col_is_null(st, 4) ? 0 : zt_col_int(st, 4);
        /* a subject and an owner: the subject's index, the owner checked here */
        if (f->owner_user_id && row.owner_user_id != f->owner_user_id) continue;
        size_t hn;
        row.entry = zt_col_blob(st, 1, &row.len);
        row.leaf = zt_col_blob(st, 2, &hn);
        if (hn != ZT_HASH_LEN) {
            zt_db_release(db);
            return zt_fail(e, ZT_EINTERNAL, "ledger", "entry %lld has no leaf hash", (long long)row.index);
        }
        row.subject = zt_col_text(st, 3);
        row.region = zt_col_is_null(st, 5) ? NULL : zt_col_text(st, 5);
        fn(&row, ctx);
    }
    zt_db_release(db);
    return zt_step_failed(s) ? s : ZT_OK;
}

zt_err zt_ledger_checkpoint(zt_db *db, const char *origin, const char *signer, uint64_t *size_out, char **note_out,
                            zt_error *e) {
    uint64_t size = 0;
    zt_hash root;
    zt_err rc = zt_ledger_size(db, &size, e);
    if (!rc) rc = zt_ledger_root(db, size, &root, e);
    if (rc) return rc;
    if (size_out) *size_out = size;
    zt_stmt *st = zt_db_prepare(db, "SELECT note FROM ledger_checkpoints WHERE size = ?", e);
    if (!st) return ZT_EINTERNAL;
    zt_bind_int(st, 1, (int64_t)size);
    if (zt_step(st, e) == ZT_ROW) {
        if (note_out) *note_out = strdup(zt_col_text(st, 0));
        return ZT_OK;
    }
    char *body = zt_checkpoint_body(origin, size, &root), *note;
    rc = zt_note_sign(signer, body, &note, e);
    free(body);
    if (rc) return rc;
    st = zt_db_prepare(db, "INSERT INTO ledger_checkpoints (size, root, note, created_at) VALUES (?, ?, ?, ?)", e);
    if (!st) {
        free(note);
        return ZT_EINTERNAL;
    }
    zt_bind_int(st, 1, (int64_t)size);
    zt_bind_blob(st, 2, root.b, ZT_HASH_LEN);
    zt_bind_text(st, 3, note);
    zt_bind_int(st, 4, zt_now());
    rc = zt_step_done(st, e);
    if (!rc && note_out)
        *note_out = note;
    else
        free(note);
    return rc;
}

/* --- verification --- */

typedef struct {
    zt_db *db;
    zt_error *e;
    int bad;
    int64_t bad_index;
    zt_stmt *level[64]; /* one open scan of ledger_nodes per level, in idx order */
} verify_ctx;

/* A subtree completed while replaying must equal the stored node. Subtrees
 * of a level complete in index order, so each level is one sequential scan
 * (a statement of its own: the SQL text differs by level). */
static void check_node(int level, uint64_t index, const zt_hash *h, void *arg) {
    verify_ctx *v = arg;
    if (v->bad) return;
    zt_error se;
    if (!v->level[level]) {
        char sql[96];
        snprintf(sql, sizeof sql, "SELECT idx, hash FROM ledger_nodes WHERE level = %d ORDER BY idx", level);
        v->level[level] = zt_db_prepare(v->db, sql, &se);
    }
    size_t n = 0;
    const void *b = NULL;
    int ok = v->level[level] && zt_step(v->level[level], &se) == ZT_ROW &&
             (uint64_t)zt_col_int(v->level[level], 0) == index && (b = zt_col_blob(v->level[level], 1, &n)) &&
             n == ZT_HASH_LEN && memcmp(b, h->b, ZT_HASH_LEN) == 0;
    if (!ok) {
        v->bad = 1;
        v->bad_index = (int64_t)(index << level);
        zt_fail(v->e, ZT_ECONFLICT, "ledger",
                "altered: stored node (level %d, %" PRIu64 ") over entries %" PRIu64 "..%" PRIu64
                " is missing or does not match the entries",
                level, index, index << level, ((index + 1) << level) - 1);
    }
}

typedef struct {
    uint64_t size;
    zt_hash root;
    char *note;
    const char *from; /* an outside checkpoint's name; NULL: a row of ledger_checkpoints */
} cp;

/* What a message calls a checkpoint. */
static const char *cp_name(const cp *c, char *buf, size_t n) {
    if (!c->from) return "the database's checkpoint";
    snprintf(buf, n, "%s (kept outside the database)", c->from);
    return buf;
}

static int by_size(const void *a, const void *b) {
    uint64_t x = ((const cp *)a)->size, y = ((const cp *)b)->size;
    return x < y ? -1 : x > y;
}

zt_err zt_ledger_verify(zt_db *db, const char *verifier, const zt_ledger_outside *outside, size_t noutside,
                        uint64_t *entries, int64_t *bad_index, zt_error *e) {
    *entries = 0;
    *bad_index = -1;
    char name[600];
    /* the checkpoints first: each is checked when the replay reaches its size */
    size_t ncp = 0, capcp = 16 + noutside, next = 0;
    cp *cps = malloc(capcp * sizeof *cps);
    zt_stmt *st = zt_db_prepare(db, "SELECT size, root, note FROM ledger_checkpoints ORDER BY size", e);
    if (!st || !cps) {
        free(cps);
        return ZT_EINTERNAL;
    }
    zt_err s;
    while ((s = zt_step(st, e)) == ZT_ROW) {
        if (ncp == capcp) cps = realloc(cps, (capcp *= 2) * sizeof *cps);
        if (!cps) abort();
        size_t n;
        const void *b = zt_col_blob(st, 1, &n);
        cps[ncp].size = (uint64_t)zt_col_int(st, 0);
        memset(cps[ncp].root.b, 0, ZT_HASH_LEN);
        if (n == ZT_HASH_LEN) memcpy(cps[ncp].root.b, b, n);
        cps[ncp].note = strdup(zt_col_text(st, 2));
        cps[ncp].from = NULL;
        ncp++;
    }
    zt_err rc = zt_step_failed(s) ? s : ZT_OK;
    /* every checkpoint's signature, and its note against its row */
    for (size_t i = 0; !rc && i < ncp; i++) {
        char *text = NULL;
        uint64_t size;
        zt_hash root;
        zt_error ve;
        if (zt_note_verify(verifier, cps[i].note, &text, &ve) != ZT_OK) {
            *bad_index = (int64_t)cps[i].size - 1;
            rc = zt_fail(e, ZT_ECONFLICT, "ledger", "bad signature: checkpoint at size %" PRIu64 ": %s", cps[i].size,
                         ve.message);
        } else if (zt_checkpoint_parse(text, NULL, &size, &root, &ve) != ZT_OK || size != cps[i].size ||
                   memcmp(root.b, cps[i].root.b, ZT_HASH_LEN) != 0) {
            *bad_index = (int64_t)cps[i].size - 1;
            rc = zt_fail(e, ZT_ECONFLICT, "ledger",
                         "checkpoint mismatch: the signed note of checkpoint %" PRIu64 " does not match its row",
                         cps[i].size);
        }
        free(text);
    }
    /* the checkpoints kept outside (issue #22 F10): rows deleted from
     * ledger_checkpoints take nothing away from them */
    for (size_t i = 0; !rc && i < noutside; i++) {
        char *text = NULL;
        zt_error ve;
        cp *c = &cps[ncp];
        c->from = outside[i].from;
        c->note = NULL;
        if (zt_note_verify(verifier, outside[i].note, &text, &ve) != ZT_OK)
            rc = zt_fail(e, ZT_ECONFLICT, "ledger", "bad signature: checkpoint %s: %s", outside[i].from, ve.message);
        else if (zt_checkpoint_parse(text, NULL, &c->size, &c->root, &ve) != ZT_OK)
            rc = zt_fail(e, ZT_ECONFLICT, "ledger", "bad signature: checkpoint %s is not a checkpoint: %s",
                         outside[i].from, ve.message);
        else
            ncp++;
        free(text);
    }
    qsort(cps, ncp, sizeof *cps, by_size);
    zt_merkle_range range;
    zt_merkle_range_init(&range);
    verify_ctx v = {.db = db, .e = e, .bad_index = -1};
    /* reading the leaves needs its own statement: node checks use the cache too */
    st = rc ? NULL : zt_db_prepare(db, "SELECT idx, entry, leaf_hash FROM ledger_entries ORDER BY idx", e);
    if (!rc && !st) rc = ZT_EINTERNAL;
    uint64_t expect = 0;
    for (; !rc && next < ncp && cps[next].size == 0; next++) {
        zt_hash empty;
        zt_merkle_empty(&empty);
        if (memcmp(empty.b, cps[next].root.b, ZT_HASH_LEN) != 0)
            rc = zt_fail(e, ZT_ECONFLICT, "ledger", "checkpoint mismatch: the root of %s of the empty log is not empty",
                         cp_name(&cps[next], name, sizeof name));
    }
    while (!rc && (s = zt_step(st, e)) == ZT_ROW) {
        uint64_t idx = (uint64_t)zt_col_int(st, 0);
        size_t len, hl;
        const char *entry = zt_col_blob(st, 1, &len);
        const void *stored = zt_col_blob(st, 2, &hl);
        if (idx != expect) {
            *bad_index = (int64_t)expect;
            rc = zt_fail(e, ZT_ECONFLICT, "ledger", "missing: entry %" PRIu64 " (the next stored is %" PRIu64 ")",
                         expect, idx);
            break;
        }
        char prefix[40];
        int pl = snprintf(prefix, sizeof prefix, "{\"index\":%" PRIu64 ",", idx);
        if (len < (size_t)pl || memcmp(entry, prefix, (size_t)pl) != 0) {
            *bad_index = (int64_t)idx;
            unsigned long long claimed = 0;
            char head[32] = "";
            memcpy(head, entry, len < sizeof head - 1 ? len : sizeof head - 1);
            if (sscanf(head, "{\"index\":%llu,", &claimed) == 1)
                rc = zt_fail(e, ZT_ECONFLICT, "ledger", "reordered: the entry at index %" PRIu64 " is entry %llu", idx,
                             claimed);
            else
                rc = zt_fail(e, ZT_ECONFLICT, "ledger", "altered: entry %" PRIu64 " is not a ledger entry", idx);
            break;
        }
        zt_hash leaf;
        zt_merkle_leaf(entry, len, &leaf);
        if (hl != ZT_HASH_LEN || memcmp(leaf.b, stored, ZT_HASH_LEN) != 0) {
            *bad_index = (int64_t)idx;
            rc = zt_fail(e, ZT_ECONFLICT, "ledger", "altered: entry %" PRIu64 " does not match its leaf hash", idx);
            break;
        }
        zt_merkle_range_append(&range, &leaf, check_node, &v);
        if (v.bad) {
            *bad_index = v.bad_index;
            rc = ZT_ECONFLICT;
            break;
        }
        expect++;
        while (!rc && next < ncp && cps[next].size == expect) {
            zt_hash root;
            zt_merkle_range_root(&range, &root);
            if (memcmp(root.b, cps[next].root.b, ZT_HASH_LEN) != 0) {
                *bad_index = (int64_t)expect - 1;
                rc = zt_fail(e, ZT_ECONFLICT, "ledger",
                             "checkpoint mismatch: the first %" PRIu64 " entries do not give the root signed in %s",
                             cps[next].size, cp_name(&cps[next], name, sizeof name));
            }
            next++;
        }
    }
    if (!rc && zt_step_failed(s)) rc = s;
    /* a checkpoint beyond the last entry: entries were removed from the end */
    if (!rc && next < ncp) {
        *bad_index = (int64_t)expect;
        rc = zt_fail(e, ZT_ECONFLICT, "ledger",
                     "missing: entries %" PRIu64 "..%" PRIu64 " (%s covers %" PRIu64 " entries)", expect,
                     cps[next].size - 1, cp_name(&cps[next], name, sizeof name), cps[next].size);
    }
    *entries = expect;
    zt_db_release(db);
    for (size_t i = 0; i < ncp; i++) free(cps[i].note);
    free(cps);
    return rc;
}
