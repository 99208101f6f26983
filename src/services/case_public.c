/* case_public.c - what a case shows without a login: the status query by
 * number and query password, and the receipts that print them with a QR
 * code (受理通知书, 网上申请回执; docs/services.md, docs/receipt.md). */
#include <fcntl.h>
#include <stdatomic.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth/auth.h"
#include "base/clock.h"
#include "base/json.h"
#include "flow/registry.h"
#include "services/case.h"
#include "services/services.h"

/* --- the query password ----------------------------------------------
 * Derived from the case number with a server key (HMAC), so that the
 * applicant can print the receipt again and a retried submission answers
 * with the same password, while the database alone does not reveal it. The
 * stored hash decides a query. 8 characters of a 32-letter alphabet without
 * look-alikes (0/O, 1/I/L): 40 bits, and queries are throttled. */

static unsigned char query_key[crypto_auth_KEYBYTES];
/* the stored hash of a number that does not exist (the status query, below) */
static unsigned char dummy_hash[32];

static const char PW_ALPHABET[] = "23456789ABCDEFGHJKMNPQRSTUVWXYZa";

void case_query_password(const char *number, char out[9]) {
    unsigned char mac[crypto_auth_BYTES];
    crypto_auth(mac, (const unsigned char *)number, strlen(number), query_key);
    for (int i = 0; i < 8; i++) out[i] = PW_ALPHABET[mac[i] & 31];
    out[8] = 0;
}

static void query_hash(const char *number, const char *password, unsigned char out[32]) {
    crypto_hash_sha256_state st;
    crypto_hash_sha256_init(&st);
    crypto_hash_sha256_update(&st, (const unsigned char *)number, strlen(number));
    crypto_hash_sha256_update(&st, (const unsigned char *)":", 1);
    crypto_hash_sha256_update(&st, (const unsigned char *)password, strlen(password));
    crypto_hash_sha256_final(&st, out);
}

void zt_case_query_secret(const char *number, char password[9], unsigned char hash[32]) {
    case_query_password(number, password);
    query_hash(number, password, hash);
}

/* data_dir/query.key: created once (0600), then read at every start. */
static zt_err load_query_key(const zt_config *cfg, zt_error *e) {
    char *path = zt_config_path(cfg, NULL, "query.key");
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        randombytes_buf(query_key, sizeof query_key);
        fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd < 0 || write(fd, query_key, sizeof query_key) != (ssize_t)sizeof query_key || fsync(fd)) {
            if (fd >= 0) close(fd);
            zt_fail(e, ZT_EINTERNAL, "data_dir", "无法创建查询密钥文件 %s", path);
            free(path);
            return ZT_EINTERNAL;
        }
        close(fd);
        free(path);
        return ZT_OK;
    }
    ssize_t n = read(fd, query_key, sizeof query_key);
    close(fd);
    if (n != (ssize_t)sizeof query_key) {
        zt_fail(e, ZT_EINTERNAL, "data_dir", "查询密钥文件 %s 已损坏", path);
        free(path);
        return ZT_EINTERNAL;
    }
    free(path);
    return ZT_OK;
}

zt_err zt_services_start(zt_app *app, zt_error *e) {
    randombytes_buf(dummy_hash, sizeof dummy_hash);
    zt_err rc = zt_flows_load(app, e);
    if (!rc) rc = load_query_key(app->cfg, e);
    return rc;
}

/* --- the status query ------------------------------------------------------- */

/* The status query's work (issue 22 F19): an unknown number and a known one
 * with a wrong password must cost the same, or the time of the answer tells
 * which numbers exist (numbers are sequential: a day's volume). So the first
 * read gives a hash either way - the case's, or a random one drawn at start
 * for numbers that do not exist, which no password matches - and one
 * constant-time comparison decides; the case itself is read only after the
 * password matched. The counters show that both paths are the one path. */
static _Atomic uint64_t status_compares, status_case_reads;

int zt_services_metrics(char *out, size_t cap) {
    int n = snprintf(out, cap,
                     "# HELP zt_status_query_compares_total Status queries decided by comparing a stored hash "
                     "(a dummy one for an unknown number).\n"
                     "# TYPE zt_status_query_compares_total counter\nzt_status_query_compares_total %llu\n"
                     "# HELP zt_status_query_case_reads_total Status queries that read the case (right password).\n"
                     "# TYPE zt_status_query_case_reads_total counter\nzt_status_query_case_reads_total %llu\n",
                     (unsigned long long)atomic_load(&status_compares),
                     (unsigned long long)atomic_load(&status_case_reads));
    return n < 0 ? 0 : (size_t)n >= cap ? (int)cap - 1 : n;
}

/* The answer: what the holder of the receipt may know (no personal
 * numbers, no staff names). The one place it is made: a write stores it
 * (case_public_store), a case without a stored answer is answered with it
 * live. */
