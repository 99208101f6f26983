/* bids.c - enterprises' registrations and sealed bids (data/flows/
 * tender_bid.json), questions answered to all anonymously, objections.
 *
 * A bid is sealed: the bidder's browser encrypts it with AES-256-GCM
 * (WebCrypto) under a key only the bidder holds (a key file it downloads);
 * the server stores the ciphertext (tag appended, as WebCrypto returns it),
 * its 12-byte IV and its SHA-256, and cannot read it. At the opening the
 * bidder sends its key within the decryption window; the server checks the
 * stored ciphertext against its hash and decrypts it (libsodium's
 * crypto_aead_aes256gcm where the CPU has AES-NI, else OpenSSL's EVP
 * AES-256-GCM). A bid not unlocked in time is invalid. */
#include <openssl/evp.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "base/calendar.h"
#include "base/clock.h"
#include "base/json.h"
#include "flow/registry.h"
#include "flow/step.h"
#include "ledger/record.h"
#include "store/query.h"
#include "trading/internal.h"

#define MAX_CIPHER (512 * 1024)

typedef struct bid_row {
    int64_t id, project_id, round, enterprise_id, deposit, updated_at;
    char number[48], state[16], sha256[65], project[32], dept[64], region[16];
} bid_row;

static zt_err bid_apply(zt_db *db, zt_flow_move *m, zt_error *e) {
    const bid_row *b = m->in->row;
    json_t *o = json_pack("{s:s,s:s,s:I,s:I}", "number", b->number, "project", b->project, "round",
                          (json_int_t)b->round, "deposit", (json_int_t)b->deposit);
    if (m->arg) json_object_update(o, m->arg);
    json_object_set_new(m->event, "bid", o);
    return ZT_OK;
}

/* Only the bidder moves its bid; the centre invalidates. */
static zt_err bid_may(zt_db *db, const zt_flow_instance *in, const zt_principal *p, const zt_flow_action_info *a,
                      zt_error *e) {
    const bid_row *b = in->row;
    if ((p->role_bit & ZT_R_ENTERPRISE) && p->user_id != b->enterprise_id)
        return zt_fail(e, ZT_ENOTFOUND, "bid", "投标不存在");
    return ZT_OK;
}

static const zt_flow_owner BID_OWNER = {
    .subject_type = "tender_bid", .table = "trade_bids", .may = bid_may, .apply = bid_apply};

static zt_err bid_step(zt_db *db, bid_row *b, const char *action, const zt_principal *actor, json_t *fields,
                       json_t *extra, int64_t at, zt_error *e) {
    const zt_flow *f = zt_flows_get("tender_bid", 0);
    if (!f) return zt_fail(e, ZT_EINTERNAL, NULL, "流程定义 tender_bid 未加载");
    zt_flow_instance in = {.owner = &BID_OWNER,
                           .def = f,
                           .row_id = b->id,
                           .subject = b->number,
                           .state = b->state,
                           .updated_at = b->updated_at,
                           .dept_code = b->dept,
                           .region_code = b->region,
                           .owner_user_id = b->enterprise_id,
                           .row = b};
    zt_flow_opts o = {.arg = extra, .at = at};
    json_t *none = fields ? NULL : json_object();
    zt_err rc = !strcmp(action, "register") ? zt_flow_create(db, &in, action, actor, fields ? fields : none, &o, e)
                                            : zt_flow_step(db, &in, action, actor, fields ? fields : none, &o, e);
    json_decref(none);
    if (!rc) {
        const char *next = zt_flow_target(f, b->state, action);
        if (next && strcmp(action, "register")) snprintf(b->state, sizeof b->state, "%s", next);
        b->updated_at = at;
    }
    return rc;
}

#define BID_COLS                                                                                                       \
    "b.id, b.project_id, b.round, b.enterprise_id, b.deposit, b.updated_at, b.number, b.state, b.sha256, p.number,"    \
    " d.code, p.region_code"
#define BID_FROM "trade_bids b JOIN trade_projects p ON p.id = b.project_id JOIN departments d ON d.id = p.dept_id"

static void bid_read(zt_stmt *st, bid_row *b) {
    memset(b, 0, sizeof *b);
    b->id = zt_col_int(st, 0);
    b->project_id = zt_col_int(st, 1);
    b->round = zt_col_int(st, 2);
    b->enterprise_id = zt_col_int(st, 3);
    b->deposit = zt_col_int(st, 4);
    b->updated_at = zt_col_int(st, 5);
    snprintf(b->number, sizeof b->number, "%s", zt_col_text(st, 6));
    snprintf(b->state, sizeof b->state, "%s", zt_col_text(st, 7));
    snprintf(b->sha256, sizeof b->sha256, "%s", zt_col_is_null(st, 8) ? "" : zt_col_text(st, 8));
    snprintf(b->project, sizeof b->project, "%s", zt_col_text(st, 9));
    snprintf(b->dept, sizeof b->dept, "%s", zt_col_text(st, 10));
    snprintf(b->region, sizeof b->region, "%s", zt_col_text(st, 11));
}

/* The enterprise's bid in the project's current round: ZT_ENOTFOUND when
 * it has not registered. */
static zt_err bid_mine(zt_db *db, const tr_proj *p, int64_t user, bid_row *b, zt_error *e) {
    zt_stmt *st = zt_db_query(
        db, e, "SELECT " BID_COLS " FROM " BID_FROM " WHERE b.project_id = ? AND b.round = ? AND b.enterprise_id = ?",
        ZT_I(p->id), ZT_I(p->round), ZT_I(user));
    if (!st) return ZT_EINTERNAL;
    zt_err s = zt_step(st, e);
    if (s == ZT_ROW) bid_read(st, b);
    zt_db_release(db);
    if (s == ZT_ROW) return ZT_OK;
    return zt_step_failed(s) ? s : zt_fail(e, ZT_ECONFLICT, "registration", "贵单位尚未报名本项目");
}

