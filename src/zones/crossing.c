/* crossing.c - the crossing between the two zones (zones.h, docs/zones.md).
 *
 * Sending: a case's step that must cross (the flow sink's hook, inside the
 * step's own write) becomes a row of zone_outbox with the next sequence
 * number, and is recorded (zone.sent) in this zone's ledger in that write:
 * it crosses if and only if the step happened. The crossing's job then
 * writes each unsent row, sealed, into zone.spool_out: a temporary name,
 * fsync, rename, fsync of the directory, so the other side never reads half
 * a file; then marks it sent.
 *
 * Receiving: the same job reads zone.spool_in in name order (the sender's
 * sequence order) and, per file, in one write: opens it (signature, schema,
 * direction: message.c), refuses a sequence number not above the last one
 * taken from the other zone or a message id already taken (replay), applies
 * it (the cases' import or step, src/services/case_cross.c), and records it
 * (zone_inbox, zone.received in the ledger). A file refused is recorded
 * (zone.refused) and reported back to the sender as a signed zone.refusal;
 * nothing else it says is applied. The file is then moved to the spool's
 * done/ directory. If the write cannot be made (the store is down) the file
 * stays and is read again: a message is never lost, and while the reading
 * side is stopped messages wait in its spool. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "auth/auth.h"
#include "base/arena.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/periodic.h"
#include "base/tsv.h"
#include "flow/registry.h"
#include "ledger/record.h"
#include "store/query.h"
#include "zones/zones.h"

/* Roles the 外网 instance does not serve: staff, supervision, the data
 * office, department systems. Administrators and auditors run each
 * instance (R16: one security policy, audit on both). */
#define INTRANET_ROLES                                                                                                 \
    (ZT_R_CLERK | ZT_R_DEPT_HEAD | ZT_R_LEGAL | ZT_R_SUPERVISOR | ZT_R_TRADING | ZT_R_FINANCE | ZT_R_DATA | ZT_R_SYSTEM)

#define BATCH 100

static struct {
    int on;                  /* 1 once started in internet or intranet mode */
    const char *self, *peer; /* "internet" / "intranet" */
    unsigned char sk[ZT_ZONE_SK_BYTES], peer_pk[ZT_ZONE_PK_BYTES];
    zt_zones_cases cases;
    zt_periodic *job;
} Z;

struct zt_zones {
    zt_app *app;
    char *out, *in, *done;
    size_t max_message;
};

/* The crossing as an actor: what it records, and whom the other side's
 * steps are taken by (their login starts with ZT_ZONE_LOGIN_PREFIX). */
static const zt_principal CROSSING = {
    .role_bit = ZT_R_SYSTEM, .role = "system", .login = ZT_ZONE_LOGIN_PREFIX "crossing", .name = "网闸（跨网交换）"};

void zt_zones_set_cases(const zt_zones_cases *c) { Z.cases = *c; }

static void sha256_hex(const void *buf, size_t len, char out[65]) {
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, buf, len);
    sodium_bin2hex(out, 65, h, sizeof h);
}

/* --- sending -------------------------------------------------------------------- */

/* A message to the other zone, in the caller's write: the outbox row (its
 * sequence number), the payload, the ledger's zone.sent. */
static zt_err enqueue(zt_db *db, const zt_principal *actor, const char *type, const char *subject, json_t *body,
                      const char *blob, int64_t owner, zt_error *e) {
    unsigned char rnd[16];
    char id[33];
    randombytes_buf(rnd, sizeof rnd);
    sodium_bin2hex(id, sizeof id, rnd, sizeof rnd);
    int64_t now = zt_now();
    zt_stmt *st = zt_db_query(db, e,
                              "INSERT INTO zone_outbox (msg_id, type, subject, payload, blob, created_at)"
                              " VALUES (?, ?, ?, '', ?, ?) RETURNING seq",
                              ZT_T(id), ZT_T(type), ZT_T(subject), blob ? ZT_T(blob) : ZT_NULL, ZT_I(now));
    if (!st) return ZT_EINTERNAL;
    zt_err rc = zt_step(st, e);
    if (rc != ZT_ROW) return zt_step_failed(rc) ? rc : zt_fail(e, ZT_EINTERNAL, NULL, "outbox insert returned no seq");
    int64_t seq = zt_col_int(st, 0);
    zt_db_release(db);
    json_t *env =
        json_pack("{s:i,s:s,s:I,s:s,s:s,s:s,s:I,s:s,s:O}", "v", 1, "id", id, "seq", (json_int_t)seq, "from", Z.self,
                  "to", Z.peer, "type", type, "at", (json_int_t)now, "subject", subject, "body", body);
    char *payload = json_dumps(env, JSON_COMPACT);
    json_decref(env);
    if (!payload) return zt_fail(e, ZT_EINTERNAL, NULL, "cannot serialise a crossing message");
    char sha[65];
    sha256_hex(payload, strlen(payload), sha);
    rc = zt_db_run(db, e, "UPDATE zone_outbox SET payload = ? WHERE seq = ?", ZT_T(payload), ZT_I(seq));
    free(payload);
    if (rc) return rc;
    json_t *detail = json_pack("{s:s,s:I,s:s,s:s,s:s}", "type", type, "seq", (json_int_t)seq, "to", Z.peer, "subject",
                               subject, "payload_sha256", sha);
    rc = zt_record(db, actor, "zone.sent", "zone_message", id, owner, detail, e);
    json_decref(detail);
    zt_periodic_poke(Z.job); /* sent soon after the write commits (or at the next poll) */
    return rc;
}

