/* internal.h - what the files of src/trading share. */
#ifndef ZT_TRADING_INTERNAL_H
#define ZT_TRADING_INTERNAL_H

#include <jansson.h>
#include <stdint.h>

#include "app.h"
#include "base/config.h"
#include "http/access.h"
#include "http/http.h"
#include "store/store.h"

/* A trade type and its methods (交易方式). */
typedef struct tr_type {
    const char *name, *label;
    const char *methods[8];
} tr_type;
extern const tr_type TR_TYPES[];
const tr_type *tr_type_get(const char *name);
int tr_method_ok(const tr_type *t, const char *method);
/* The evaluation ranks by the highest price (land, property rights). */
int tr_by_price(const char *eval_method);
int tr_one_of(const char *s, const char *const *set);

/* A project's row. */
typedef struct tr_proj {
    int64_t id, dept_id, budget, deposit_max, flow_version, published_at, deadline, opened_at, window_end, reported_at,
        publicity_from, publicity_to, award_bid_id, awarded_at, contract_amount, contracted_at, round, created_at,
        updated_at, auction_increment, auction_price;
    char auction_leader[48], category[200], budget_item[200], number[32], type[16], method[32], title[640], dept[64],
        dept_name[192], region[16], legal_basis[1600], eval_method[48], state[16], paused_from[16], docs_from[11],
        docs_to[11], award_reason[3200], failed_reason[1600];
    json_t *lots, *criteria, *committee, *report; /* owned */
} tr_proj;

zt_err tr_proj_load(zt_db *db, const char *number, tr_proj *p, zt_error *e);
void tr_proj_free(tr_proj *p);
json_t *tr_proj_json(const tr_proj *p, const zt_principal *viewer);
/* One step of the project's flow inside the write; extra: more members of
 * the event's "tender"; to: the target of a step with several. On success
 * p->state and p->updated_at follow. */
zt_err tr_proj_step(zt_db *db, tr_proj *p, const char *action, const zt_principal *actor, json_t *fields, json_t *extra,
                    const char *to, int64_t at, zt_error *e);
zt_err tr_reply_project(zt_req *r, const char *number, int status, zt_error *e);
int tr_staff(const zt_principal *p);
/* The steps of an instance (flow history) with their fields. */
json_t *tr_steps_json(zt_db *db, const char *subject_type, const char *number);

/* Bids (bids.c). */
json_t *tr_questions_json(zt_db *db, const char *number);
json_t *tr_opening_json(zt_db *db, const char *number);
json_t *tr_objections_json(zt_db *db, const char *number);
/* The bids of the project's round in a state (NULL = any): count. */
int64_t tr_bids_count(zt_db *db, int64_t project_id, int64_t round, const char *state, zt_error *e);
/* At the end of the decryption window: the bids not unlocked become
 * invalid (a step each); *record gets the opening record (bidders, prices,
 * hashes, addresses, devices) for the seal_opening event. */
zt_err tr_bids_seal(zt_db *db, const tr_proj *p, const zt_principal *actor, int64_t now, json_t **record, zt_error *e);

const zt_route *tr_project_routes(size_t *n);
const zt_route *tr_action_routes(size_t *n);
const zt_route *tr_bid_routes(size_t *n);
const zt_route *tr_hall_routes(size_t *n);

#endif