int64_t tr_bids_count(zt_db *db, int64_t project_id, int64_t round, const char *state, zt_error *e) {
    zt_stmt *st =
        zt_db_query(db, e,
                    "SELECT count(*) FROM trade_bids WHERE project_id = ? AND round = ?"
                    " AND (? IS NULL OR state = ?)",
                    ZT_I(project_id), ZT_I(round), state ? ZT_T(state) : ZT_NULL, state ? ZT_T(state) : ZT_NULL);
    if (!st) return -1;
    int64_t n = zt_step(st, e) == ZT_ROW ? zt_col_int(st, 0) : -1;
    zt_db_release(db);
    return n;
}

/* --- the operations ------------------------------------------------------- */

typedef struct op {
    zt_app *app;
    const zt_principal *p;
    const char *number, *ip;
    json_t *b;
    int64_t id;
    json_t *out; /* the reply (owned) */
} op;

static char *deadline_text(int64_t t, char buf[32]) {
    zt_time_format(t, buf);
    return buf;
}

/* POST /api/trading/projects/{number}/registration {deposit} */
static zt_err register_write(zt_db *db, void *arg, zt_error *e) {
    op *a = arg;
    tr_proj p;
    zt_err rc = tr_proj_load(db, a->number, &p, e);
    if (rc) return rc;
    int64_t now = zt_now(), deposit = 0;
    char dl[32];
    if (strcmp(p.state, "announced"))
        rc = zt_fail(e, ZT_ECONFLICT, "state", "项目不在公告期，不能报名");
    else if (now >= p.deadline)
        rc = zt_fail(e, ZT_ECONFLICT, "deadline", "投标截止时间 %s 已过", deadline_text(p.deadline, dl));
    const char *account = NULL;
    if (!rc) rc = zt_json_int(a->b, "deposit", 1, 0, 1000000000000000LL, 0, &deposit, e);
    if (!rc) rc = zt_json_str(a->b, "deposit_account", 0, 64, &account, e);
    /* 招标投标法实施条例 §26, 政府采购法实施条例 §33 */
    if (!rc && deposit * 1000 > p.budget * a->app->cfg->tr_deposit_permille)
        rc = zt_fail(e, ZT_EINVAL, "deposit", "保证金不得超过预算（估算价）的 %lld‰（%lld 分）",
                     (long long)a->app->cfg->tr_deposit_permille,
                     (long long)(p.budget * a->app->cfg->tr_deposit_permille / 1000));
    if (!rc && deposit < p.deposit_max)
        rc = zt_fail(e, ZT_EINVAL, "deposit", "保证金不足：招标文件要求 %lld 分", (long long)p.deposit_max);
    bid_row b;
    if (!rc && bid_mine(db, &p, a->p->user_id, &b, e) == ZT_OK)
        rc = zt_fail(e, ZT_ECONFLICT, "registration", "贵单位已报名本项目（%s）", b.number);
    char number[48];
    char prefix[40];
    snprintf(prefix, sizeof prefix, "%s-B", p.number);
    if (!rc) rc = zt_number_next(db, prefix, 2, number, sizeof number, e);
    zt_stmt *st = NULL;
    if (!rc) {
        st =
            zt_db_query(db, e,
                        "INSERT INTO trade_bids (number, project_id, round, enterprise_id, deposit, deposit_account,"
                        " state, registered_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, 'registered', ?, ?) RETURNING id",
                        ZT_T(number), ZT_I(p.id), ZT_I(p.round), ZT_I(a->p->user_id), ZT_I(deposit),
                        ZT_T(account ? account : ""), ZT_I(now), ZT_I(now));
        if (!st) rc = ZT_EINTERNAL;
    }
    if (!rc) {
        zt_err s = zt_step(st, e);
        if (s != ZT_ROW)
            rc = zt_step_failed(s) ? s : ZT_EINTERNAL;
        else
            zt_db_release(db);
    }
    if (!rc) rc = bid_mine(db, &p, a->p->user_id, &b, e);
    if (!rc) {
        snprintf(b.state, sizeof b.state, "registered");
        rc = bid_step(db, &b, "register", a->p, NULL, NULL, now, e);
    }
    if (!rc)
        a->out = json_pack("{s:s,s:s,s:s,s:I}", "number", b.number, "project", p.number, "state", "registered",
                           "deposit", (json_int_t)deposit);
    tr_proj_free(&p);
    return rc;
}

static zt_err decode_b64(json_t *b, const char *key, unsigned char *out, size_t cap, size_t *len, zt_error *e) {
    const char *s = json_string_value(json_object_get(b, key));
    if (!s || !*s) return zt_fail(e, ZT_EINVAL, key, "缺少 %s（Base64）", key);
    if (sodium_base642bin(out, cap, s, strlen(s), NULL, len, NULL, sodium_base64_VARIANT_ORIGINAL) != 0)
        return zt_fail(e, ZT_EINVAL, key, "%s 不是合法的 Base64 或过长", key);
    return ZT_OK;
}

