/* ocds.c - Open Contracting Data Standard 1.1 releases and records of the
 * trading projects (docs/ocds.md), with the bids extension.
 *
 * A release is one public step of a project's flow (flow_events), in
 * order: 登记 → planning, 发布公告 → tender, 澄清或修改 → tenderAmendment,
 * the opening record, a failure, the publicity → tenderUpdate, 定标 →
 * award, 签订合同 → contract. Each round of a project (a re-tender starts a
 * new one) is its own contracting process: ocid = {trading.ocid_prefix}-
 * {number} for the first, -{number}-{round} after. The Chinese method maps
 * to the closed method codelist (open, selective, limited, direct) with
 * the Chinese name in procurementMethodDetails. A record is every release
 * of one ocid and the compiled release (objects merged, arrays of objects
 * with an id merged by id, other arrays replaced: the OCDS merge rules). */
#include <stdio.h>
#include <string.h>

#include "base/calendar.h"
#include "base/clock.h"
#include "store/query.h"
#include "trading/internal.h"
#include "trading/trading.h"

#define BIDS_EXT                                                                                                       \
    "https://raw.githubusercontent.com/open-contracting-extensions/ocds_bid_extension/v1.1.5/extension.json"

static const char *method_code(const char *m) {
    if (!strcmp(m, "邀请招标")) return "selective";
    if (!strcmp(m, "竞争性谈判") || !strcmp(m, "竞争性磋商") || !strcmp(m, "询价")) return "limited";
    if (!strcmp(m, "单一来源")) return "direct";
    return "open"; /* 公开招标, 招标, 拍卖, 挂牌, 竞价 */
}

static const char *category(const char *type) {
    if (!strcmp(type, "engineering")) return "works";
    if (!strcmp(type, "procurement")) return "goods";
    return NULL; /* land and property rights: sales, no category of the codelist */
}

static json_t *money(int64_t fen) { return json_pack("{s:f,s:s}", "amount", (double)fen / 100.0, "currency", "CNY"); }

static json_t *when(int64_t t) {
    char buf[32];
    zt_time_format(t, buf);
    return json_string(buf);
}

static json_t *day_when(const char *day) {
    zt_day d;
    if (!day || zt_day_parse(day, &d)) return json_null();
    return when(zt_day_start(d));
}

static void ocid_of(const zt_config *cfg, const char *number, int64_t round, char *out, size_t n) {
    if (round <= 1)
        snprintf(out, n, "%s-%s", cfg->tr_ocid_prefix, number);
    else
        snprintf(out, n, "%s-%s-%lld", cfg->tr_ocid_prefix, number, (long long)round);
}

/* The project's fixed part: what every release repeats. */
typedef struct pinfo {
    int64_t id, budget;
    char number[32], type[16], method[32], title[640], dept[64], dept_name[192], basis[1600], eval[48];
} pinfo;

static json_t *org_ref(const char *id, const char *name) { return json_pack("{s:s,s:s}", "id", id, "name", name); }

static json_t *base_release(const zt_config *cfg, const pinfo *p, int64_t round, int64_t seq, int64_t at,
                            const char *tag) {
    char ocid[96], id[128], buyer[96];
    ocid_of(cfg, p->number, round, ocid, sizeof ocid);
    snprintf(id, sizeof id, "%s-%lld", ocid, (long long)seq);
    snprintf(buyer, sizeof buyer, "CN-DEPT-%s", p->dept);
    json_t *party = json_pack("{s:s,s:s,s:[s]}", "id", buyer, "name", p->dept_name, "roles", "buyer");
    json_t *r = json_pack("{s:s,s:s,s:o,s:[s],s:s,s:s,s:[o],s:o}", "ocid", ocid, "id", id, "date", when(at), "tag", tag,
                          "initiationType", "tender", "language", "zh", "parties", party, "buyer",
                          org_ref(buyer, p->dept_name));
    json_t *t = json_pack("{s:s,s:s,s:o,s:s,s:s}", "id", ocid, "title", p->title, "value", money(p->budget),
                          "procurementMethod", method_code(p->method), "procurementMethodDetails", p->method);
    if (category(p->type)) json_object_set_new(t, "mainProcurementCategory", json_string(category(p->type)));
    json_object_set_new(t, "awardCriteria",
                        json_string(!strcmp(p->eval, "综合评估法")             ? "ratedCriteria"
                                    : !strcmp(p->eval, "经评审的最低投标价法") ? "lowestCost"
                                                                               : "priceOnly"));
    json_object_set_new(t, "awardCriteriaDetails", json_string(p->eval));
    json_object_set_new(t, "submissionMethod", json_pack("[s]", "electronicSubmission"));
    json_object_set_new(r, "tender", t);
    return r;
}

