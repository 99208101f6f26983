/* registry.h - the process definitions of the running platform (R3):
 * every *.json of services.flows_dir validated and stored versioned in
 * flow_defs at start, every stored version kept loaded, so that a running
 * case or message keeps the version it started under. Below both the
 * services (which start instances) and supervise (which reads step limits
 * and terminal states); flow.c itself stays pure. */
#ifndef ZT_FLOW_REGISTRY_H
#define ZT_FLOW_REGISTRY_H

#include "app.h"
#include "flow/flow.h"

/* Load every *.json of the flows directory (services.flows_dir), validate
 * it, and store each (id, version) in flow_defs (a known version whose text
 * changed is refused: a change must be a new version). Keeps every version
 * found in flow_defs in memory too, so that a running case keeps the
 * version it started under. Called by serve and init. */
zt_err zt_flows_load(zt_app *app, zt_error *e);
/* The definition id at version (0 = the newest), or NULL. Valid until
 * zt_flows_unload. */
const zt_flow *zt_flows_get(const char *id, int version);
void zt_flows_unload(void);

#endif
