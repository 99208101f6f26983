/* benchgen.c - bench-gen: clone cases made through the real API into a
 * large database (see benchgen.h for what is copied and why it is the same
 * rows). Speed comes from copying with one INSERT ... SELECT per table for
 * a write of many clones (1,000 by default); the ledger entries are the
 * only rows built in C, one by one, because each has its index, its hash
 * and the tree nodes it completes (ledger verify checks them all). */
#include "tools/benchgen.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "base/clock.h"
#include "ledger/ledger.h"
#include "services/services.h"
#include "store/query.h"

/* One ledger entry about a template case: its stored bytes after
 * {"index":N (they start with ,"kind":). */
typedef struct {
    char *rest;
    int64_t owner;
    char region[16]; /* its region scope ("" = none); a case's region is a code */
} tmpl_entry;

typedef struct {
    int64_t id, subject_id; /* subject_id 0: no sv_subjects row */
    char number[64], prefix[48], state[48], dept[48];
    tmpl_entry *entries;
    size_t nentries;
} tmpl;

typedef struct {
    tmpl *t;
    size_t nt;
    /* the ledger's right edge: size, and the newest perfect subtree of
     * each level (known[level] once read or made) */
    uint64_t size;
    zt_hash last[64];
    int known[64];
    const zt_benchgen_options *o;
    int64_t done, target, entries, listed, every;
    FILE *pw;
} gen;

/* s with every `from` replaced by `to` (malloc'ed). */
static char *replace_all(const char *s, const char *from, const char *to) {
    size_t fl = strlen(from), tl = strlen(to), n = 0;
    for (const char *p = strstr(s, from); p; p = strstr(p + fl, from)) n++;
    size_t len = strlen(s) + n * (tl > fl ? tl - fl : 0) + 1;
    char *out = zt_malloc(len), *w = out;
    const char *p = s;
    for (const char *q = strstr(p, from); q; q = strstr(p, from)) {
        memcpy(w, p, (size_t)(q - p));
        w += q - p;
        memcpy(w, to, tl);
        w += tl;
        p = q + fl;
    }
    snprintf(w, len - (size_t)(w - out), "%s", p);
    return out;
}

static void free_templates(tmpl *t, size_t n) {
    for (size_t i = 0; i < n; i++) {
        for (size_t k = 0; k < t[i].nentries; k++) {
            free(t[i].entries[k].rest);
        }
        free(t[i].entries);
    }
    free(t);
}

/* The ledger entries about a case, in log order. */
static zt_err load_entries(zt_db *db, tmpl *t, zt_error *e) {
    char subject[80];
    snprintf(subject, sizeof subject, "case/%s", t->number);
    zt_stmt *st = zt_db_query(db, e,
                              "SELECT entry, coalesce(owner_user_id, 0), coalesce(region_code, '') FROM ledger_entries"
                              " WHERE subject = ? ORDER BY idx",
                              ZT_T(subject));
    if (!st) return ZT_EINTERNAL;
    size_t cap = 0;
    zt_err rc;
    while ((rc = zt_step(st, e)) == ZT_ROW) {
        size_t len;
        const char *bytes = zt_col_blob(st, 0, &len);
        const char *comma = len > 10 && !memcmp(bytes, "{\"index\":", 9) ? memchr(bytes, ',', len) : NULL;
        if (!comma || (size_t)(comma - bytes) + 8 > len || memcmp(comma, ",\"kind\":", 8)) {
            zt_db_release(db);
            return zt_fail(e, ZT_EINTERNAL, "ledger", "模板办件 %s 的账本条目格式不符", t->number);
        }
        if (t->nentries == cap) {
            cap = cap ? cap * 2 : 8;
            t->entries = zt_realloc(t->entries, cap * sizeof *t->entries);
        }
        tmpl_entry *te = &t->entries[t->nentries++];
        size_t rl = len - (size_t)(comma - bytes);
        te->rest = zt_malloc(rl + 1);
        memcpy(te->rest, comma, rl);
        te->rest[rl] = 0;
        te->owner = zt_col_int(st, 1);
        snprintf(te->region, sizeof te->region, "%s", zt_col_text(st, 2));
    }
    zt_db_release(db);
    return zt_step_failed(rc) ? rc : ZT_OK;
}

