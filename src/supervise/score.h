/* score.h - the monthly performance assessment (绩效考核) inside
 * src/supervise, in four files:
 *
 *   scores.c       the arithmetic: the indicator file, months, each formula's
 *                  points and reasons (unit-tested in tests/unit/supervise)
 *   score_facts.c  a month's facts: the core's (cards, departments at work)
 *                  and the kinds' (kind.h's score API), per department,
 *                  staff member and window, and the rows they score
 *   score_api.c    the routes: compute, rankings, the department's view,
 *                  appeals (申诉)
 *   score_xlsx.c   the monthly report workbook
 *
 * docs/scores.md says what the indicators mean. */
#ifndef ZT_SV_SCORE_H
#define ZT_SV_SCORE_H

#include <jansson.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/calendar.h"
#include "base/config.h"
#include "supervise/kind.h"

#define ZT_SC_MAX_IND   16
#define ZT_SC_MAX_REFS  50 /* numbers kept per indicator in a row's detail */
#define ZT_SC_SHOW_REFS 10 /* numbers quoted in a reason */

enum { ZT_SC_DEPT, ZT_SC_STAFF, ZT_SC_WINDOW, ZT_SC_NSCOPE };
extern const char *const zt_sc_scopes[ZT_SC_NSCOPE];       /* department, staff, window */
extern const char *const zt_sc_scope_labels[ZT_SC_NSCOPE]; /* 部门, 人员, 窗口 */
extern const char *const zt_sc_hows[];                     /* rate, average, deduct_per (by zt_sv_how) */

/* One indicator of data/scores.json. */
typedef struct zt_sc_indicator {
    char id[32];
    char name[64];
    zt_sv_how how;
    const zt_sv_source *source;
    double weight;
    double per;         /* deduct_per: points per occurrence */
    double param;       /* the source's parameter (zt_sv_source.param): case_early's working days */
    double scale;       /* average: the value that is 100% */
    double unfixed_per; /* average: points per bad value whose follow-up missed its day */
} zt_sc_indicator;

typedef struct zt_sc_set {
    zt_sc_indicator v[ZT_SC_MAX_IND];
    int n;
} zt_sc_set;

/* The source of that name: the core's (card_yellow, card_red) or a
 * registered kind's; NULL if none. */
const zt_sv_source *zt_sc_source(const char *name);
/* Validate the file's text into set; errors name the indicator and field. */
zt_err zt_sc_parse(const char *text, zt_sc_set *set, zt_error *e);
/* {source_dir}/scores.json into set (ZT_EINTERNAL, logged, when invalid). */
zt_err zt_sc_load(const zt_config *cfg, zt_sc_set *set, zt_error *e);
/* The definitions as each computed row keeps them. */
json_t *zt_sc_definitions(const zt_sc_set *set);

typedef struct zt_sc_month {
    int y, m;
    int64_t from, to; /* [from, to): the month in the city's time zone */
    char text[8];     /* YYYY-MM */
    char appeal[11];  /* the last day to appeal: the 5th working day of the next month */
} zt_sc_month;
zt_err zt_sc_month_parse(const zt_calendar *cal, const char *s, const char *field, zt_sc_month *out, zt_error *e);

/* What one indicator counted for one department, staff member or window. */
typedef struct zt_sc_tally {
    int64_t num, den; /* rate: hits / all; deduct_per: den occurrences; average: den values */
    double sum;       /* average: the sum of the values */
    json_t *refs;     /* the numbers behind points lost: late cases, cards, complaints, bad ratings */
    int64_t unfixed;  /* average: bad values whose follow-up missed its day */
    json_t *unfixed_refs;
    int64_t fix_open; /* bad values whose follow-up is still in time */
} zt_sc_tally;

/* One indicator's points: its JSON appended to out and, for points lost,
 * the deductions with their reasons appended to deds. */
double zt_sc_points(zt_arena *a, const zt_sc_indicator *d, const zt_sc_tally *t, json_t *out, json_t *deds);

double zt_sc_round2(double v);
/* 22.5, 4, 66.67: at most two decimals, no trailing zeros */
const char *zt_sc_num(zt_arena *a, double v);
/* A total kept in 0..100 (hundredths). */
double zt_sc_clamp(double v);
/* The sum of the adjustments of the accepted appeals. */
double zt_sc_adjustment(json_t *appeals);

/* Compute the month: one detail object per department, staff member and
 * window with a fact or at work in it (docs/scores.md), appended to rows,
 * sorted by scope and id. */
zt_err zt_sc_compute(zt_db *db, const zt_calendar *cal, zt_arena *a, const zt_sc_month *mo, const zt_sc_set *set,
                     int64_t now, json_t *rows, zt_error *e);

/* The stored indicator entry of row d for definition id, or NULL. */
json_t *zt_sc_indicator_in(json_t *d, const char *id);
/* A member of o as a string, "" when absent. */
const char *zt_sc_str(json_t *o, const char *key);

/* The report of the month into a new workbook at path: rows per scope
 * (details with "rank"), defs the indicator definitions. */
zt_err zt_sc_xlsx(const char *path, const zt_sc_month *mo, json_t *rows[ZT_SC_NSCOPE], json_t *defs, zt_arena *a,
                  zt_error *e);

#endif
