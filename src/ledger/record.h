/* record.h - the one door for recording a change (R5, R16): the queryable
 * audit_log row (GET /api/audit) and the same change as a ledger entry
 * (ledger.h), both inside the caller's write transaction, so that a state
 * change, its audit row and its entry commit or fail together. */
#ifndef ZT_LEDGER_RECORD_H
#define ZT_LEDGER_RECORD_H

#include <jansson.h>
#include <stdint.h>

#include "base/err.h"
#include "http/http.h"
#include "store/store.h"

/* Record that actor did action to target_type/target_id, inside the
 * current write (db is the writer's). detail is borrowed (NULL = {}); actor
 * NULL means the command line ("cli"). owner_user_id is the citizen or
 * enterprise the record is about (an applicant's case), who may then read
 * the ledger entry; 0 = none, except that a "user" target owns its own
 * entries (an account reads what was done to it). Errors: the store's. */
/* Where the directory places a record (its region code into buf, which is
 * returned; NULL for none): the record changed (target_type, target_id: a
 * user, key, department, region, hall, window), else the department the
 * record names (dept_code, may be NULL), else the owner's. The ledger knows
 * no directory; main registers org's zt_org_record_region. */
typedef const char *(*zt_record_region_fn)(zt_db *db, const char *target_type, const char *target_id,
                                           const char *dept_code, int64_t owner_user_id, char *buf, size_t n);
void zt_record_on_region(zt_record_region_fn fn);

zt_err zt_record(zt_db *db, const zt_principal *actor, const char *action, const char *target_type,
                 const char *target_id, int64_t owner_user_id, json_t *detail, zt_error *e);

#endif