/* PUT /api/trading/projects/{number}/bid {ciphertext, iv, sha256, device} */
static zt_err bid_write(zt_db *db, void *arg, zt_error *e) {
    op *a = arg;
    tr_proj p;
    zt_err rc = tr_proj_load(db, a->number, &p, e);
    if (rc) return rc;
    int64_t now = zt_now();
    char dl[32];
    bid_row b;
    unsigned char *c = NULL;
    size_t clen = 0, ivlen = 0;
    unsigned char iv[16], h[crypto_hash_sha256_BYTES];
    char hex[65];
    const char *sha = NULL, *device = NULL;
    if (strcmp(p.state, "announced") || now >= p.deadline) {
        rc = zt_fail(e, ZT_ECONFLICT, "deadline", "投标截止时间 %s 已过，不再接收投标文件",
                     deadline_text(p.deadline, dl));
        if (strcmp(p.state, "announced") && !p.deadline) rc = zt_fail(e, ZT_ECONFLICT, "state", "项目不在投标期");
    }
    if (!rc) rc = bid_mine(db, &p, a->p->user_id, &b, e);
    if (!rc && strcmp(b.state, "registered") && strcmp(b.state, "submitted"))
        rc = zt_fail(e, ZT_ECONFLICT, "state", "本投标已%s", !strcmp(b.state, "withdrawn") ? "撤回" : "结束");
    if (!rc) rc = zt_json_str(a->b, "sha256", 1, 64, &sha, e);
    if (!rc) rc = zt_json_str(a->b, "device", 0, 128, &device, e);
    if (!rc) {
        c = zt_malloc(MAX_CIPHER);
        rc = decode_b64(a->b, "ciphertext", c, MAX_CIPHER, &clen, e);
    }
    if (!rc && clen <= crypto_aead_aes256gcm_ABYTES)
        rc = zt_fail(e, ZT_EINVAL, "ciphertext", "密文过短（须含 16 字节认证标签）");
    if (!rc) rc = decode_b64(a->b, "iv", iv, sizeof iv, &ivlen, e);
    if (!rc && ivlen != crypto_aead_aes256gcm_NPUBBYTES) rc = zt_fail(e, ZT_EINVAL, "iv", "iv 须是 12 字节");
    if (!rc) {
        crypto_hash_sha256(h, c, clen);
        sodium_bin2hex(hex, sizeof hex, h, sizeof h);
        if (strcmp(hex, sha)) rc = zt_fail(e, ZT_EINVAL, "sha256", "密文的 SHA-256 与 sha256 不符");
    }
    if (!rc) {
        json_t *f = json_pack("{s:s}", "sha256", hex);
        json_t *x = json_pack("{s:s,s:s,s:I}", "ip", a->ip ? a->ip : "", "device", device ? device : "", "submitted_at",
                              (json_int_t)now);
        rc = bid_step(db, &b, "submit", a->p, f, x, now, e);
        json_decref(f);
        json_decref(x);
    }
    if (!rc)
        rc = zt_db_run(db, e, "UPDATE trade_bids SET sha256 = ?, submitted_at = ?, ip = ?, device = ? WHERE id = ?",
                       ZT_T(hex), ZT_I(now), ZT_T(a->ip ? a->ip : ""), ZT_T(device ? device : ""), ZT_I(b.id));
    if (!rc) {
        /* the bytes as blobs (the binding helpers take text) */
        zt_stmt *st = zt_db_prepare(db, "UPDATE trade_bids SET ciphertext = ?, iv = ? WHERE id = ?", e);
        if (!st)
            rc = ZT_EINTERNAL;
        else {
            zt_bind_blob(st, 1, c, clen);
            zt_bind_blob(st, 2, iv, ivlen);
            zt_bind_int(st, 3, b.id);
            rc = zt_step_done(st, e);
        }
    }
    if (!rc)
        a->out = json_pack("{s:s,s:s,s:s,s:s,s:o}", "number", b.number, "project", p.number, "state", "submitted",
                           "sha256", hex, "submitted_at", zt_json_time(now));
    free(c);
    tr_proj_free(&p);
    return rc;
}

/* AES-256-GCM, the tag after the ciphertext (WebCrypto's layout). */
static int gcm_open(unsigned char *m, size_t *mlen, const unsigned char *c, size_t clen, const unsigned char *iv,
                    const unsigned char *key) {
    if (crypto_aead_aes256gcm_is_available()) {
        unsigned long long n = 0;
        int ok = crypto_aead_aes256gcm_decrypt(m, &n, NULL, c, clen, NULL, 0, iv, key) == 0;
        *mlen = (size_t)n;
        return ok;
    }
    EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
    int len = 0, fin = 0, ok = x != NULL;
    size_t body = clen - 16;
    ok = ok && EVP_DecryptInit_ex(x, EVP_aes_256_gcm(), NULL, NULL, NULL) == 1;
    ok = ok && EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_GCM_SET_IVLEN, 12, NULL) == 1;
    ok = ok && EVP_DecryptInit_ex(x, NULL, NULL, key, iv) == 1;
    ok = ok && EVP_DecryptUpdate(x, m, &len, c, (int)body) == 1;
    ok = ok && EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_GCM_SET_TAG, 16, (void *)(c + body)) == 1;
    ok = ok && EVP_DecryptFinal_ex(x, m + len, &fin) == 1;
    EVP_CIPHER_CTX_free(x);
    *mlen = (size_t)(len + fin);
    return ok;
}