/* Every case made through the API that has no card: the templates. */
static zt_err load_templates(zt_db *db, tmpl **out, size_t *n, zt_error *e) {
    zt_stmt *st = zt_db_prepare(
        db,
        "SELECT c.id, c.number, c.state, d.code, coalesce(s.id, 0) FROM cases c JOIN departments d ON d.id = c.dept_id"
        " LEFT JOIN sv_subjects s ON s.subject_type = 'case' AND s.subject = c.number"
        " WHERE (c.idem_key IS NULL OR c.idem_key NOT LIKE 'bench-gen:%')"
        " AND NOT EXISTS (SELECT 1 FROM sv_cards k WHERE k.subject_id = s.id) ORDER BY c.id",
        e);
    if (!st) return ZT_EINTERNAL;
    size_t cap = 0;
    *out = NULL;
    *n = 0;
    zt_err rc;
    while ((rc = zt_step(st, e)) == ZT_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 64;
            *out = zt_realloc(*out, cap * sizeof **out);
        }
        tmpl *t = &(*out)[(*n)++];
        memset(t, 0, sizeof *t);
        t->id = zt_col_int(st, 0);
        snprintf(t->number, sizeof t->number, "%s", zt_col_text(st, 1));
        snprintf(t->state, sizeof t->state, "%s", zt_col_text(st, 2));
        snprintf(t->dept, sizeof t->dept, "%s", zt_col_text(st, 3));
        t->subject_id = zt_col_int(st, 4);
        /* the numbering prefix: the number without its last "-NNNNNN" */
        char *dash = strrchr(t->number, '-');
        snprintf(t->prefix, sizeof t->prefix, "%.*s", dash ? (int)(dash - t->number) : 0, t->number);
    }
    zt_db_release(db);
    if (zt_step_failed(rc)) return rc;
    for (size_t i = 0; i < *n; i++)
        if ((rc = load_entries(db, &(*out)[i], e))) return rc;
    return ZT_OK;
}

/* The copies of one batch, each one statement over the batch's map
 * (temp.bg_map: k = order in the batch, tid/tnum = template id and number,
 * num = the clone's number, cid/sid = its new case and subject ids, tsid =
 * the template's subject id). Rows keep their template's order. */