zt_err case_public_answer(zt_db *db, const char *number, char **out, size_t *len, zt_error *e) {
    zt_arena a;
    zt_arena_init(&a);
    case_row c;
    zt_err rc = case_load(db, &a, number, &c, e);
    if (rc) {
        zt_arena_free(&a);
        return rc;
    }
    const zt_flow *f = zt_flows_get(c.flow_id, c.flow_version);
    zt_error he = {0};
    json_t *tl = case_events_json(db, &a, f, &c, 1, &he);
    if (he.code) {
        json_decref(tl);
        zt_arena_free(&a);
        *e = he;
        return he.code;
    }
    json_t *j = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:o,s:o,s:o,s:o,s:o}", "number", c.number, "item_name", c.item_name,
                          "department_name", c.dept_name, "state", c.state, "state_label", case_state_label(f, c.state),
                          "applicant_name", c.applicant_name, "submitted_at", case_ts_json(c.submitted_at),
                          "accepted_at", case_ts_json(c.accepted_at), "promised_due", case_day_json(c.promised_due),
                          "result", case_result_json(&c), "timeline", tl);
    case_applicant_timeline(json_object_get(j, "timeline"));
    char *text = j ? json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
    json_decref(j);
    zt_arena_free(&a);
    if (!text) return zt_fail(e, ZT_EINTERNAL, NULL, "status answer: JSON encoding failed");
    *out = text;
    *len = strlen(text);
    return ZT_OK;
}

zt_err case_public_store(zt_db *db, const char *number, zt_error *e) {
    char *text;
    size_t len;
    zt_err rc = case_public_answer(db, number, &text, &len, e);
    if (rc) return rc;
    rc = zt_db_run(db, e, "UPDATE cases SET public_answer = ? WHERE number = ?", ZT_T(text), ZT_T(number));
    free(text);
    return rc;
}

/* The department's name is in the answers of its cases and of every case
 * one of its staff took a step on (the timeline's departments). A rename is
 * rare (an administrator's): one scan of the steps. */
zt_err zt_cases_dept_renamed(zt_db *db, int64_t dept_id, zt_error *e) {
    return zt_db_run(db, e,
                     "UPDATE cases SET public_answer = NULL WHERE public_answer IS NOT NULL AND (dept_id = ?1 OR number"
                     " IN (SELECT subject FROM flow_events WHERE subject_type = 'case' AND actor_dept ="
                     " (SELECT code FROM departments WHERE id = ?1)))",
                     ZT_I(dept_id));
}

/* POST /api/public/case-status {number, password}: no login. A wrong
 * password answers exactly like an unknown number, after the same work;
 * failures are throttled per address (services.query_max_failures in
 * services.query_window). One indexed read gives the hash (or the dummy)
 * and the answer stored by the case's last write; the answer's bytes are
 * looked at only once the password matched. */
zt_err case_h_status(zt_req *r, zt_error *e) {
    zt_app *app = zt_app_of(r);
    json_t *b;
    const char *number, *password;
    zt_err rc = zt_req_json(r, &b, e);
    if (!rc) rc = zt_json_only(b, (const char *const[]){"number", "password", NULL}, e);
    if (!rc) rc = zt_json_str(b, "number", 1, 64, &number, e);
    if (!rc) rc = zt_json_str(b, "password", 1, 64, &password, e);
    if (rc) return rc;
    char key[96];
    snprintf(key, sizeof key, "query:%s", zt_req_client(r));
    int64_t now = zt_now(), retry = 0, win = app->cfg->query_window;
    if (zt_throttle_blocked(key, now, app->cfg->query_max_failures, win, &retry)) {
        char ra[24];
        snprintf(ra, sizeof ra, "%lld", (long long)retry);
        zt_reply_header(r, "Retry-After", ra);
        return zt_fail(e, ZT_ETHROTTLED, "password", "查询失败次数过多，请 %lld 秒后再试", (long long)retry);
    }
    /* one row either way: the case's hash and answer, or the dummy and NULL */
    zt_db *db = zt_store_reader(app->store);
    zt_stmt *st = zt_db_prepare(db,
                                "SELECT coalesce(c.query_hash, ?2), c.public_answer FROM (SELECT 1)"
                                " LEFT JOIN cases c ON c.number = ?1",
                                e);
    if (!st) return ZT_EINTERNAL;
    zt_bind_text(st, 1, number);
    zt_bind_blob(st, 2, dummy_hash, sizeof dummy_hash);
    unsigned char want[32], got[32];
    zt_err step = zt_step(st, e);
    if (zt_step_failed(step)) return step;
    size_t n = 0;
    const void *h = step == ZT_ROW ? zt_col_blob(st, 0, &n) : NULL;
    memcpy(want, h && n == 32 ? h : dummy_hash, 32);
    query_hash(number, password, got);
    atomic_fetch_add(&status_compares, 1);
    if (sodium_memcmp(want, got, 32) != 0) {
        zt_db_release(db);
        zt_throttle_fail(key, now, win);
        return zt_fail(e, ZT_ENOTFOUND, "password", "办件编号或查询密码不正确");
    }
    atomic_fetch_add(&status_case_reads, 1);
    if (step == ZT_ROW && !zt_col_is_null(st, 1)) {
        size_t len = 0;
        const void *text = zt_col_blob(st, 1, &len);
        zt_reply_json_text(r, 200, text, len);
        zt_db_release(db);
        return ZT_OK;
    }
    zt_db_release(db);
    char *text;
    size_t len;
    if ((rc = case_public_answer(db, number, &text, &len, e))) return rc;
    zt_reply_json_text(r, 200, text, len);
    free(text);
    return ZT_OK;
}

