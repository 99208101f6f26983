/* kind.h - supervision kinds: everything the engine knows of one type of
 * supervised subject (a case, a consultation, a complaint, a rating's
 * follow-up; a tender, a payment, a data request tomorrow), in one struct
 * that the kind's file fills.
 *
 * The core (intake, engine, ticker, cards, views, scores) knows events and
 * subjects, never a domain. It checks an event's envelope, stores it, folds
 * the subject's events in event-time order into the common projection
 * (department, region, state, opened, closed) and lets the subject's kind
 * fold its own part (its clock, its due day, its detail); then it runs,
 * for each rule of that subject type, the kind's evaluator the rule names
 * (sv_rules.kind). A signal whose moment has come raises its card, one
 * still ahead becomes a timer. Scores read the kind's facts through the
 * sources it offers.
 *
 * Adding a kind is one file (a zt_sv_kind and its functions), its rules
 * file, and one line where the kinds are registered (src/routes.c); the
 * core does not change. docs/adding-a-domain.md. */
#ifndef ZT_SV_KIND_H
#define ZT_SV_KIND_H

#include <jansson.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/calendar.h"
#include "base/err.h"
#include "store/store.h"

/* --- what a kind folds and evaluates ------------------------------------------ */

/* One event of a subject, in event-time order (arrival order within a
 * second). Shortcuts into ev, NULL when absent. */
typedef struct zt_sv_event {
    int64_t at;     /* its time */
    const char *id; /* its id as its source sent it */
    json_t *ev;     /* the whole event (borrowed) */
    json_t *info;   /* ev[kind->info]: the subject's basic information */
    json_t *step;   /* ev.step */
    json_t *fields; /* ev.step.fields */
    const char *type, *action, *result, *to;
} zt_sv_event;

/* The projection of one subject while it is evaluated: the common part the
 * core keeps for every kind, the events, and the kind's own part (k). A
 * kind's fold may set topic, title, has_due/due and closed_at. */
typedef struct zt_sv_subject {
    const char *type, *number, *source;
    const char *dept, *region; /* the latest event's that names them */
    const char *state;         /* the latest step's target */
    int64_t state_since;
    int64_t opened_at; /* the first event's time */
    int64_t closed_at; /* finished (0 = open): lateness is judged against it, never against now */
    const char *topic; /* what it is about in the catalogue (a case's power item code), or NULL */
    const char *title; /* what lists and card titles show beside the number (the item's name) */
    int has_due;       /* the day it is due: open subjects after it count as overdue */
    zt_day due;
    const zt_sv_event *evs;
    size_t nevs;
    const zt_calendar *cal;
    int64_t now;     /* the moment of the evaluation (the tick's, the write's): never read the clock */
    zt_db *db;       /* the writer's connection, for the kind's look-ups */
    zt_arena *arena; /* what the kind allocates for one evaluation */
    void *k;         /* the kind's state: kind->state_size bytes, zeroed before the fold */
} zt_sv_subject;

/* A rule as evaluators see it (sv_rules, seeded from the kind's rules file). */
typedef struct zt_sv_rule {
    const char *id, *name, *category, *kind, *level;
    int version;
    json_t *params;
} zt_sv_rule;

/* An integer parameter of the rule, or def. */
int64_t zt_sv_param(const zt_sv_rule *r, const char *key, int64_t def);

/* What an evaluator says of one rule and one subject. */
typedef struct zt_sv_signal {
    int fires;        /* the card must exist */
    int64_t at;       /* its moment (when it happened), or the timer's */
    int timer;        /* not yet: look again at `at` */
    json_t *facts;    /* why (owned; dropped unless it fires) */
    const char *step; /* the responsible step (state or action) */
} zt_sv_signal;

typedef void (*zt_sv_eval_fn)(const zt_sv_rule *r, const zt_sv_subject *s, int64_t now, zt_sv_signal *sig);

typedef struct zt_sv_evaluator {
    const char *name; /* what a rule's kind says */
    zt_sv_eval_fn fn;
} zt_sv_evaluator;

/* Helpers for evaluators. */
/* Moment m has passed for s: reached by now and not after s closed. */
int zt_sv_reached(const zt_sv_subject *s, int64_t m, int64_t now);
/* A signal at moment m of a running clock: fires when reached, else a
 * timer while s is open and m is ahead. */
void zt_sv_at_moment(const zt_sv_subject *s, int64_t m, int64_t now, zt_sv_signal *sig);
/* An event-time signal: fires at event i; facts (stolen) get its id and time. */
void zt_sv_at_event(const zt_sv_subject *s, size_t i, zt_sv_signal *sig, json_t *facts, const char *step);
void zt_sv_fact_day(json_t *facts, const char *key, zt_day d);
void zt_sv_fact_time(json_t *facts, const char *key, int64_t t);
/* o's member key as a string, or NULL. */
const char *zt_sv_str(json_t *o, const char *key);

