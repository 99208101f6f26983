/* test_merkle.c - src/ledger/merkle.c against RFC 6962's reference vectors
 * (the leaf set and roots of Certificate Transparency's merkle tree tests),
 * and proofs for every pair of sizes up to 8 and some large ones, checked by
 * generating and by verifying, with every kind of corruption refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "ledger/merkle.h"

static const char *const LEAVES[8] = {
    "", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"};
static const char *const ROOTS[8] = {
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
};

static void unhex(const char *hex, unsigned char *out, size_t *n) {
    size_t len = strlen(hex);
    assert_int_equal(sodium_hex2bin(out, 64, hex, len, NULL, n, NULL), 0);
}

static zt_hash hash_hex(const char *hex) {
    zt_hash h;
    size_t n;
    unhex(hex, h.b, &n);
    assert_int_equal(n, 32);
    return h;
}

/* A tree in memory whose perfect subtrees come from a compact range
 * replay: the node function the store's proofs use, without a store. */
#define MAXLEAVES 4096
static zt_hash leaves[MAXLEAVES];
static uint64_t nleaves;

static int mem_node(int level, uint64_t index, zt_hash *out, void *ctx) {
    uint64_t first = index << level, count = 1ULL << level;
    if (first + count > nleaves) return -1;
    zt_merkle_range r;
    zt_merkle_range_init(&r);
    for (uint64_t i = 0; i < count; i++) zt_merkle_range_append(&r, &leaves[first + i], NULL, NULL);
    zt_merkle_range_root(&r, out);
    return 0;
}

static void load_reference(void) {
    nleaves = 8;
    for (int i = 0; i < 8; i++) {
        unsigned char b[64];
        size_t n;
        unhex(LEAVES[i], b, &n);
        zt_merkle_leaf(b, n, &leaves[i]);
    }
}

static void load_generated(uint64_t n) {
    nleaves = n;
    for (uint64_t i = 0; i < n; i++) {
        char entry[32];
        int len = snprintf(entry, sizeof entry, "entry %llu", (unsigned long long)i);
        zt_merkle_leaf(entry, (size_t)len, &leaves[i]);
    }
}

