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
    const char *region;    /* the region it belongs to (region scope); NULL = the platform as a whole */
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

/* Listing entries (GET /api/ledger/entries). Each filter shape is its own
 * statement answered by one index - the primary key for a range, ledger_subject
 * for a subject, ledger_owner for an owner - so that no request walks the
 * log (issue #22 F11: `(? IS NULL OR subject = ?)` made SQLite scan every
 * entry), and a page reads at most ZT_LEDGER_PAGE + 1 rows whatever the
 * caller keeps of them. */
#define ZT_LEDGER_PAGE 1000

typedef struct zt_ledger_filter {
    const char *subject;   /* NULL: any */
    int64_t owner_user_id; /* 0: any */
    int64_t from, to;      /* indexes [from, to) */
} zt_ledger_filter;

typedef struct zt_ledger_row {
    int64_t index;
    const void *entry; /* the stored bytes */
    size_t len;
    const void *leaf;      /* ZT_HASH_LEN bytes */
    const char *subject;   /* "case/..." */
    int64_t owner_user_id; /* 0 = none */
    const char *region;    /* NULL = the platform as a whole */
} zt_ledger_row;

/* The statement a filter's shape uses (the subject's index when it has a
 * subject, else the owner's, else the range): its parameters are the
 * subject or owner when the shape has one, then from, to and the limit. */
const char *zt_ledger_list_sql(const zt_ledger_filter *f);
/* One page of f's entries in index order: at most ZT_LEDGER_PAGE rows are
 * read, each matching one passed to fn (the row is valid during the call);
 * *next_from gets the index the next page starts at, or -1 when there is
 * none. Errors: the store's. */
zt_err zt_ledger_list(zt_db *db, const zt_ledger_filter *f, void (*fn)(const zt_ledger_row *row, void *ctx), void *ctx,
                      int64_t *next_from, zt_error *e);

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
