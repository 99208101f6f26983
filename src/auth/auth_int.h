/* auth_int.h - shared between the files of auth/ only. */
#ifndef ZT_AUTH_INT_H
#define ZT_AUTH_INT_H

#include <stdint.h>

/* SHA-256 of a token, as stored. */
void zt_token_hash(const char *token, unsigned char out[32]);

#endif
