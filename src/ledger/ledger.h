/* ledger.h - the tamper-evident ledger (R5, R16): every recorded event is an
 * entry of one RFC 6962 Merkle log, appended inside the caller's write
 * transaction so that a state change and its entry commit or fail together.
 *
 * Entry bytes (docs/ledger.md): one line of JSON with the keys in this order
 *   {"index":N,"kind":"user.create","subject":"user/12","actor":"admin",
 *    "event_time":"2026-03-02T01:00:00Z","recorded_time":"...Z","payload":{...}}
 * hashed exactly as stored. The index inside the entry makes a moved entry
 * detectable as such. */
#ifndef ZT_LEDGER_H
#define ZT_LEDGER_H

#include <jansson.h>
#include <stdint.h>

#include "base/err.h"
#include "ledger/merkle.h"
#include "store/store.h"

typedef struct zt_ledger_event {
    const char *kind;      /* "user.create", "case.accept", ... */
    const char *subject;   /* "user/12", "case/2026-0001" */
    const char *actor;     /* login, "key:3", "cli", "system" */
    int64_t owner_user_id; /* 0, or the citizen/enterprise the subject belongs to */
    int64_t event_time;    /* when it happened (Unix seconds; 0 = now) */
    json_t *payload;       /* borrowed; NULL = {} */
} zt_ledger_event;

/* Append inside the current write (db is the writer's). *index (may be NULL)
 * gets the entry's index. */
zt_err zt_ledger_append(zt_db *db, const zt_ledger_event *ev, int64_t *index, zt_error *e);

/* Entries in the log. */
zt_err zt_ledger_size(zt_db *db, uint64_t *size, zt_error *e);
/* Root of the first `size` entries. */
zt_err zt_ledger_root(zt_db *db, uint64_t size, zt_hash *root, zt_error *e);
/* Proofs (room for 64 / 128 hashes). */
zt_err zt_ledger_inclusion(zt_db *db, uint64_t index, uint64_t size, zt_hash *proof, size_t *n, zt_error *e);
zt_err zt_ledger_consistency(zt_db *db, uint64_t size1, uint64_t size2, zt_hash *proof, size_t *n, zt_error *e);

/* Sign a checkpoint of the current size with signer (a note signer key)
 * under origin and store it, inside a write. *note (may be NULL) gets a
 * malloc'ed copy. Nothing is stored when the size has a checkpoint. */
zt_err zt_ledger_checkpoint(zt_db *db, const char *origin, const char *signer, uint64_t *size, char **note,
                            zt_error *e);

/* A signed checkpoint kept outside the database: a file of the checkpoint
 * directory, or a copy an auditor holds elsewhere. from names it in
 * messages; note is the signed note as read. Both borrowed. */
typedef struct zt_ledger_outside {
    const char *from;
    const char *note;
} zt_ledger_outside;

/* Verify the whole ledger of db against the verifier key: every leaf hash,
 * every stored node, every checkpoint's root and signature, those of the
 * database and the n checkpoints of outside (which the database cannot
 * drop or rewrite: its first `size` entries must give each one's signed
 * root). On failure returns ZT_ECONFLICT with e->message naming the first
 * bad index and the kind of damage ("altered", "missing", "reordered",
 * "checkpoint mismatch", "bad signature"); *bad_index gets the index (-1
 * if none applies). *entries gets the number of entries checked. */
zt_err zt_ledger_verify(zt_db *db, const char *verifier, const zt_ledger_outside *outside, size_t n, uint64_t *entries,
                        int64_t *bad_index, zt_error *e);

#endif