/* POST /api/trading/projects/{number}/bid/unlock {key} */
static zt_err unlock_write(zt_db *db, void *arg, zt_error *e) {
    op *a = arg;
    tr_proj p;
    zt_err rc = tr_proj_load(db, a->number, &p, e);
    if (rc) return rc;
    int64_t now = zt_now();
    char dl[32];
    bid_row b;
    unsigned char key[64], *m = NULL;
    size_t klen = 0, mlen = 0;
    if (strcmp(p.state, "opened"))
        rc = zt_fail(e, ZT_ECONFLICT, "state", "项目不在开标解密阶段");
    else if (now > p.window_end)
        rc = zt_fail(e, ZT_ECONFLICT, "unlock_until", "解密时限 %s 已过，投标无效", deadline_text(p.window_end, dl));
    if (!rc) rc = bid_mine(db, &p, a->p->user_id, &b, e);
    if (!rc && strcmp(b.state, "submitted")) rc = zt_fail(e, ZT_ECONFLICT, "state", "没有待解密的投标文件");
    if (!rc) rc = decode_b64(a->b, "key", key, sizeof key, &klen, e);
    if (!rc && klen != 32) rc = zt_fail(e, ZT_EINVAL, "key", "密钥须是 32 字节（AES-256）");
    zt_stmt *st = NULL;
    if (!rc) {
        st = zt_db_query(db, e, "SELECT ciphertext, iv, sha256 FROM trade_bids WHERE id = ?", ZT_I(b.id));
        if (!st)
            rc = ZT_EINTERNAL;
        else if (zt_step(st, e) != ZT_ROW) {
            zt_db_release(db);
            rc = zt_fail(e, ZT_EINTERNAL, NULL, "投标记录丢失");
        }
    }
    if (!rc) {
        size_t clen = 0, ivlen = 0;
        const unsigned char *c = zt_col_blob(st, 0, &clen), *iv = zt_col_blob(st, 1, &ivlen);
        unsigned char h[crypto_hash_sha256_BYTES];
        char hex[65];
        crypto_hash_sha256(h, c, clen);
        sodium_bin2hex(hex, sizeof hex, h, sizeof h);
        if (strcmp(hex, zt_col_text(st, 2)))
            rc = zt_fail(e, ZT_ECONFLICT, "sha256", "存储的密文与递交时的 SHA-256 不符");
        else if (ivlen != 12 || clen <= 16)
            rc = zt_fail(e, ZT_EINTERNAL, NULL, "投标密文不完整");
        else {
            m = zt_malloc(clen);
            if (!gcm_open(m, &mlen, c, clen, iv, key)) rc = zt_fail(e, ZT_EINVAL, "key", "密钥不能解密本投标文件");
        }
        zt_db_release(db);
    }
    sodium_memzero(key, sizeof key);
    json_t *doc = NULL;
    int64_t price = 0;
    if (!rc) {
        doc = json_loadb((const char *)m, mlen, JSON_REJECT_DUPLICATES, NULL);
        if (!json_is_object(doc) || zt_json_int(doc, "price", 1, 1, 1000000000000000LL, 0, &price, e))
            rc = zt_fail(e, ZT_EINVAL, "key", "解密后的投标文件不是含报价 price（分）的 JSON");
    }
    if (!rc) {
        json_t *x = json_pack("{s:I,s:s}", "price", (json_int_t)price, "sha256", b.sha256);
        rc = bid_step(db, &b, "unlock", a->p, NULL, x, now, e);
        json_decref(x);
    }
    char *text = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
    if (!rc)
        rc = zt_db_run(db, e, "UPDATE trade_bids SET price = ?, content = ?, unlocked_at = ? WHERE id = ?", ZT_I(price),
                       ZT_T(text), ZT_I(now), ZT_I(b.id));
    if (!rc)
        a->out = json_pack("{s:s,s:s,s:I,s:s}", "number", b.number, "state", "unlocked", "price", (json_int_t)price,
                           "sha256", b.sha256);
    free(text);
    json_decref(doc);
    if (m) sodium_memzero(m, mlen);
    free(m);
    tr_proj_free(&p);
    return rc;
}

zt_err tr_bids_seal(zt_db *db, const tr_proj *p, const zt_principal *actor, int64_t now, json_t **record, zt_error *e) {
    zt_stmt *st =
        zt_db_query(db, e,
                    "SELECT " BID_COLS ", u.name, coalesce(u.credit_code, ''), b.price, b.submitted_at,"
                    " b.unlocked_at, coalesce(b.ip, ''), coalesce(b.device, ''), b.deposit_account FROM " BID_FROM
                    " JOIN users u ON u.id = b.enterprise_id WHERE b.project_id = ? AND b.round = ?"
                    " AND b.state IN ('registered', 'submitted', 'unlocked') ORDER BY b.id",
                    ZT_I(p->id), ZT_I(p->round));
    if (!st) return ZT_EINTERNAL;
    size_t n = 0, cap = 16;
    bid_row *rows = zt_malloc(cap * sizeof *rows);
    json_t *rec = json_array();
    zt_err s;
    while ((s = zt_step(st, e)) == ZT_ROW) {
        if (n == cap) rows = zt_realloc(rows, (cap *= 2) * sizeof *rows);
        bid_read(st, &rows[n]);
        json_t *o = json_pack("{s:s,s:s,s:s,s:s,s:o,s:o,s:s,s:s}", "bid", rows[n].number, "enterprise",
                              zt_col_text(st, 12), "credit_code", zt_col_text(st, 13), "sha256", rows[n].sha256,
                              "price", zt_col_is_null(st, 14) ? json_null() : json_integer(zt_col_int(st, 14)),
                              "submitted_at", zt_col_is_null(st, 15) ? json_null() : json_integer(zt_col_int(st, 15)),
                              "ip", zt_col_text(st, 17), "device", zt_col_text(st, 18));
        json_object_set_new(o, "account", json_string(zt_col_text(st, 19)));
        json_object_set_new(o, "valid", json_boolean(!strcmp(rows[n].state, "unlocked")));
        json_array_append_new(rec, o);
        n++;
    }
    zt_db_release(db);
    zt_err rc = zt_step_failed(s) ? s : ZT_OK;
    for (size_t i = 0; !rc && i < n; i++) {
        if (!strcmp(rows[i].state, "unlocked")) continue;
        json_t *f =
            json_pack("{s:s}", "reason", !strcmp(rows[i].state, "submitted") ? "未在解密时限内解密" : "未递交投标文件");
        rc = bid_step(db, &rows[i], "invalidate", actor, f, NULL, now, e);
        json_decref(f);
    }
    free(rows);
    if (rc) {
        json_decref(rec);
        return rc;
    }
    *record = rec;
    return ZT_OK;
}

