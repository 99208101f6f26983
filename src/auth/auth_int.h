/* auth_int.h - shared between the files of auth/ only. */
#ifndef ZT_AUTH_INT_H
#define ZT_AUTH_INT_H

#include <stdint.h>

/* Login throttling: failures counted per key ("login:NAME", "addr:IP") in
 * a fixed window. */
int zt_throttle_blocked(const char *key, int64_t now, int64_t max, int64_t window, int64_t *retry_after);
void zt_throttle_fail(const char *key, int64_t now, int64_t window);
void zt_throttle_clear(const char *key);

/* SHA-256 of a token, as stored. */
void zt_token_hash(const char *token, unsigned char out[32]);

#endif
