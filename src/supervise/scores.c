/* scores.c - the arithmetic of the monthly performance assessment
 * (绩效考核, R5; DOMAIN §4; docs/scores.md). The indicators are data
 * (data/scores.json): each names a source of facts (the core's cards or a
 * kind's, kind.h) and a formula:
 *
 *   rate        points = weight × numerator / denominator
 *   average     points = weight × mean / scale − unfixed_per × unfixed bad values
 *   deduct_per  points = weight − min(weight, per × occurrences)
 *
 * The weights add up to 100 and the total is the sum of the indicators'
 * points, plus the adjustments of accepted appeals (申诉), kept in 0..100.
 * Every point lost has a reason naming the cases, cards or complaints.
 * score_facts.c gathers a month's facts, score_api.c serves and stores. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/json.h"
#include "base/log.h"
#include "base/tsv.h"
#include "supervise/score.h"

const char *const zt_sc_scopes[ZT_SC_NSCOPE] = {"department", "staff", "window"};
const char *const zt_sc_scope_labels[ZT_SC_NSCOPE] = {"部门", "人员", "窗口"};
const char *const zt_sc_hows[] = {"rate", "average", "deduct_per", NULL};

/* --- sources ------------------------------------------------------------------------------------ */

/* The core's: yellow and red cards whose signal falls in the month. */
static const zt_sv_source CORE_SOURCES[] = {
    {"card_yellow", ZT_SV_DEDUCT_PER, "张"},
    {"card_red", ZT_SV_DEDUCT_PER, "张"},
    {NULL},
};

const zt_sv_source *zt_sc_source(const char *name) {
    for (const zt_sv_source *s = CORE_SOURCES; s->name; s++)
        if (!strcmp(s->name, name)) return s;
    const zt_sv_kind *k;
    for (size_t i = 0; (k = zt_sv_kind_at(i)); i++)
        for (const zt_sv_source *s = k->sources; s && s->name; s++)
            if (!strcmp(s->name, name)) return s;
    return NULL;
}

/* --- indicators (data/scores.json) ------------------------------------------------------------ */

static int index_of(const char *const *list, const char *s) {
    for (int i = 0; list[i]; i++)
        if (!strcmp(list[i], s)) return i;
    return -1;
}

static zt_err num_param(json_t *params, const char *key, double lo, double hi, double def, double *out,
                        const char *where, zt_error *e) {
    json_t *v = params ? json_object_get(params, key) : NULL;
    if (!v) {
        *out = def;
        return ZT_OK;
    }
    if (!json_is_number(v) || json_number_value(v) < lo || json_number_value(v) > hi)
        return zt_fail(e, ZT_EINVAL, key, "%s: params.%s 须为 %g 到 %g 之间的数", where, key, lo, hi);
    *out = json_number_value(v);
    return ZT_OK;
}

/* Is src counted by one of the first n indicators already? */
static int source_used(const zt_sv_source *const *seen, int n, const zt_sv_source *src) {
    for (int i = 0; i < n; i++)
        if (seen[i] == src) return 1;
    return 0;
}

