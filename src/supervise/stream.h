/* stream.h - the supervision office's live feed (issue #5, R5):
 * GET /api/supervision/stream, server-sent events of new supervision events
 * (sv_events) and card actions (sv_card_events), filtered by the viewer's
 * region. docs/stream.md describes the format, ids and resuming. */
#ifndef ZT_SV_STREAM_H
#define ZT_SV_STREAM_H

#include <stddef.h>

#include "http/http.h"

/* The feed's routes (static table; *n gets its length). */
const zt_route *zt_sv_stream_routes(size_t *n);

#endif
