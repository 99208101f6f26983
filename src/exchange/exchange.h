/* exchange.h - the data centre (R10, issue #17): the catalogue of
 * government information resources (政务信息资源目录, GB/T 21063), the base
 * databases (人口, 法人) it serves, sharing requests (共享申请) and the
 * grants they issue, the exchange API that answers only granted data items,
 * and the log of every call (X-Road's operational monitoring) recorded in
 * the ledger in batches. docs/exchange.md.
 *
 *   catalogue.c  catalogue records: drafts, the data office's check, versions,
 *                search, the DCAT export of the open part, the base catalogues
 *   sharing.c    sharing requests (data/flows/sharing_request.json) and grants
 *   call.c       the exchange API: grant keys, field-level answers, rate
 *                limits, the call log and its batches, usage views
 *   changes.c    the providers' changes to the base databases, the mass-change alert
 *   base.c       the base databases' generator (zhengtong exchange gen-base)
 */
#ifndef ZT_EXCHANGE_H
#define ZT_EXCHANGE_H

#include <stddef.h>

#include "app.h"
#include "http/http.h"

const zt_route *zt_exchange_routes(size_t *n);

/* At serve start: the base catalogues of source.dir/exchange/catalogue.json
 * seeded (missing ones only), the call log's batch thread started. */
zt_err zt_exchange_start(zt_app *app, zt_error *e);
/* At stop: the calls still queued are written, the thread joined. */
void zt_exchange_stop(void);

/* `zhengtong exchange ...` (gen-base); the exit status. */
int zt_exchange_cli(zt_app *app, int argc, char **argv);

#endif