/* --- JSON for the project's page ------------------------------------------ */

json_t *tr_questions_json(zt_db *db, const char *number) {
    zt_error e = {0};
    json_t *a = json_array();
    zt_stmt *st = zt_db_query(db, &e,
                              "SELECT q.id, q.question, q.answer, q.asked_at, q.answered_at FROM trade_questions q"
                              " JOIN trade_projects p ON p.id = q.project_id WHERE p.number = ? ORDER BY q.id",
                              ZT_T(number));
    if (!st) return a;
    while (zt_step(st, &e) == ZT_ROW)
        json_array_append_new(a, json_pack("{s:I,s:s,s:o,s:o,s:o}", "id", (json_int_t)zt_col_int(st, 0), "question",
                                           zt_col_text(st, 1), "answer", zt_col_json_text(st, 2), "asked_at",
                                           zt_col_json_time(st, 3), "answered_at", zt_col_json_time(st, 4)));
    zt_db_release(db);
    return a;
}

/* The opening record (开标记录), public once the decryption window closed:
 * bidders, prices, hashes. */
json_t *tr_opening_json(zt_db *db, const char *number) {
    zt_error e = {0};
    json_t *a = json_array();
    zt_stmt *st = zt_db_query(db, &e,
                              "SELECT b.number, u.name, coalesce(u.credit_code, ''), b.sha256, b.price, b.state,"
                              " b.submitted_at, b.unlocked_at FROM trade_bids b JOIN trade_projects p ON"
                              " p.id = b.project_id JOIN users u ON u.id = b.enterprise_id WHERE p.number = ?"
                              " AND b.round = p.round AND p.state NOT IN ('draft', 'announced', 'opened')"
                              " AND b.state IN ('unlocked', 'invalid') AND b.submitted_at IS NOT NULL ORDER BY b.id",
                              ZT_T(number));
    if (!st) return a;
    while (zt_step(st, &e) == ZT_ROW)
        json_array_append_new(a, json_pack("{s:s,s:s,s:s,s:o,s:o,s:s,s:o,s:o}", "bid", zt_col_text(st, 0), "enterprise",
                                           zt_col_text(st, 1), "credit_code", zt_col_text(st, 2), "sha256",
                                           zt_col_json_text(st, 3), "price",
                                           zt_col_is_null(st, 4) ? json_null() : json_integer(zt_col_int(st, 4)),
                                           "state", zt_col_text(st, 5), "submitted_at", zt_col_json_time(st, 6),
                                           "unlocked_at", zt_col_json_time(st, 7)));
    zt_db_release(db);
    return a;
}

json_t *tr_objections_json(zt_db *db, const char *number) {
    zt_error e = {0};
    json_t *a = json_array();
    zt_stmt *st = zt_db_query(db, &e,
                              "SELECT o.id, o.text, o.answer, o.raised_at, o.answered_at FROM trade_objections o"
                              " JOIN trade_projects p ON p.id = o.project_id WHERE p.number = ? ORDER BY o.id",
                              ZT_T(number));
    if (!st) return a;
    while (zt_step(st, &e) == ZT_ROW)
        json_array_append_new(a, json_pack("{s:I,s:s,s:o,s:o,s:o}", "id", (json_int_t)zt_col_int(st, 0), "text",
                                           zt_col_text(st, 1), "answer", zt_col_json_text(st, 2), "raised_at",
                                           zt_col_json_time(st, 3), "answered_at", zt_col_json_time(st, 4)));
    zt_db_release(db);
    return a;
}

/* --- questions and objections --------------------------------------------- */

/* POST /api/trading/projects/{number}/questions {question}: answered to
 * all; the asker is never shown. */
static zt_err ask_write(zt_db *db, void *arg, zt_error *e) {
    op *a = arg;
    tr_proj p;
    zt_err rc = tr_proj_load(db, a->number, &p, e);
    if (rc) return rc;
    const char *q = NULL;
    if (strcmp(p.state, "announced")) rc = zt_fail(e, ZT_ECONFLICT, "state", "项目不在公告期，不能提问");
    if (!rc) rc = zt_json_str(a->b, "question", 1, 2000, &q, e);
    int64_t now = zt_now();
    zt_stmt *st = NULL;
    if (!rc) {
        st = zt_db_query(db, e,
                         "INSERT INTO trade_questions (project_id, asker_id, question, asked_at) VALUES (?, ?, ?, ?)"
                         " RETURNING id",
                         ZT_I(p.id), ZT_I(a->p->user_id), ZT_T(q), ZT_I(now));
        if (!st) rc = ZT_EINTERNAL;
    }
    if (!rc) {
        zt_err s = zt_step(st, e);
        if (s != ZT_ROW)
            rc = zt_step_failed(s) ? s : ZT_EINTERNAL;
        else {
            a->id = zt_col_int(st, 0);
            zt_db_release(db);
        }
    }
    if (!rc) {
        char sub[48];
        snprintf(sub, sizeof sub, "%s/Q%lld", p.number, (long long)a->id);
        json_t *d = json_pack("{s:s,s:s}", "project", p.number, "question", q);
        rc = zt_record(db, a->p, "trade_question.ask", "trade_question", sub, 0, d, e);
        json_decref(d);
    }
    if (!rc) a->out = json_pack("{s:I,s:s,s:s}", "id", (json_int_t)a->id, "project", p.number, "question", q);
    tr_proj_free(&p);
    return rc;
}

/* The project number of question or objection a->id (which), while it has
 * no answer; and the answer from the body (at most max characters). */