/* What of a staff step's fields crosses to the 外网: what its applicant
 * may read of it (the cases' public_step: reasons, legal basis, remedies,
 * materials to supplement, the result); of the rest, only what the step's
 * definition requires, so that the 外网 can take the same step: a choice
 * or a number as it is, free text as a placeholder. Internal notes (an
 * opinion, a notice number, whom the file was assigned to) stay in the
 * 内网. A new object. */
static json_t *crossing_fields(json_t *ev, json_t *step) {
    json_t *all = json_object_get(step, "fields");
    json_t *pub = json_deep_copy(step);
    if (Z.cases.public_step) Z.cases.public_step("case", pub);
    json_t *kept = json_object_get(pub, "fields");
    json_t *out = json_is_object(kept) ? json_deep_copy(kept) : json_object();
    json_decref(pub);
    json_t *c = json_object_get(ev, "case");
    const zt_flow *f = zt_flows_get(json_string_value(json_object_get(c, "flow")),
                                    (int)json_integer_value(json_object_get(c, "flow_version")));
    const char *action = json_string_value(json_object_get(step, "action"));
    json_t *def = f && action ? zt_flow_json(f) : NULL, *a, *x;
    size_t i, k;
    json_array_foreach(json_object_get(def, "actions"), i, a) {
        const char *id = json_string_value(json_object_get(a, "id"));
        if (!id || strcmp(id, action)) continue;
        json_array_foreach(json_object_get(a, "fields"), k, x) {
            const char *name = json_string_value(json_object_get(x, "name"));
            const char *type = json_string_value(json_object_get(x, "type"));
            json_t *v = name ? json_object_get(all, name) : NULL;
            if (!v || !json_is_true(json_object_get(x, "required")) || json_object_get(out, name)) continue;
            int text = json_is_string(v) && type && !strcmp(type, "text");
            json_object_set_new(out, name, text ? json_string(ZT_ZONE_WITHHELD) : json_deep_copy(v));
        }
    }
    json_decref(def);
    return out;
}

static int from_people(const char *role) { return role && (!strcmp(role, "citizen") || !strcmp(role, "enterprise")); }

