/* api.c - the ledger and the audit trail over HTTP. The key and the latest
 * checkpoint are public (like a transparency log's: they reveal nothing and
 * let anyone check what they are shown); entries and proofs are for
 * supervisors, auditors and administrators, and for a citizen or enterprise
 * the entries that are about them (owner_user_id) with their proofs. The
 * audit trail (audit_log, written by zt_record) is for administrators,
 * supervisors and auditors. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/idcheck.h"
#include "ledger/ledger.h"
#include "ledger/note.h"
#include "ledger/service.h"
#include "store/query.h"

#define READERS (ZT_R_SUPERVISOR | ZT_R_AUDITOR | ZT_R_ADMIN)

static zt_app *APP(zt_req *r) { return zt_req_app(r); }

static json_t *b64_json(const void *b, size_t n) {
    char *s = zt_b64(b, n);
    json_t *j = json_string(s);
    free(s);
    return j;
}

static zt_err h_key(zt_req *r, zt_error *e) {
    const char *v = APP(r)->ledger_verifier;
    if (!v) return zt_fail(e, ZT_ENOTFOUND, NULL, "账本密钥未加载");
    char *text = zt_arena_printf(zt_req_arena(r), "%s\n", v);
    zt_reply_data(r, 200, "text/plain; charset=utf-8", text, strlen(text));
    return ZT_OK;
}

static zt_err h_checkpoint(zt_req *r, zt_error *e) {
    zt_stmt *st = zt_db_prepare(zt_store_reader(APP(r)->store),
                                "SELECT note FROM ledger_checkpoints ORDER BY size DESC LIMIT 1", e);
    if (!st) return ZT_EINTERNAL;
    if (zt_step(st, e) != ZT_ROW) return zt_fail(e, ZT_ENOTFOUND, NULL, "还没有签名的检查点");
    const char *note = zt_col_text(st, 0);
    zt_reply_data(r, 200, "text/plain; charset=utf-8", note, strlen(note));
    return ZT_OK;
}

/* Citizens and enterprises read only entries about themselves. */
static int owner_only(const zt_principal *p) { return !(p->role_bit & READERS); }

static zt_err check_owner(zt_req *r, uint64_t index, zt_error *e) {
    const zt_principal *p = zt_req_principal(r);
    if (!owner_only(p)) return ZT_OK;
    zt_stmt *st =
        zt_db_prepare(zt_store_reader(APP(r)->store), "SELECT owner_user_id FROM ledger_entries WHERE idx = ?", e);
    if (!st) return ZT_EINTERNAL;
    zt_bind_int(st, 1, (int64_t)index);
    if (zt_step(st, e) != ZT_ROW || zt_col_is_null(st, 0) || zt_col_int(st, 0) != p->user_id)
        return zt_fail(e, ZT_EFORBIDDEN, "index", "只能查看与本人有关的账本记录");
    return ZT_OK;
}