/* Validate the file's text into set. Errors name the indicator. */
zt_err zt_sc_parse(const char *text, zt_sc_set *set, zt_error *e) {
    json_error_t je;
    json_t *root = json_loads(text, JSON_REJECT_DUPLICATES, &je);
    if (!json_is_object(root)) {
        json_decref(root);
        return zt_fail(e, ZT_EINVAL, "scores", "scores.json 第 %d 行: %s", je.line, je.text);
    }
    zt_err rc = ZT_OK;
    json_t *list = json_object_get(root, "indicators");
    const char *format = json_string_value(json_object_get(root, "format"));
    set->n = 0;
    double total = 0;
    const zt_sv_source *seen[ZT_SC_MAX_IND] = {0};
    if (!format || strcmp(format, "zhengtong.scores/1") != 0)
        rc = zt_fail(e, ZT_EINVAL, "format", "scores.json: format 须为 zhengtong.scores/1");
    else if (!json_is_array(list) || json_array_size(list) == 0 || json_array_size(list) > ZT_SC_MAX_IND)
        rc = zt_fail(e, ZT_EINVAL, "indicators", "scores.json: indicators 须为 1 到 %d 个指标", ZT_SC_MAX_IND);
    size_t i;
    json_t *o;
    json_array_foreach(list, i, o) {
        if (rc) break;
        static const char *const keys[] = {"id", "name", "kind", "source", "weight", "params", NULL};
        zt_sc_indicator *d = &set->v[set->n];
        memset(d, 0, sizeof *d);
        const char *id, *name, *kind, *source;
        double weight = 0;
        char where[64];
        snprintf(where, sizeof where, "indicators[%zu]", i);
        if (!json_is_object(o)) {
            rc = zt_fail(e, ZT_EINVAL, "indicators", "scores.json: %s 须为对象", where);
            break;
        }
        if (!(rc = zt_json_only(o, keys, e)) && !(rc = zt_json_str(o, "id", 1, sizeof d->id - 1, &id, e)) &&
            !(rc = zt_json_str(o, "name", 1, sizeof d->name - 1, &name, e)) &&
            !(rc = zt_json_str(o, "kind", 1, 16, &kind, e)) && !(rc = zt_json_str(o, "source", 1, 32, &source, e)) &&
            !(rc = num_param(o, "weight", 0, 100, -1, &weight, where, e))) {
            json_t *params = json_object_get(o, "params");
            const zt_sv_source *src = zt_sc_source(source);
            int how = index_of(zt_sc_hows, kind);
            d->how = (zt_sv_how)how;
            d->source = src;
            d->weight = weight;
            snprintf(d->id, sizeof d->id, "%s", id);
            snprintf(d->name, sizeof d->name, "%s", name);
            if (strspn(id, "abcdefghijklmnopqrstuvwxyz0123456789_") != strlen(id))
                rc = zt_fail(e, ZT_EINVAL, "id", "scores.json: %s 的 id 只能含小写字母、数字和下划线", where);
            else if (how < 0)
                rc = zt_fail(e, ZT_EINVAL, "kind", "scores.json: %s 的 kind 须为 rate、average 或 deduct_per", where);
            else if (!src)
                rc = zt_fail(e, ZT_EINVAL, "source", "scores.json: %s 的 source「%s」未知", where, source);
            else if (src->how != d->how)
                rc = zt_fail(e, ZT_EINVAL, "kind", "scores.json: %s: source %s 须用 kind %s", where, source,
                             zt_sc_hows[src->how]);
            else if (source_used(seen, set->n, src))
                rc = zt_fail(e, ZT_EINVAL, "source", "scores.json: %s: source %s 已被其他指标使用", where, source);
            else if (weight < 0)
                rc = zt_fail(e, ZT_EINVAL, "weight", "scores.json: %s 缺少 weight", where);
            else if (params && !json_is_object(params))
                rc = zt_fail(e, ZT_EINVAL, "params", "scores.json: %s 的 params 须为对象", where);
            for (int k = 0; k < set->n && !rc; k++)
                if (!strcmp(set->v[k].id, d->id))
                    rc = zt_fail(e, ZT_EINVAL, "id", "scores.json: 指标 id「%s」重复", d->id);
            if (!rc && d->how == ZT_SV_DEDUCT_PER) rc = num_param(params, "per", 0.01, 100, 1, &d->per, where, e);
            if (!rc && src->param) rc = num_param(params, src->param, src->lo, src->hi, src->def, &d->param, where, e);
            if (!rc && d->how == ZT_SV_AVERAGE) rc = num_param(params, "scale", 1, 100, 5, &d->scale, where, e);
            if (!rc && d->how == ZT_SV_AVERAGE)
                rc = num_param(params, "unfixed_per", 0, 100, 0, &d->unfixed_per, where, e);
            seen[set->n] = src;
            total += weight;
            set->n++;
        }
    }
    if (!rc && fabs(total - 100) > 1e-9)
        rc = zt_fail(e, ZT_EINVAL, "weight", "scores.json: 各指标 weight 之和须为 100（现为 %g）", total);
    json_decref(root);
    return rc;
}

