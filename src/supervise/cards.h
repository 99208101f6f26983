/* cards.h - supervision cards (监察卡) as the engine raises and retracts
 * them (inside src/supervise). A card is an instance of the process
 * definition data/flows/card.json: every step - the engine's raise and
 * retract, the people's confirm, feedback, close, 督办, appeal, revoke and
 * send back (cards.c's routes) - goes through the process engine, which
 * records it (audit row and ledger entry). */
#ifndef ZT_SV_CARDS_H
#define ZT_SV_CARDS_H

#include <jansson.h>
#include <stdint.h>

#include "store/store.h"

/* What the engine knows of the card a signal calls for. */
typedef struct zt_sv_card_spec {
    int64_t subject_id;
    const char *subject_type, *subject; /* the subject's identity */
    const char *rule_id, *rule_name, *category, *level;
    int rule_version, confirm; /* confirm: the rule's cards wait for a supervisor (pending) */
    json_t *params;            /* the rule's (feedback_days, escalated_days) */
    const char *title;         /* "{rule name}：{number}（{subject title}）" */
    const char *facts;         /* why, JSON text */
    const char *dept, *region;
    const char *step;  /* the responsible step */
    int64_t signal_at; /* the moment the rule says it happened */
} zt_sv_card_spec;

/* Inside a write: raise the card of spec, new, or again when the card
 * (existing_id, 0 = none) was retracted. */
zt_err zt_sv_card_raise(zt_db *db, const zt_sv_card_spec *spec, int64_t existing_id, zt_error *e);
/* Inside a write: retract a card the new picture no longer justifies. */
zt_err zt_sv_card_retract(zt_db *db, int64_t card_id, zt_error *e);
/* May a card in state be retracted (it is not finished)? */
int zt_sv_card_live(const char *state);

#endif