static zt_err h_entries(zt_req *r, zt_error *e) {
    const zt_principal *p = zt_req_principal(r);
    int64_t from, to;
    const char *subject = zt_req_query(r, "subject");
    if (subject && !*subject) subject = NULL;
    /* by subject (an index): any range, at most 1000 entries an answer, with
     * next_from when there are more; otherwise at most 1000 indexes */
    zt_err rc = zt_req_query_int(r, "from", 0, 0, INT64_MAX, &from, e);
    if (!rc) rc = zt_req_query_int(r, "to", subject ? INT64_MAX : from + 100, 0, INT64_MAX, &to, e);
    if (!rc && to < from) rc = zt_fail(e, ZT_EINVAL, "to", "to 不能小于 from");
    if (!rc && !subject && to - from > 1000)
        rc = zt_fail(e, ZT_EINVAL, "to", "一次最多取 1000 条（to - from <= 1000）");
    if (rc) return rc;
    zt_db *db = zt_store_reader(APP(r)->store);
    uint64_t size;
    if ((rc = zt_ledger_size(db, &size, e))) return rc;
    if (to > (int64_t)size) to = from > (int64_t)size ? from : (int64_t)size;
    zt_stmt *st = zt_db_prepare(db,
                                "SELECT idx, entry, leaf_hash, subject FROM ledger_entries WHERE idx >= ? AND idx < ?"
                                " AND (? IS NULL OR subject = ?) AND (? = 0 OR owner_user_id = ?) ORDER BY idx"
                                " LIMIT 1001",
                                e);
    if (!st) return ZT_EINTERNAL;
    int own = owner_only(p);
    zt_bind_int(st, 1, from);
    zt_bind_int(st, 2, to);
    zt_bind_text(st, 3, subject && *subject ? subject : NULL);
    zt_bind_text(st, 4, subject && *subject ? subject : NULL);
    zt_bind_int(st, 5, own);
    zt_bind_int(st, 6, p->user_id);
    json_t *items = json_array();
    zt_err s;
    int64_t next_from = -1;
    while ((s = zt_step(st, e)) == ZT_ROW) {
        if (json_array_size(items) == 1000) { /* one more than an answer holds: say where to go on */
            next_from = zt_col_int(st, 0);
            zt_db_release(db);
            break;
        }
        size_t n, hn;
        const void *entry = zt_col_blob(st, 1, &n);
        const void *leaf = zt_col_blob(st, 2, &hn);
        json_error_t je;
        json_t *ev = json_loadb(entry, n, 0, &je);
        json_array_append_new(items, json_pack("{s:I,s:o,s:o,s:s,s:o}", "index", (json_int_t)zt_col_int(st, 0), "entry",
                                               b64_json(entry, n), "leaf_hash", b64_json(leaf, hn), "subject",
                                               zt_col_text(st, 3), "event", ev ? ev : json_null()));
    }
    if (zt_step_failed(s)) {
        json_decref(items);
        return s;
    }
    json_t *out = json_pack("{s:I,s:I,s:I,s:o}", "size", (json_int_t)size, "from", (json_int_t)from, "to",
                            (json_int_t)(next_from >= 0 ? next_from : to), "items", items);
    if (next_from >= 0) json_object_set_new(out, "next_from", json_integer(next_from));
    zt_reply_json(r, 200, out);
    return ZT_OK;
}

static json_t *proof_json(const zt_hash *proof, size_t n) {
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++) json_array_append_new(a, b64_json(proof[i].b, ZT_HASH_LEN));
    return a;
}

static zt_err h_inclusion(zt_req *r, zt_error *e) {
    int64_t index, size;
    zt_err rc = zt_req_query_need(r, "index", 0, INT64_MAX, &index, e);
    if (!rc) rc = zt_req_query_need(r, "size", 1, INT64_MAX, &size, e);
    if (!rc) rc = check_owner(r, (uint64_t)index, e);
    if (rc) return rc;
    zt_db *db = zt_store_reader(APP(r)->store);
    zt_hash proof[64], root, leaf;
    size_t n;
    if ((rc = zt_ledger_inclusion(db, (uint64_t)index, (uint64_t)size, proof, &n, e))) return rc;
    if ((rc = zt_ledger_root(db, (uint64_t)size, &root, e))) return rc;
    zt_stmt *st = zt_db_prepare(db, "SELECT leaf_hash FROM ledger_entries WHERE idx = ?", e);
    if (!st) return ZT_EINTERNAL;
    zt_bind_int(st, 1, index);
    size_t hn;
    if (zt_step(st, e) != ZT_ROW) return ZT_EINTERNAL;
    memcpy(leaf.b, zt_col_blob(st, 0, &hn), ZT_HASH_LEN);
    zt_reply_json(r, 200,
                  json_pack("{s:I,s:I,s:o,s:o,s:o}", "index", (json_int_t)index, "size", (json_int_t)size, "leaf_hash",
                            b64_json(leaf.b, ZT_HASH_LEN), "root", b64_json(root.b, ZT_HASH_LEN), "proof",
                            proof_json(proof, n)));
    return ZT_OK;
}

static zt_err h_consistency(zt_req *r, zt_error *e) {
    int64_t from, to;
    zt_err rc = zt_req_query_need(r, "from", 0, INT64_MAX, &from, e);
    if (!rc) rc = zt_req_query_need(r, "to", 0, INT64_MAX, &to, e);
    if (rc) return rc;
    zt_db *db = zt_store_reader(APP(r)->store);
    zt_hash proof[128], r1, r2;
    size_t n;
    if ((rc = zt_ledger_consistency(db, (uint64_t)from, (uint64_t)to, proof, &n, e))) return rc;
    if ((rc = zt_ledger_root(db, (uint64_t)from, &r1, e)) || (rc = zt_ledger_root(db, (uint64_t)to, &r2, e))) return rc;
    zt_reply_json(r, 200,
                  json_pack("{s:I,s:I,s:o,s:o,s:o}", "from", (json_int_t)from, "to", (json_int_t)to, "root1",
                            b64_json(r1.b, ZT_HASH_LEN), "root2", b64_json(r2.b, ZT_HASH_LEN), "proof",
                            proof_json(proof, n)));
    return ZT_OK;
}

