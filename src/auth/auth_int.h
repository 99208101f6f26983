/* auth_int.h - shared between the files of auth/ only. */
#ifndef ZT_AUTH_INT_H
#define ZT_AUTH_INT_H

#include <stdint.h>

#include "app.h"
#include "base/err.h"
#include "store/store.h"

/* SHA-256 of a token, as stored. */
void zt_token_hash(const char *token, unsigned char out[32]);

/* --- throttle.c: login and registration limits in the database --- */

/* The address throttles count under: IPv4 as is, IPv6 cut to its /64. */
void zt_throttle_address(const char *client, char out[64]);

/* One login attempt (a login, or one's own password change). */
typedef struct zt_gate {
    const char *login; /* as typed (an unknown login is counted like a known one) */
    char addr[64];     /* zt_throttle_address of the client */
    int64_t now;
    const char *field; /* the field a refusal names: "login", "old_password" */
} zt_gate;

typedef enum { ZT_GATE_LOGIN, ZT_GATE_ADDRESS, ZT_GATE_ACCOUNT, ZT_GATE_REGISTER, ZT_GATE_NREASONS } zt_gate_reason;

/* Would the attempt be refused? A read; ZT_ETHROTTLED (e filled, *retry =
 * seconds until it would pass) or a store error. */
zt_err zt_gate_check(zt_app *app, const zt_gate *g, int64_t *retry, zt_error *e);
/* Check again and count the attempt as a failure, in one write (so parallel
 * attempts cannot all pass): ZT_ETHROTTLED as above. Call before hashing. */
zt_err zt_gate_reserve(zt_app *app, const zt_gate *g, int64_t *retry, zt_error *e);
/* Inside a write: settle a reserved attempt. user_id != 0: it succeeded
 * (the login's count at this address is forgotten, the account's and the
 * address's counts given back, the address remembered as usual for
 * user_id); 0: it was never tried (every count given back). */
zt_err zt_gate_settle(zt_db *db, const zt_config *cfg, const zt_gate *g, int64_t user_id, zt_error *e);
/* The same in a write of its own. */
zt_err zt_gate_settle_now(zt_app *app, const zt_gate *g, int64_t user_id, zt_error *e);
/* Count a registration from addr, or refuse it (ZT_ETHROTTLED). */
zt_err zt_gate_register(zt_app *app, const char *addr, int64_t now, int64_t *retry, zt_error *e);
/* Attempts refused so far, by reason (for /metrics). */
uint64_t zt_gate_refused(zt_gate_reason why);

/* Store a prepared password hash for account id and end its sessions
 * (zt_user_set_password without the policy and the hashing). */
zt_err zt_user_store_password(zt_app *app, const zt_principal *actor, int64_t id, const char *hash, zt_error *e);

#endif