static const char *const COPIES[] = {
    "INSERT INTO cases (number, item_id, flow_id, flow_version, dept_id, region_code, applicant_id,"
    " applicant_type, applicant_name, applicant_no, contact_phone, channel, title, form, state, state_since,"
    " due_day, query_hash, idem_key, submitted_at, accepted_at, accept_day, promised_due, legal_due,"
    " suspended_days, suspended_at, suspend_granted, supplements, closed_at, result_type, certificate_no,"
    " fee_charged, updated_at, public_answer)"
    " SELECT m.num, c.item_id, c.flow_id, c.flow_version, c.dept_id, c.region_code, c.applicant_id,"
    " c.applicant_type, c.applicant_name, c.applicant_no, c.contact_phone, c.channel, c.title, c.form, c.state,"
    " c.state_since, c.due_day, m.qh, 'bench-gen:' || m.num, c.submitted_at, c.accepted_at, c.accept_day,"
    " c.promised_due, c.legal_due, c.suspended_days, c.suspended_at, c.suspend_granted, c.supplements,"
    " c.closed_at, c.result_type, c.certificate_no, c.fee_charged, c.updated_at,"
    " replace(c.public_answer, m.tnum, m.num) FROM temp.bg_map m JOIN cases c ON c.id = m.tid ORDER BY m.k",
    "UPDATE temp.bg_map SET cid = (SELECT id FROM cases WHERE number = bg_map.num)",
    "INSERT INTO case_joint (case_id, dept_id) SELECT m.cid, j.dept_id FROM temp.bg_map m"
    " JOIN case_joint j ON j.case_id = m.tid",
    "INSERT INTO flow_events (subject_type, subject, seq, row_id, event_id, action, from_state, to_state, actor_id,"
    " actor, actor_role, actor_dept, at, fields) SELECT 'case', m.num, v.seq, m.cid,"
    " replace(v.event_id, m.tnum, m.num), v.action, v.from_state, v.to_state, v.actor_id, v.actor, v.actor_role,"
    " v.actor_dept, v.at, replace(v.fields, m.tnum, m.num) FROM temp.bg_map m JOIN flow_events v"
    " ON v.subject_type = 'case' AND v.subject = m.tnum ORDER BY m.k, v.seq",
    "INSERT INTO case_materials (case_id, material, upload_id, event_seq, added_by, added_at) SELECT m.cid,"
    " x.material, x.upload_id, x.event_seq, x.added_by, x.added_at FROM temp.bg_map m JOIN case_materials x"
    " ON x.case_id = m.tid ORDER BY m.k, x.id",
    "INSERT INTO sv_events (event_id, source, subject_type, subject, type, occurred_at, received_at, dept_code,"
    " region_code, body) SELECT replace(v.event_id, m.tnum, m.num), v.source, v.subject_type, m.num, v.type,"
    " v.occurred_at, v.received_at, v.dept_code, v.region_code, replace(v.body, m.tnum, m.num)"
    " FROM temp.bg_map m JOIN sv_events v ON v.subject_type = 'case' AND v.subject = m.tnum ORDER BY m.k, v.seq",
    "INSERT INTO audit_log (at, actor_id, actor_login, action, target_type, target_id, detail, region_code)"
    " SELECT a.at, a.actor_id, a.actor_login, a.action, a.target_type, m.num, replace(a.detail, m.tnum, m.num),"
    " a.region_code"
    " FROM temp.bg_map m JOIN audit_log a ON a.target_type = 'case' AND a.target_id = m.tnum ORDER BY m.k, a.id",
    "INSERT INTO sv_subjects (subject_type, subject, source, dept_code, region_code, topic, title, state, opened_at,"
    " due_day, closed_at, events, last_event_at, detail, digest, evaluated_at, updated_at)"
    " SELECT s.subject_type, m.num, s.source, s.dept_code, s.region_code, s.topic, s.title, s.state, s.opened_at,"
    " s.due_day, s.closed_at, s.events, s.last_event_at, replace(s.detail, m.tnum, m.num),"
    " replace(s.digest, m.tnum, m.num), s.evaluated_at, s.updated_at"
    " FROM temp.bg_map m JOIN sv_subjects s ON s.id = m.tsid ORDER BY m.k",
    "UPDATE temp.bg_map SET sid = (SELECT id FROM sv_subjects WHERE subject_type = 'case'"
    " AND subject = bg_map.num)",
    "INSERT INTO sv_timers (subject_id, rule_id, level, due_at) SELECT m.sid, t.rule_id, t.level, t.due_at"
    " FROM temp.bg_map m JOIN sv_timers t ON t.subject_id = m.tsid",
};

/* A stored perfect subtree (level 0: a leaf hash), as zt_ledger_append
 * reads it. */
static zt_err read_node(zt_db *db, int level, uint64_t index, zt_hash *out, zt_error *e) {
    zt_stmt *st = level == 0 ? zt_db_prepare(db, "SELECT leaf_hash FROM ledger_entries WHERE idx = ?", e)
                             : zt_db_prepare(db, "SELECT hash FROM ledger_nodes WHERE level = ? AND idx = ?", e);
    if (!st) return ZT_EINTERNAL;
    if (level) zt_bind_int(st, 1, level);
    zt_bind_int(st, level ? 2 : 1, (int64_t)index);
    size_t n = 0;
    const void *b = zt_step(st, e) == ZT_ROW ? zt_col_blob(st, 0, &n) : NULL;
    if (b && n == ZT_HASH_LEN) memcpy(out->b, b, ZT_HASH_LEN);
    zt_db_release(db);
    return b && n == ZT_HASH_LEN
               ? ZT_OK
               : zt_fail(e, ZT_EINTERNAL, "ledger", "账本节点 (%d, %llu) 缺失", level, (unsigned long long)index);
}

/* The ledger entries of one clone: its template's bytes with the clone's
 * index and number, which is what zt_ledger_append writes for the same
 * event at the same recorded time (the entry is compact JSON in a fixed key
 * order; a number needs no escaping). Leaf hash, entry row and the interior
 * nodes it completes are written exactly as zt_ledger_append writes them,
 * with the tree's right edge kept in memory instead of read back
 * (tests/api/benchgen.test.mjs compares the entries; ledger verify checks
 * every hash). */
