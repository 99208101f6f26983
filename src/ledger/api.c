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

/* --- who reads which entry (issue #22 F7, F8) ---
 *
 * Administrators and auditors read every entry; a supervisor those of his
 * region (ledger_entries.region_code within his, the rule of the case
 * lists), and those of the platform as a whole (no region) when his region
 * is the top of the directory (the city); citizens and enterprises the
 * entries about themselves (owner_user_id). Raw entry bytes go only to the
 * roles that verify them (administrators, auditors, supervisors), within
 * that scope; the parsed event masks personal identifiers as the audit
 * trail does for all but administrators; an applicant reads his entries as
 * his own views show the steps (zt_applicant_step), with the leaf hash and
 * inclusion proof that let him check them against a signed checkpoint. */

/* Citizens and enterprises read only entries about themselves. */
static int owner_only(const zt_principal *p) { return !(p->role_bit & READERS); }

static void (*applicant_step)(const char *subject_type, json_t *step);

void zt_ledger_on_applicant_step(void (*fn)(const char *subject_type, json_t *step)) { applicant_step = fn; }

typedef struct {
    const zt_principal *p;
    int platform; /* sees entries of the platform as a whole (no region) */
} scope;

/* Is p a supervisor of the top of the directory (a region with no parent)? */
static int top_region(zt_db *db, const zt_principal *p) {
    if (!p->region || !*p->region) return 0;
    zt_error ignored = {0};
    zt_stmt *st = zt_db_prepare(db, "SELECT parent_code IS NULL FROM regions WHERE code = ?", &ignored);
    if (!st) return 0;
    zt_bind_text(st, 1, p->region);
    int top = zt_step(st, &ignored) == ZT_ROW && zt_col_int(st, 0);
    zt_db_release(db);
    return top;
}

static scope scope_of(zt_db *db, const zt_principal *p) {
    scope s = {p, 0};
    if (p->role_bit & ZT_R_SUPERVISOR) s.platform = top_region(db, p);
    return s;
}

static int in_scope(const scope *s, const char *region, int64_t owner) {
    const zt_principal *p = s->p;
    if (p->role_bit & (ZT_R_ADMIN | ZT_R_AUDITOR)) return 1;
    if (p->role_bit & ZT_R_SUPERVISOR) return region ? zt_region_within(region, p->region) : s->platform;
    return owner && owner == p->user_id;
}

/* An inclusion proof names one entry: the caller must be able to read it. */
static zt_err check_scope(zt_req *r, uint64_t index, zt_error *e) {
    const zt_principal *p = zt_req_principal(r);
    zt_db *db = zt_store_reader(APP(r)->store);
    scope sc = scope_of(db, p);
    zt_stmt *st = zt_db_prepare(db, "SELECT owner_user_id, region_code FROM ledger_entries WHERE idx = ?", e);
    if (!st) return ZT_EINTERNAL;
    zt_bind_int(st, 1, (int64_t)index);
    zt_err s = zt_step(st, e);
    if (zt_step_failed(s)) return s;
    if (s == ZT_DONE) return ZT_OK; /* past the end: zt_ledger_inclusion says so */
    int ok =
        in_scope(&sc, zt_col_is_null(st, 1) ? NULL : zt_col_text(st, 1), zt_col_is_null(st, 0) ? 0 : zt_col_int(st, 0));
    zt_db_release(db);
    if (!ok)
        return zt_fail(e, ZT_EFORBIDDEN, "index",
                       owner_only(p) ? "只能查看与本人有关的账本记录" : "只能查看本辖区的账本记录");
    return ZT_OK;
}

static void mask_detail(json_t *o);

/* An event as an applicant reads it: what happened and when, and the step
 * as his view of the subject shows it; no actor, no internal payload. */
static json_t *applicant_view(json_t *ev) {
    json_t *out = json_object(), *payload = json_object_get(ev, "payload");
    static const char *const keep[] = {"index", "kind", "subject", "event_time", "recorded_time", NULL};
    for (int i = 0; keep[i]; i++) {
        json_t *v = json_object_get(ev, keep[i]);
        if (v) json_object_set(out, keep[i], v);
    }
    json_t *step = json_object_get(payload, "step");
    if (json_is_object(step)) {
        json_t *view = json_object();
        static const char *const step_keys[] = {"action", "label", "from", "to", "actor", "actor_role", "fields", NULL};
        for (int i = 0; step_keys[i]; i++) {
            json_t *v = json_object_get(step, step_keys[i]);
            if (v) json_object_set_new(view, step_keys[i], json_deep_copy(v));
        }
        const char *type = json_string_value(json_object_get(payload, "subject_type"));
        if (applicant_step)
            applicant_step(type, view);
        else
            json_object_del(view, "fields"); /* nobody said what is his to read */
        /* whatever the domain said: staff are never named */
        json_object_del(view, "actor");
        json_object_del(view, "actor_role");
        json_object_set_new(out, "step", view);
    } else if (json_is_object(payload)) {
        /* his own account or upload: what changed, not who did it */
        json_object_set(out, "payload", payload);
    }
    return out;
}

