/* trading.h - public resource trading (公共资源交易, R7): projects of the
 * four types (工程招标, 政府采购, 土地出让, 产权交易) run by the trading
 * centre, enterprises' registrations and sealed bids, the opening, the
 * committee's scores and report, candidates' publicity (公示), objections,
 * award and contract (docs/trading.md); and their OCDS 1.1 releases and
 * records (docs/ocds.md). */
#ifndef ZT_TRADING_H
#define ZT_TRADING_H

#include <stddef.h>

#include "http/http.h"

/* The routes of the centre, the enterprises and the portal. */
const zt_route *zt_trading_routes(size_t *n);
/* GET /api/ocds/releases and /api/ocds/records/{ocid}. */
const zt_route *zt_ocds_routes(size_t *n);

#endif
