/* note.h - C2SP signed notes with Ed25519 (libsodium) and C2SP
 * tlog-checkpoint bodies: the formats of Go's golang.org/x/mod/sumdb/note
 * and of transparency logs, so that auditors verify with tools not ours.
 *
 *   verifier key: <name>+<8 hex key id>+<base64(0x01 || 32-byte public key)>
 *   signer key:   PRIVATE+KEY+<name>+<8 hex key id>+<base64(0x01 || 32-byte seed)>
 *   key id:       first 4 bytes (big-endian) of SHA-256(name || "\n" || 0x01 || public key)
 *   note:         <text ending in "\n">"\n"<"— " name " " base64(key id || signature) "\n">...
 *   checkpoint:   <origin>"\n"<tree size>"\n"<base64 root hash>"\n"
 *
 * Returned strings are malloc'ed; the caller frees them. */
#ifndef ZT_NOTE_H
#define ZT_NOTE_H

#include <stdint.h>

#include "base/err.h"
#include "ledger/merkle.h"

/* A new key pair named `name` (no '+', no white space). */
zt_err zt_note_keygen(const char *name, char **signer, char **verifier, zt_error *e);
/* The verifier key of a signer key. */
zt_err zt_note_verifier_of(const char *signer, char **verifier, zt_error *e);
/* Sign text (which must end in "\n") into a note. */
zt_err zt_note_sign(const char *signer, const char *text, char **note, zt_error *e);
/* Check that note carries a valid signature by verifier; *text (may be
 * NULL) gets the signed text. ZT_EINVAL with a reason when not. */
zt_err zt_note_verify(const char *verifier, const char *note, char **text, zt_error *e);

/* The checkpoint body. */
char *zt_checkpoint_body(const char *origin, uint64_t size, const zt_hash *root);
/* Parse a checkpoint body: origin (malloc'ed, may be NULL), size, root. */
zt_err zt_checkpoint_parse(const char *text, char **origin, uint64_t *size, zt_hash *root, zt_error *e);

/* Standard base64 with padding, as checkpoints and proofs use. */
char *zt_b64(const void *data, size_t len);
/* Decode standard base64 into out (cap bytes); returns the length or -1. */
long zt_unb64(const char *s, void *out, size_t cap);

#endif
