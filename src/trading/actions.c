/* actions.c - the trading centre's steps of a project (data/flows/
 * tender.json): publication with the dates the law requires, clarifications
 * that move a deadline too close, the opening, the end of the decryption
 * window (the opening record), the committee and its scores, the report,
 * the candidates' publicity (公示), award, contract, failure and re-tender.
 * Each number is a configurable default with its article
 * (docs/configuration.md, trading.*). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "base/calendar.h"
#include "base/clock.h"
#include "base/json.h"
#include "flow/registry.h"
#include "ledger/record.h"
#include "store/query.h"
#include "trading/internal.h"

typedef struct act {
    zt_app *app;
    const zt_principal *p;
    const char *number, *action;
    json_t *b;
    json_t *out;
} act;

static void fmt_day(zt_day d, char out[11]) { zt_day_format(d, out); }

/* The working days from..to, both counted. */
static int workdays_incl(const zt_calendar *cal, zt_day from, zt_day to) { return zt_cal_between(cal, from - 1, to); }

static int is_tender_method(const tr_proj *p) {
    return !strcmp(p->type, "engineering") || !strcmp(p->method, "公开招标") || !strcmp(p->method, "邀请招标");
}

/* The documents' dates against the law, at publication: field named. */
static zt_err check_dates(const zt_config *c, const zt_calendar *cal, const tr_proj *p, zt_day today, zt_day from,
                          zt_day to, int64_t deadline, int64_t now, zt_error *e) {
    char d1[11];
    if (from < today) return zt_fail(e, ZT_EINVAL, "docs_from", "文件发售开始日不能早于今天");
    if (to < from) return zt_fail(e, ZT_EINVAL, "docs_to", "文件发售截止日不能早于开始日");
    if (deadline <= now) return zt_fail(e, ZT_EINVAL, "deadline", "投标截止时间须在将来");
    zt_day dday = zt_day_of_instant(deadline);
    if (to > dday) return zt_fail(e, ZT_EINVAL, "docs_to", "文件发售截止日不能晚于投标截止日");
    /* documents on sale */
    if (!strcmp(p->type, "engineering") && to - from + 1 < c->tr_sale_days)
        return zt_fail(e, ZT_EINVAL, "docs_to", "招标文件发售期不得少于 %lld 日（招标投标法实施条例第十六条）",
                       (long long)c->tr_sale_days);
    if (!strcmp(p->type, "procurement") &&
        (!strcmp(p->method, "公开招标") || !strcmp(p->method, "邀请招标") || !strcmp(p->method, "竞争性磋商")) &&
        workdays_incl(cal, from, to) < c->tr_sale_workdays)
        return zt_fail(e, ZT_EINVAL, "docs_to",
                       "采购文件提供期限不得少于 %lld 个工作日（政府采购法实施条例第三十一条）",
                       (long long)c->tr_sale_workdays);
    /* issue to deadline */
    int64_t need;
    int work = 0;
    const char *basis;
    if (!strcmp(p->type, "land")) {
        need = c->tr_land_days;
        basis = "招标拍卖挂牌出让国有建设用地使用权规定第十条";
    } else if (!strcmp(p->type, "property")) {
        need = c->tr_property_workdays;
        work = 1;
        basis = "企业国有资产交易监督管理办法第十三条";
    } else if (is_tender_method(p)) {
        need = c->tr_bid_days;
        basis = !strcmp(p->type, "engineering") ? "招标投标法第二十四条" : "政府采购法第三十五条";
    } else if (!strcmp(p->method, "竞争性磋商")) {
        need = c->tr_consultation_days;
        basis = "政府采购竞争性磋商采购方式管理暂行办法第十条";
    } else if (!strcmp(p->method, "单一来源")) {
        need = c->tr_single_workdays;
        work = 1;
        basis = "政府采购法实施条例第三十八条";
    } else {
        need = c->tr_negotiation_workdays;
        work = 1;
        basis = "政府采购非招标采购方式管理办法第二十九条、第四十五条";
    }
    int have = work ? zt_cal_between(cal, from, dday) : dday - from;
    if (have < need) {
        fmt_day(work ? zt_cal_add(cal, from, (int)need) : from + (zt_day)need, d1);
        return zt_fail(e, ZT_EINVAL, "deadline", "自文件发出之日至截止不得少于 %lld 个%s（%s），最早 %s",
                       (long long)need, work ? "工作日" : "日", basis, d1);
    }
    return ZT_OK;
}

static zt_err json_day(json_t *b, const char *key, zt_day *out, zt_error *e) {
    const char *s = json_string_value(json_object_get(b, key));
    if (!s || zt_day_parse(s, out)) return zt_fail(e, ZT_EINVAL, key, "%s 须是日期 YYYY-MM-DD", key);
    return ZT_OK;
}