/* The bids of one round: the bids extension's details and statistics,
 * the tenderers as parties. */
static void add_bids(zt_db *db, json_t *r, int64_t project_id, int64_t round, int64_t at, zt_error *e) {
    zt_stmt *st = zt_db_query(db, e,
                              "SELECT b.number, b.state, b.submitted_at, b.price, u.name, coalesce(u.credit_code, '')"
                              " FROM trade_bids b JOIN users u ON u.id = b.enterprise_id WHERE b.project_id = ?"
                              " AND b.round = ? AND b.submitted_at IS NOT NULL AND b.state IN ('unlocked', 'invalid')"
                              " ORDER BY b.id",
                              ZT_I(project_id), ZT_I(round));
    if (!st) return;
    json_t *details = json_array(), *tenderers = json_array(), *parties = json_object_get(r, "parties");
    int64_t n = 0, valid = 0;
    while (zt_step(st, e) == ZT_ROW) {
        char pid[64];
        snprintf(pid, sizeof pid, "CN-USCC-%s", zt_col_text(st, 5));
        int ok = !strcmp(zt_col_text(st, 1), "unlocked");
        json_t *d = json_pack("{s:s,s:o,s:s,s:[o]}", "id", zt_col_text(st, 0), "date", when(zt_col_int(st, 2)),
                              "status", ok ? "valid" : "disqualified", "tenderers", org_ref(pid, zt_col_text(st, 4)));
        if (!zt_col_is_null(st, 3)) json_object_set_new(d, "value", money(zt_col_int(st, 3)));
        json_array_append_new(details, d);
        json_array_append_new(tenderers, org_ref(pid, zt_col_text(st, 4)));
        json_array_append_new(parties, json_pack("{s:s,s:s,s:{s:s,s:s},s:[s]}", "id", pid, "name", zt_col_text(st, 4),
                                                 "identifier", "scheme", "CN-USCC", "id", zt_col_text(st, 5), "roles",
                                                 "tenderer"));
        n++;
        valid += ok;
    }
    zt_db_release(db);
    json_t *t = json_object_get(r, "tender");
    json_object_set_new(t, "numberOfTenderers", json_integer(n));
    json_object_set_new(t, "tenderers", tenderers);
    json_object_set_new(r, "bids",
                        json_pack("{s:[{s:s,s:s,s:o,s:I},{s:s,s:s,s:o,s:I}],s:o}", "statistics", "id", "1", "measure",
                                  "bids", "date", when(at), "value", (json_int_t)n, "id", "2", "measure", "validBids",
                                  "date", when(at), "value", (json_int_t)valid, "details", details));
}

/* The winner of an award step: its bid's price and tenderer. */
static void add_award(zt_db *db, json_t *r, const char *ocid, const char *bid, int64_t round, int64_t at, zt_error *e) {
    zt_stmt *st = zt_db_query(
        db, e,
        "SELECT coalesce(b.auction_price, b.price), u.name, coalesce(u.credit_code, '') FROM trade_bids b JOIN users u"
        " ON u.id = b.enterprise_id WHERE b.number = ?",
        ZT_T(bid));
    if (!st) return;
    if (zt_step(st, e) == ZT_ROW) {
        char pid[64], aid[128];
        snprintf(pid, sizeof pid, "CN-USCC-%s", zt_col_text(st, 2));
        snprintf(aid, sizeof aid, "%s-award", ocid);
        json_t *a = json_pack("{s:s,s:s,s:o,s:[o],s:[s]}", "id", aid, "status", "active", "date", when(at), "suppliers",
                              org_ref(pid, zt_col_text(st, 1)), "relatedBids", bid);
        if (!zt_col_is_null(st, 0)) json_object_set_new(a, "value", money(zt_col_int(st, 0)));
        json_object_set_new(r, "awards", json_pack("[o]", a));
        json_array_append_new(json_object_get(r, "parties"),
                              json_pack("{s:s,s:s,s:{s:s,s:s},s:[s,s]}", "id", pid, "name", zt_col_text(st, 1),
                                        "identifier", "scheme", "CN-USCC", "id", zt_col_text(st, 2), "roles",
                                        "tenderer", "supplier"));
        json_object_set_new(json_object_get(r, "tender"), "status", json_string("complete"));
    }
    zt_db_release(db);
    (void)round;
}

