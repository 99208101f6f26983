/* api.h - the routes of src/flow (GET /api/flows/{id}). */
#ifndef ZT_FLOW_API_H
#define ZT_FLOW_API_H

#include <stddef.h>

#include "http/http.h"

const zt_route *zt_flow_routes(size_t *n);

#endif