/* --- the audit trail --- */

/* Personal identifiers inside an audit detail (also under before/after)
 * are masked for everyone but administrators, as in the user lists. */
static void mask_detail(json_t *o) {
    static const struct {
        const char *key;
        int head, tail;
    } keys[] = {{"phone", 3, 4}, {"id_number", 4, 4}, {"credit_code", 4, 4}};
    const char *k;
    json_t *v;
    json_object_foreach(o, k, v) {
        if (json_is_object(v)) mask_detail(v);
        for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
            if (strcmp(k, keys[i].key) == 0 && json_is_string(v) && json_string_length(v)) {
                char buf[64];
                json_string_set(v, zt_mask(json_string_value(v), keys[i].head, keys[i].tail, buf, sizeof buf));
            }
    }
}

static json_t *ts_or_null(int64_t t) {
    if (!t) return json_null();
    char ts[32];
    zt_time_format(t, ts);
    return json_string(ts);
}

typedef struct {
    const zt_principal *p;
    json_t *items;
} rows_ctx;

static void audit_row(zt_stmt *st, void *ctx) {
    rows_ctx *c = ctx;
    json_error_t je;
    json_t *detail = json_loads(zt_col_text(st, 7), 0, &je);
    if (detail && !(c->p->role_bit & ZT_R_ADMIN)) mask_detail(detail);
    json_array_append_new(c->items, json_pack("{s:I,s:o,s:o,s:s,s:s,s:s,s:s,s:o}", "id", (json_int_t)zt_col_int(st, 0),
                                              "at", ts_or_null(zt_col_int(st, 1)), "actor_id",
                                              zt_col_is_null(st, 2) ? json_null() : json_integer(zt_col_int(st, 2)),
                                              "actor_login", zt_col_text(st, 3), "action", zt_col_text(st, 4),
                                              "target_type", zt_col_text(st, 5), "target_id", zt_col_text(st, 6),
                                              "detail", detail ? detail : json_object()));
}

static zt_err h_audit(zt_req *r, zt_error *e) {
    int64_t limit, offset;
    zt_err rc = zt_req_page(r, &limit, &offset, e);
    if (rc) return rc;
    zt_qb f;
    zt_qb_init(&f, zt_req_arena(r), "1 = 1");
    static const char *const filters[][2] = {{"action", " AND action = ?"},
                                             {"target_type", " AND target_type = ?"},
                                             {"target_id", " AND target_id = ?"},
                                             {"actor", " AND actor_login = ?"}};
    for (size_t i = 0; i < sizeof filters / sizeof filters[0]; i++) {
        const char *v = zt_req_query(r, filters[i][0]);
        if (v && *v) {
            zt_qb_sql(&f, filters[i][1]);
            zt_qb_text(&f, v);
        }
    }
    rows_ctx c = {zt_req_principal(r), json_array()};
    int64_t total;
    rc = zt_qb_list(zt_store_reader(APP(r)->store), &f,
                    "id, at, actor_id, actor_login, action, target_type, target_id, detail", "audit_log",
                    "ORDER BY id DESC", limit, offset, audit_row, &c, &total, e);
    if (rc) {
        json_decref(c.items);
        return rc;
    }
    zt_reply_json(r, 200, zt_page_json(c.items, total, limit, offset));
    return ZT_OK;
}

static const zt_route routes[] = {
    {"GET", "/api/ledger/key", h_key, ZT_PUBLIC, "the checkpoint verifier key (C2SP note format)"},
    {"GET", "/api/ledger/checkpoint", h_checkpoint, ZT_PUBLIC, "the latest signed checkpoint (text/plain)"},
    {"GET", "/api/ledger/entries", h_entries, READERS | ZT_R_PEOPLE,
     "entries [from, to), at most 1000; ?subject= any range (next_from)"},
    {"GET", "/api/ledger/proof/inclusion", h_inclusion, READERS | ZT_R_PEOPLE, "inclusion proof of index in size"},
    {"GET", "/api/ledger/proof/consistency", h_consistency, READERS, "consistency proof between sizes from and to"},
    {"GET", "/api/audit", h_audit, ZT_R_ADMIN | ZT_R_SUPERVISOR | ZT_R_AUDITOR,
     "audit trail of changes to users, roles, keys"},
};

const zt_route *zt_ledger_routes(size_t *n) {
    *n = sizeof routes / sizeof routes[0];
    return routes;
}
