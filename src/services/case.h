/* case.h - what the three files of cases share (inside src/services):
 *   case.c         the case as a process instance: loading, who may act,
 *                  the legal clock of each step, applying and acting
 *   case_api.c     the HTTP face for applicants and staff: apply, act, the
 *                  case view, the lists
 *   case_public.c  what needs no login: the status query by number and
 *                  password, and the receipts (受理通知书) that print them */
#ifndef ZT_SERVICES_CASE_H
#define ZT_SERVICES_CASE_H

#include <jansson.h>

#include "app.h"
#include "base/arena.h"
#include "flow/flow.h"
#include "flow/step.h"
#include "http/http.h"

/* A case as loaded (strings in the arena given to the loader). */
typedef struct case_row {
    int64_t id, item_id, dept_id, applicant_id, state_since, submitted_at, accepted_at, suspended_at, closed_at;
    int64_t suspended_days, suspend_granted, supplements, fee_charged, updated_at;
    int flow_version, item_version, legal_days, promised_days, extension_days, has_fee;
    const char *number, *flow_id, *region, *applicant_type, *applicant_name, *applicant_no, *contact_phone, *channel;
    const char *title, *form, *state, *due_day, *accept_day, *promised_due, *legal_due, *result_type, *certificate_no;
    const char *item_code, *item_name, *dept_code, *dept_name, *online;
} case_row;

#define CASE_COLS                                                                                                      \
    "c.id, c.number, c.item_id, c.flow_id, c.flow_version, c.dept_id, c.region_code, c.applicant_id,"                  \
    " c.applicant_type, c.applicant_name, c.applicant_no, c.contact_phone, c.channel, c.title, c.form, c.state,"       \
    " c.state_since, c.due_day, c.submitted_at, c.accepted_at, c.accept_day, c.promised_due, c.legal_due,"             \
    " c.suspended_days, c.suspended_at, c.suspend_granted, c.supplements, c.closed_at, c.result_type,"                 \
    " c.certificate_no, c.fee_charged, i.code, i.version, i.name, i.legal_days, i.promised_days, d.code, d.name,"      \
    " c.updated_at, i.online, i.extension_days"
#define CASE_NCOLS 41
/* the departments join only fetches the department's code and name */
#define CASE_FROM "cases c JOIN items i ON i.id = c.item_id JOIN departments d ON d.id = c.dept_id"

/* Fill c from a row of CASE_COLS (strings copied into a). */
void case_from_row(zt_stmt *st, zt_arena *a, case_row *c);
/* The case with this number: ZT_ENOTFOUND (field "number") when none. */
zt_err case_load(zt_db *db, zt_arena *a, const char *number, case_row *c, zt_error *e);
/* Who sees a case: its applicant; staff of its department or of a joint
 * department; supervisors of its region; auditors and administrators. */
int case_can_view(zt_db *db, const zt_principal *p, const case_row *c);
/* The case as a process instance of its definition (flow.h), for a step
 * or for asking what the viewer may do. ZT_EINTERNAL when its definition
 * version is not loaded. */
zt_err case_instance(const case_row *c, zt_flow_instance *in, zt_error *e);

/* --- writing ---------------------------------------------------------------- */

typedef struct case_attach {
    const char *material;
    int64_t upload_id;
} case_attach;

#define CASE_MAX_ATTACH 100

/* Validate "materials"/"attachments": [{material, upload_id}] of uploads the
 * owner made. allowed (NULL = any name of at most 100 characters) lists the
 * names a material may have (the guide's). */
zt_err case_attachments(zt_db *db, json_t *arr, const char *key, int64_t owner, json_t *allowed, case_attach *out,
                        size_t *n, zt_error *e);

/* An application, as h_apply validated it; the write fills number. */
typedef struct case_new {
    const zt_principal *p;
    zt_app *app;
    int64_t item_id, dept_id;
    const char *item_code, *item_name, *flow_id, *region, *dept_code;
    int item_version, flow_version, legal_days, promised_days, extension_days;
    json_t *joint; /* department codes */
    const char *title, *phone, *idem, *applicant_type, *applicant_name, *applicant_no;
    char *form;
    case_attach mats[CASE_MAX_ATTACH];
    size_t nmats;
    char number[64]; /* out; in: a number the case already has (one crossed from the 外网) */
    int existing;    /* out: an earlier application with the same idempotency key */
} case_new;

/* The write of an application (zt_store_write). */
zt_err case_apply_write(zt_db *db, void *arg, zt_error *e);

/* An action on a case, as h_act validated it. */
typedef struct case_act {
    const zt_principal *p;
    zt_app *app;
    const case_row *c;
    const char *action;
    json_t *fields; /* never NULL */
    case_attach atts[CASE_MAX_ATTACH];
    size_t natts;
} case_act;

/* The write of an action (zt_store_write): the engine's step. */
zt_err case_act_write(zt_db *db, void *arg, zt_error *e);

/* --- views shared by the files --------------------------------------------- */

json_t *case_day_json(const char *d);
json_t *case_ts_json(int64_t t);
const char *case_state_label(const zt_flow *f, const char *state);
/* The basic information every view and event carries. */
json_t *case_basic(const case_row *c);
/* The timeline: every step (with its fields and actor when with_fields). */
json_t *case_events_json(zt_db *db, zt_arena *a, const zt_flow *f, const case_row *c, int with_fields, zt_error *e);
/* What a step told the applicant is his to read; staff names are not. */
void case_applicant_timeline(json_t *tl);
json_t *case_result_json(const case_row *c);

/* --- case_public.c ------------------------------------------------------------- */

/* A case number's query password (8 characters + NUL). */
void case_query_password(const char *number, char out[9]);
zt_err case_h_status(zt_req *r, zt_error *e);
/* The status query's answer for number, computed from the case, its flow and
 * its history as they are in db now: JSON text (malloc'd, *len bytes). */
zt_err case_public_answer(zt_db *db, const char *number, char **out, size_t *len, zt_error *e);
/* Materialise it: cases.public_answer = case_public_answer, inside the
 * caller's write (every write that changes what the answer shows). */
zt_err case_public_store(zt_db *db, const char *number, zt_error *e);
zt_err case_h_receipt(zt_req *r, zt_error *e);

#endif