zt_err zt_sc_load(const zt_config *cfg, zt_sc_set *set, zt_error *e) {
    char path[4096];
    snprintf(path, sizeof path, "%s/scores.json", cfg->source_dir);
    size_t len;
    char *text = zt_read_file(path, &len, e);
    if (!text) return ZT_EINTERNAL;
    zt_err rc = zt_sc_parse(text, set, e);
    free(text);
    if (rc) zt_log(ZT_LOG_ERROR, "%s: %s", path, e->message);
    return rc == ZT_OK ? ZT_OK : zt_fail(e, ZT_EINTERNAL, "scores", "%s", e->message);
}

/* --- months --------------------------------------------------------------------------------- */

zt_err zt_sc_month_parse(const zt_calendar *cal, const char *s, const char *field, zt_sc_month *out, zt_error *e) {
    if (!s || strlen(s) != 7 || s[4] != '-' || strspn(s, "0123456789-") != 7 || strchr(s, '-') != s + 4)
        return zt_fail(e, ZT_EINVAL, field, "月份须为 YYYY-MM");
    out->y = (int)strtol(s, NULL, 10);
    out->m = (int)strtol(s + 5, NULL, 10);
    if (out->y < 2000 || out->y > 2999 || out->m < 1 || out->m > 12)
        return zt_fail(e, ZT_EINVAL, field, "月份须为 2000-01 到 2999-12 之间的 YYYY-MM");
    zt_day first = zt_day_from_ymd(out->y, out->m, 1), next = zt_day_from_ymd(out->y, out->m + 1, 1);
    out->from = zt_day_start(first);
    out->to = zt_day_start(next);
    snprintf(out->text, sizeof out->text, "%04d-%02d", out->y, out->m);
    /* the last day of the month is not counted: WD_5 of the next month */
    zt_day_format(zt_cal_add(cal, next - 1, 5), out->appeal);
    return ZT_OK;
}

/* --- formatting ----------------------------------------------------------------------------- */

double zt_sc_round2(double v) { return (double)llround(v * 100) / 100; }

/* 22.5, 4, 66.67: at most two decimals, no trailing zeros */
const char *zt_sc_num(zt_arena *a, double v) {
    char *s = zt_arena_printf(a, "%.2f", zt_sc_round2(v) + 0.0);
    char *dot = strchr(s, '.');
    if (dot) {
        char *end = s + strlen(s) - 1;
        while (end > dot && *end == '0') *end-- = 0;
        if (end == dot) *end = 0;
    }
    return strcmp(s, "-0") ? s : "0";
}

static const char *pct_text(zt_arena *a, double frac) { return zt_arena_printf(a, "%s%%", zt_sc_num(a, frac * 100)); }

/* "（A、B、C 等 12 件）" from refs */
static const char *refs_text(zt_arena *a, const char *label, json_t *refs, int64_t count, const char *unit) {
    if (!count) return "";
    char *s = zt_arena_printf(a, "（%s", label);
    size_t i;
    json_t *v;
    json_array_foreach(refs, i, v) {
        if (i == ZT_SC_SHOW_REFS) break;
        s = zt_arena_printf(a, "%s%s%s", s, i ? "、" : "", json_string_value(v));
    }
    if (count > ZT_SC_SHOW_REFS) s = zt_arena_printf(a, "%s 等 %lld %s", s, (long long)count, unit);
    return zt_arena_printf(a, "%s）", s);
}

/* --- points ----------------------------------------------------------------------------------- */

static json_t *refs_json(json_t *refs) { return refs ? json_deep_copy(refs) : json_array(); }