static zt_err json_instant(json_t *b, const char *key, int64_t *out, zt_error *e) {
    const char *s = json_string_value(json_object_get(b, key));
    if (!s || zt_time_parse(s, out)) return zt_fail(e, ZT_EINVAL, key, "%s 须是 RFC 3339 时间", key);
    return ZT_OK;
}

/* --- the steps --------------------------------------------------------------- */

static zt_err do_publish(zt_db *db, act *a, tr_proj *p, int64_t now, zt_error *e) {
    zt_day from, to, today = zt_day_of_instant(now);
    int64_t deadline;
    zt_err rc = json_day(a->b, "docs_from", &from, e);
    if (!rc) rc = json_day(a->b, "docs_to", &to, e);
    if (!rc) rc = json_instant(a->b, "deadline", &deadline, e);
    if (!rc) rc = check_dates(a->app->cfg, a->app->cal, p, today, from, to, deadline, now, e);
    if (rc) return rc;
    fmt_day(from, p->docs_from);
    fmt_day(to, p->docs_to);
    p->deadline = deadline;
    p->published_at = now;
    rc = tr_proj_step(db, p, "publish", a->p, a->b, NULL, NULL, now, e);
    if (!rc)
        rc = zt_db_run(
            db, e, "UPDATE trade_projects SET docs_from = ?, docs_to = ?, deadline = ?, published_at = ? WHERE id = ?",
            ZT_T(p->docs_from), ZT_T(p->docs_to), ZT_I(deadline), ZT_I(now), ZT_I(p->id));
    return rc;
}

/* 招标投标法 §23: a clarification or change less than 15 days before the
 * deadline moves the deadline to 15 days after it (same time of day). */
static zt_err do_amend(zt_db *db, act *a, tr_proj *p, int64_t now, zt_error *e) {
    int64_t deadline = p->deadline;
    zt_err rc = ZT_OK;
    if (json_string_value(json_object_get(a->b, "deadline"))) rc = json_instant(a->b, "deadline", &deadline, e);
    if (rc) return rc;
    if (deadline < p->deadline) return zt_fail(e, ZT_EINVAL, "deadline", "澄清或修改不能提前投标截止时间");
    zt_day today = zt_day_of_instant(now), dday = zt_day_of_instant(deadline);
    int moved = 0;
    int64_t need = a->app->cfg->tr_change_days;
    if (dday - today < need) {
        int64_t tod = deadline - zt_day_start(dday);
        deadline = zt_day_start(today + (zt_day)need) + tod;
        moved = 1;
    }
    int64_t old = p->deadline;
    p->deadline = deadline;
    json_t *x = json_pack("{s:I,s:I,s:b,s:I}", "previous_deadline", (json_int_t)old, "deadline", (json_int_t)deadline,
                          "deadline_moved", moved, "change_days", (json_int_t)need);
    char dl[32];
    zt_time_format(deadline, dl);
    json_object_set_new(a->b, "deadline", json_string(dl)); /* the step records the effective deadline */
    rc = tr_proj_step(db, p, "amend", a->p, a->b, x, NULL, now, e);
    json_decref(x);
    if (!rc) rc = zt_db_run(db, e, "UPDATE trade_projects SET deadline = ? WHERE id = ?", ZT_I(deadline), ZT_I(p->id));
    if (!rc) {
        char t[32];
        zt_time_format(deadline, t);
        a->out = json_pack("{s:b,s:s}", "deadline_moved", moved, "deadline", t);
    }
    return rc;
}

static zt_err fail_project(zt_db *db, act *a, tr_proj *p, const char *reason, json_t *extra, int64_t now, zt_error *e) {
    json_t *f = json_pack("{s:s}", "reason", reason);
    zt_err rc = tr_proj_step(db, p, "fail", a->p, f, extra, NULL, now, e);
    json_decref(f);
    if (!rc)
        rc = zt_db_run(db, e, "UPDATE trade_projects SET failed_reason = ? WHERE id = ?", ZT_T(reason), ZT_I(p->id));
    return rc;
}

