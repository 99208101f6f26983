/* app.h - what every domain's handlers reach through zt_req_app(): the
 * configuration, the store and the calendar. Owned by main. */
#ifndef ZT_APP_H
#define ZT_APP_H

#include "base/calendar.h"
#include "base/config.h"
#include "http/http.h"
#include "store/store.h"

typedef struct zt_app {
    zt_config *cfg;
    zt_store *store;
    zt_calendar *cal;
    zt_office_hours office_hours;
    char *ledger_signer;   /* the checkpoint signing key (note signer format); NULL for read-only tools */
    char *ledger_verifier; /* its verifier key */
} zt_app;

/* The app of the request a handler serves. */
static inline zt_app *zt_app_of(zt_req *r) { return zt_req_app(r); }

#endif