/* One step as a release, or NULL when the step publishes nothing. */
static json_t *release_of(zt_db *db, const zt_config *cfg, const pinfo *p, int64_t round, int64_t seq,
                          const char *action, int64_t at, json_t *fields, zt_error *e) {
    char ocid[96];
    ocid_of(cfg, p->number, round, ocid, sizeof ocid);
    json_t *r;
    if (!strcmp(action, "create") || !strcmp(action, "retender")) {
        r = base_release(cfg, p, round, seq, at, "planning");
        json_object_set_new(r, "planning",
                            json_pack("{s:{s:o,s:s}}", "budget", "amount", money(p->budget), "description", p->basis));
        json_object_set_new(json_object_get(r, "tender"), "status", json_string("planning"));
    } else if (!strcmp(action, "publish")) {
        r = base_release(cfg, p, round, seq, at, "tender");
        json_t *t = json_object_get(r, "tender");
        int64_t dl = 0;
        zt_time_parse(json_string_value(json_object_get(fields, "deadline")), &dl);
        json_object_set_new(t, "status", json_string("active"));
        json_object_set_new(t, "tenderPeriod",
                            json_pack("{s:o,s:o}", "startDate",
                                      day_when(json_string_value(json_object_get(fields, "docs_from"))), "endDate",
                                      when(dl)));
        const char *notice = json_string_value(json_object_get(fields, "notice"));
        if (notice && *notice) json_object_set_new(t, "description", json_string(notice));
    } else if (!strcmp(action, "amend")) {
        r = base_release(cfg, p, round, seq, at, "tenderAmendment");
        json_t *t = json_object_get(r, "tender");
        int64_t dl = 0;
        char aid[16];
        snprintf(aid, sizeof aid, "%lld", (long long)seq);
        zt_time_parse(json_string_value(json_object_get(fields, "deadline")), &dl);
        json_object_set_new(t, "status", json_string("active"));
        if (dl) json_object_set_new(t, "tenderPeriod", json_pack("{s:o}", "endDate", when(dl)));
        json_object_set_new(t, "amendments",
                            json_pack("[{s:s,s:o,s:s}]", "id", aid, "date", when(at), "rationale",
                                      json_string_value(json_object_get(fields, "text"))));
    } else if (!strcmp(action, "seal_opening")) {
        r = base_release(cfg, p, round, seq, at, "tenderUpdate");
        add_bids(db, r, p->id, round, at, e);
    } else if (!strcmp(action, "fail") || !strcmp(action, "terminate")) {
        r = base_release(cfg, p, round, seq, at, "tenderUpdate");
        json_t *t = json_object_get(r, "tender");
        json_object_set_new(t, "status", json_string(!strcmp(action, "fail") ? "unsuccessful" : "cancelled"));
        json_object_set_new(t, "statusDetails", json_string(json_string_value(json_object_get(fields, "reason"))));
    } else if (!strcmp(action, "award")) {
        r = base_release(cfg, p, round, seq, at, "award");
        const char *bid = json_string_value(json_object_get(fields, "bid"));
        if (bid) add_award(db, r, ocid, bid, round, at, e);
    } else if (!strcmp(action, "contract")) {
        r = base_release(cfg, p, round, seq, at, "contract");
        char aid[128], cid[128];
        snprintf(aid, sizeof aid, "%s-award", ocid);
        snprintf(cid, sizeof cid, "%s-contract", ocid);
        json_object_set_new(json_object_get(r, "tender"), "status", json_string("complete"));
        json_object_set_new(r, "contracts",
                            json_pack("[{s:s,s:s,s:s,s:o,s:o}]", "id", cid, "awardID", aid, "status", "active", "value",
                                      money(json_integer_value(json_object_get(fields, "amount"))), "dateSigned",
                                      day_when(json_string_value(json_object_get(fields, "signed_on")))));
    } else
        return NULL;
    return r;
}

static const char *const PUBLIC_ACTIONS =
    "('create', 'retender', 'publish', 'amend', 'seal_opening', 'fail', 'terminate', 'award', 'contract')";

/* Every release of the projects matching (number NULL = all), in order;
 * ocid filters one process. Projects never published are not public. */
