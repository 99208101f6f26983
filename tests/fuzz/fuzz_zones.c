/* fuzz_zones.c - zt_zone_open, the crossing's reader of the files the other
 * zone (or anyone with access to the spool) drops (src/zones/message.c).
 * The first byte of the input picks:
 *   bit 0   0: the rest is a whole message file; 1: the rest is a payload
 *           text, sealed here with the test key first, so that the fuzzer
 *           reaches the envelope and body schemas behind the signature
 *   bit 1   the direction: internet -> intranet, or intranet -> internet
 * The test key pair comes from a fixed seed (32 bytes of 0x5a), as do the
 * seed-* files of the corpus (sealed with Node's Ed25519 from that seed).
 *
 * Checked: the answer is ZT_OK or ZT_EINVAL; a refusal names a field and a
 * valid UTF-8 message, and leaves the message untouched; an opened message
 * is v1 of an allowed type in the requested direction, with a 32-hex id, a
 * positive sequence number and a body its type's schema accepts; it never
 * opens with another key; sealing its payload again opens to the same
 * message. */
#include <sodium.h>

#include "base/err.h"
#include "fuzz.h"
#include "zones/zones.h"

static unsigned char pk[32], sk[64], other_pk[32], other_sk[64];

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc;
    (void)argv;
    if (sodium_init() < 0) abort();
    unsigned char seed[32];
    memset(seed, 0x5a, sizeof seed);
    crypto_sign_seed_keypair(pk, sk, seed);
    memset(seed, 0xa5, sizeof seed);
    crypto_sign_seed_keypair(other_pk, other_sk, seed);
    return 0;
}

static void check_refusal(zt_err rc, const zt_error *e, const zt_zone_msg *m) {
    FUZZ_CHECK(rc == ZT_EINVAL);
    FUZZ_CHECK(e->field[0] != 0);
    FUZZ_CHECK(e->message[0] != 0 && fuzz_utf8_ok(e->message, strlen(e->message)));
    FUZZ_CHECK(m->payload == NULL && m->id == NULL && m->body == NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static int init;
    if (!init) init = !LLVMFuzzerInitialize(NULL, NULL);
    if (size < 1) return 0;
    int sealed = data[0] & 1, back = (data[0] >> 1) & 1;
    const char *from = back ? "intranet" : "internet", *to = back ? "internet" : "intranet";
    char *text = NULL, *file;
    size_t len;
    if (sealed) {
        text = fuzz_cstr(data + 1, size - 1);
        file = zt_zone_seal(text, sk);
        FUZZ_CHECK(file || !fuzz_utf8_ok(text, strlen(text)));
        if (!file) {
            free(text);
            return 0;
        }
        len = strlen(file);
    } else {
        file = fuzz_cstr(data + 1, size - 1);
        len = size - 1; /* the bytes as they are, NULs and all */
    }
    zt_zone_msg m = {0};
    zt_error e = {0};
    zt_err rc = zt_zone_open(file, len, pk, from, to, &m, &e);
    if (rc != ZT_OK) {
        check_refusal(rc, &e, &m);
    } else {
        FUZZ_CHECK(m.payload && m.body && m.id && m.type && m.from && m.to && m.subject);
        FUZZ_CHECK(!strcmp(m.from, from) && !strcmp(m.to, to));
        FUZZ_CHECK(zt_zone_allowed(from, m.type));
        FUZZ_CHECK(strlen(m.id) == 32 && strspn(m.id, "0123456789abcdef") == 32);
        FUZZ_CHECK(m.seq >= 1 && m.at >= 0);
        zt_error e2 = {0};
        FUZZ_CHECK(zt_zone_check_body(m.type, m.body, &e2) == ZT_OK);
        /* another key never opens it */
        zt_zone_msg m2 = {0};
        zt_error e3 = {0};
        zt_err rc2 = zt_zone_open(file, len, other_pk, from, to, &m2, &e3);
        check_refusal(rc2, &e3, &m2);
        FUZZ_CHECK(!strcmp(e3.field, "sig"));
        /* nor for the other direction */
        rc2 = zt_zone_open(file, len, pk, to, from, &m2, &e3);
        check_refusal(rc2, &e3, &m2);
        /* the payload sealed again opens to the same message */
        char *payload = json_dumps(m.payload, JSON_COMPACT);
        FUZZ_CHECK(payload);
        char *again = zt_zone_seal(payload, sk);
        FUZZ_CHECK(again);
        zt_zone_msg m3 = {0};
        FUZZ_CHECK(zt_zone_open(again, strlen(again), pk, from, to, &m3, &e3) == ZT_OK);
        FUZZ_CHECK(!strcmp(m3.id, m.id) && m3.seq == m.seq && !strcmp(m3.type, m.type));
        FUZZ_CHECK(json_equal(m3.payload, m.payload));
        zt_zone_msg_free(&m3);
        free(again);
        free(payload);
        zt_zone_msg_free(&m);
        FUZZ_CHECK(m.payload == NULL);
    }
    free(file);
    free(text);
    return 0;
}