/* At the deadline: fewer than 3 bids, no opening (招标投标法 §28). */
static zt_err do_open(zt_db *db, act *a, tr_proj *p, int64_t now, zt_error *e) {
    char t[32];
    if (strcmp(p->state, "announced")) return zt_fail(e, ZT_ECONFLICT, "state", "项目不在公告期，不能开标");
    if (now < p->deadline) {
        zt_time_format(p->deadline, t);
        return zt_fail(e, ZT_ECONFLICT, "deadline", "投标截止时间 %s 未到，不能开标", t);
    }
    int64_t n = tr_bids_count(db, p->id, p->round, "submitted", e);
    if (n < 0) return ZT_EINTERNAL;
    int64_t min = !strcmp(p->method, "单一来源") ? 1 : a->app->cfg->tr_min_bids;
    json_t *x = json_pack("{s:I,s:I}", "bids", (json_int_t)n, "opened_at", (json_int_t)now);
    zt_err rc;
    if (n < min) {
        char reason[160];
        snprintf(reason, sizeof reason, "递交投标文件的投标人少于 %lld 个，不予开标（招标投标法第二十八条）",
                 (long long)min);
        rc = fail_project(db, a, p, reason, x, now, e);
    } else {
        int64_t end = now + a->app->cfg->tr_unlock_minutes * 60;
        json_object_set_new(x, "unlock_until", json_integer(end));
        rc = tr_proj_step(db, p, "open", a->p, NULL, x, NULL, now, e);
        if (!rc)
            rc = zt_db_run(db, e, "UPDATE trade_projects SET opened_at = ?, window_end = ? WHERE id = ?", ZT_I(now),
                           ZT_I(end), ZT_I(p->id));
    }
    json_decref(x);
    return rc;
}

/* The end of the decryption window: bids not unlocked are invalid; the
 * opening record goes to the ledger with the step. */
static zt_err do_seal(zt_db *db, act *a, tr_proj *p, int64_t now, zt_error *e) {
    if (strcmp(p->state, "opened")) return zt_fail(e, ZT_ECONFLICT, "state", "项目不在开标解密阶段");
    int64_t waiting = tr_bids_count(db, p->id, p->round, "submitted", e);
    if (waiting < 0) return ZT_EINTERNAL;
    if (waiting > 0 && now <= p->window_end) {
        char t[32];
        zt_time_format(p->window_end, t);
        return zt_fail(e, ZT_ECONFLICT, "unlock_until", "尚有 %lld 份投标未解密，解密时限至 %s", (long long)waiting, t);
    }
    json_t *record = NULL;
    zt_err rc = tr_bids_seal(db, p, a->p, now, &record, e);
    if (rc) return rc;
    size_t i, valid = 0;
    json_t *v;
    json_array_foreach(record, i, v) valid += json_is_true(json_object_get(v, "valid"));
    json_t *x = json_pack("{s:o,s:I,s:I}", "opening", record, "valid", (json_int_t)valid, "opened_at",
                          (json_int_t)p->opened_at);
    rc = tr_proj_step(db, p, "seal_opening", a->p, NULL, x, NULL, now, e);
    json_decref(x);
    if (!rc && valid == 0) rc = fail_project(db, a, p, "无有效投标（投标人均未按时解密）", NULL, now, e);
    return rc;
}

typedef struct cand {
    int64_t bid_id, price, n;
    double sum;
    char number[48], enterprise[192];
} cand;

static int by_score(const void *x, const void *y) {
    const cand *a = x, *b = y;
    double sa = a->n ? a->sum / a->n : 0, sb = b->n ? b->sum / b->n : 0;
    if (sa != sb) return sa > sb ? -1 : 1;
    return a->price < b->price ? -1 : a->price > b->price;
}
static int by_low_price(const void *x, const void *y) {
    const cand *a = x, *b = y;
    return a->price < b->price ? -1 : a->price > b->price;
}
static int by_high_price(const void *x, const void *y) { return -by_low_price(x, y); }

static size_t committee_size(const json_t *c) {
    return json_array_size(json_object_get(c, "experts")) + json_array_size(json_object_get(c, "representatives"));
}

