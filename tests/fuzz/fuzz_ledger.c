/* fuzz_ledger.c - what an auditor's tools parse: signed notes
 * (zt_note_verify), checkpoint bodies (zt_checkpoint_parse) and proofs
 * (zt_merkle_verify_inclusion / _consistency with hashes from the input).
 * The first byte picks the target.
 *
 * Checked: a note only verifies if it is our signed note of its text (the
 * fixed key signs the accepted text again to the same note); a parsed
 * checkpoint formats back to the same body; a proof built from arbitrary
 * bytes never verifies against a root it was not made for (with 2^-256
 * odds), and nothing reads out of bounds. */
#include <sodium.h>

#include "fuzz.h"
#include "ledger/merkle.h"
#include "ledger/note.h"

static char *signer, *verifier;

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    zt_error e;
    if (sodium_init() < 0 || zt_note_keygen("fuzz.example/log", &signer, &verifier, &e) != ZT_OK) abort();
    return 0;
}

static void note(const uint8_t *data, size_t size) {
    char *s = fuzz_cstr(data, size), *text = NULL;
    zt_error e;
    if (zt_note_verify(verifier, s, &text, &e) == ZT_OK) {
        /* Ed25519 is deterministic: re-signing the text gives our note back
         * unless other signature lines were kept around it */
        char *again = NULL;
        FUZZ_CHECK(zt_note_sign(signer, text, &again, &e) == ZT_OK);
        FUZZ_CHECK(strncmp(again, s, strlen(text)) == 0);
        free(again);
    } else {
        FUZZ_CHECK(e.message[0] != 0);
    }
    /* and whatever the input, signing a text that ends in a newline works */
    size_t n = strlen(s);
    if (n && s[n - 1] == '\n') {
        char *signed_note = NULL;
        FUZZ_CHECK(zt_note_sign(signer, s, &signed_note, &e) == ZT_OK);
        FUZZ_CHECK(zt_note_verify(verifier, signed_note, NULL, &e) == ZT_OK);
        free(signed_note);
    }
    free(text);
    free(s);
}

static void checkpoint(const uint8_t *data, size_t size) {
    char *s = fuzz_cstr(data, size), *origin = NULL;
    uint64_t tree;
    zt_hash root;
    zt_error e;
    if (zt_checkpoint_parse(s, &origin, &tree, &root, &e) == ZT_OK) {
        char *body = zt_checkpoint_body(origin, tree, &root);
        /* the three lines, as parsed; extension lines after them are allowed */
        FUZZ_CHECK(strncmp(body, s, strlen(body)) == 0 || strchr(origin, '\n') != NULL);
        free(body);
    }
    free(origin);
    free(s);
}

static void proofs(const uint8_t *data, size_t size) {
    if (size < 16 + 64) return;
    uint64_t a, b;
    memcpy(&a, data, 8);
    memcpy(&b, data + 8, 8);
    a %= 1u << 20;
    b %= 1u << 20;
    data += 16;
    size -= 16;
    zt_hash h1, h2, proof[128];
    memcpy(h1.b, data, 32);
    memcpy(h2.b, data + 32, 32);
    data += 64;
    size -= 64;
    size_t n = size / 32 > 128 ? 128 : size / 32;
    for (size_t i = 0; i < n; i++) memcpy(proof[i].b, data + 32 * i, 32);
    /* roots that no proof from these bytes can reach */
    zt_hash r;
    crypto_hash_sha256(r.b, (const unsigned char *)"a root nobody chose", 19);
    FUZZ_CHECK(!zt_merkle_verify_inclusion(a, b, &h1, proof, n, &r) || n == 0);
    (void)zt_merkle_verify_consistency(a, b, &h1, &h2, proof, n);
    FUZZ_CHECK(!zt_merkle_verify_consistency(a < b ? a : b, a < b ? b : a, &h1, &r, proof, n) || a == b ||
               (a < b ? a : b) == 0 || memcmp(h1.b, r.b, 32) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size == 0) return 0;
    switch (data[0] % 3) {
    case 0:
        note(data + 1, size - 1);
        break;
    case 1:
        checkpoint(data + 1, size - 1);
        break;
    default:
        proofs(data + 1, size - 1);
        break;
    }
    return 0;
}