zt_err zt_zones_event(zt_db *db, const zt_principal *actor, json_t *ev, int64_t owner, zt_error *e) {
    if (!Z.on) return ZT_OK;
    /* a step the crossing took is the other side's: it does not go back */
    if (actor && actor->login && !strncmp(actor->login, ZT_ZONE_LOGIN_PREFIX, strlen(ZT_ZONE_LOGIN_PREFIX)))
        return ZT_OK;
    const char *stype = json_string_value(json_object_get(ev, "subject_type"));
    if (!stype || strcmp(stype, "case")) return ZT_OK;
    const char *number = json_string_value(json_object_get(ev, "subject"));
    json_t *step = json_object_get(ev, "step");
    const char *action = json_string_value(json_object_get(step, "action"));
    const char *role = json_string_value(json_object_get(step, "actor_role"));
    if (!number || !action) return ZT_OK;
    json_t *body = NULL;
    const char *type;
    int64_t at = zt_now();
    if (!strcmp(Z.self, "internet")) {
        if (!from_people(role)) return ZT_OK; /* staff are not served here */
        if (!strcmp(action, "submit")) {
            type = "application.submitted";
            if (!Z.cases.export_application) return zt_fail(e, ZT_EINTERNAL, NULL, "zones: no cases export wired");
            if (!(body = Z.cases.export_application(db, number, e))) return e->code ? e->code : ZT_EINTERNAL;
        } else {
            /* the applicant's other steps: withdrawing, or resubmitting after
             * a 补正 notice (any other applicant step of a definition) */
            type = !strcmp(action, "withdraw") ? "application.withdrawn" : "supplement.submitted";
            body = json_pack("{s:s,s:s,s:O,s:O,s:O,s:I}", "number", number, "action", action, "from",
                             json_object_get(step, "from"), "to", json_object_get(step, "to"), "fields",
                             json_object_get(step, "fields"), "at", (json_int_t)at);
        }
    } else {
        if (from_people(role)) return ZT_OK; /* applicants are not served here */
        json_t *result = json_object_get(ev, "result");
        type = result ? "case.result" : "case.status";
        json_t *fields = crossing_fields(ev, step);
        const char *dept = json_string_value(json_object_get(step, "actor_department"));
        body = json_pack("{s:s,s:s,s:O,s:O,s:O,s:O,s:I,s:s,s:s,s:O}", "number", number, "action", action, "label",
                         json_object_get(step, "label"), "from", json_object_get(step, "from"), "to",
                         json_object_get(step, "to"), "fields", fields, "at", (json_int_t)at, "actor_role",
                         role ? role : "system", "actor_department", dept ? dept : "", "result",
                         result ? result : json_null());
        json_decref(fields);
    }
    if (!body) return zt_fail(e, ZT_EINTERNAL, NULL, "zones: cannot build the %s message", type);
    zt_err rc = enqueue(db, actor, type, number, body, NULL, owner, e);
    /* an application's materials follow it, one message each, the file
     * beside the message (its hash and size in the signed body) */
    json_t *mat;
    size_t i;
    if (!strcmp(type, "application.submitted")) json_array_foreach(json_object_get(body, "materials"), i, mat) {
            if (rc) break;
            json_t *mb = json_pack("{s:s,s:O,s:O,s:O,s:O}", "number", number, "material",
                                   json_object_get(mat, "material"), "filename", json_object_get(mat, "filename"),
                                   "sha256", json_object_get(mat, "sha256"), "size", json_object_get(mat, "size"));
            rc = mb ? enqueue(db, actor, "material.uploaded", number, mb,
                              json_string_value(json_object_get(mat, "sha256")), owner, e)
                    : zt_fail(e, ZT_EINTERNAL, NULL, "zones: cannot build a material message");
            json_decref(mb);
        }
    json_decref(body);
    return rc;
}

/* Write a file of the spool (SEQ-ID.ext): temp name, fsync, rename,
 * fsync(dir). */
static int spool_write(const char *dir, int64_t seq, const char *id, const char *ext, const char *content, size_t len) {
    char tmp[4096], final[4096];
    snprintf(tmp, sizeof tmp, "%s/.%016lld-%s.%s.tmp", dir, (long long)seq, id, ext);
    snprintf(final, sizeof final, "%s/%016lld-%s.%s", dir, (long long)seq, id, ext);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
    if (fd < 0) return -1;
    size_t off = 0;
    while (off < len) {
        ssize_t n = write(fd, content + off, len - off);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            close(fd);
            unlink(tmp);
            return -1;
        }
        off += (size_t)n;
    }
    if (fsync(fd) || close(fd) || rename(tmp, final)) {
        unlink(tmp);
        return -1;
    }
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }
    return 0;
}

typedef struct {
    int64_t seqs[BATCH];
    size_t n;
} sent_batch;

static zt_err mark_sent(zt_db *db, void *arg, zt_error *e) {
    sent_batch *b = arg;
    int64_t now = zt_now();
    for (size_t i = 0; i < b->n; i++) {
        zt_err rc = zt_db_run(db, e, "UPDATE zone_outbox SET sent_at = ? WHERE seq = ?", ZT_I(now), ZT_I(b->seqs[i]));
        if (rc) return rc;
    }
    return ZT_OK;
}

/* Send what the outbox holds unsent, in sequence order; stop at the first
 * file that cannot be written (it is tried again at the next run). */