static zt_err clone_ledger(zt_db *db, gen *g, const tmpl *t, const char *number, zt_error *e) {
    char subject[80];
    snprintf(subject, sizeof subject, "case/%s", number);
    for (size_t k = 0; k < t->nentries; k++) {
        const tmpl_entry *te = &t->entries[k];
        char head[40];
        int hl = snprintf(head, sizeof head, "{\"index\":%llu", (unsigned long long)g->size);
        char *rest = replace_all(te->rest, t->number, number);
        size_t rl = strlen(rest), len = (size_t)hl + rl;
        char *entry = zt_malloc(len);
        memcpy(entry, head, (size_t)hl);
        memcpy(entry + hl, rest, rl);
        free(rest);
        zt_hash cur;
        zt_merkle_leaf(entry, len, &cur);
        zt_stmt *st =
            zt_db_prepare(db,
                          "INSERT INTO ledger_entries (idx, entry, leaf_hash, subject, owner_user_id, region_code)"
                          " VALUES (?, ?, ?, ?, ?, ?)",
                          e);
        if (!st) {
            free(entry);
            return ZT_EINTERNAL;
        }
        zt_bind_int(st, 1, (int64_t)g->size);
        zt_bind_blob(st, 2, entry, len);
        zt_bind_blob(st, 3, cur.b, ZT_HASH_LEN);
        zt_bind_text(st, 4, subject);
        if (te->owner)
            zt_bind_int(st, 5, te->owner);
        else
            zt_bind_null(st, 5);
        if (te->region[0])
            zt_bind_text(st, 6, te->region);
        else
            zt_bind_null(st, 6);
        free(entry);
        zt_err rc = zt_step_done(st, e);
        if (rc) return rc;
        uint64_t size = g->size;
        zt_hash made[64];
        made[0] = cur;
        int top = 0;
        for (int level = 0; (size >> level) & 1; level++) {
            zt_hash left;
            uint64_t j = ((size + 1) >> level) - 1;
            if (!g->known[level]) {
                if ((rc = read_node(db, level, j - 1, &left, e))) return rc;
            } else
                left = g->last[level];
            zt_merkle_node(&left, &cur, &cur);
            st = zt_db_query(db, e, "INSERT INTO ledger_nodes (level, idx, hash) VALUES (?, ?, ?)", ZT_I(level + 1),
                             ZT_I((int64_t)(((size + 1) >> (level + 1)) - 1)));
            if (!st) return ZT_EINTERNAL;
            zt_bind_blob(st, 3, cur.b, ZT_HASH_LEN);
            if ((rc = zt_step_done(st, e))) return rc;
            made[++top] = cur;
        }
        /* the subtrees this entry completed are now the newest of their
         * levels (set after the loop: it read the previous ones) */
        for (int level = 0; level <= top; level++) {
            g->last[level] = made[level];
            g->known[level] = 1;
        }
        g->size++;
        g->entries++;
    }
    return ZT_OK;
}

/* About one clone in every: a mixed index (splitmix64), so that the list
 * does not alias with the round-robin over the templates. */
static int listed_here(int64_t i, int64_t every) {
    uint64_t z = (uint64_t)i + 0x9e3779b97f4a7c15ull;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return every <= 1 || (z ^ (z >> 31)) % (uint64_t)every == 0;
}