/* One indicator of one entity: its JSON and, for points lost, the
 * deductions with their reasons (appended to deds). Returns the points. */
double zt_sc_points(zt_arena *a, const zt_sc_indicator *d, const zt_sc_tally *t, json_t *out, json_t *deds) {
    double points = d->weight;
    json_t *o = json_pack("{s:s,s:s,s:s,s:s,s:f}", "id", d->id, "name", d->name, "kind", zt_sc_hows[d->how], "source",
                          d->source->name, "weight", d->weight);
    const char *w = zt_sc_num(a, d->weight);
    const zt_sv_source *src = d->source;
    const char *empty = src->empty ? src->empty : "本月无数据，按满分计", *miss = src->miss ? src->miss : "";
    if (d->how == ZT_SV_RATE) {
        json_object_set_new(o, "numerator", json_integer(t->num));
        json_object_set_new(o, "denominator", json_integer(t->den));
        if (!t->den) {
            json_object_set_new(o, "value", json_null());
            json_object_set_new(o, "note", json_string(empty));
        } else {
            double rate = (double)t->num / (double)t->den;
            points = zt_sc_round2(d->weight * rate);
            json_object_set_new(o, "value", json_real(rate));
            if (d->weight - points > 0.004) {
                /* "3/4 件按时", "2/3 件提前 1 个工作日以上" */
                const char *hit = src->hit ? src->hit : "达标";
                if (src->param) hit = zt_arena_printf(a, hit, zt_sc_num(a, d->param));
                const char *what =
                    zt_arena_printf(a, "%lld/%lld %s%s", (long long)t->num, (long long)t->den, src->unit, hit);
                const char *reason =
                    zt_arena_printf(a, "%s %s（%s），%s 分 × %s = %s 分，扣 %s 分%s", d->name, pct_text(a, rate), what,
                                    w, pct_text(a, rate), zt_sc_num(a, points), zt_sc_num(a, d->weight - points),
                                    refs_text(a, miss, t->refs, t->den - t->num, src->unit));
                json_array_append_new(deds, json_pack("{s:s,s:s,s:f,s:s,s:o}", "indicator", d->id, "name", d->name,
                                                      "points", zt_sc_round2(d->weight - points), "reason", reason,
                                                      "refs", refs_json(t->refs)));
            }
        }
    } else if (d->how == ZT_SV_AVERAGE) {
        json_object_set_new(o, "count", json_integer(t->den));
        json_object_set_new(o, "unfixed", json_integer(t->unfixed));
        json_object_set_new(o, "fix_open", json_integer(t->fix_open));
        if (!t->den) {
            json_object_set_new(o, "value", json_null());
            json_object_set_new(o, "note", json_string(empty));
        } else {
            double mean = t->sum / (double)t->den, rate = mean / d->scale;
            if (rate > 1) rate = 1;
            double base = zt_sc_round2(d->weight * rate);
            json_object_set_new(o, "value", json_real(mean));
            json_object_set_new(o, "rate", json_real(rate));
            points = base;
            if (d->weight - base > 0.004)
                json_array_append_new(
                    deds,
                    json_pack("{s:s,s:s,s:f,s:s,s:o}", "indicator", d->id, "name", d->name, "points",
                              zt_sc_round2(d->weight - base), "reason",
                              zt_arena_printf(a, "%s 平均 %s 级（%lld 次评价）= %s，%s 分 × %s = %s 分，扣 %s 分%s",
                                              d->name, zt_sc_num(a, mean), (long long)t->den, pct_text(a, rate), w,
                                              pct_text(a, rate), zt_sc_num(a, base), zt_sc_num(a, d->weight - base),
                                              refs_text(a, miss, t->refs, json_array_size(t->refs), "件")),
                              "refs", refs_json(t->refs)));
            double extra = d->unfixed_per * (double)t->unfixed;
            if (extra > base) extra = base;
            if (t->unfixed && d->unfixed_per > 0) {
                points = zt_sc_round2(base - extra);
                const char *cap = d->unfixed_per * (double)t->unfixed > extra
                                      ? zt_arena_printf(a, "，以本项余分 %s 分为限", zt_sc_num(a, extra))
                                      : "";
                json_array_append_new(deds,
                                      json_pack("{s:s,s:s,s:f,s:s,s:o}", "indicator", d->id, "name", d->name, "points",
                                                zt_sc_round2(extra), "reason",
                                                zt_arena_printf(a, "差评未按期整改 %lld 件 × %s 分 = %s 分%s%s",
                                                                (long long)t->unfixed, zt_sc_num(a, d->unfixed_per),
                                                                zt_sc_num(a, d->unfixed_per * (double)t->unfixed), cap,
                                                                refs_text(a, "", t->unfixed_refs, t->unfixed, "件")),
                                                "refs", refs_json(t->unfixed_refs)));
            }
        }
    } else {
        double off = d->per * (double)t->den, taken = off > d->weight ? d->weight : off;
        points = zt_sc_round2(d->weight - taken);
        json_object_set_new(o, "count", json_integer(t->den));
        json_object_set_new(o, "value", json_integer(t->den));
        if (t->den) {
            const char *cap = off > d->weight ? zt_arena_printf(a, "，以 %s 分为限", w) : "";
            json_array_append_new(
                deds, json_pack("{s:s,s:s,s:f,s:s,s:o}", "indicator", d->id, "name", d->name, "points",
                                zt_sc_round2(taken), "reason",
                                zt_arena_printf(a, "%s %lld %s × %s 分 = %s 分%s%s", d->name, (long long)t->den,
                                                src->unit, zt_sc_num(a, d->per), zt_sc_num(a, off), cap,
                                                refs_text(a, miss, t->refs, t->den, src->unit)),
                                "refs", refs_json(t->refs)));
        }
    }
    json_object_set_new(o, "points", json_real(points));
    json_object_set_new(o, "lost", json_real(zt_sc_round2(d->weight - points)));
    json_array_append_new(out, o);
    return points;
}