static void send_outbox(zt_zones *z) {
    zt_db *db = zt_store_reader(z->app->store);
    zt_error e = {0};
    sent_batch b = {.n = 0};
    zt_stmt *st = zt_db_query(
        db, &e, "SELECT seq, msg_id, payload, blob FROM zone_outbox WHERE sent_at IS NULL ORDER BY seq LIMIT ?",
        ZT_I(BATCH));
    if (!st) {
        zt_warn("zones: reading the outbox: %s", e.message);
        return;
    }
    while (zt_step(st, &e) == ZT_ROW) {
        int64_t seq = zt_col_int(st, 0);
        const char *id = zt_col_text(st, 1);
        int bad = 0;
        if (!zt_col_is_null(st, 3)) { /* the material's file first: the message names it */
            char *path = Z.cases.material_path ? Z.cases.material_path(z->app->cfg, zt_col_text(st, 3)) : NULL;
            size_t blen = 0;
            zt_error fe = {0};
            char *bytes = path ? zt_read_file(path, &blen, &fe) : NULL;
            bad = bytes ? spool_write(z->out, seq, id, "bin", bytes, blen) : (errno = ENOENT, -1);
            free(bytes);
            free(path);
        }
        char *file = bad ? NULL : zt_zone_seal(zt_col_text(st, 2), Z.sk);
        if (!bad) bad = file ? spool_write(z->out, seq, id, "msg", file, strlen(file)) : (errno = EILSEQ, -1);
        free(file);
        if (bad) {
            zt_warn("zones: cannot write message %lld to %s: %s", (long long)seq, z->out, strerror(errno));
            break;
        }
        b.seqs[b.n++] = seq;
    }
    zt_db_release(db);
    if (b.n && zt_store_write(z->app->store, mark_sent, &b, &e))
        zt_warn("zones: marking %zu messages sent: %s", b.n, e.message);
    else if (b.n == BATCH)
        zt_periodic_poke(Z.job); /* more may wait: another run at once */
}

/* --- receiving ------------------------------------------------------------------ */

typedef struct {
    zt_zones *z;
    const char *file; /* the name in the spool */
    const char *buf;
    size_t len;
    char sha[65];
    zt_zone_msg m;    /* when it opened */
    int opened;       /* the signature and schema checked */
    zt_error why;     /* the refusal */
    char hint_id[33]; /* a refused file's claimed id, for the report only */
    int64_t hint_seq;
    unsigned char *blob; /* material.uploaded: the file beside the message, checked */
    size_t bloblen;
} recv_ctx;

/* What a refused file claims to be (unverified, for the report only). */
static void claim_of(recv_ctx *c) {
    json_t *f = json_loadb(c->buf, c->len, 0, NULL);
    const char *p = json_string_value(json_object_get(f, "payload"));
    json_t *env = p ? json_loads(p, 0, NULL) : NULL;
    const char *id = json_string_value(json_object_get(env, "id"));
    json_t *seq = json_object_get(env, "seq");
    if (id && strlen(id) == 32 && strspn(id, "0123456789abcdef") == 32) memcpy(c->hint_id, id, 33);
    if (json_is_integer(seq) && json_integer_value(seq) > 0) c->hint_seq = json_integer_value(seq);
    json_decref(env);
    json_decref(f);
}

static zt_err refuse_write(zt_db *db, void *arg, zt_error *e) {
    recv_ctx *c = arg;
    int64_t now = zt_now();
    /* the report must itself pass the other side's schema: a field named,
     * valid UTF-8 */
    if (!c->why.field[0]) snprintf(c->why.field, sizeof c->why.field, "body");
    if (!c->why.message[0]) snprintf(c->why.message, sizeof c->why.message, "refused");
    zt_utf8_clean(c->why.message);
    zt_utf8_clean(c->why.field);
    const char *id = c->opened ? c->m.id : (*c->hint_id ? c->hint_id : NULL);
    int64_t seq = c->opened ? c->m.seq : c->hint_seq;
    zt_stmt *st = zt_db_prepare(db,
                                "INSERT INTO zone_inbox (file, sha256, msg_id, sender, seq, type, subject, status,"
                                " reason, field, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'refused', ?, ?, ?)",
                                e);
    if (!st) return ZT_EINTERNAL;
    zt_bind_text(st, 1, c->file);
    zt_bind_text(st, 2, c->sha);
    if (c->opened) {
        zt_bind_text(st, 3, c->m.id);
        zt_bind_text(st, 4, c->m.from);
        zt_bind_int(st, 5, c->m.seq);
        zt_bind_text(st, 6, c->m.type);
        zt_bind_text(st, 7, c->m.subject);
    } else {
        for (int i = 3; i <= 7; i++) zt_bind_null(st, i);
    }
    zt_bind_text(st, 8, c->why.message);
    zt_bind_text(st, 9, c->why.field);
    zt_bind_int(st, 10, now);
    zt_err rc = zt_step_done(st, e);
    if (rc) return rc;
    json_t *detail = json_pack(
        "{s:s,s:s,s:s,s:s,s:o,s:o,s:o,s:b}", "file", c->file, "sha256", c->sha, "reason", c->why.message, "field",
        c->why.field, "type", c->opened ? json_string(c->m.type) : json_null(), "message_id",
        id ? json_string(id) : json_null(), "seq", seq ? json_integer(seq) : json_null(), "signature_valid", c->opened);
    /* an unverified file is named by its hash, never by the id it claims */
    rc = zt_record(db, &CROSSING, "zone.refused", "zone_message", c->opened ? c->m.id : c->sha, 0, detail, e);
    json_decref(detail);
    if (rc) return rc;
    /* reported back, signed; never a refusal of a refusal (no ping-pong) */
    if (c->opened && !strcmp(c->m.type, "zone.refusal")) return ZT_OK;
    json_t *body = json_pack("{s:o,s:o,s:s,s:s,s:s,s:s}", "refused_id", id ? json_string(id) : json_null(),
                             "refused_seq", seq ? json_integer(seq) : json_null(), "file", c->file, "sha256", c->sha,
                             "reason", c->why.message, "field", c->why.field);
    rc = enqueue(db, &CROSSING, "zone.refusal", c->opened ? c->m.subject : "", body, NULL, 0, e);
    json_decref(body);
    return rc;
}