static zt_err collect(zt_db *db, const zt_config *cfg, const char *number, const char *ocid, json_t *out, zt_error *e) {
    char sql[1024];
    snprintf(sql, sizeof sql,
             "SELECT p.id, p.budget, p.number, p.type, p.method, p.title, d.code, d.name, p.legal_basis,"
             " p.eval_method, f.seq, f.action, f.at, f.fields FROM flow_events f JOIN trade_projects p ON"
             " p.number = f.subject JOIN departments d ON d.id = p.dept_id WHERE f.subject_type = 'tender' AND"
             " f.action IN %s AND (? IS NULL OR p.number = ?) AND EXISTS (SELECT 1 FROM flow_events g WHERE"
             " g.subject_type = 'tender' AND g.subject = p.number AND g.action = 'publish') ORDER BY p.id, f.seq",
             PUBLIC_ACTIONS);
    zt_stmt *st = zt_db_query(db, e, sql, number ? ZT_T(number) : ZT_NULL, number ? ZT_T(number) : ZT_NULL);
    if (!st) return ZT_EINTERNAL;
    /* read every row first: building a release queries again */
    typedef struct row {
        pinfo p;
        int64_t seq, at;
        char action[32];
        json_t *fields;
    } row;
    size_t n = 0, cap = 16;
    row *rows = zt_malloc(cap * sizeof *rows);
    zt_err s;
    while ((s = zt_step(st, e)) == ZT_ROW) {
        if (n == cap) rows = zt_realloc(rows, (cap *= 2) * sizeof *rows);
        row *w = &rows[n++];
        memset(w, 0, sizeof *w);
        w->p.id = zt_col_int(st, 0);
        w->p.budget = zt_col_int(st, 1);
        snprintf(w->p.number, sizeof w->p.number, "%s", zt_col_text(st, 2));
        snprintf(w->p.type, sizeof w->p.type, "%s", zt_col_text(st, 3));
        snprintf(w->p.method, sizeof w->p.method, "%s", zt_col_text(st, 4));
        snprintf(w->p.title, sizeof w->p.title, "%s", zt_col_text(st, 5));
        snprintf(w->p.dept, sizeof w->p.dept, "%s", zt_col_text(st, 6));
        snprintf(w->p.dept_name, sizeof w->p.dept_name, "%s", zt_col_text(st, 7));
        snprintf(w->p.basis, sizeof w->p.basis, "%s", zt_col_text(st, 8));
        snprintf(w->p.eval, sizeof w->p.eval, "%s", zt_col_text(st, 9));
        w->seq = zt_col_int(st, 10);
        snprintf(w->action, sizeof w->action, "%s", zt_col_text(st, 11));
        w->at = zt_col_int(st, 12);
        w->fields = json_loads(zt_col_text(st, 13), 0, NULL);
        if (!w->fields) w->fields = json_object();
    }
    zt_db_release(db);
    zt_err rc = zt_step_failed(s) ? s : ZT_OK;
    int64_t round = 1, last = 0;
    for (size_t i = 0; i < n; i++) {
        if (rows[i].p.id != last) round = 1;
        last = rows[i].p.id;
        if (!strcmp(rows[i].action, "retender")) round++;
        if (!rc) {
            json_t *r =
                release_of(db, cfg, &rows[i].p, round, rows[i].seq, rows[i].action, rows[i].at, rows[i].fields, e);
            if (r && (!ocid || !strcmp(ocid, json_string_value(json_object_get(r, "ocid")))))
                json_array_append_new(out, r);
            else
                json_decref(r);
        }
        json_decref(rows[i].fields);
    }
    free(rows);
    return rc;
}

static json_t *package(zt_req *r, const char *what) {
    zt_app *app = zt_req_app(r);
    char uri[512];
    snprintf(uri, sizeof uri, "%s%s", app->cfg->public_url ? app->cfg->public_url : "", zt_req_path(r));
    return json_pack("{s:s,s:s,s:o,s:{s:s},s:[s],s:o}", "uri", uri, "version", "1.1", "publishedDate", when(zt_now()),
                     "publisher", "name", "萍乡市公共资源交易中心", "extensions", BIDS_EXT, what, json_array());
}

/* GET /api/ocds/releases?number=&offset=&limit=: a release package, paged
 * over every public release in order. */
