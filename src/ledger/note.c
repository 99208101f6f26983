#include "ledger/note.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"

#define ALG_ED25519 0x01
static const char DASH[] = "\xe2\x80\x94 "; /* "— " */

char *zt_b64(const void *data, size_t len) {
    size_t n = sodium_base64_encoded_len(len, sodium_base64_VARIANT_ORIGINAL);
    char *out = zt_malloc(n);
    sodium_bin2base64(out, n, data, len, sodium_base64_VARIANT_ORIGINAL);
    return out;
}

long zt_unb64(const char *s, void *out, size_t cap) {
    /* strict: only the alphabet (libsodium 1.0.18 decodes some bytes above
     * 0x7f as digits), and canonical: it must encode back to itself */
    size_t n = strlen(s);
    if (strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=") != n) return -1;
    size_t len;
    const char *end;
    if (sodium_base642bin(out, cap, s, n, NULL, &len, &end, sodium_base64_VARIANT_ORIGINAL) != 0 || *end) return -1;
    char *again = zt_b64(out, len);
    int same = strcmp(again, s) == 0;
    free(again);
    return same ? (long)len : -1;
}

static int name_ok(const char *name) {
    if (!*name) return 0;
    for (const unsigned char *p = (const unsigned char *)name; *p; p++)
        if (*p == '+' || *p <= ' ') return 0;
    return 1;
}

static uint32_t key_id(const char *name, const unsigned char pub[32]) {
    crypto_hash_sha256_state st;
    unsigned char h[32], alg = ALG_ED25519;
    crypto_hash_sha256_init(&st);
    crypto_hash_sha256_update(&st, (const unsigned char *)name, strlen(name));
    crypto_hash_sha256_update(&st, (const unsigned char *)"\n", 1);
    crypto_hash_sha256_update(&st, &alg, 1);
    crypto_hash_sha256_update(&st, pub, 32);
    crypto_hash_sha256_final(&st, h);
    return (uint32_t)h[0] << 24 | (uint32_t)h[1] << 16 | (uint32_t)h[2] << 8 | h[3];
}

static char *fmt_key(const char *prefix, const char *name, uint32_t id, const unsigned char key[32]) {
    unsigned char enc[33];
    enc[0] = ALG_ED25519;
    memcpy(enc + 1, key, 32);
    char *b = zt_b64(enc, sizeof enc);
    size_t n = strlen(prefix) + strlen(name) + strlen(b) + 16;
    char *out = zt_malloc(n);
    snprintf(out, n, "%s%s+%08x+%s", prefix, name, (unsigned)id, b);
    free(b);
    return out;
}

/* Split "name+hex+b64" (after any prefix) and decode the 32-byte key. */
static zt_err parse_key(const char *key, const char *prefix, char *name, size_t namecap, uint32_t *id,
                        unsigned char out[32], zt_error *e) {
    size_t pl = strlen(prefix);
    if (strncmp(key, prefix, pl) != 0)
        return zt_fail(e, ZT_EINVAL, "key", "not a %s key", *prefix ? "signer" : "verifier");
    key += pl;
    const char *p1 = strchr(key, '+'), *p2 = p1 ? strchr(p1 + 1, '+') : NULL;
    if (!p1 || !p2 || (size_t)(p1 - key) >= namecap || p2 - p1 != 9)
        return zt_fail(e, ZT_EINVAL, "key", "malformed key: expected name+keyid+base64");
    memcpy(name, key, (size_t)(p1 - key));
    name[p1 - key] = 0;
    char hex[9];
    memcpy(hex, p1 + 1, 8);
    hex[8] = 0;
    char *end;
    unsigned long v = strtoul(hex, &end, 16);
    if (*end || !name_ok(name)) return zt_fail(e, ZT_EINVAL, "key", "malformed key name or id");
    unsigned char enc[64];
    char b64[128];
    size_t blen = strcspn(p2 + 1, "\r\n");
    if (blen >= sizeof b64) return zt_fail(e, ZT_EINVAL, "key", "malformed key");
    memcpy(b64, p2 + 1, blen);
    b64[blen] = 0;
    if (zt_unb64(b64, enc, sizeof enc) != 33 || enc[0] != ALG_ED25519)
        return zt_fail(e, ZT_EINVAL, "key", "key is not an Ed25519 key");
    memcpy(out, enc + 1, 32);
    *id = (uint32_t)v;
    return ZT_OK;
}

zt_err zt_note_keygen(const char *name, char **signer, char **verifier, zt_error *e) {
    if (!name_ok(name)) return zt_fail(e, ZT_EINVAL, "ledger.origin", "a key name may not contain '+' or spaces");
    unsigned char seed[32], pk[32], sk[64];
    randombytes_buf(seed, sizeof seed);
    crypto_sign_seed_keypair(pk, sk, seed);
    uint32_t id = key_id(name, pk);
    *signer = fmt_key("PRIVATE+KEY+", name, id, seed);
    *verifier = fmt_key("", name, id, pk);
    sodium_memzero(seed, sizeof seed);
    sodium_memzero(sk, sizeof sk);
    return ZT_OK;
}

static zt_err load_signer(const char *signer, char *name, size_t namecap, uint32_t *id, unsigned char pk[32],
                          unsigned char sk[64], zt_error *e) {
    unsigned char seed[32];
    uint32_t given;
    zt_err rc = parse_key(signer, "PRIVATE+KEY+", name, namecap, &given, seed, e);
    if (rc) return rc;
    crypto_sign_seed_keypair(pk, sk, seed);
    sodium_memzero(seed, sizeof seed);
    *id = key_id(name, pk);
    if (*id != given) return zt_fail(e, ZT_EINVAL, "key", "signer key id does not match its key");
    return ZT_OK;
}

zt_err zt_note_verifier_of(const char *signer, char **verifier, zt_error *e) {
    char name[256];
    uint32_t id;
    unsigned char pk[32], sk[64];
    zt_err rc = load_signer(signer, name, sizeof name, &id, pk, sk, e);
    sodium_memzero(sk, sizeof sk);
    if (rc) return rc;
    *verifier = fmt_key("", name, id, pk);
    return ZT_OK;
}

zt_err zt_note_sign(const char *signer, const char *text, char **note, zt_error *e) {
    size_t tl = strlen(text);
    if (!tl || text[tl - 1] != '\n') return zt_fail(e, ZT_EINVAL, "text", "note text must end with a newline");
    char name[256];
    uint32_t id;
    unsigned char pk[32], sk[64], sig[4 + 64];
    zt_err rc = load_signer(signer, name, sizeof name, &id, pk, sk, e);
    if (rc) {
        sodium_memzero(sk, sizeof sk);
        return rc;
    }
    sig[0] = (unsigned char)(id >> 24);
    sig[1] = (unsigned char)(id >> 16);
    sig[2] = (unsigned char)(id >> 8);
    sig[3] = (unsigned char)id;
    crypto_sign_detached(sig + 4, NULL, (const unsigned char *)text, tl, sk);
    sodium_memzero(sk, sizeof sk);
    char *b = zt_b64(sig, sizeof sig);
    size_t n = tl + strlen(name) + strlen(b) + 16;
    *note = zt_malloc(n);
    snprintf(*note, n, "%s\n%s%s %s\n", text, DASH, name, b);
    free(b);
    return ZT_OK;
}

zt_err zt_note_verify(const char *verifier, const char *note, char **text, zt_error *e) {
    char name[256];
    uint32_t id;
    unsigned char pk[32];
    zt_err rc = parse_key(verifier, "", name, sizeof name, &id, pk, e);
    if (rc) return rc;
    if (key_id(name, pk) != id) return zt_fail(e, ZT_EINVAL, "key", "verifier key id does not match its key");
    /* the text ends at the last "\n\n" before the signature block */
    const char *sep = NULL;
    for (const char *p = strstr(note, "\n\n"); p; p = strstr(p + 1, "\n\n")) sep = p;
    if (!sep) return zt_fail(e, ZT_EINVAL, "note", "malformed note: no blank line before the signatures");
    size_t tl = (size_t)(sep - note) + 1;
    const char *line = sep + 2;
    int found = 0, good = 0;
    while (*line) {
        const char *nl = strchr(line, '\n');
        if (!nl) return zt_fail(e, ZT_EINVAL, "note", "malformed note: signature line without newline");
        size_t ll = (size_t)(nl - line), dl = strlen(DASH);
        if (ll <= dl || memcmp(line, DASH, dl) != 0)
            return zt_fail(e, ZT_EINVAL, "note", "malformed note: signature lines start with \"— \"");
        const char *sp = memchr(line + dl, ' ', ll - dl);
        if (!sp) return zt_fail(e, ZT_EINVAL, "note", "malformed signature line");
        size_t nlen = (size_t)(sp - line - dl);
        char b64[256];
        size_t blen = (size_t)(nl - sp - 1);
        if (blen < sizeof b64 && nlen == strlen(name) && memcmp(line + dl, name, nlen) == 0) {
            memcpy(b64, sp + 1, blen);
            b64[blen] = 0;
            unsigned char sig[128];
            long sl = zt_unb64(b64, sig, sizeof sig);
            if (sl == 68 && ((uint32_t)sig[0] << 24 | (uint32_t)sig[1] << 16 | (uint32_t)sig[2] << 8 | sig[3]) == id) {
                found = 1;
                if (crypto_sign_verify_detached(sig + 4, (const unsigned char *)note, tl, pk) == 0) good = 1;
            }
        }
        line = nl + 1;
    }
    if (!found) return zt_fail(e, ZT_EINVAL, "note", "no signature by key %s", name);
    if (!good) return zt_fail(e, ZT_EINVAL, "note", "bad signature by key %s", name);
    if (text) {
        *text = zt_malloc(tl + 1);
        memcpy(*text, note, tl);
        (*text)[tl] = 0;
    }
    return ZT_OK;
}

char *zt_checkpoint_body(const char *origin, uint64_t size, const zt_hash *root) {
    char *b = zt_b64(root->b, ZT_HASH_LEN);
    size_t n = strlen(origin) + strlen(b) + 32;
    char *out = zt_malloc(n);
    snprintf(out, n, "%s\n%llu\n%s\n", origin, (unsigned long long)size, b);
    free(b);
    return out;
}

zt_err zt_checkpoint_parse(const char *text, char **origin, uint64_t *size, zt_hash *root, zt_error *e) {
    const char *l1 = strchr(text, '\n');
    const char *l2 = l1 ? strchr(l1 + 1, '\n') : NULL;
    const char *l3 = l2 ? strchr(l2 + 1, '\n') : NULL;
    if (!l3 || l1 == text) return zt_fail(e, ZT_EINVAL, "checkpoint", "a checkpoint has origin, size and root lines");
    char num[24], b64[64];
    size_t nl = (size_t)(l2 - l1 - 1), bl = (size_t)(l3 - l2 - 1);
    if (nl == 0 || nl >= sizeof num || bl >= sizeof b64)
        return zt_fail(e, ZT_EINVAL, "checkpoint", "malformed checkpoint size or root");
    memcpy(num, l1 + 1, nl);
    num[nl] = 0;
    memcpy(b64, l2 + 1, bl);
    b64[bl] = 0;
    if (strspn(num, "0123456789") != nl || (nl > 1 && num[0] == '0'))
        return zt_fail(e, ZT_EINVAL, "checkpoint", "checkpoint size is not a decimal number");
    char *end;
    *size = strtoull(num, &end, 10);
    if (zt_unb64(b64, root->b, ZT_HASH_LEN) != ZT_HASH_LEN)
        return zt_fail(e, ZT_EINVAL, "checkpoint", "checkpoint root is not a base64 SHA-256 hash");
    if (origin) {
        size_t ol = (size_t)(l1 - text);
        *origin = zt_malloc(ol + 1);
        memcpy(*origin, text, ol);
        (*origin)[ol] = 0;
    }
    return ZT_OK;
}
