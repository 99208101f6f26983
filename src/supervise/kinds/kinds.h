/* kinds.h - the supervision kinds of the platform's online services
 * (docs/supervision-events.md): cases, consultations and complaints,
 * ratings' follow-ups. src/routes.c registers them with the others. */
#ifndef ZT_SV_KINDS_H
#define ZT_SV_KINDS_H

#include "supervise/kind.h"

extern const zt_sv_kind zt_sv_case_kind;
extern const zt_sv_kind zt_sv_consultation_kind;
extern const zt_sv_kind zt_sv_complaint_kind;
extern const zt_sv_kind zt_sv_rating_kind;
extern const zt_sv_kind zt_sv_tender_kind;
extern const zt_sv_kind zt_sv_expert_draw_kind;    /* src/experts' draws (expert_draw.c) */
extern const zt_sv_kind zt_sv_sharing_kind;        /* the data exchange's sharing requests (src/exchange/) */
extern const zt_sv_kind zt_sv_dataset_change_kind; /* its base databases' mass changes */

/* The fee list of a power item at a version (0 = the newest): *count fees,
 * *cap their total in fen (-1 when a fee has no amount). ZT_OK, or an error
 * (ZT_ENOTFOUND: the item is not in the catalogue). The catalogue is the
 * services'; main wires its look-up for the fee rules of cases. */
typedef zt_err (*zt_sv_fee_fn)(zt_db *db, const char *item_code, int64_t item_version, int64_t *count, int64_t *cap,
                               zt_error *e);
void zt_sv_case_fees(zt_sv_fee_fn fn);

#endif