static zt_err unanswered(zt_db *db, const op *a, int objection, size_t max, const char **ans, char *number, size_t cap,
                         zt_error *e) {
    static const char *const sql[] = {
        "SELECT p.number, x.answer IS NOT NULL FROM trade_questions x JOIN trade_projects p"
        " ON p.id = x.project_id WHERE x.id = ?",
        "SELECT p.number, x.answer IS NOT NULL FROM trade_objections x JOIN trade_projects p"
        " ON p.id = x.project_id WHERE x.id = ?",
    };
    const char *what = objection ? "异议" : "问题";
    zt_err rc = zt_json_str(a->b, "answer", 1, max, ans, e);
    if (rc) return rc;
    zt_stmt *st = zt_db_query(db, e, sql[objection], ZT_I(a->id));
    if (!st) return ZT_EINTERNAL;
    if (zt_step(st, e) != ZT_ROW) {
        zt_db_release(db);
        return zt_fail(e, ZT_ENOTFOUND, "id", "%s不存在", what);
    }
    snprintf(number, cap, "%s", zt_col_text(st, 0));
    int done = (int)zt_col_int(st, 1);
    zt_db_release(db);
    return done ? zt_fail(e, ZT_ECONFLICT, "answer", "该%s已答复", what) : ZT_OK;
}

static zt_err answer_write(zt_db *db, void *arg, zt_error *e) {
    op *a = arg;
    const char *ans = NULL;
    char number[32];
    zt_err rc = unanswered(db, a, 0, 4000, &ans, number, sizeof number, e);
    if (rc) return rc;
    int64_t now = zt_now();
    rc = zt_db_run(db, e, "UPDATE trade_questions SET answer = ?, answered_at = ? WHERE id = ?", ZT_T(ans), ZT_I(now),
                   ZT_I(a->id));
    char sub[48];
    snprintf(sub, sizeof sub, "%s/Q%lld", number, (long long)a->id);
    json_t *d = json_pack("{s:s,s:s}", "project", number, "answer", ans);
    if (!rc) rc = zt_record(db, a->p, "trade_question.answer", "trade_question", sub, 0, d, e);
    json_decref(d);
    if (!rc) a->out = json_pack("{s:I,s:s,s:s}", "id", (json_int_t)a->id, "project", number, "answer", ans);
    return rc;
}

/* POST /api/trading/projects/{number}/objections {text}: a bidder's
 * objection (异议/质疑) pauses the project until the centre answers. */
static zt_err object_write(zt_db *db, void *arg, zt_error *e) {
    op *a = arg;
    tr_proj p;
    zt_err rc = tr_proj_load(db, a->number, &p, e);
    if (rc) return rc;
    const char *text = NULL;
    zt_stmt *st = zt_db_query(db, e, "SELECT count(*) FROM trade_bids WHERE project_id = ? AND enterprise_id = ?",
                              ZT_I(p.id), ZT_I(a->p->user_id));
    if (!st)
        rc = ZT_EINTERNAL;
    else {
        int reg = zt_step(st, e) == ZT_ROW && zt_col_int(st, 0) > 0;
        zt_db_release(db);
        if (!reg) rc = zt_fail(e, ZT_EFORBIDDEN, "registration", "只有报名本项目的投标人可以提出异议");
    }
    if (!rc) rc = zt_json_str(a->b, "text", 1, 2000, &text, e);
    int64_t now = zt_now();
    char from[16];
    snprintf(from, sizeof from, "%s", p.state);
    if (!rc) {
        json_t *f = json_pack("{s:s}", "text", text);
        json_t *x = json_pack("{s:s}", "paused_from", from);
        rc = tr_proj_step(db, &p, "object", a->p, f, x, NULL, now, e);
        json_decref(f);
        json_decref(x);
    }
    if (!rc) rc = zt_db_run(db, e, "UPDATE trade_projects SET paused_from = ? WHERE id = ?", ZT_T(from), ZT_I(p.id));
    if (!rc) {
        st = zt_db_query(db, e,
                         "INSERT INTO trade_objections (project_id, enterprise_id, text, raised_at) VALUES (?, ?, ?, ?)"
                         " RETURNING id",
                         ZT_I(p.id), ZT_I(a->p->user_id), ZT_T(text), ZT_I(now));
        if (!st)
            rc = ZT_EINTERNAL;
        else {
            if (zt_step(st, e) == ZT_ROW)
                a->id = zt_col_int(st, 0);
            else
                rc = ZT_EINTERNAL;
            zt_db_release(db);
        }
    }
    if (!rc)
        a->out = json_pack("{s:I,s:s,s:s,s:s}", "id", (json_int_t)a->id, "project", p.number, "state", "paused",
                           "paused_from", from);
    tr_proj_free(&p);
    return rc;
}

static zt_err answer_objection_write(zt_db *db, void *arg, zt_error *e) {
    op *a = arg;
    const char *ans = NULL;
    char number[32];
    zt_err rc = unanswered(db, a, 1, 2000, &ans, number, sizeof number, e);
    if (rc) return rc;
    tr_proj p;
    if ((rc = tr_proj_load(db, number, &p, e))) return rc;
    int64_t now = zt_now();
    char to[16];
    snprintf(to, sizeof to, "%s", *p.paused_from ? p.paused_from : "announced");
    json_t *f = json_pack("{s:s}", "answer", ans);
    json_t *x = json_pack("{s:I}", "objection", (json_int_t)a->id);
    rc = tr_proj_step(db, &p, "answer_objection", a->p, f, x, to, now, e);
    json_decref(f);
    json_decref(x);
    if (!rc)
        rc = zt_db_run(db, e, "UPDATE trade_objections SET answer = ?, answered_at = ? WHERE id = ?", ZT_T(ans),
                       ZT_I(now), ZT_I(a->id));
    if (!rc) rc = zt_db_run(db, e, "UPDATE trade_projects SET paused_from = NULL WHERE id = ?", ZT_I(p.id));
    if (!rc) a->out = json_pack("{s:I,s:s,s:s}", "id", (json_int_t)a->id, "project", number, "state", to);
    tr_proj_free(&p);
    return rc;
}