/* The committee's report: candidates ranked (at most 3, 条例 §53). */
static zt_err do_report(zt_db *db, act *a, tr_proj *p, int64_t now, zt_error *e) {
    if (strcmp(p->state, "evaluating")) return zt_fail(e, ZT_ECONFLICT, "state", "项目不在评标阶段");
    int price_only = tr_by_price(p->eval_method);
    size_t members = p->committee ? committee_size(p->committee) : 0;
    if (!price_only && !members) return zt_fail(e, ZT_ECONFLICT, "committee", "须先组建评标委员会");
    zt_stmt *st = zt_db_query(
        db, e,
        "SELECT b.id, coalesce(b.auction_price, b.price), b.number, u.name, (SELECT count(*) FROM trade_scores s WHERE"
        " s.bid_id = b.id AND s.round = b.round), (SELECT coalesce(sum(total), 0) FROM"
        " trade_scores s WHERE s.bid_id = b.id AND s.round = b.round) FROM trade_bids b JOIN"
        " users u ON u.id = b.enterprise_id WHERE b.project_id = ? AND b.round = ? AND"
        " b.state = 'unlocked' ORDER BY b.id",
        ZT_I(p->id), ZT_I(p->round));
    if (!st) return ZT_EINTERNAL;
    cand c[64];
    size_t n = 0;
    while (n < 64 && zt_step(st, e) == ZT_ROW) {
        c[n] = (cand){.bid_id = zt_col_int(st, 0), .price = zt_col_int(st, 1), .n = zt_col_int(st, 4)};
        c[n].sum = (double)zt_col_int(st, 5);
        /* sum(total) is REAL: read it exactly */
        snprintf(c[n].number, sizeof c[n].number, "%s", zt_col_text(st, 2));
        snprintf(c[n].enterprise, sizeof c[n].enterprise, "%s", zt_col_text(st, 3));
        n++;
    }
    zt_db_release(db);
    for (size_t i = 0; i < n; i++) {
        st =
            zt_db_query(db, e, "SELECT coalesce(sum(total), 0) * 1000 FROM trade_scores WHERE bid_id = ? AND round = ?",
                        ZT_I(c[i].bid_id), ZT_I(p->round));
        if (!st) return ZT_EINTERNAL;
        if (zt_step(st, e) == ZT_ROW) c[i].sum = zt_col_int(st, 0) / 1000.0;
        zt_db_release(db);
        if (!price_only && c[i].n < (int64_t)members)
            return zt_fail(e, ZT_ECONFLICT, "scores", "评标委员会成员尚未全部评分：%s 已有 %lld/%zu 份", c[i].number,
                           (long long)c[i].n, members);
    }
    size_t m = n;
    if (price_only)
        qsort(c, n, sizeof *c, by_high_price);
    else if (!strcmp(p->eval_method, "经评审的最低投标价法")) {
        /* bids the committee passes (mean ≥ 60), lowest price first */
        m = 0;
        for (size_t i = 0; i < n; i++)
            if (c[i].sum / c[i].n >= 60) c[m++] = c[i];
        qsort(c, m, sizeof *c, by_low_price);
    } else
        qsort(c, n, sizeof *c, by_score);
    json_t *rank = json_array();
    for (size_t i = 0; i < m && i < 3; i++) {
        json_t *o = json_pack("{s:I,s:s,s:s,s:I}", "rank", (json_int_t)(i + 1), "bid", c[i].number, "enterprise",
                              c[i].enterprise, "price", (json_int_t)c[i].price);
        json_object_set_new(o, "score", price_only ? json_null() : json_real(round(c[i].sum / c[i].n * 100) / 100));
        json_array_append_new(rank, o);
    }
    if (!json_array_size(rank)) {
        json_decref(rank);
        return fail_project(db, a, p, "评标委员会否决全部投标", NULL, now, e);
    }
    json_t *x = json_pack("{s:O}", "candidates", rank);
    if (p->committee)
        json_object_set_new(x, "committee",
                            json_pack("{s:I,s:I}", "size", (json_int_t)members, "experts",
                                      (json_int_t)json_array_size(json_object_get(p->committee, "experts"))));
    zt_err rc = tr_proj_step(db, p, "report", a->p, a->b, x, NULL, now, e);
    json_decref(x);
    char *text = json_dumps(rank, JSON_COMPACT);
    if (!rc)
        rc = zt_db_run(db, e, "UPDATE trade_projects SET report = ?, reported_at = ? WHERE id = ?", ZT_T(text),
                       ZT_I(now), ZT_I(p->id));
    free(text);
    json_decref(rank);
    return rc;
}

/* 条例 §54: published within 3 days of the report for at least 3 days (the
 * first day not counted). */
static zt_err do_publicize(zt_db *db, act *a, tr_proj *p, int64_t now, zt_error *e) {
    zt_day today = zt_day_of_instant(now);
    int64_t to = zt_day_start(today + (zt_day)a->app->cfg->tr_publicity_days + 1);
    json_t *x = json_pack("{s:I,s:I,s:I}", "publicity_from", (json_int_t)now, "publicity_to", (json_int_t)to,
                          "reported_at", (json_int_t)p->reported_at);
    zt_err rc = tr_proj_step(db, p, "publicize", a->p, NULL, x, NULL, now, e);
    json_decref(x);
    if (!rc)
        rc = zt_db_run(db, e, "UPDATE trade_projects SET publicity_from = ?, publicity_to = ? WHERE id = ?", ZT_I(now),
                       ZT_I(to), ZT_I(p->id));
    return rc;
}