/* Score and adjustment: the sum of the points, plus accepted appeals, in 0..100. */
double zt_sc_clamp(double v) { return v < 0 ? 0 : v > 100 ? 100 : zt_sc_round2(v); }

double zt_sc_adjustment(json_t *appeals) {
    double adj = 0;
    size_t i;
    json_t *ap;
    json_array_foreach(appeals, i, ap) {
        const char *state = json_string_value(json_object_get(ap, "state"));
        if (state && !strcmp(state, "accepted")) adj += json_number_value(json_object_get(ap, "adjustment"));
    }
    return zt_sc_round2(adj);
}

json_t *zt_sc_definitions(const zt_sc_set *set) {
    json_t *defs = json_array();
    for (int i = 0; i < set->n; i++) {
        const zt_sc_indicator *d = &set->v[i];
        json_t *o = json_pack("{s:s,s:s,s:s,s:s,s:s,s:f}", "id", d->id, "name", d->name, "kind", zt_sc_hows[d->how],
                              "source", d->source->name, "unit", d->source->unit, "weight", d->weight);
        if (d->how == ZT_SV_DEDUCT_PER) json_object_set_new(o, "per", json_real(d->per));
        if (d->source->param) json_object_set_new(o, d->source->param, json_real(d->param));
        if (d->how == ZT_SV_AVERAGE) {
            json_object_set_new(o, "scale", json_real(d->scale));
            json_object_set_new(o, "unfixed_per", json_real(d->unfixed_per));
        }
        json_array_append_new(defs, o);
    }
    return defs;
}

const char *zt_sc_str(json_t *o, const char *key) {
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

json_t *zt_sc_indicator_in(json_t *d, const char *id) {
    size_t i;
    json_t *o;
    json_array_foreach(json_object_get(d, "indicators"), i, o) if (!strcmp(zt_sc_str(o, "id"), id)) return o;
    return NULL;
}