/* --- checking a department's event (intake) ------------------------------------ */

/* The rules the intake applies, for a kind's check: a failure is ZT_EINVAL
 * with e->field the member's path ("case.legal_days") and a Chinese
 * message. obj is the member's object ("case"), NULL at the top. */
zt_err zt_sv_check_bad(zt_error *e, const char *obj, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Only the members of allowed (NULL-terminated) in o. */
zt_err zt_sv_check_only(json_t *o, const char *obj, const char *const *allowed, zt_error *e);
/* A string of 1..maxc characters (required), or absent/null (*out NULL);
 * no control characters. */
zt_err zt_sv_check_str(json_t *o, const char *obj, const char *key, int required, size_t maxc, const char **out,
                       zt_error *e);
/* An integer within [lo, hi]; absent/null: *present = 0 (present may be NULL). */
zt_err zt_sv_check_int(json_t *o, const char *obj, const char *key, int required, int64_t lo, int64_t hi, int64_t *out,
                       int *present, zt_error *e);
/* An optional day "YYYY-MM-DD" (or null). */
zt_err zt_sv_check_day(json_t *o, const char *obj, const char *key, zt_error *e);
/* An optional member of a JSON type (null allowed); what names it ("对象"). */
zt_err zt_sv_check_type(json_t *o, const char *obj, const char *key, json_type t, const char *what, zt_error *e);
/* num_key (the number) is the envelope's subject and "department" the key's. */
zt_err zt_sv_check_identity(json_t *o, const char *obj, const char *num_key, const char *subject, const char *dept,
                            zt_error *e);
/* "region": a GB/T 2260 code of 6 or 9 digits within the key's department's
 * region (dept_region; NULL = any). */
zt_err zt_sv_check_region(json_t *o, const char *obj, int required, const char *dept_region, zt_error *e);
int zt_sv_one_of(const char *s, const char *const *set);

/* --- scores ------------------------------------------------------------------- */

typedef struct zt_sv_score zt_sv_score; /* one month's computation (src/supervise/score_facts.c) */

/* How an indicator counts a source's facts. */
typedef enum {
    ZT_SV_RATE,      /* hits of all (on time of closed) */
    ZT_SV_AVERAGE,   /* the mean of values (a rating's level) */
    ZT_SV_DEDUCT_PER /* occurrences (cards, complaints) */
} zt_sv_how;

/* A source of facts an indicator of data/scores.json may count. The texts
 * make the reasons of points lost: "按时办结率 75%（3/4 件按时）…（逾期办结：N4）". */
typedef struct zt_sv_source {
    const char *name; /* what data/scores.json's indicators name ("case_on_time") */
    zt_sv_how how;
    const char *unit; /* what one fact is counted in: 件, 张, 次 */
    const char *hit; /* ZT_SV_RATE: what a hit is ("按时"); a %s takes the parameter ("提前 %s 个工作日以上") */
    const char *miss;  /* the label before the numbers behind points lost ("逾期办结：", "差评："), or NULL */
    const char *empty; /* the note when the month has none ("本月无办结件，按满分计"), or NULL */
    /* One parameter of the indicator that counts the source (params.<param>),
     * within [lo, hi], def when absent; NULL = none. */
    const char *param;
    double lo, hi, def;
} zt_sv_source;

/* The month being scored. */
zt_db *zt_sv_score_db(zt_sv_score *c);
int64_t zt_sv_score_now(const zt_sv_score *c);
const zt_calendar *zt_sv_score_cal(const zt_sv_score *c);
zt_arena *zt_sv_score_arena(zt_sv_score *c);
/* The parameter (zt_sv_source.param) of the indicator that counts source,
 * or def when no indicator counts it. */
double zt_sv_score_param(const zt_sv_score *c, const char *source, double def);

/* One fact for a source: it counts for the department (dept, region) and,
 * when `attribute` names a case whose handler a kind knows
 * (zt_sv_kind.attribute), for that staff member and window. */
typedef struct zt_sv_fact {
    const char *source; /* a source's name */
    const char *dept, *region;
    const char *attribute; /* a case number to attribute to staff and window, or NULL */
    int hit;               /* ZT_SV_RATE: this one is a hit */
    double value;          /* ZT_SV_AVERAGE: its value */
    const char *ref;       /* the number shown beside points lost (a miss, an occurrence, a bad value), or NULL */
    int bad;               /* ZT_SV_AVERAGE: a bad value (ref is listed) */
    int unfixed, open;     /* a bad value whose follow-up missed its day / is still in time */
    const char *unfixed_ref;
} zt_sv_fact;
void zt_sv_score_add(zt_sv_score *c, const zt_sv_fact *f);
/* Assessed though no fact names him: a staff member (scope "staff") or a
 * window ("window") seen at work in the month. */
void zt_sv_score_present(zt_sv_score *c, const char *scope, const char *id, const char *dept, const char *region);

/* A stored subject as scores read it. */
typedef struct zt_sv_row {
    const char *number, *source, *dept, *region, *state, *title, *due_day; /* due_day NULL = none */
    int64_t opened_at, closed_at;                                          /* 0 = none */
    json_t *detail;                                                        /* the kind's projection (borrowed) */
} zt_sv_row;
/* The subjects of type whose opened_at (by_closed 0) or closed_at (1) falls
 * in the month, in that order; fn(c, row, ctx) for each. */
zt_err zt_sv_score_subjects(zt_sv_score *c, const char *type, int by_closed,
                            void (*fn)(zt_sv_score *c, const zt_sv_row *row, void *ctx), void *ctx, zt_error *e);
/* The events of subjects of type whose time falls in the month (type_like:
 * an event type, "rating.rate", or NULL for all), in time order. */
zt_err zt_sv_score_events(zt_sv_score *c, const char *type, const char *event_type,
                          void (*fn)(zt_sv_score *c, const zt_sv_event *ev, const char *number, void *ctx), void *ctx,
                          zt_error *e);
/* Every event of one subject (by number, any source), in time order. fn
 * may read the database. */
zt_err zt_sv_subject_events(zt_db *db, const char *type, const char *number,
                            void (*fn)(const zt_sv_event *ev, void *ctx), void *ctx, zt_error *e);
/* Every event of subjects of type (of event_type; NULL = all) whose time
 * falls in [from, to), in time order, with its subject's number. fn may
 * read the database. */
zt_err zt_sv_events_in(zt_db *db, const char *type, const char *event_type, int64_t from, int64_t to,
                       void (*fn)(const zt_sv_event *ev, const char *number, void *ctx), void *ctx, zt_error *e);

/* --- the kind ---------------------------------------------------------------- */

typedef struct zt_sv_kind {
    const char *name;  /* the subject_type: "case" */
    const char *label; /* 办件 */
    const char *info;  /* the event member with the subject's basic information: "case" */
    /* Top-level members its events may carry beside the envelope and info
     * (NULL-terminated; NULL = none). */
    const char *const *members;
    int step_optional; /* its events may come without "step" (a rating's type says it all) */
    /* Intake: the kind's part of an event a department's system sent (the
     * envelope is checked): action is the type's, subject the envelope's,
     * dept and dept_region the key's department. ZT_EINVAL with e->field
     * the member's path. May fill in members (a default region) on success
     * only. NULL = info must merely be an object. */
    zt_err (*check)(json_t *ev, const char *action, const char *subject, const char *dept, const char *dept_region,
                    zt_error *e);

    /* The fold: the core folds the common projection of each event, then
     * calls fold (in order), and finish after the last. state_size bytes
     * of state at s->k, zeroed first. */
    size_t state_size;
    void (*fold)(zt_sv_subject *s, const zt_sv_event *ev);
    void (*finish)(zt_sv_subject *s);
    /* Its projection (a new object) for sv_subjects.detail: what views show
     * beside the common columns. Instants as Unix seconds under names
     * ending in _at or _since. NULL = none. */
    json_t *(*detail)(const zt_sv_subject *s);

    /* The evaluators its rules may name (terminated by {NULL, NULL}). */
    const zt_sv_evaluator *evaluators;
    /* Its rules (format zhengtong.rules/1): a path relative to the data
     * directory (source.dir) or absolute; NULL = none. Seeded into sv_rules
     * at start (a rule already stored is the city's and stays). */
    const char *rules;

    /* Scores: the sources it offers (terminated by {NULL}) and the function
     * that adds its facts of the month; NULL = none. */
    const zt_sv_source *sources;
    zt_err (*facts)(zt_sv_score *c, zt_error *e);
    /* Who handled case `number` (staff and window scores): its acceptor's
     * login, the acceptor's department and the window, strings in the
     * score's arena; 1 when known, 0 when this kind cannot say. */
    int (*attribute)(zt_sv_score *c, const char *number, const char **staff, const char **staff_dept,
                     const char **window);
    /* The case number a subject of this kind is about, for attributing its
     * cards (a rating: its case; a case: itself); NULL = none. */
    const char *(*case_of)(zt_sv_score *c, const char *number);

    /* The digest the ticker folds instead of the bodies: the members of
     * info, of step.fields and at the top that fold and evaluators read.
     * A NULL list keeps those members whole (correct, only larger). */
    const char *const *info_keys;
    const char *const *field_keys;
    const char *const *top_keys;
} zt_sv_kind;

/* Register a kind before zt_sv_start (src/routes.c does). The struct must
 * outlive the process. Another kind of the same name is a programming
 * error (logged, abort). */
void zt_sv_kind_register(const zt_sv_kind *k);
/* The kind of a subject type, or NULL. */
const zt_sv_kind *zt_sv_kind_get(const char *name);
/* The i-th registered kind, or NULL past the last. */
const zt_sv_kind *zt_sv_kind_at(size_t i);

#endif