static zt_err do_award(zt_db *db, act *a, tr_proj *p, int64_t now, zt_error *e) {
    char t[32];
    if (strcmp(p->state, "publicized")) return zt_fail(e, ZT_ECONFLICT, "state", "候选人公示后才能定标");
    if (now < p->publicity_to) {
        zt_time_format(p->publicity_to, t);
        return zt_fail(e, ZT_ECONFLICT, "publicity_to", "中标候选人公示期至 %s，未满不能定标", t);
    }
    const char *bid = json_string_value(json_object_get(a->b, "bid"));
    const char *reason = json_string_value(json_object_get(a->b, "reason"));
    json_t *first = json_array_get(p->report, 0), *chosen = NULL, *v;
    size_t i;
    json_array_foreach(p->report, i, v) if (bid && !strcmp(bid, json_string_value(json_object_get(v, "bid")))) chosen =
        v;
    if (bid && *bid && !chosen) return zt_fail(e, ZT_EINVAL, "bid", "%s 不是中标候选人", bid);
    if (!chosen) chosen = first;
    if (!chosen) return zt_fail(e, ZT_ECONFLICT, "candidates", "没有中标候选人");
    int is_first = chosen == first;
    /* 条例 §55: the first candidate unless he gives up or is disqualified */
    if (!is_first && zt_blank(reason))
        return zt_fail(e, ZT_EINVAL, "reason",
                       "未确定排名第一的候选人为中标人，须写明理由（招标投标法实施条例第五十五条）");
    const char *chosen_no = json_string_value(json_object_get(chosen, "bid"));
    json_object_set_new(a->b, "bid", json_string(chosen_no)); /* the step records the winner */
    json_t *x = json_pack("{s:s,s:b,s:s,s:O}", "bid", chosen_no, "first", is_first, "reason", reason ? reason : "",
                          "price", json_object_get(chosen, "price"));
    zt_err rc = tr_proj_step(db, p, "award", a->p, a->b, x, NULL, now, e);
    json_decref(x);
    if (!rc)
        rc = zt_db_run(db, e,
                       "UPDATE trade_projects SET award_bid_id = (SELECT id FROM trade_bids WHERE number = ?),"
                       " award_reason = ?, awarded_at = ? WHERE id = ?",
                       ZT_T(chosen_no), ZT_T(reason ? reason : ""), ZT_I(now), ZT_I(p->id));
    return rc;
}

static zt_err do_contract(zt_db *db, act *a, tr_proj *p, int64_t now, zt_error *e) {
    zt_day signed_on;
    zt_err rc = json_day(a->b, "signed_on", &signed_on, e);
    if (rc) return rc;
    if (signed_on > zt_day_of_instant(now)) return zt_fail(e, ZT_EINVAL, "signed_on", "签订日期不能晚于今天");
    if (p->awarded_at && signed_on < zt_day_of_instant(p->awarded_at))
        return zt_fail(e, ZT_EINVAL, "signed_on", "签订日期不能早于定标");
    int64_t amount = json_integer_value(json_object_get(a->b, "amount"));
    json_t *x = json_pack("{s:I,s:I,s:I}", "amount", (json_int_t)amount, "signed_at",
                          (json_int_t)zt_day_start(signed_on), "awarded_at", (json_int_t)p->awarded_at);
    rc = tr_proj_step(db, p, "contract", a->p, a->b, x, NULL, now, e);
    json_decref(x);
    if (!rc)
        rc = zt_db_run(db, e, "UPDATE trade_projects SET contract_amount = ?, contracted_at = ? WHERE id = ?",
                       ZT_I(amount), ZT_I(zt_day_start(signed_on)), ZT_I(p->id));
    return rc;
}

/* 现场竞价 (land and property rights, 价高者得): from the highest unlocked
 * price, valid bidders raise by at least the increment; the hammer ends it
 * and the report ranks by each bidder's last price. */
static zt_err do_auction(zt_db *db, act *a, tr_proj *p, int64_t now, zt_error *e) {
    if (!tr_by_price(p->eval_method)) return zt_fail(e, ZT_ECONFLICT, "eval_method", "只有价高者得的项目可以现场竞价");
    if (strcmp(p->state, "evaluating")) return zt_fail(e, ZT_ECONFLICT, "state", "开标结束后才能现场竞价");
    zt_stmt *st = zt_db_query(db, e,
                              "SELECT id, price, number FROM trade_bids WHERE project_id = ? AND round = ? AND"
                              " state = 'unlocked' ORDER BY price DESC, submitted_at LIMIT 1",
                              ZT_I(p->id), ZT_I(p->round));
    if (!st) return ZT_EINTERNAL;
    int64_t leader = 0, price = 0;
    char number[48] = "";
    if (zt_step(st, e) == ZT_ROW) {
        leader = zt_col_int(st, 0);
        price = zt_col_int(st, 1);
        snprintf(number, sizeof number, "%s", zt_col_text(st, 2));
    }
    zt_db_release(db);
    if (!leader) return zt_fail(e, ZT_ECONFLICT, "bids", "没有有效报价，不能竞价");
    int64_t inc = json_integer_value(json_object_get(a->b, "increment"));
    json_t *x = json_pack("{s:I,s:s}", "start_price", (json_int_t)price, "leader", number);
    zt_err rc = tr_proj_step(db, p, "auction", a->p, a->b, x, NULL, now, e);
    json_decref(x);
    if (!rc)
        rc = zt_db_run(
            db, e,
            "UPDATE trade_projects SET auction_increment = ?, auction_price = ?, auction_leader = ? WHERE id = ?",
            ZT_I(inc), ZT_I(price), ZT_I(leader), ZT_I(p->id));
    return rc;
}

