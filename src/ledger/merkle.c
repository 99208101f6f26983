/* merkle.c - RFC 6962 hashing, compact ranges, proofs and their checks. */
#include "ledger/merkle.h"

#include <sodium.h>
#include <string.h>

void zt_merkle_leaf(const void *entry, size_t len, zt_hash *out) {
    crypto_hash_sha256_state st;
    unsigned char prefix = 0x00;
    crypto_hash_sha256_init(&st);
    crypto_hash_sha256_update(&st, &prefix, 1);
    crypto_hash_sha256_update(&st, entry, len);
    crypto_hash_sha256_final(&st, out->b);
}

void zt_merkle_node(const zt_hash *left, const zt_hash *right, zt_hash *out) {
    unsigned char buf[1 + 2 * ZT_HASH_LEN];
    buf[0] = 0x01;
    memcpy(buf + 1, left->b, ZT_HASH_LEN);
    memcpy(buf + 1 + ZT_HASH_LEN, right->b, ZT_HASH_LEN);
    crypto_hash_sha256(out->b, buf, sizeof buf);
}

void zt_merkle_empty(zt_hash *out) { crypto_hash_sha256(out->b, (const unsigned char *)"", 0); }

uint64_t zt_merkle_split(uint64_t n) {
    uint64_t k = 1;
    while (k << 1 < n) k <<= 1;
    return k;
}

void zt_merkle_range_init(zt_merkle_range *r) {
    r->size = 0;
    r->n = 0;
}

void zt_merkle_range_append(zt_merkle_range *r, const zt_hash *leaf,
                            void (*done)(int level, uint64_t index, const zt_hash *h, void *ctx), void *ctx) {
    uint64_t s = r->size;
    zt_hash cur = *leaf;
    int level = 0;
    /* every set low bit of the old size is a subtree the new leaf completes */
    while ((s >> level) & 1) {
        zt_merkle_node(&r->h[--r->n], &cur, &cur);
        level++;
        if (done) done(level, ((s + 1) >> level) - 1, &cur, ctx);
    }
    r->h[r->n++] = cur;
    r->size = s + 1;
}

void zt_merkle_range_root(const zt_merkle_range *r, zt_hash *out) {
    if (r->n == 0) {
        zt_merkle_empty(out);
        return;
    }
    zt_hash h = r->h[r->n - 1];
    for (int i = r->n - 2; i >= 0; i--) zt_merkle_node(&r->h[i], &h, &h);
    *out = h;
}

static int eq(const zt_hash *a, const zt_hash *b) { return sodium_memcmp(a->b, b->b, ZT_HASH_LEN) == 0; }

int zt_merkle_verify_inclusion(uint64_t index, uint64_t size, const zt_hash *leaf, const zt_hash *proof, size_t n,
                               const zt_hash *root) {
    if (index >= size) return 0;
    uint64_t fn = index, sn = size - 1;
    zt_hash r = *leaf;
    for (size_t i = 0; i < n; i++) {
        if (sn == 0) return 0;
        if ((fn & 1) || fn == sn) {
            zt_merkle_node(&proof[i], &r, &r);
            if (!(fn & 1))
                while (!(fn & 1) && fn != 0) {
                    fn >>= 1;
                    sn >>= 1;
                }
        } else {
            zt_merkle_node(&r, &proof[i], &r);
        }
        fn >>= 1;
        sn >>= 1;
    }
    return sn == 0 && eq(&r, root);
}