typedef struct {
    scope sc;
    json_t *items;
} entries_ctx;

static void entry_row(const zt_ledger_row *row, void *arg) {
    entries_ctx *c = arg;
    const zt_principal *p = c->sc.p;
    if (!in_scope(&c->sc, row->region, row->owner_user_id)) return;
    json_error_t je;
    json_t *ev = json_loadb(row->entry, row->len, 0, &je), *item;
    if (owner_only(p)) {
        json_t *view = ev ? applicant_view(ev) : json_null();
        json_decref(ev);
        item = json_pack("{s:I,s:o,s:s,s:o}", "index", (json_int_t)row->index, "leaf_hash",
                         b64_json(row->leaf, ZT_HASH_LEN), "subject", row->subject, "event", view);
    } else {
        if (ev && !(p->role_bit & ZT_R_ADMIN)) mask_detail(ev);
        item = json_pack("{s:I,s:o,s:o,s:s,s:o}", "index", (json_int_t)row->index, "entry",
                         b64_json(row->entry, row->len), "leaf_hash", b64_json(row->leaf, ZT_HASH_LEN), "subject",
                         row->subject, "event", ev ? ev : json_null());
    }
    json_array_append_new(c->items, item);
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
    if (!rc && !subject && to - from > ZT_LEDGER_PAGE)
        rc = zt_fail(e, ZT_EINVAL, "to", "一次最多取 1000 条（to - from <= 1000）");
    if (rc) return rc;
    zt_db *db = zt_store_reader(APP(r)->store);
    uint64_t size;
    if ((rc = zt_ledger_size(db, &size, e))) return rc;
    if (to > (int64_t)size) to = from > (int64_t)size ? from : (int64_t)size;
    zt_ledger_filter f = {.subject = subject, .owner_user_id = owner_only(p) ? p->user_id : 0, .from = from, .to = to};
    entries_ctx c = {scope_of(db, p), json_array()};
    int64_t next_from;
    if ((rc = zt_ledger_list(db, &f, entry_row, &c, &next_from, e))) {
        json_decref(c.items);
        return rc;
    }
    json_t *out = json_pack("{s:I,s:I,s:I,s:o}", "size", (json_int_t)size, "from", (json_int_t)from, "to",
                            (json_int_t)(next_from >= 0 ? next_from : to), "items", c.items);
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
    if (!rc) rc = check_scope(r, (uint64_t)index, e);
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
    /* a supervisor reads the rows of his region (issue #22 F7), and those
     * of the platform as a whole when his region is the top */
    const zt_principal *p = zt_req_principal(r);
    zt_db *db = zt_store_reader(APP(r)->store);
    if (p->role_bit & ZT_R_SUPERVISOR) {
        if (!p->region || !*p->region)
            zt_qb_sql(&f, " AND 1 = 0"); /* no region, no scope (as zt_region_within) */
        else if (top_region(db, p)) {
            size_t keep = zt_region_prefix(p->region);
            zt_qb_sql(&f, " AND (region_code IS NULL OR substr(region_code, 1, ?) = ?)");
            zt_qb_int(&f, (int64_t)keep);
            zt_qb_text(&f, zt_arena_strndup(zt_req_arena(r), p->region, keep));
        } else
            zt_qb_region(&f, "region_code", p->region);
    }
    rows_ctx c = {p, json_array()};
    int64_t total;
    rc = zt_qb_list(db, &f, "id, at, actor_id, actor_login, action, target_type, target_id, detail", "audit_log",
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
     "entries [from, to), at most 1000; ?subject= any range (next_from); a supervisor's region, an applicant's own"},
    {"GET", "/api/ledger/proof/inclusion", h_inclusion, READERS | ZT_R_PEOPLE, "inclusion proof of index in size"},
    {"GET", "/api/ledger/proof/consistency", h_consistency, READERS, "consistency proof between sizes from and to"},
    {"GET", "/api/audit", h_audit, ZT_R_ADMIN | ZT_R_SUPERVISOR | ZT_R_AUDITOR,
     "audit trail of changes to users, roles, keys (a supervisor: his region's)"},
};

const zt_route *zt_ledger_routes(size_t *n) {
    *n = sizeof routes / sizeof routes[0];
    return routes;
}