static zt_err do_hammer(zt_db *db, act *a, tr_proj *p, int64_t now, zt_error *e) {
    json_t *x = json_pack("{s:I,s:s}", "final_price", (json_int_t)p->auction_price, "leader", p->auction_leader);
    zt_err rc = tr_proj_step(db, p, "hammer", a->p, NULL, x, NULL, now, e);
    json_decref(x);
    return rc;
}

static zt_err do_retender(zt_db *db, act *a, tr_proj *p, int64_t now, zt_error *e) {
    zt_err rc = tr_proj_step(db, p, "retender", a->p, NULL, NULL, NULL, now, e);
    if (!rc)
        rc = zt_db_run(db, e,
                       "UPDATE trade_projects SET round = round + 1, docs_from = NULL, docs_to = NULL, deadline = NULL,"
                       " published_at = NULL, opened_at = NULL, window_end = NULL, committee = NULL, report = NULL,"
                       " reported_at = NULL, publicity_from = NULL, publicity_to = NULL, failed_reason = NULL,"
                       " auction_increment = NULL, auction_price = NULL, auction_leader = NULL"
                       " WHERE id = ?",
                       ZT_I(p->id));
    return rc;
}

static zt_err action_write(zt_db *db, void *arg, zt_error *e) {
    act *a = arg;
    tr_proj p;
    zt_err rc = tr_proj_load(db, a->number, &p, e);
    if (rc) return rc;
    int64_t now = zt_now();
    const char *x = a->action;
    if (!strcmp(x, "publish"))
        rc = do_publish(db, a, &p, now, e);
    else if (!strcmp(x, "amend"))
        rc = do_amend(db, a, &p, now, e);
    else if (!strcmp(x, "open"))
        rc = do_open(db, a, &p, now, e);
    else if (!strcmp(x, "seal_opening"))
        rc = do_seal(db, a, &p, now, e);
    else if (!strcmp(x, "report"))
        rc = do_report(db, a, &p, now, e);
    else if (!strcmp(x, "publicize"))
        rc = do_publicize(db, a, &p, now, e);
    else if (!strcmp(x, "award"))
        rc = do_award(db, a, &p, now, e);
    else if (!strcmp(x, "contract"))
        rc = do_contract(db, a, &p, now, e);
    else if (!strcmp(x, "retender"))
        rc = do_retender(db, a, &p, now, e);
    else if (!strcmp(x, "auction"))
        rc = do_auction(db, a, &p, now, e);
    else if (!strcmp(x, "hammer"))
        rc = do_hammer(db, a, &p, now, e);
    else if (!strcmp(x, "fail") || !strcmp(x, "terminate")) {
        rc = tr_proj_step(db, &p, x, a->p, a->b, NULL, NULL, now, e);
        if (!rc)
            rc = zt_db_run(db, e, "UPDATE trade_projects SET failed_reason = ? WHERE id = ?",
                           ZT_T(json_string_value(json_object_get(a->b, "reason"))), ZT_I(p.id));
    } else
        rc = zt_fail(e, ZT_EINVAL, "action", "没有动作「%s」（答复异议请用 /api/trading/objections/{id}/answer）", x);
    tr_proj_free(&p);
    return rc;
}

static zt_err h_action(zt_req *r, zt_error *e) {
    zt_app *app = zt_req_app(r);
    act a = {
        .app = app, .p = zt_req_principal(r), .number = zt_req_param(r, "number"), .action = zt_req_param(r, "action")};
    zt_err rc = zt_req_json(r, &a.b, e);
    if (!rc) rc = zt_store_write(app->store, action_write, &a, e);
    if (rc) {
        json_decref(a.out);
        return rc;
    }
    if (!a.out) return tr_reply_project(r, a.number, 200, e);
    zt_reply_json(r, 200, a.out);
    return ZT_OK;
}

/* --- the committee and its scores ----------------------------------------- */

static zt_err check_list(json_t *b, const char *key, size_t maxn, zt_error *e) {
    json_t *l = json_object_get(b, key), *v;
    size_t i;
    if (!l || json_is_null(l)) return ZT_OK;
    if (!json_is_array(l) || json_array_size(l) > maxn) return zt_fail(e, ZT_EINVAL, key, "%s 须是数组", key);
    json_array_foreach(l, i, v) {
        const char *s = json_string_value(v);
        if (!s || zt_blank(s) || zt_utf8_len(s) > 64) return zt_fail(e, ZT_EINVAL, key, "%s 第 %zu 项不对", key, i + 1);
        for (size_t j = 0; j < i; j++)
            if (!strcmp(s, json_string_value(json_array_get(l, j))))
                return zt_fail(e, ZT_EINVAL, key, "%s 重复：%s", key, s);
    }
    return ZT_OK;
}