static zt_err accept_write(zt_db *db, void *arg, zt_error *e) {
    recv_ctx *c = arg;
    zt_zone_msg *m = &c->m;
    /* replay: the sequence number must grow, the id be new */
    zt_stmt *st = zt_db_query(db, e, "SELECT last_seq FROM zone_peer WHERE sender = ?", ZT_T(m->from));
    if (!st) return ZT_EINTERNAL;
    zt_err rc = zt_step(st, e);
    if (zt_step_failed(rc)) return rc;
    int64_t last = rc == ZT_ROW ? zt_col_int(st, 0) : 0;
    zt_db_release(db);
    if (m->seq <= last)
        return zt_fail(e, ZT_ECONFLICT, "seq",
                       "replayed or out of order: sequence %lld is not above %lld, the last taken", (long long)m->seq,
                       (long long)last);
    if (!(st = zt_db_query(db, e, "SELECT 1 FROM zone_inbox WHERE msg_id = ? AND status = 'accepted'", ZT_T(m->id))))
        return ZT_EINTERNAL;
    rc = zt_step(st, e);
    if (zt_step_failed(rc)) return rc;
    zt_db_release(db);
    if (rc == ZT_ROW) return zt_fail(e, ZT_ECONFLICT, "id", "replayed: message %s was already taken", m->id);
    /* apply */
    zt_app *app = c->z->app;
    if (!strcmp(m->type, "application.submitted")) {
        rc = Z.cases.import_application ? Z.cases.import_application(app, db, &CROSSING, m->body, e)
                                        : zt_fail(e, ZT_EINTERNAL, NULL, "zones: no cases import wired");
    } else if (!strcmp(m->type, "material.uploaded")) {
        rc = Z.cases.import_material ? Z.cases.import_material(app, db, &CROSSING, m->body, c->blob, c->bloblen, e)
                                     : zt_fail(e, ZT_EINTERNAL, NULL, "zones: no cases material import wired");
    } else if (!strcmp(m->type, "zone.refusal")) {
        const char *rid = json_string_value(json_object_get(m->body, "refused_id"));
        const char *reason = json_string_value(json_object_get(m->body, "reason"));
        const char *field = json_string_value(json_object_get(m->body, "field"));
        /* a copy refused as a replay says nothing of the original, taken */
        int replay = field && (!strcmp(field, "seq") || !strcmp(field, "id"));
        rc = rid && !replay
                 ? zt_db_run(db, e, "UPDATE zone_outbox SET refused_at = ?, refused_reason = ? WHERE msg_id = ?",
                             ZT_I(zt_now()), ZT_T(reason), ZT_T(rid))
                 : ZT_OK;
    } else {
        rc = Z.cases.step ? Z.cases.step(app, db, &CROSSING, m->body, e)
                          : zt_fail(e, ZT_EINTERNAL, NULL, "zones: no cases step wired");
    }
    if (rc) return rc;
    char *payload = json_dumps(m->payload, JSON_COMPACT);
    rc = zt_db_run(db, e,
                   "INSERT INTO zone_inbox (file, sha256, msg_id, sender, seq, type, subject, status, payload,"
                   " received_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'accepted', ?, ?)",
                   ZT_T(c->file), ZT_T(c->sha), ZT_T(m->id), ZT_T(m->from), ZT_I(m->seq), ZT_T(m->type),
                   ZT_T(m->subject), ZT_T(payload ? payload : "{}"), ZT_I(zt_now()));
    free(payload);
    if (!rc)
        rc = zt_db_run(db, e,
                       "INSERT INTO zone_peer (sender, last_seq) VALUES (?, ?)"
                       " ON CONFLICT (sender) DO UPDATE SET last_seq = excluded.last_seq",
                       ZT_T(m->from), ZT_I(m->seq));
    if (rc) return rc;
    json_t *detail = json_pack("{s:s,s:I,s:s,s:s,s:s,s:s}", "type", m->type, "seq", (json_int_t)m->seq, "from", m->from,
                               "subject", m->subject, "file", c->file, "sha256", c->sha);
    rc = zt_record(db, &CROSSING, "zone.received", "zone_message", m->id, 0, detail, e);
    json_decref(detail);
    return rc;
}

