/* merkle.h - RFC 6962 / RFC 9162 Merkle tree hashing and proof checking,
 * with SHA-256 (libsodium). Pure functions: no storage, no I/O.
 *
 *   leaf hash  = SHA-256(0x00 || entry)
 *   node hash  = SHA-256(0x01 || left || right)
 *   empty tree = SHA-256("")
 *
 * Proof verification follows RFC 9162 §2.1.3.2 (inclusion) and §2.1.4.2
 * (consistency), so any RFC 6962 verifier agrees with these answers. */
#ifndef ZT_MERKLE_H
#define ZT_MERKLE_H

#include <stddef.h>
#include <stdint.h>

#define ZT_HASH_LEN 32
typedef struct zt_hash {
    unsigned char b[ZT_HASH_LEN];
} zt_hash;

void zt_merkle_leaf(const void *entry, size_t len, zt_hash *out);
void zt_merkle_node(const zt_hash *left, const zt_hash *right, zt_hash *out);
void zt_merkle_empty(zt_hash *out);

/* Largest power of two strictly less than n (n >= 2). */
uint64_t zt_merkle_split(uint64_t n);

/* A compact range [0, size): the roots of the perfect subtrees that cover
 * it, largest first (at most 64). Appending leaves one by one and asking
 * for the root never rebuilds the tree. */
typedef struct zt_merkle_range {
    uint64_t size;
    int n;
    zt_hash h[64];
} zt_merkle_range;

void zt_merkle_range_init(zt_merkle_range *r);
/* Append a leaf hash. Each perfect subtree completed by the append is
 * reported through done(level, index, hash, ctx) when done is not NULL
 * (level 1 = pairs of leaves; index = position among subtrees of that
 * level), which is how stored interior nodes are produced and checked. */
void zt_merkle_range_append(zt_merkle_range *r, const zt_hash *leaf,
                            void (*done)(int level, uint64_t index, const zt_hash *h, void *ctx), void *ctx);
/* Root hash of the range (the empty-tree hash for size 0). */
void zt_merkle_range_root(const zt_merkle_range *r, zt_hash *out);

/* Check an inclusion proof of leaf `index` in a tree of `size` with root
 * `root`. 1 valid, 0 invalid. */
int zt_merkle_verify_inclusion(uint64_t index, uint64_t size, const zt_hash *leaf, const zt_hash *proof, size_t n,
                               const zt_hash *root);
/* Check a consistency proof between trees of size1 <= size2. 1 / 0. */
int zt_merkle_verify_consistency(uint64_t size1, uint64_t size2, const zt_hash *root1, const zt_hash *root2,
                                 const zt_hash *proof, size_t n);

/* Proof generation over a tree whose perfect subtrees can be fetched:
 * node(level, index) returns 0 and fills the hash of the perfect subtree of
 * 2^level leaves starting at index * 2^level, or -1 on failure. */
typedef int (*zt_merkle_node_fn)(int level, uint64_t index, zt_hash *out, void *ctx);
/* Root of leaves [0, size). 0 or -1. */
int zt_merkle_root(uint64_t size, zt_merkle_node_fn node, void *ctx, zt_hash *out);
/* RFC 6962 PATH(index, D[0:size]) into proof (room for 64); *n = length. */
int zt_merkle_inclusion_proof(uint64_t index, uint64_t size, zt_merkle_node_fn node, void *ctx, zt_hash *proof,
                              size_t *n);
/* RFC 6962 PROOF(size1, D[0:size2]) (room for 128); *n = length. */
int zt_merkle_consistency_proof(uint64_t size1, uint64_t size2, zt_merkle_node_fn node, void *ctx, zt_hash *proof,
                                size_t *n);

#endif