/* 招标投标法 §37: ≥ 5, odd, experts ≥ 2/3; procurement ≥ 10 M yuan: ≥ 7
 * (87号令 §47). */
static zt_err committee_write(zt_db *db, void *arg, zt_error *e) {
    act *a = arg;
    tr_proj p;
    zt_err rc = tr_proj_load(db, a->number, &p, e);
    if (rc) return rc;
    const zt_config *c = a->app->cfg;
    json_t *ex = json_object_get(a->b, "experts");
    json_t *rep = json_object_get(a->b, "representatives");
    size_t ne = json_array_size(ex), n = ne + json_array_size(rep);
    int64_t min = c->tr_committee_min;
    if (!strcmp(p.type, "procurement") && p.budget >= c->tr_committee_threshold * 100) min = c->tr_committee_large;
    if (strcmp(p.state, "announced") && strcmp(p.state, "opened") && strcmp(p.state, "evaluating"))
        rc = zt_fail(e, ZT_ECONFLICT, "state", "评标开始后不能再组建或调整评标委员会");
    else if (tr_by_price(p.eval_method))
        rc = zt_fail(e, ZT_ECONFLICT, "eval_method", "价高者得的项目不设评标委员会");
    if (!rc) rc = check_list(a->b, "experts", 101, e);
    if (!rc) rc = check_list(a->b, "representatives", 101, e);
    if (!rc && (int64_t)n < min)
        rc = zt_fail(
            e, ZT_EINVAL, "experts", "评标委员会不得少于 %lld 人（%s），现 %zu 人", (long long)min,
            min == c->tr_committee_large ? "政府采购货物和服务招标投标管理办法第四十七条" : "招标投标法第三十七条", n);
    if (!rc && n % 2 == 0) rc = zt_fail(e, ZT_EINVAL, "experts", "评标委员会成员须为单数（招标投标法第三十七条）");
    if (!rc && ne * 3 < n * 2)
        rc = zt_fail(e, ZT_EINVAL, "experts", "技术、经济等方面的专家不得少于成员总数的三分之二（%zu/%zu）", ne, n);
    /* fresh arrays for members not sent: stolen ("o"), the sent ones shared */
    json_t *rec = rc ? NULL
                     : json_pack("{s:o,s:o}", "experts", ex ? json_incref(ex) : json_array(), "representatives",
                                 rep && json_is_array(rep) ? json_incref(rep) : json_array());
    char *text = rec ? json_dumps(rec, JSON_COMPACT) : NULL;
    if (!rc) rc = zt_db_run(db, e, "UPDATE trade_projects SET committee = ? WHERE id = ?", ZT_T(text), ZT_I(p.id));
    if (!rc) {
        json_t *d = json_pack("{s:s,s:I,s:I}", "project", p.number, "size", (json_int_t)n, "experts", (json_int_t)ne);
        rc = zt_record(db, a->p, "trade_committee.set", "tender", p.number, 0, d, e);
        json_decref(d);
    }
    if (!rc)
        a->out = json_pack("{s:s,s:o}", "project", p.number, "committee", rec);
    else
        json_decref(rec);
    free(text);
    tr_proj_free(&p);
    return rc;
}

static int in_list(json_t *l, const char *s) {
    size_t i;
    json_t *v;
    json_array_foreach(l, i, v) if (!strcmp(json_string_value(v), s)) return 1;
    return 0;
}

