/* supervise.h - the e-supervision engine (电子监察, R5).
 *
 *   intake → projection → timers → rules → cards → scores
 *
 * Every event of the schema in docs/supervision-events.md - the platform's
 * own (the process engine's sink, inside their writes) and those of
 * departments' systems (POST /api/supervision/events) - is stored once in
 * sv_events and re-evaluates its subject at the end of the write: the
 * events are folded, in event time order, into the subject's projection
 * (sv_subjects; the common part here, the rest by the subject's kind,
 * kind.h); the rules (data, sv_rules) compute each signal's moment on the
 * working-day calendar with the kind's evaluators; a signal whose moment
 * has come raises its card (sv_cards), one not yet due becomes a timer
 * (sv_timers) that the ticker reads; a card the new picture no longer
 * justifies is retracted, and recorded as such. A closed subject is judged
 * against its closing time, never against now.
 *
 * supervise knows events and kinds, not cases: it never includes a domain.
 *
 * Files: engine.c (kinds, rules, projection, reconcile, ingest), kinds/
 * (the platform's kinds), ticker.c (the deadline ticker, POST
 * /api/admin/tick), notify.c (inbox and senders), cards.c (the card
 * lifecycle), intake.c (external events), stream.c (the live feed),
 * views.c (counts, the overview, the subjects), rules.c (the rules API),
 * score*.c (performance assessment and its Excel export).
 * docs/supervision.md. */
#ifndef ZT_SUPERVISE_H
#define ZT_SUPERVISE_H

#include <jansson.h>

#include "app.h"
#include "http/http.h"
#include "store/store.h"

/* --- engine.c -------------------------------------------------------- */

/* Load the rules: each registered kind's rules file (kind.h) seeds sv_rules
 * (a rule already stored is kept as the city changed it; a new rule is
 * added), then the rules are cached. Remembers app (the calendar). Called
 * by serve and init, after the kinds are registered. */
zt_err zt_sv_start(zt_app *app, zt_error *e);
/* The working-day calendar supervision counts on (zt_sv_start's app). */
const zt_calendar *zt_sv_calendar(void);

/* Inside the caller's write: store one event (ev: envelope and body, the
 * schema of docs/supervision-events.md; borrowed) and record it (audit row
 * and ledger entry, payload = the event; owner_user_id = the applicant, 0
 * for external events); its subject is evaluated once at the end of the
 * write, after every event the write brings. An id is its source's
 * (ev.source: "platform" or "dept:{code}"): an id the source already used
 * changes nothing and sets *dup (may be NULL) - except the platform's own,
 * which is an internal error, never dropped. A subject is its source's:
 * another source's subject of the same number is another subject. */
zt_err zt_sv_ingest(zt_db *db, const zt_principal *actor, json_t *ev, int64_t owner_user_id, int *dup, zt_error *e);

/* Inside a write: the working-day calendar changed (why, in Chinese, names
 * the change): every open subject is re-evaluated at once by the ticker,
 * and the change is recorded. */
zt_err zt_sv_calendar_changed(zt_db *db, const zt_calendar *cal, const char *why, zt_error *e);

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

/* --- notify.c -------------------------------------------------------- */

/* Inside a write: tell the people responsible for a card what happened to
 * it (action: raise, confirm, escalate, ...; state: the card's new state;
 * the strings borrowed): an inbox row for each active user of the card's
 * department (clerks and the head), and the same text as SMS and e-mail
 * notices in the outbox, sent after the commit by the sender thread (the
 * demo's sender logs them). The card's step hook calls it (cards.c). */
zt_err zt_sv_notify_card(zt_db *db, int64_t card_id, const char *number, const char *level, const char *title,
                         const char *dept, const char *state, const char *action, zt_error *e);

/* Inside a write: one message to one account, not about a card (auth's
 * notify hook, zt_auth_set_notify: a registration with the holder's ID
 * number): an inbox row, and the same text to the senders (SMS to phone
 * when there is one). */
zt_err zt_sv_notify_user(zt_db *db, int64_t user_id, const char *login, const char *phone, const char *title,
                         const char *body, zt_error *e);

/* The sender thread: sends the outbox's committed notices after each commit
 * that brought some, retries failed ones (notify.retry_seconds, doubled, up
 * to notify.max_attempts), once more on the way out. serve starts it. */
typedef struct zt_sv_sender zt_sv_sender;
zt_sv_sender *zt_sv_sender_start(zt_app *app);
void zt_sv_sender_stop(zt_sv_sender *s);

/* Open (1) or close (0) a batch on the writer thread, inside one write: while
 * it is open, each department's recipients are read once (the ticker's
 * write, which raises many cards; nothing else changes users meanwhile). */
void zt_sv_notify_batch(int open);

/* A card level's name: 预警, 黄牌, 红牌 (an unknown level as it is). */
const char *zt_sv_level_label(const char *level);

/* --- routes ------------------------------------------------------------ */

const zt_route *zt_sv_routes(size_t *n);        /* ticker.c: the tick */
const zt_route *zt_sv_card_routes(size_t *n);   /* cards.c */
const zt_route *zt_sv_intake_routes(size_t *n); /* intake.c */
const zt_route *zt_sv_view_routes(size_t *n);   /* views.c: counts, overview, subjects */
const zt_route *zt_sv_score_routes(size_t *n);  /* score_api.c */
const zt_route *zt_sv_rule_routes(size_t *n);   /* rules.c */

#endif