/* Is this a failure of the store (try the file again later) rather than
 * of the message (refuse it)? Anything else is the message's: refused and
 * reported, so that one bad message never holds up those behind it; if
 * even the refusal cannot be written, the file waits. */
static int transient(zt_err rc) { return rc == ZT_EUNAVAIL; }

/* The file beside a material.uploaded message (SEQ-ID.bin): read, and
 * checked against the size and hash its signed body gives. */
static zt_err read_blob(recv_ctx *c, const char *bpath, zt_error *e) {
    json_t *b = c->m.body;
    int64_t size = json_integer_value(json_object_get(b, "size"));
    const char *want = json_string_value(json_object_get(b, "sha256"));
    if (size > c->z->app->cfg->upload_max_bytes)
        return zt_fail(e, ZT_EINVAL, "body.size", "the material is larger than services.upload_max_bytes");
    struct stat sb;
    if (stat(bpath, &sb) || !S_ISREG(sb.st_mode))
        return zt_fail(e, ZT_EINVAL, "blob", "the material's file is missing beside the message");
    if ((int64_t)sb.st_size != size) /* before reading it: a file far larger is never read */
        return zt_fail(e, ZT_EINVAL, "blob", "the material's file does not match the signed hash and size");
    zt_error fe = {0};
    size_t len = 0;
    char *bytes = zt_read_file(bpath, &len, &fe);
    if (!bytes) return zt_fail(e, ZT_EINVAL, "blob", "the material's file is missing beside the message");
    char sha[65];
    sha256_hex(bytes, len, sha);
    if ((int64_t)len != size || strcmp(sha, want)) {
        free(bytes);
        return zt_fail(e, ZT_EINVAL, "blob", "the material's file does not match the signed hash and size");
    }
    c->blob = (unsigned char *)bytes;
    c->bloblen = len;
    return ZT_OK;
}

/* One file of the spool: 0 when it was dealt with (taken or refused), -1
 * when it must wait. */
static int receive_file(zt_zones *z, const char *name) {
    char path[4096], done[4096], bpath[4096], bdone[4096];
    snprintf(path, sizeof path, "%s/%s", z->in, name);
    snprintf(done, sizeof done, "%s/%s", z->done, name);
    int stem = (int)strlen(name) - 4; /* without .msg */
    snprintf(bpath, sizeof bpath, "%s/%.*s.bin", z->in, stem, name);
    snprintf(bdone, sizeof bdone, "%s/%.*s.bin", z->done, stem, name);
    FILE *f = fopen(path, "rb");
    if (!f) return -1;
    char *buf = zt_malloc(z->max_message + 1);
    size_t len = fread(buf, 1, z->max_message + 1, f);
    fclose(f);
    recv_ctx c = {.z = z, .file = name, .buf = buf, .len = len};
    sha256_hex(buf, len, c.sha);
    zt_error e = {0};
    zt_err rc;
    if (len > z->max_message) {
        zt_fail(&c.why, ZT_ETOOLARGE, "file", "the file is larger than zone.max_message (%zu bytes)", z->max_message);
        claim_of(&c);
        rc = ZT_EINVAL;
    } else if ((rc = zt_zone_open(buf, len, Z.peer_pk, Z.peer, Z.self, &c.m, &c.why)) == ZT_OK) {
        c.opened = 1;
        if (!strcmp(c.m.type, "material.uploaded")) rc = read_blob(&c, bpath, &c.why);
        if (!rc) rc = zt_store_write(z->app->store, accept_write, &c, &c.why);
    } else {
        claim_of(&c);
    }
    int status = 0;
    if (rc && transient(rc)) {
        zt_warn("zones: %s waits: %s", name, c.why.message);
        status = -1;
    } else if (rc) {
        zt_info("zones: refused %s: %s (%s)", name, c.why.message, c.why.field);
        if (zt_store_write(z->app->store, refuse_write, &c, &e)) {
            zt_warn("zones: recording the refusal of %s: %s", name, e.message);
            status = -1;
        }
    } else {
        zt_info("zones: took %s (%s %s)", name, c.m.type, c.m.subject);
    }
    if (!status && rename(path, done)) zt_warn("zones: cannot move %s to %s: %s", path, done, strerror(errno));
    if (!status && access(bpath, F_OK) == 0 && rename(bpath, bdone))
        zt_warn("zones: cannot move %s to %s: %s", bpath, bdone, strerror(errno));
    free(c.blob);
    zt_zone_msg_free(&c.m);
    free(buf);
    return status;
}