static void empty_tree(void **state) {
    zt_hash h, want = hash_hex("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    zt_merkle_empty(&h);
    assert_memory_equal(h.b, want.b, 32);
    zt_merkle_range r;
    zt_merkle_range_init(&r);
    zt_merkle_range_root(&r, &h);
    assert_memory_equal(h.b, want.b, 32);
    nleaves = 0;
    assert_int_equal(zt_merkle_root(0, mem_node, NULL, &h), 0);
    assert_memory_equal(h.b, want.b, 32);
}

static void reference_roots(void **state) {
    load_reference();
    zt_merkle_range r;
    zt_merkle_range_init(&r);
    for (int n = 1; n <= 8; n++) {
        zt_merkle_range_append(&r, &leaves[n - 1], NULL, NULL);
        zt_hash got, want = hash_hex(ROOTS[n - 1]), viaproof;
        zt_merkle_range_root(&r, &got);
        assert_memory_equal(got.b, want.b, 32);
        assert_int_equal(zt_merkle_root((uint64_t)n, mem_node, NULL, &viaproof), 0);
        assert_memory_equal(viaproof.b, want.b, 32);
    }
}

/* The range reports every completed perfect subtree, at the right place. */
static int completed;
static void count_done(int level, uint64_t index, const zt_hash *h, void *ctx) {
    zt_hash want;
    assert_int_equal(mem_node(level, index, &want, NULL), 0);
    assert_memory_equal(h->b, want.b, 32);
    completed++;
}

static void range_reports_nodes(void **state) {
    load_generated(1000);
    zt_merkle_range r;
    zt_merkle_range_init(&r);
    completed = 0;
    for (uint64_t i = 0; i < 1000; i++) zt_merkle_range_append(&r, &leaves[i], count_done, NULL);
    /* a tree of n leaves has n - popcount(n) perfect interior subtrees */
    assert_int_equal(completed, 1000 - __builtin_popcountll(1000));
}

static void flip(zt_hash *h, int bit) { h->b[bit / 8] ^= (unsigned char)(1u << (bit % 8)); }

static void check_inclusion_all(uint64_t n) {
    zt_hash root, proof[64], p2[65];
    size_t len;
    assert_int_equal(zt_merkle_root(n, mem_node, NULL, &root), 0);
    for (uint64_t i = 0; i < n; i++) {
        assert_int_equal(zt_merkle_inclusion_proof(i, n, mem_node, NULL, proof, &len), 0);
        assert_true(zt_merkle_verify_inclusion(i, n, &leaves[i], proof, len, &root));
        /* wrong index, wrong size, wrong leaf, a flipped bit, one too few, one too many */
        if (n > 1) assert_false(zt_merkle_verify_inclusion((i + 1) % n, n, &leaves[i], proof, len, &root));
        /* a size that the root is not of: the proof of i in n fails against
         * the root of n + 1 (the algorithm trusts that root and size belong
         * together, which a signed checkpoint guarantees) */
        uint64_t have = nleaves;
        nleaves = 8;
        zt_hash bigger;
        if (n < 8 && zt_merkle_root(n + 1, mem_node, NULL, &bigger) == 0)
            assert_false(zt_merkle_verify_inclusion(i, n + 1, &leaves[i], proof, len, &bigger));
        nleaves = have;
        if (n > 1) assert_false(zt_merkle_verify_inclusion(i, n, &leaves[(i + 1) % n], proof, len, &root));
        for (size_t k = 0; k < len; k++) {
            zt_hash saved = proof[k];
            flip(&proof[k], (int)(k * 37 % 256));
            assert_false(zt_merkle_verify_inclusion(i, n, &leaves[i], proof, len, &root));
            proof[k] = saved;
        }
        if (len) assert_false(zt_merkle_verify_inclusion(i, n, &leaves[i], proof, len - 1, &root));
        memcpy(p2, proof, len * sizeof *proof);
        p2[len] = root;
        assert_false(zt_merkle_verify_inclusion(i, n, &leaves[i], p2, len + 1, &root));
        zt_hash bad = root;
        flip(&bad, 3);
        assert_false(zt_merkle_verify_inclusion(i, n, &leaves[i], proof, len, &bad));
    }
}

static void check_consistency_all(uint64_t n) {
    zt_hash r2, proof[128], p2[129];
    size_t len;
    assert_int_equal(zt_merkle_root(n, mem_node, NULL, &r2), 0);
    for (uint64_t m = 0; m <= n; m++) {
        zt_hash r1;
        assert_int_equal(zt_merkle_root(m, mem_node, NULL, &r1), 0);
        assert_int_equal(zt_merkle_consistency_proof(m, n, mem_node, NULL, proof, &len), 0);
        assert_true(zt_merkle_verify_consistency(m, n, &r1, &r2, proof, len));
        if (m == 0 || m == n) continue;
        /* swapped roots, wrong sizes, flipped bits, a hash too few or too many */
        assert_false(zt_merkle_verify_consistency(m, n, &r2, &r1, proof, len));
        uint64_t have = nleaves;
        nleaves = 8;
        zt_hash bigger;
        if (n < 8 && zt_merkle_root(n + 1, mem_node, NULL, &bigger) == 0)
            assert_false(zt_merkle_verify_consistency(m, n + 1, &r1, &bigger, proof, len));
        nleaves = have;
        if (m > 1) assert_false(zt_merkle_verify_consistency(m - 1, n, &r1, &r2, proof, len));
        for (size_t k = 0; k < len; k++) {
            zt_hash saved = proof[k];
            flip(&proof[k], (int)(k * 53 % 256));
            assert_false(zt_merkle_verify_consistency(m, n, &r1, &r2, proof, len));
            proof[k] = saved;
        }
        assert_false(zt_merkle_verify_consistency(m, n, &r1, &r2, proof, len - 1));
        memcpy(p2, proof, len * sizeof *proof);
        p2[len] = r1;
        assert_false(zt_merkle_verify_consistency(m, n, &r1, &r2, p2, len + 1));
    }
}

static void reference_proofs(void **state) {
    load_reference();
    for (uint64_t n = 1; n <= 8; n++) {
        nleaves = n;
        check_inclusion_all(n);
        check_consistency_all(n);
    }
}

/* Known answers: RFC 6962 reference inclusion proof of leaf 0 in 8, and
 * consistency proof 6 -> 8 (Certificate Transparency's test data). */
static void reference_known_proofs(void **state) {
    load_reference();
    zt_hash proof[64];
    size_t len;
    assert_int_equal(zt_merkle_inclusion_proof(0, 8, mem_node, NULL, proof, &len), 0);
    assert_int_equal(len, 3);
    zt_hash p0 = hash_hex("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7");
    zt_hash p1 = hash_hex("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e");
    zt_hash p2 = hash_hex("6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4");
    assert_memory_equal(proof[0].b, p0.b, 32);
    assert_memory_equal(proof[1].b, p1.b, 32);
    assert_memory_equal(proof[2].b, p2.b, 32);
    assert_int_equal(zt_merkle_consistency_proof(6, 8, mem_node, NULL, proof, &len), 0);
    assert_int_equal(len, 3);
    zt_hash c0 = hash_hex("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a");
    zt_hash c1 = hash_hex("ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0");
    zt_hash c2 = hash_hex("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7");
    assert_memory_equal(proof[0].b, c0.b, 32);
    assert_memory_equal(proof[1].b, c1.b, 32);
    assert_memory_equal(proof[2].b, c2.b, 32);
}

static void large_sizes(void **state) {
    load_generated(MAXLEAVES);
    static const uint64_t sizes[] = {13, 31, 32, 33, 100, 255, 256, 257, 1000, 1023, 1024, 1025};
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        uint64_t n = sizes[s];
        zt_hash root, proof[128];
        size_t len;
        assert_int_equal(zt_merkle_root(n, mem_node, NULL, &root), 0);
        for (uint64_t i = 0; i < n; i += n / 7 + 1) {
            assert_int_equal(zt_merkle_inclusion_proof(i, n, mem_node, NULL, proof, &len), 0);
            assert_true(zt_merkle_verify_inclusion(i, n, &leaves[i], proof, len, &root));
        }
        for (uint64_t m = 1; m < n; m += n / 5 + 1) {
            zt_hash r1;
            assert_int_equal(zt_merkle_root(m, mem_node, NULL, &r1), 0);
            assert_int_equal(zt_merkle_consistency_proof(m, n, mem_node, NULL, proof, &len), 0);
            assert_true(zt_merkle_verify_consistency(m, n, &r1, &root, proof, len));
            assert_false(zt_merkle_verify_consistency(m, n, &root, &r1, proof, len));
        }
    }
}