int zt_merkle_verify_consistency(uint64_t size1, uint64_t size2, const zt_hash *root1, const zt_hash *root2,
                                 const zt_hash *proof, size_t n) {
    if (size1 > size2) return 0;
    if (size1 == size2) return n == 0 && eq(root1, root2);
    if (size1 == 0) return n == 0; /* everything is consistent with the empty tree */
    if (n == 0) return 0;
    /* step 2: a power-of-two first tree is its own first proof node */
    const zt_hash *path = proof;
    size_t len = n, start = 0;
    zt_hash first;
    int pow2 = (size1 & (size1 - 1)) == 0;
    uint64_t fn = size1 - 1, sn = size2 - 1;
    while (fn & 1) {
        fn >>= 1;
        sn >>= 1;
    }
    zt_hash fr, sr;
    if (pow2) {
        first = *root1;
        fr = sr = first;
    } else {
        fr = sr = path[0];
        start = 1;
    }
    for (size_t i = start; i < len; i++) {
        const zt_hash *c = &path[i];
        if (sn == 0) return 0;
        if ((fn & 1) || fn == sn) {
            zt_merkle_node(c, &fr, &fr);
            zt_merkle_node(c, &sr, &sr);
            if (!(fn & 1))
                while (!(fn & 1) && fn != 0) {
                    fn >>= 1;
                    sn >>= 1;
                }
        } else {
            zt_merkle_node(&sr, c, &sr);
        }
        fn >>= 1;
        sn >>= 1;
    }
    return eq(&fr, root1) && eq(&sr, root2) && sn == 0;
}

/* --- generation --- */

/* Hash of leaves [a, b), from stored perfect subtrees. */
static int mth(uint64_t a, uint64_t b, zt_merkle_node_fn node, void *ctx, zt_hash *out) {
    uint64_t n = b - a;
    if ((n & (n - 1)) == 0 && a % n == 0) {
        int level = 0;
        while ((1ULL << level) < n) level++;
        return node(level, a >> level, out, ctx);
    }
    uint64_t k = zt_merkle_split(n);
    zt_hash l, r;
    if (mth(a, a + k, node, ctx, &l) || mth(a + k, b, node, ctx, &r)) return -1;
    zt_merkle_node(&l, &r, out);
    return 0;
}

int zt_merkle_root(uint64_t size, zt_merkle_node_fn node, void *ctx, zt_hash *out) {
    if (size == 0) {
        zt_merkle_empty(out);
        return 0;
    }
    return mth(0, size, node, ctx, out);
}

static int path(uint64_t m, uint64_t a, uint64_t b, zt_merkle_node_fn node, void *ctx, zt_hash *proof, size_t *n) {
    if (b - a == 1) return 0;
    uint64_t k = zt_merkle_split(b - a);
    int rc = m < a + k ? path(m, a, a + k, node, ctx, proof, n) : path(m, a + k, b, node, ctx, proof, n);
    if (rc || *n >= 64) return -1;
    rc = m < a + k ? mth(a + k, b, node, ctx, &proof[*n]) : mth(a, a + k, node, ctx, &proof[*n]);
    (*n)++;
    return rc;
}

int zt_merkle_inclusion_proof(uint64_t index, uint64_t size, zt_merkle_node_fn node, void *ctx, zt_hash *proof,
                              size_t *n) {
    *n = 0;
    if (index >= size) return -1;
    return path(index, 0, size, node, ctx, proof, n);
}

/* RFC 6962 SUBPROOF(m, D[a:b], first), m counted from a. */
static int subproof(uint64_t m, uint64_t a, uint64_t b, int first, zt_merkle_node_fn node, void *ctx, zt_hash *proof,
                    size_t *n) {
    uint64_t len = b - a;
    if (m == len) {
        if (first) return 0;
        if (*n >= 128) return -1;
        return mth(a, b, node, ctx, &proof[(*n)++]);
    }
    uint64_t k = zt_merkle_split(len);
    int rc;
    if (m <= k) {
        rc = subproof(m, a, a + k, first, node, ctx, proof, n);
        if (rc || *n >= 128) return -1;
        return mth(a + k, b, node, ctx, &proof[(*n)++]);
    }
    rc = subproof(m - k, a + k, b, 0, node, ctx, proof, n);
    if (rc || *n >= 128) return -1;
    return mth(a, a + k, node, ctx, &proof[(*n)++]);
}

int zt_merkle_consistency_proof(uint64_t size1, uint64_t size2, zt_merkle_node_fn node, void *ctx, zt_hash *proof,
                                size_t *n) {
    *n = 0;
    if (size1 > size2) return -1;
    if (size1 == 0 || size1 == size2) return 0;
    return subproof(size1, 0, size2, 1, node, ctx, proof, n);
}