/* POST /api/trading/projects/{number}/auction/raise {price}: a valid bidder
 * raises the standing price by at least the increment (现场竞价). */
static zt_err raise_write(zt_db *db, void *arg, zt_error *e) {
    op *a = arg;
    tr_proj p;
    zt_err rc = tr_proj_load(db, a->number, &p, e);
    if (rc) return rc;
    bid_row b;
    int64_t now = zt_now(), price = 0;
    if (strcmp(p.state, "auctioning")) rc = zt_fail(e, ZT_ECONFLICT, "state", "项目不在现场竞价中");
    if (!rc) rc = bid_mine(db, &p, a->p->user_id, &b, e);
    if (!rc && strcmp(b.state, "unlocked")) rc = zt_fail(e, ZT_EFORBIDDEN, "bid", "只有有效投标人可以竞价");
    if (!rc && !strcmp(b.number, p.auction_leader)) rc = zt_fail(e, ZT_ECONFLICT, "price", "您已是当前最高报价");
    if (!rc) rc = zt_json_int(a->b, "price", 1, 1, 1000000000000000LL, 0, &price, e);
    if (!rc && price < p.auction_price + p.auction_increment)
        rc = zt_fail(e, ZT_EINVAL, "price", "报价须不低于 %lld 分（当前 %lld 分加幅度 %lld 分）",
                     (long long)(p.auction_price + p.auction_increment), (long long)p.auction_price,
                     (long long)p.auction_increment);
    if (!rc) {
        json_t *x = json_pack("{s:s,s:I}", "bid", b.number, "previous_price", (json_int_t)p.auction_price);
        rc = tr_proj_step(db, &p, "raise", a->p, a->b, x, NULL, now, e);
        json_decref(x);
    }
    if (!rc)
        rc = zt_db_run(db, e, "UPDATE trade_projects SET auction_price = ?, auction_leader = ? WHERE id = ?",
                       ZT_I(price), ZT_I(b.id), ZT_I(p.id));
    if (!rc) rc = zt_db_run(db, e, "UPDATE trade_bids SET auction_price = ? WHERE id = ?", ZT_I(price), ZT_I(b.id));
    if (!rc)
        a->out = json_pack("{s:s,s:s,s:I,s:s}", "project", p.number, "state", p.state, "price", (json_int_t)price,
                           "leader", b.number);
    tr_proj_free(&p);
    return rc;
}

/* --- handlers ---------------------------------------------------------------- */

static zt_err run(zt_req *r, zt_write_fn fn, const char *id_param, int status, const char *const *allowed,
                  zt_error *e) {
    zt_app *app = zt_req_app(r);
    op a = {.app = app, .p = zt_req_principal(r), .number = zt_req_param(r, "number"), .ip = zt_req_client(r)};
    zt_err rc = ZT_OK;
    if (id_param) rc = zt_req_param_id(r, id_param, &a.id, e);
    if (!rc) rc = zt_req_json(r, &a.b, e);
    if (!rc) rc = zt_json_only(a.b, allowed, e);
    if (!rc) rc = zt_store_write(app->store, fn, &a, e);
    if (rc) {
        json_decref(a.out);
        return rc;
    }
    zt_reply_json(r, status, a.out);
    return ZT_OK;
}

static zt_err h_register(zt_req *r, zt_error *e) {
    return run(r, register_write, NULL, 201, (const char *const[]){"deposit", "deposit_account", NULL}, e);
}
static zt_err h_bid(zt_req *r, zt_error *e) {
    return run(r, bid_write, NULL, 200, (const char *const[]){"ciphertext", "iv", "sha256", "device", NULL}, e);
}
static zt_err h_unlock(zt_req *r, zt_error *e) {
    return run(r, unlock_write, NULL, 200, (const char *const[]){"key", NULL}, e);
}
static zt_err h_raise(zt_req *r, zt_error *e) {
    return run(r, raise_write, NULL, 200, (const char *const[]){"price", NULL}, e);
}
static zt_err h_ask(zt_req *r, zt_error *e) {
    return run(r, ask_write, NULL, 201, (const char *const[]){"question", NULL}, e);
}
static zt_err h_answer(zt_req *r, zt_error *e) {
    return run(r, answer_write, "id", 200, (const char *const[]){"answer", NULL}, e);
}
static zt_err h_object(zt_req *r, zt_error *e) {
    return run(r, object_write, NULL, 201, (const char *const[]){"text", NULL}, e);
}
static zt_err h_answer_objection(zt_req *r, zt_error *e) {
    return run(r, answer_objection_write, "id", 200, (const char *const[]){"answer", NULL}, e);
}

/* Each bid's steps with their fields (read after the list: one reader). */
static void add_steps(zt_db *db, json_t *bids) {
    size_t i;
    json_t *b;
    json_array_foreach(bids, i, b) json_object_set_new(
        b, "steps", tr_steps_json(db, "tender_bid", json_string_value(json_object_get(b, "number"))));
}

