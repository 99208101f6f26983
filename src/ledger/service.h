/* service.h - the ledger in a running platform: its key pair on disk, the
 * checkpointer thread, the HTTP routes. */
#ifndef ZT_LEDGER_SERVICE_H
#define ZT_LEDGER_SERVICE_H

#include <jansson.h>
#include <stddef.h>

#include "app.h"
#include "http/http.h"
#include "ledger/ledger.h"

/* Create the key pair if the key file does not exist (owner-only 0600; the
 * verifier key goes to KEYFILE.pub). *created tells whether it was made. */
zt_err zt_ledger_keys_init(const zt_config *cfg, int *created, zt_error *e);
/* Load the key pair into app (signer and verifier). */
zt_err zt_ledger_keys_load(zt_app *app, zt_error *e);
/* Read a verifier key file (the .pub, or a file an auditor was given). */
zt_err zt_ledger_read_verifier(const char *path, char **verifier, zt_error *e);

/* Sign a checkpoint of the current ledger now (if it has grown) and write
 * it to ledger.checkpoint_dir as checkpoint.<size> and checkpoint. */
zt_err zt_ledger_checkpoint_now(zt_app *app, uint64_t *size, zt_error *e);

/* The newest signed checkpoints kept outside the database, for `ledger
 * verify` (issue #22 F10): ledger.checkpoint_dir's `checkpoint` and its
 * highest-numbered `checkpoint.<size>`, and file when not NULL (a copy the
 * auditor keeps elsewhere). Fills out[0..*n) (room for 3); each from and
 * note is malloc'ed (zt_ledger_outside_free). *dir (may be NULL) gets the
 * directory looked in, malloc'ed. A missing or empty directory is no
 * error (*n tells); a file that cannot be read is ZT_EINVAL naming
 * "checkpoint". */
zt_err zt_ledger_outside_load(const zt_config *cfg, const char *file, zt_ledger_outside out[3], size_t *n, char **dir,
                              zt_error *e);
void zt_ledger_outside_free(zt_ledger_outside *o, size_t n);

/* The checkpointer: every ledger.checkpoint_entries new entries or
 * ledger.checkpoint_seconds, whichever comes first; a last one at stop. */
typedef struct zt_checkpointer zt_checkpointer;
zt_checkpointer *zt_checkpointer_start(zt_app *app);
void zt_checkpointer_stop(zt_checkpointer *c);

const zt_route *zt_ledger_routes(size_t *n);
/* What an applicant reads of a step of his subject in his ledger entries
 * (issue #22 F8): fn changes the step in place (zt_applicant_step). Set
 * once at start; without it a step shows no fields. Never its actor. */
void zt_ledger_on_applicant_step(void (*fn)(const char *subject_type, json_t *step));

#endif