static zt_err h_releases(zt_req *r, zt_error *e) {
    zt_app *app = zt_req_app(r);
    int64_t limit, offset;
    zt_err rc = zt_req_page(r, &limit, &offset, e);
    if (rc) return rc;
    const char *number = zt_req_query(r, "number");
    json_t *all = json_array();
    rc = collect(zt_store_reader(app->store), app->cfg, number && *number ? number : NULL, NULL, all, e);
    if (rc) {
        json_decref(all);
        return rc;
    }
    json_t *pkg = package(r, "releases"), *rel = json_object_get(pkg, "releases");
    for (size_t i = (size_t)offset; i < json_array_size(all) && i < (size_t)(offset + limit); i++)
        json_array_append(rel, json_array_get(all, i));
    json_object_set_new(pkg, "total", json_integer((json_int_t)json_array_size(all)));
    json_decref(all);
    zt_reply_json(r, 200, pkg);
    return ZT_OK;
}

/* The OCDS merge: objects member by member, arrays of objects with ids by
 * id, anything else replaced; null removes. */
static void merge(json_t *into, json_t *from);

static int id_array(json_t *a) {
    size_t i;
    json_t *v;
    if (!json_array_size(a)) return 0;
    json_array_foreach(a, i, v) if (!json_is_object(v) || !json_object_get(v, "id")) return 0;
    return 1;
}

static void merge_value(json_t *into, const char *key, json_t *v) {
    json_t *have = json_object_get(into, key);
    if (json_is_null(v)) {
        json_object_del(into, key);
    } else if (json_is_object(v) && json_is_object(have)) {
        merge(have, v);
    } else if (id_array(v) && id_array(have)) {
        size_t i, j;
        json_t *x, *y;
        json_array_foreach(v, i, x) {
            int found = 0;
            json_array_foreach(have, j, y) if (json_equal(json_object_get(x, "id"), json_object_get(y, "id"))) {
                merge(y, x);
                found = 1;
                break;
            }
            if (!found) json_array_append_new(have, json_deep_copy(x));
        }
    } else {
        json_object_set_new(into, key, json_deep_copy(v));
    }
}

static void merge(json_t *into, json_t *from) {
    const char *k;
    json_t *v;
    json_object_foreach(from, k, v) merge_value(into, k, v);
}

/* GET /api/ocds/records/{ocid}: a record package with one record: every
 * release of the process and its compiled release. */
static zt_err h_record(zt_req *r, zt_error *e) {
    zt_app *app = zt_req_app(r);
    const char *ocid = zt_req_param(r, "id");
    size_t pl = strlen(app->cfg->tr_ocid_prefix);
    if (strncmp(ocid, app->cfg->tr_ocid_prefix, pl) || ocid[pl] != '-')
        return zt_fail(e, ZT_ENOTFOUND, "ocid", "ocid 不属于本平台（前缀 %s）", app->cfg->tr_ocid_prefix);
    /* the project's number: the part after the prefix, without a round */
    char number[32];
    snprintf(number, sizeof number, "%s", ocid + pl + 1);
    char *dash = strchr(number, '-');
    if (dash && strchr(dash + 1, '-')) *strchr(dash + 1, '-') = 0;
    json_t *rels = json_array();
    zt_err rc = collect(zt_store_reader(app->store), app->cfg, number, ocid, rels, e);
    if (!rc && !json_array_size(rels)) rc = zt_fail(e, ZT_ENOTFOUND, "ocid", "没有该 ocid 的公开发布");
    if (rc) {
        json_decref(rels);
        return rc;
    }
    json_t *compiled = json_object();
    size_t i;
    json_t *v;
    json_array_foreach(rels, i, v) merge(compiled, v);
    char id[128];
    snprintf(id, sizeof id, "%s-compiled", ocid);
    json_object_set_new(compiled, "id", json_string(id));
    json_object_set_new(compiled, "tag", json_pack("[s]", "compiled"));
    json_t *pkg = package(r, "records");
    json_array_append_new(json_object_get(pkg, "records"),
                          json_pack("{s:s,s:o,s:o}", "ocid", ocid, "releases", rels, "compiledRelease", compiled));
    zt_reply_json(r, 200, pkg);
    return ZT_OK;
}

static const zt_route routes[] = {
    {"GET", "/api/ocds/releases", h_releases, ZT_PUBLIC,
     "OCDS 1.1 release package of the trading projects (bids extension): ?number, paged"},
    {"GET", "/api/ocds/records/{id}", h_record, ZT_PUBLIC,
     "OCDS 1.1 record package: the releases of one process and its compiled release"},
};

const zt_route *zt_ocds_routes(size_t *n) {
    *n = sizeof routes / sizeof routes[0];
    return routes;
}