static zt_err clone_batch(zt_db *db, void *arg, zt_error *e) {
    gen *g = arg;
    int64_t end = g->done + g->o->batch;
    if (end > g->target) end = g->target;
    uint64_t size;
    zt_err rc = zt_ledger_size(db, &size, e);
    if (rc) return rc;
    if (size != g->size) { /* first batch, or the log moved: read the edge again */
        g->size = size;
        memset(g->known, 0, sizeof g->known);
    }
    /* a batch touches a few hundred MiB of pages: keep them in memory
     * until the commit (this process's writer connection only) */
    if ((rc = zt_db_exec(db, "PRAGMA cache_size = -524288", e)) ||
        (rc = zt_db_exec(db,
                         "CREATE TEMP TABLE IF NOT EXISTS bg_map (k INTEGER PRIMARY KEY, tid INTEGER, tnum TEXT,"
                         " num TEXT, qh BLOB, tsid INTEGER, cid INTEGER, sid INTEGER)",
                         e)) ||
        (rc = zt_db_exec(db, "DELETE FROM temp.bg_map", e)))
        return rc;
    /* numbers first: the real numbering, one per clone */
    size_t n = (size_t)(end - g->done);
    char(*numbers)[64] = zt_calloc(n, 64);
    for (size_t i = 0; i < n && !rc; i++) {
        const tmpl *t = &g->t[(g->done + (int64_t)i) % (int64_t)g->nt];
        char pw[9];
        unsigned char qh[32];
        if ((rc = zt_number_next(db, t->prefix, 6, numbers[i], 64, e))) break;
        zt_case_query_secret(numbers[i], pw, qh);
        zt_stmt *st =
            zt_db_prepare(db, "INSERT INTO temp.bg_map (k, tid, tnum, num, qh, tsid) VALUES (?, ?, ?, ?, ?, ?)", e);
        if (!st) {
            rc = ZT_EINTERNAL;
            break;
        }
        zt_bind_int(st, 1, (int64_t)i);
        zt_bind_int(st, 2, t->id);
        zt_bind_text(st, 3, t->number);
        zt_bind_text(st, 4, numbers[i]);
        zt_bind_blob(st, 5, qh, sizeof qh);
        zt_bind_int(st, 6, t->subject_id);
        if ((rc = zt_step_done(st, e))) break;
        if (g->pw && listed_here(g->done + (int64_t)i, g->every)) {
            fprintf(g->pw, "%s\t%s\t%s\t%s\n", numbers[i], pw, t->state, t->dept);
            g->listed++;
        }
    }
    for (size_t i = 0; i < sizeof COPIES / sizeof COPIES[0] && !rc; i++) rc = zt_db_exec(db, COPIES[i], e);
    for (size_t i = 0; i < n && !rc; i++)
        rc = clone_ledger(db, g, &g->t[(g->done + (int64_t)i) % (int64_t)g->nt], numbers[i], e);
    free(numbers);
    if (!rc) g->done = end;
    return rc;
}

zt_err zt_benchgen_run(zt_app *app, const zt_benchgen_options *o, zt_benchgen_stats *out, zt_error *e) {
    memset(out, 0, sizeof *out);
    zt_benchgen_options opts = *o;
    if (opts.batch <= 0) opts.batch = 1000;
    if (opts.cases < 0) return zt_fail(e, ZT_EINVAL, "cases", "--cases 须是非负整数");
    int64_t t0 = zt_mono_us();
    gen g = {.o = &opts, .target = opts.cases};
    zt_err rc = load_templates(zt_store_reader(app->store), &g.t, &g.nt, e);
    if (rc) {
        free_templates(g.t, g.nt);
        return rc;
    }
    if (!g.nt) {
        free_templates(g.t, g.nt);
        return zt_fail(e, ZT_EINVAL, "cases",
                       "数据库中没有可复制的模板办件：先用 bench/seed.mjs 通过 API 办理几件（见 docs/performance.md）");
    }
    if (opts.passwords) {
        g.pw = fopen(opts.passwords, "w");
        if (!g.pw) {
            free_templates(g.t, g.nt);
            return zt_fail(e, ZT_EINVAL, "passwords", "无法写入 %s", opts.passwords);
        }
        int64_t sample = opts.sample > 0 ? opts.sample : 10000;
        g.every = opts.cases / sample > 1 ? opts.cases / sample : 1;
    }
    int64_t last = t0;
    while (!rc && g.done < g.target) {
        int64_t before = g.done, entries = g.entries, listed = g.listed;
        rc = zt_store_write(app->store, clone_batch, &g, e);
        if (rc) { /* the batch was rolled back */
            g.done = before;
            g.entries = entries;
            g.listed = listed;
        }
        int64_t now = zt_mono_us();
        if (!opts.quiet && (now - last > 5000000 || g.done == g.target)) {
            fprintf(stderr, "bench-gen: %lld of %lld cases, %lld ledger entries, %.0f s\n", (long long)g.done,
                    (long long)g.target, (long long)g.entries, (double)(now - t0) / 1e6);
            last = now;
        }
    }
    if (g.pw && fclose(g.pw) != 0 && !rc) rc = zt_fail(e, ZT_EINVAL, "passwords", "无法写入 %s", opts.passwords);
    out->templates = (int64_t)g.nt;
    out->cases = g.done;
    out->ledger_entries = g.entries;
    out->listed = g.listed;
    out->seconds = (double)(zt_mono_us() - t0) / 1e6;
    free_templates(g.t, g.nt);
    return rc;
}
