/* experts.h - the bid-evaluation expert pool (评标专家库) and the random
 * draw of evaluation committees anyone can re-run (R8, docs/experts.md). */
#ifndef ZT_EXPERTS_H
#define ZT_EXPERTS_H

/* `zhengtong experts ...` (argv[0] is "experts"): draw-verify re-runs a
 * draw from its published inputs. Returns the process exit status. */
int zt_experts_cli(int argc, char **argv);

#endif