static int by_name(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* The spool's messages in name (sequence) order: every name is read and
 * sorted before the first is taken, so a backlog of any size is taken in
 * order; BATCH per run, and another run at once while more wait. */
static void read_spool(zt_zones *z) {
    DIR *d = opendir(z->in);
    if (!d) return;
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        size_t l = strlen(de->d_name);
        if (de->d_name[0] == '.' || l < 5 || strcmp(de->d_name + l - 4, ".msg")) continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            names = zt_realloc(names, cap * sizeof *names);
        }
        names[n++] = zt_strdup(de->d_name);
    }
    closedir(d);
    if (n) qsort(names, n, sizeof names[0], by_name);
    size_t i = 0;
    int waits = 0;
    for (; i < n && i < BATCH && !waits; i++) waits = receive_file(z, names[i]) != 0;
    if (!waits && n > BATCH) zt_periodic_poke(Z.job);
    for (i = 0; i < n; i++) free(names[i]);
    free(names);
}

static void job(void *arg, int stopping) {
    zt_zones *z = arg;
    send_outbox(z);
    if (!stopping) read_spool(z);
}

/* --- keys and start --------------------------------------------------------------- */

static zt_err read_hex_file(const char *path, const char *key, unsigned char *out, size_t n, zt_error *e) {
    FILE *f = fopen(path, "r");
    if (!f) return zt_fail(e, ZT_EINVAL, key, "cannot read %s: %s", path, strerror(errno));
    char line[512] = "";
    if (!fgets(line, sizeof line, f)) line[0] = 0;
    fclose(f);
    line[strcspn(line, "\r\n")] = 0;
    size_t got = 0;
    if (sodium_hex2bin(out, n, line, strlen(line), NULL, &got, NULL) || got != n) {
        sodium_memzero(line, sizeof line);
        return zt_fail(e, ZT_EINVAL, key, "%s does not hold a key of %zu bytes in hex", path, n);
    }
    sodium_memzero(line, sizeof line);
    return ZT_OK;
}

static int mkdir_p(const char *path) {
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *p = buf + 1; *p; p++)
        if (*p == '/') {
            *p = 0;
            if (mkdir(buf, 0750) && errno != EEXIST) return -1;
            *p = '/';
        }
    return mkdir(buf, 0750) && errno != EEXIST ? -1 : 0;
}

zt_err zt_zones_start(zt_app *app, zt_zones **out, zt_error *e) {
    *out = NULL;
    const zt_config *cfg = app->cfg;
    if (!strcmp(cfg->zone_role, "single")) return ZT_OK;
    static const char *const need[] = {"zone.spool_out", "zone.spool_in", "zone.key", "zone.peer_key"};
    const char *vals[] = {cfg->zone_spool_out, cfg->zone_spool_in, cfg->zone_key, cfg->zone_peer_key};
    for (int i = 0; i < 4; i++)
        if (!vals[i] || !*vals[i])
            return zt_fail(e, ZT_EINVAL, need[i], "zone.role %s needs %s (docs/zones.md)", cfg->zone_role, need[i]);
    int internet = !strcmp(cfg->zone_role, "internet");
    Z.self = internet ? "internet" : "intranet";
    Z.peer = internet ? "intranet" : "internet";
    struct stat ks;
    if (stat(cfg->zone_key, &ks) == 0 && (ks.st_mode & 077))
        return zt_fail(e, ZT_EINVAL, "zone.key", "%s must be readable by its owner only (chmod 600): it signs the zone",
                       cfg->zone_key);
    zt_err rc = read_hex_file(cfg->zone_key, "zone.key", Z.sk, sizeof Z.sk, e);
    if (!rc) rc = read_hex_file(cfg->zone_peer_key, "zone.peer_key", Z.peer_pk, sizeof Z.peer_pk, e);
    if (rc) return rc;
    zt_zones *z = zt_calloc(1, sizeof *z);
    z->app = app;
    z->out = zt_strdup(cfg->zone_spool_out);
    z->in = zt_strdup(cfg->zone_spool_in);
    size_t n = strlen(z->in) + 8;
    z->done = zt_malloc(n);
    snprintf(z->done, n, "%s/done", z->in);
    z->max_message = (size_t)cfg->zone_max_message;
    if (mkdir_p(z->out) || mkdir_p(z->done)) {
        rc = zt_fail(e, ZT_EINVAL, "zone.spool_out", "cannot create the spool directories %s, %s: %s", z->out, z->done,
                     strerror(errno));
        zt_zones_stop(z);
        return rc;
    }
    Z.on = 1;
    Z.job = zt_periodic_start(cfg->zone_poll_ms, 1, job, z);
    if (!Z.job) {
        Z.on = 0;
        zt_zones_stop(z);
        return zt_fail(e, ZT_EINTERNAL, NULL, "cannot start the crossing's thread");
    }
    zt_info("zones: %s (%s) instance; sending to %s, reading %s", Z.self, internet ? "外网" : "内网", z->out, z->in);
    *out = z;
    return ZT_OK;
}

