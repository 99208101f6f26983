/* experts.h - the bid-evaluation expert pool (评标专家库) and the random
 * draw of evaluation committees anyone can re-run (R8, docs/experts.md). */
#ifndef ZT_EXPERTS_H
#define ZT_EXPERTS_H

#include <stddef.h>
#include <stdint.h>

#include "app.h"
#include "http/http.h"

/* The routes: the pool (/api/experts, /api/expert/me) and the draws
 * (/api/expert-draws, /api/public/expert-draws), one set. */
const zt_route *zt_experts_routes(size_t *n);

/* The daily retirement past experts.age_limit on a thread of its own
 * (every experts.job_interval seconds, and once at start). */
typedef struct zt_experts_job zt_experts_job;
zt_experts_job *zt_experts_job_start(zt_app *app);
void zt_experts_job_stop(zt_experts_job *j);
/* The same run at once: the fake clock moved (routes.c's clock hook). */
zt_err zt_experts_on_clock(zt_app *app, int64_t now, zt_error *e);

/* `zhengtong experts ...` (argv[0] is "experts"): draw-verify re-runs a
 * draw from its published inputs. Returns the process exit status. */
int zt_experts_cli(int argc, char **argv);

#endif
