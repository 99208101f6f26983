/* rfc3797.h - publicly verifiable random selection (RFC 3797, "Publicly
 * Verifiable Nominations Committee (NomCom) Random Selection", §4 and its
 * reference code): the draw of the bid-evaluation committee (评标委员会)
 * that anyone can re-run from the published inputs.
 *
 * The key: each source's integers sorted ascending, each written in decimal
 * without leading zeros followed by ".", each source ended by "/"; e.g. the
 * RFC's "9319./2.5.8.10.12./9.18.26.34.41.45./". Pick i (0, 1, 2 ...) is
 * MD5(i as 2 bytes big-endian, key, i again) as a 128-bit big-endian
 * integer modulo the number of entries still unselected: the k-th (0-based)
 * still-unselected entry in pool order. The same key and pool always give
 * the same prefix of picks, so a refusal is replaced by the next pick.
 *
 * MD5 is OpenSSL's (libcrypto EVP; libsodium has no MD5). Integers may have
 * any number of digits (they are sorted as numbers, compared by length then
 * digits), so a party's secret can be one long number. */
#ifndef ZT_RFC3797_H
#define ZT_RFC3797_H

#include <stddef.h>
#include <stdint.h>

#define ZT_RFC3797_MAX_SOURCES 16 /* the reference code's limits */
#define ZT_RFC3797_MAX_VALUES  16
#define ZT_RFC3797_MAX_DIGITS  64    /* per integer */
#define ZT_RFC3797_MAX_POOL    65535 /* the 2-byte index and remaining count */
#define ZT_RFC3797_KEY_MAX     (ZT_RFC3797_MAX_SOURCES * (ZT_RFC3797_MAX_VALUES * (ZT_RFC3797_MAX_DIGITS + 1) + 1) + 1)

/* The key from a seeds text: one source a line, its integers separated by
 * blanks (spaces or tabs, in any order); lines starting with '#' and blank
 * lines are ignored; "\r\n" line ends accepted. key (at least
 * ZT_RFC3797_KEY_MAX bytes) gets the NUL-terminated key. Returns 0, or -1
 * with *why (static English text naming the line's problem: "no source",
 * "too many sources", "too many values", "not an integer", "integer too
 * long", "NUL byte"). */
int zt_rfc3797_key(const char *seeds, size_t len, char *key, const char **why);

/* One source's canonical part ("2.5.8.10.12./") from an array of decimal
 * integer strings, for a commit-reveal whose reveals are integers; returns
 * the same as zt_rfc3797_key for one line. */
int zt_rfc3797_source(const char *line, size_t len, char *out, size_t cap, const char **why);

/* Picks `count` entries of a pool of `pool` entries: picks[j] is the
 * 0-based pool position of pick j, md5 (may be NULL) its 16-byte hash.
 * Returns 0, or -1 when count > pool, pool > ZT_RFC3797_MAX_POOL or MD5 is
 * unavailable. */
int zt_rfc3797_pick(const char *key, uint32_t pool, uint32_t count, uint32_t *picks, uint8_t (*md5)[16]);

#endif