void zt_zones_stop(zt_zones *z) {
    if (!z) return;
    if (Z.job) zt_periodic_stop(Z.job); /* its last run sends what the last writes queued */
    Z.job = NULL;
    Z.on = 0;
    sodium_memzero(Z.sk, sizeof Z.sk);
    free(z->out);
    free(z->in);
    free(z->done);
    free(z);
}

/* --- who is served here ------------------------------------------------------------ */

zt_err zt_zones_authenticate(zt_req *r, zt_principal *p, zt_error *e) {
    zt_err rc = zt_auth_authenticate(r, p, e);
    if (rc || !Z.on) return rc;
    if (!strcmp(Z.self, "internet")) {
        if (p->role_bit & INTRANET_ROLES)
            return zt_fail(e, ZT_EFORBIDDEN, "zone", "外网实例不办理%s的业务：请登录内网（政务外网/内网）系统",
                           zt_role_label(p->role));
        return ZT_OK;
    }
    if (p->role_bit & ZT_R_PEOPLE) return zt_fail(e, ZT_EFORBIDDEN, "zone", "内网实例不面向申请人：请通过外网门户办理");
    const char *m = zt_req_method(r), *path = zt_req_path(r);
    if (m && path && !strcmp(m, "POST") &&
        (!strcmp(path, "/api/auth/register") || !strcmp(path, "/api/public/case-status")))
        return zt_fail(e, ZT_EFORBIDDEN, "zone", "内网实例不面向申请人：注册和办件查询请通过外网门户");
    return ZT_OK;
}

/* --- zhengtong zones keygen --------------------------------------------------------- */

static int write_file(const char *path, const char *text, mode_t mode) {
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    if (fd < 0) return -1;
    size_t len = strlen(text);
    int bad = write(fd, text, len) != (ssize_t)len || fsync(fd);
    return close(fd) || bad ? -1 : 0;
}

int zt_zones_cli(zt_config *cfg, int argc, char **argv) {
    (void)cfg;
    /* argv[0] is "zones" */
    const char *sub = argc > 1 ? argv[1] : NULL, *out = NULL, *name = NULL;
    for (int i = 2; i + 1 < argc; i++) {
        if (!strcmp(argv[i], "--out"))
            out = argv[++i];
        else if (!strcmp(argv[i], "--name"))
            name = argv[++i];
    }
    if (!sub || strcmp(sub, "keygen") || !out || !name || !*name || strchr(name, '/')) {
        fprintf(stderr, "usage: zhengtong zones keygen --out DIR --name NAME\n"
                        "Writes DIR/NAME.key (the zone's Ed25519 secret key, owner-only: zone.key) and DIR/NAME.pub\n"
                        "(its public key: the other zone's zone.peer_key). Refuses to overwrite.\n");
        return 2;
    }
    if (sodium_init() < 0) return 1;
    unsigned char pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
    crypto_sign_keypair(pk, sk);
    char skhex[sizeof sk * 2 + 2], pkhex[sizeof pk * 2 + 2], kpath[4096], ppath[4096];
    sodium_bin2hex(skhex, sizeof skhex - 1, sk, sizeof sk);
    sodium_bin2hex(pkhex, sizeof pkhex - 1, pk, sizeof pk);
    memcpy(skhex + sizeof sk * 2, "\n", 2);
    memcpy(pkhex + sizeof pk * 2, "\n", 2);
    snprintf(kpath, sizeof kpath, "%s/%s.key", out, name);
    snprintf(ppath, sizeof ppath, "%s/%s.pub", out, name);
    mkdir_p(out);
    int bad = write_file(kpath, skhex, 0600);
    if (!bad) bad = write_file(ppath, pkhex, 0644);
    sodium_memzero(sk, sizeof sk);
    sodium_memzero(skhex, sizeof skhex);
    if (bad) {
        fprintf(stderr, "zhengtong zones keygen: cannot write %s / %s: %s\n", kpath, ppath, strerror(errno));
        return 1;
    }
    printf("%s\n%s\n", kpath, ppath);
    return 0;
}