static void bad_arguments(void **state) {
    load_generated(8);
    zt_hash proof[128], root;
    size_t len;
    assert_int_equal(zt_merkle_inclusion_proof(8, 8, mem_node, NULL, proof, &len), -1);
    assert_int_equal(zt_merkle_consistency_proof(5, 4, mem_node, NULL, proof, &len), -1);
    assert_int_equal(zt_merkle_root(9, mem_node, NULL, &root), -1); /* nodes that do not exist */
    assert_false(zt_merkle_verify_inclusion(3, 3, &leaves[0], proof, 0, &leaves[0]));
    assert_false(zt_merkle_verify_consistency(4, 3, &leaves[0], &leaves[0], proof, 0));
    /* equal sizes: only an empty proof and equal roots */
    assert_true(zt_merkle_verify_consistency(4, 4, &leaves[0], &leaves[0], proof, 0));
    assert_false(zt_merkle_verify_consistency(4, 4, &leaves[0], &leaves[1], proof, 0));
    assert_false(zt_merkle_verify_consistency(4, 4, &leaves[0], &leaves[0], proof, 1));
    /* a non-empty tree is not consistent with anything by an empty proof */
    assert_false(zt_merkle_verify_consistency(3, 5, &leaves[0], &leaves[1], proof, 0));
}

int main(void) {
    if (sodium_init() < 0) return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(empty_tree),
        cmocka_unit_test(reference_roots),
        cmocka_unit_test(range_reports_nodes),
        cmocka_unit_test(reference_proofs),
        cmocka_unit_test(reference_known_proofs),
        cmocka_unit_test(large_sizes),
        cmocka_unit_test(bad_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