/* GET /api/trading/my/bids: the enterprise's registrations and bids. */
static zt_err h_mine(zt_req *r, zt_error *e) {
    zt_app *app = zt_req_app(r);
    zt_db *db = zt_store_reader(app->store);
    zt_stmt *st =
        zt_db_query(db, e,
                    "SELECT b.number, p.number, p.title, p.state, b.round, b.state, b.deposit, b.sha256,"
                    " b.submitted_at, b.price, b.unlocked_at, p.deadline, p.window_end FROM trade_bids b"
                    " JOIN trade_projects p ON p.id = b.project_id WHERE b.enterprise_id = ? ORDER BY b.id DESC",
                    ZT_I(zt_req_principal(r)->user_id));
    if (!st) return ZT_EINTERNAL;
    json_t *a = json_array();
    while (zt_step(st, e) == ZT_ROW)
        json_array_append_new(a,
                              json_pack("{s:s,s:s,s:s,s:s,s:I,s:s,s:I,s:o,s:o,s:o,s:o,s:o,s:o}", "number",
                                        zt_col_text(st, 0), "project", zt_col_text(st, 1), "title", zt_col_text(st, 2),
                                        "project_state", zt_col_text(st, 3), "round", (json_int_t)zt_col_int(st, 4),
                                        "state", zt_col_text(st, 5), "deposit", (json_int_t)zt_col_int(st, 6), "sha256",
                                        zt_col_json_text(st, 7), "submitted_at", zt_col_json_time(st, 8), "price",
                                        zt_col_is_null(st, 9) ? json_null() : json_integer(zt_col_int(st, 9)),
                                        "unlocked_at", zt_col_json_time(st, 10), "deadline", zt_col_json_time(st, 11),
                                        "unlock_until", zt_col_json_time(st, 12)));
    zt_db_release(db);
    add_steps(db, a);
    zt_reply_json(r, 200, json_pack("{s:o}", "items", a));
    return ZT_OK;
}

/* GET /api/trading/projects/{number}/bids: every bid with its evidence
 * (addresses, devices, hashes), for the centre and supervisors, once the
 * project is opened (before, even the centre must not know the bidders:
 * 招标投标法 §22). */
static zt_err h_bids(zt_req *r, zt_error *e) {
    zt_app *app = zt_req_app(r);
    zt_db *db = zt_store_reader(app->store);
    tr_proj p;
    zt_err rc = tr_proj_load(db, zt_req_param(r, "number"), &p, e);
    if (rc) return rc;
    int before = !p.opened_at && (!strcmp(p.state, "draft") || !strcmp(p.state, "announced"));
    tr_proj_free(&p);
    if (before) return zt_fail(e, ZT_ECONFLICT, "state", "开标前投标人名单保密");
    zt_stmt *st =
        zt_db_query(db, e,
                    "SELECT b.number, u.name, b.round, b.state, b.deposit, b.sha256, b.submitted_at,"
                    " b.ip, b.device, b.price, b.unlocked_at, b.deposit_account FROM trade_bids b JOIN trade_projects p"
                    " ON p.id = b.project_id JOIN users u ON u.id = b.enterprise_id WHERE p.number = ?"
                    " ORDER BY b.round, b.id",
                    ZT_T(zt_req_param(r, "number")));
    if (!st) return ZT_EINTERNAL;
    json_t *a = json_array();
    while (zt_step(st, e) == ZT_ROW)
        json_array_append_new(
            a,
            json_pack("{s:s,s:s,s:I,s:s,s:I,s:o,s:o,s:o,s:o,s:o,s:o,s:s}", "number", zt_col_text(st, 0), "enterprise",
                      zt_col_text(st, 1), "round", (json_int_t)zt_col_int(st, 2), "state", zt_col_text(st, 3),
                      "deposit", (json_int_t)zt_col_int(st, 4), "sha256", zt_col_json_text(st, 5), "submitted_at",
                      zt_col_json_time(st, 6), "ip", zt_col_json_text(st, 7), "device", zt_col_json_text(st, 8),
                      "price", zt_col_is_null(st, 9) ? json_null() : json_integer(zt_col_int(st, 9)), "unlocked_at",
                      zt_col_json_time(st, 10), "deposit_account", zt_col_text(st, 11)));
    zt_db_release(db);
    add_steps(db, a);
    zt_reply_json(r, 200, json_pack("{s:o}", "items", a));
    return ZT_OK;
}

#define BID_BODY (1024 * 1024)

static const zt_route routes[] = {
    {"POST", "/api/trading/projects/{number}/registration", h_register, ZT_R_ENTERPRISE,
     "register for a project and declare the deposit (≤ 2 % of the budget) and its account: {deposit, "
     "deposit_account}"},
    {"PUT", "/api/trading/projects/{number}/bid", h_bid, ZT_R_ENTERPRISE,
     "submit (or replace) the sealed bid before the deadline: {ciphertext, iv (Base64, AES-256-GCM), sha256, device}",
     BID_BODY},
    {"POST", "/api/trading/projects/{number}/bid/unlock", h_unlock, ZT_R_ENTERPRISE,
     "unlock the own bid at the opening within the decryption window: {key (Base64, 32 bytes)}"},
    {"GET", "/api/trading/projects/{number}/bids", h_bids, ZT_R_TRADING | ZT_R_SUPERVISOR | ZT_R_ADMIN | ZT_R_AUDITOR,
     "the bids of a project with their evidence (after the opening)"},
    {"POST", "/api/trading/projects/{number}/auction/raise", h_raise, ZT_R_ENTERPRISE,
     "raise the standing price at the auction (现场竞价) by at least the increment: {price}"},
    {"POST", "/api/trading/projects/{number}/questions", h_ask, ZT_R_ENTERPRISE,
     "ask about the documents (answered to all, anonymously): {question}"},
    {"POST", "/api/trading/questions/{id}/answer", h_answer, ZT_R_TRADING, "answer a question to all: {answer}"},
    {"POST", "/api/trading/projects/{number}/objections", h_object, ZT_R_ENTERPRISE,
     "raise an objection (异议), pausing the project: {text}"},
    {"POST", "/api/trading/objections/{id}/answer", h_answer_objection, ZT_R_TRADING,
     "answer an objection; the project resumes: {answer}"},
    {"GET", "/api/trading/my/bids", h_mine, ZT_R_ENTERPRISE, "the enterprise's registrations and bids"},
};

const zt_route *tr_bid_routes(size_t *n) {
    *n = sizeof routes / sizeof routes[0];
    return routes;
}
