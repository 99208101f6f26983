/* supervise.h - the e-supervision engine (电子监察, R5).
 *
 *   intake → projection → timers → rules → cards → scores
 *
 * Every event of the schema in docs/supervision-events.md - the platform's
 * own (src/services, through zt_sv_ingest inside their writes) and those of
 * departments' systems (POST /api/supervision/events) - is stored once in
 * sv_events and re-evaluates its subject: the events are folded, in event
 * time order, into the subject's projection (sv_subjects); the rules (data,
 * sv_rules) compute each signal's moment on the working-day calendar; a
 * signal whose moment has come raises its card (sv_cards), one not yet due
 * becomes a timer (sv_timers) that the ticker reads; a card the new picture
 * no longer justifies is retracted, and recorded as such. A closed subject
 * is judged against its closing time, never against now.
 *
 * supervise knows events, not cases: it never includes a domain. It reads
 * the items table for an item's fee list (the catalogue is shared data).
 *
 * Files: engine.c (ingest, projection, rules, reconcile), ticker.c (the
 * deadline ticker, POST /api/admin/tick, the case view), notify.c (inbox and
 * senders), cards.c (the card lifecycle API), intake.c (external events),
 * stream.c (the live feed), views.c (counts and lists), scores.c
 * (performance assessment and its Excel export). docs/supervision.md. */
#ifndef ZT_SUPERVISE_H
#define ZT_SUPERVISE_H

#include <jansson.h>

#include "app.h"
#include "http/http.h"
#include "store/store.h"

/* --- engine.c -------------------------------------------------------- */

/* Load the rules: data/rules.json seeds sv_rules (a rule already stored is
 * kept as the city changed it; a new rule is added), then the rules are
 * cached. Remembers app (the calendar). Called by serve and init. */
zt_err zt_sv_start(zt_app *app, zt_error *e);

/* Inside the caller's write: store one event (ev: envelope and body, the
 * schema of docs/supervision-events.md; borrowed) and re-evaluate its
 * subject. Idempotent by ev.id: a known id changes nothing and sets *dup
 * (may be NULL). The event is appended to the ledger (payload = the event;
 * owner_user_id = the applicant, 0 for external events). source is
 * "platform" or "dept:{code}"; ev's "source" must equal it. */
zt_err zt_sv_ingest(zt_db *db, const zt_principal *actor, json_t *ev, int64_t owner_user_id, int *dup, zt_error *e);

/* Does supervision watch subjects of this type (a kind of its own)? */
int zt_sv_supervises(const char *subject_type);

/* Inside a write: re-evaluate one subject at time now (cards, timers). */
zt_err zt_sv_evaluate(zt_db *db, int64_t subject_id, int64_t now, zt_error *e);

/* Reload the rule cache after sv_rules changed (cards.c, rules API). */
zt_err zt_sv_rules_reload(zt_db *db, zt_error *e);

/* The system's principal: actor of cards the engine raises. */
const zt_principal *zt_sv_system(void);

/* --- ticker.c -------------------------------------------------------- */

/* One tick: every subject with a timer due at or before now is
 * re-evaluated, in one write. *n (may be NULL) = subjects touched. */
zt_err zt_sv_tick(zt_app *app, int64_t now, int *n, zt_error *e);

typedef struct zt_sv_ticker zt_sv_ticker;
/* A thread that ticks every second (and at once when poked). */
zt_sv_ticker *zt_sv_ticker_start(zt_app *app);
void zt_sv_ticker_poke(void);
void zt_sv_ticker_stop(zt_sv_ticker *t);

/* --- cards (engine.c raises, cards.c moves them) ---------------------- */

/* Inside a write: record one step of a card's life: the sv_card_events row
 * (next seq), the card's new state, the audit row and the ledger entry
 * (kind "card.{action}"), and the notifications. */
zt_err zt_sv_card_step(zt_db *db, const zt_principal *actor, int64_t card_id, const char *action, const char *from,
                       const char *to, const char *reason, zt_error *e);

/* --- notify.c -------------------------------------------------------- */

/* Inside a write: tell the people responsible for a card what happened to
 * it (action: raise, confirm, escalate, ...): an inbox row for each active
 * user of the card's department (clerks and the head), and the same text
 * to the pluggable SMS/e-mail sender (the demo's sender logs it). */
zt_err zt_sv_notify(zt_db *db, int64_t card_id, const char *action, zt_error *e);

/* The same for a card whose number, level, title, department and (new)
 * state the caller holds (borrowed): the engine's raise, without reading the
 * card back. */
zt_err zt_sv_notify_card(zt_db *db, int64_t card_id, const char *number, const char *level, const char *title,
                         const char *dept, const char *state, const char *action, zt_error *e);

/* Open (1) or close (0) a batch on the writer thread, inside one write: while
 * it is open, each department's recipients are read once (the ticker's
 * write, which raises many cards; nothing else changes users meanwhile). */
void zt_sv_notify_batch(int open);

/* --- routes ------------------------------------------------------------ */

const zt_route *zt_sv_routes(size_t *n);        /* ticker.c: case view, tick */
const zt_route *zt_sv_card_routes(size_t *n);   /* cards.c */
const zt_route *zt_sv_intake_routes(size_t *n); /* intake.c */
const zt_route *zt_sv_view_routes(size_t *n);   /* views.c */
const zt_route *zt_sv_score_routes(size_t *n);  /* scores.c */
const zt_route *zt_sv_rule_routes(size_t *n);   /* rules.c */

/* Inside the write of a calendar change (platform's hook, wired by main): re-evaluate the open subjects it moves. */
zt_err zt_sv_calendar_changed(zt_db *db, const char *why, zt_error *e);

#endif