/* --- receipts -------------------------------------------------------------------- */

static size_t url_escape(const char *s, char *out, size_t cap) {
    size_t n = 0;
    for (; *s && n + 4 < cap; s++) {
        unsigned char ch = (unsigned char)*s;
        if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || strchr("-._~", ch))
            out[n++] = (char)ch;
        else
            n += (size_t)snprintf(out + n, cap - n, "%%%02X", ch);
    }
    out[n] = 0;
    return n;
}

/* The link of the receipt's QR code: the portal's status page with the
 * number and password in the fragment (never sent to a server log). */
void zt_case_status_url(const zt_config *cfg, const char *number, const char *password, char *out, size_t cap) {
    char n[160], p[40];
    url_escape(number, n, sizeof n);
    url_escape(password, p, sizeof p);
    const char *base = cfg->public_url;
    size_t bl = strlen(base);
    while (bl && base[bl - 1] == '/') bl--;
    snprintf(out, cap, "%.*s/#/status?no=%s&pw=%s", (int)bl, base, n, p);
}

/* GET /api/cases/{number}/receipt.pdf: the 受理通知书 once accepted, the
 * 网上申请回执 before. */
zt_err case_h_receipt(zt_req *r, zt_error *e) {
    zt_app *app = zt_app_of(r);
    case_row c;
    zt_db *db = zt_store_reader(app->store);
    zt_err rc = case_load(db, zt_req_arena(r), zt_req_param(r, "number"), &c, e);
    if (rc) return rc;
    if (!case_can_view(db, zt_req_principal(r), &c)) return zt_fail(e, ZT_ENOTFOUND, "number", "办件不存在");
    char pw[9], url[512], submitted[11], promised_text[64], legal_text[64], limits[96];
    case_query_password(c.number, pw);
    zt_case_status_url(app->cfg, c.number, pw, url, sizeof url);
    zt_city_day(c.submitted_at, submitted);
    int accepted = c.accepted_at != 0;
    char body[1024], issued[11];
    zt_city_day(zt_now(), issued);
    if (accepted) {
        snprintf(
            body, sizeof body,
            "你（单位）于 %s 提出的「%s」申请，经审查，申请材料齐全、符合法定形式，根据《中华人民共和国行政许可法》"
            "第三十二条的规定，决定予以受理。\n本机关将在承诺时限内作出决定，请凭办件编号和查询密码查询办理进度。",
            submitted, c.item_name);
    } else {
        snprintf(body, sizeof body,
                 "你（单位）于 %s 在网上提交的「%s」申请已收到，正在预审。本机关将在 5 个工作日内决定是否受理；"
                 "材料不齐全或者不符合法定形式的，将一次性告知需要补正的全部内容。",
                 submitted, c.item_name);
    }
    snprintf(limits, sizeof limits, "法定 %d 个工作日，承诺 %d 个工作日", c.legal_days, c.promised_days);
    if (c.legal_days == 0) snprintf(limits, sizeof limits, "即办件（当场办结）");
    snprintf(promised_text, sizeof promised_text, "%s", c.promised_due ? c.promised_due : "受理后计算");
    snprintf(legal_text, sizeof legal_text, "%s", c.legal_due ? c.legal_due : "受理后计算");
    const char *labels[] = {"申请人", "办理部门", "申请日期", "受理日期", "办理时限", "承诺办结日期", "法定办结日期"};
    const char *values[] = {c.applicant_name, c.dept_name,   submitted, c.accept_day ? c.accept_day : "待受理",
                            limits,           promised_text, legal_text};
    zt_receipt rec = {.title = accepted ? "受理通知书" : "网上申请回执",
                      .number = c.number,
                      .dept_name = c.dept_name,
                      .applicant = c.applicant_name,
                      .item_name = c.item_name,
                      .body = body,
                      .row_labels = labels,
                      .row_values = values,
                      .nrows = sizeof labels / sizeof labels[0],
                      .query_password = pw,
                      .qr_url = url,
                      .date = issued};
    unsigned char *pdf;
    size_t len;
    if ((rc = zt_receipt_pdf(&rec, app->cfg->receipt_font, &pdf, &len, e))) return rc;
    zt_reply_data(r, 200, "application/pdf", pdf, len);
    char disp[160];
    snprintf(disp, sizeof disp, "inline; filename=\"receipt-%s.pdf\"", c.number);
    zt_reply_header(r, "Content-Disposition", disp);
    free(pdf);
    return ZT_OK;
}