/* A committee member's scores of one valid bid: {member, bid, scores: {criterion: 0-100}}. */
static zt_err scores_write(zt_db *db, void *arg, zt_error *e) {
    act *a = arg;
    tr_proj p;
    zt_err rc = tr_proj_load(db, a->number, &p, e);
    if (rc) return rc;
    const char *member = NULL, *bid = NULL;
    json_t *sc = json_object_get(a->b, "scores");
    if (strcmp(p.state, "evaluating"))
        rc = zt_fail(e, ZT_ECONFLICT, "state", "项目不在评标阶段");
    else if (!p.committee)
        rc = zt_fail(e, ZT_ECONFLICT, "committee", "须先组建评标委员会");
    if (!rc) rc = zt_json_str(a->b, "member", 1, 64, &member, e);
    if (!rc) rc = zt_json_str(a->b, "bid", 1, 48, &bid, e);
    if (!rc && !in_list(json_object_get(p.committee, "experts"), member) &&
        !in_list(json_object_get(p.committee, "representatives"), member))
        rc = zt_fail(e, ZT_EINVAL, "member", "%s 不是本项目评标委员会成员", member);
    if (!rc && !json_is_object(sc)) rc = zt_fail(e, ZT_EINVAL, "scores", "scores 须是 {评分因素: 分数}");
    double total = 0, weights = 0;
    size_t i;
    json_t *c;
    json_array_foreach(p.criteria, i, c) {
        if (rc) break;
        const char *name = json_string_value(json_object_get(c, "name"));
        json_t *v = json_object_get(sc, name);
        double w = (double)json_integer_value(json_object_get(c, "weight"));
        if (!json_is_number(v) || json_number_value(v) < 0 || json_number_value(v) > 100)
            rc = zt_fail(e, ZT_EINVAL, "scores", "评分因素「%s」须有 0-100 的分数", name);
        else {
            total += json_number_value(v) * w;
            weights += w;
        }
    }
    if (!rc && json_object_size(sc) != json_array_size(p.criteria))
        rc = zt_fail(e, ZT_EINVAL, "scores", "scores 有招标文件未规定的评分因素");
    int64_t bid_id = 0;
    if (!rc) {
        zt_stmt *st = zt_db_query(db, e,
                                  "SELECT id FROM trade_bids WHERE number = ? AND project_id = ? AND round = ?"
                                  " AND state = 'unlocked'",
                                  ZT_T(bid), ZT_I(p.id), ZT_I(p.round));
        if (!st)
            rc = ZT_EINTERNAL;
        else {
            if (zt_step(st, e) == ZT_ROW) bid_id = zt_col_int(st, 0);
            zt_db_release(db);
            if (!bid_id) rc = zt_fail(e, ZT_EINVAL, "bid", "%s 不是本项目的有效投标", bid);
        }
    }
    char *text = rc ? NULL : json_dumps(sc, JSON_COMPACT | JSON_SORT_KEYS);
    double t = weights > 0 ? total / weights : 0;
    if (!rc)
        rc = zt_db_run(db, e,
                       "INSERT INTO trade_scores (project_id, round, member, bid_id, scores, total) VALUES"
                       " (?, ?, ?, ?, ?, ? / 1000.0) ON CONFLICT (project_id, round, member, bid_id) DO UPDATE SET"
                       " scores = excluded.scores, total = excluded.total",
                       ZT_I(p.id), ZT_I(p.round), ZT_T(member), ZT_I(bid_id), ZT_T(text),
                       ZT_I((int64_t)llround(t * 1000)));
    if (!rc) {
        json_t *d = json_pack("{s:s,s:s,s:s,s:f}", "project", p.number, "member", member, "bid", bid, "total", t);
        rc = zt_record(db, a->p, "trade_scores.record", "tender", p.number, 0, d, e);
        json_decref(d);
    }
    if (!rc) a->out = json_pack("{s:s,s:s,s:f}", "member", member, "bid", bid, "total", round(t * 100) / 100);
    free(text);
    tr_proj_free(&p);
    return rc;
}

static zt_err h_body_write(zt_req *r, zt_write_fn fn, const char *const *allowed, zt_error *e) {
    zt_app *app = zt_req_app(r);
    act a = {.app = app, .p = zt_req_principal(r), .number = zt_req_param(r, "number")};
    zt_err rc = zt_req_json(r, &a.b, e);
    if (!rc) rc = zt_json_only(a.b, allowed, e);
    if (!rc) rc = zt_store_write(app->store, fn, &a, e);
    if (rc) {
        json_decref(a.out);
        return rc;
    }
    zt_reply_json(r, 200, a.out);
    return ZT_OK;
}

static zt_err h_committee(zt_req *r, zt_error *e) {
    return h_body_write(r, committee_write, (const char *const[]){"experts", "representatives", NULL}, e);
}
static zt_err h_scores(zt_req *r, zt_error *e) {
    return h_body_write(r, scores_write, (const char *const[]){"member", "bid", "scores", NULL}, e);
}

static const zt_route routes[] = {
    {"POST", "/api/trading/projects/{number}/actions/{action}", h_action, ZT_R_TRADING,
     "a step of the project: publish {docs_from, docs_to, deadline}, amend {text, deadline}, open, seal_opening,"
     " auction {increment}, hammer, report, publicize, award {bid, reason}, contract {amount, signed_on},"
     " fail {reason}, retender,"
     " terminate {reason}"},
    {"PUT", "/api/trading/projects/{number}/committee", h_committee, ZT_R_TRADING,
     "the evaluation committee: {experts: [expert ids], representatives: [names]} (≥ 5, odd, experts ≥ 2/3)"},
    {"POST", "/api/trading/projects/{number}/scores", h_scores, ZT_R_TRADING,
     "a committee member's scores of one valid bid: {member, bid, scores: {criterion: 0-100}}"},
};

const zt_route *tr_action_routes(size_t *n) {
    *n = sizeof routes / sizeof routes[0];
    return routes;
}
