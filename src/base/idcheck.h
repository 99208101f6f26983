/* idcheck.h - identifiers of people and enterprises.
 *
 * Citizen ID number (居民身份证号码, GB 11643-1999): 17 digits + check
 * character (0-9 or X), ISO 7064 MOD 11-2; digits 7-14 are a real birth date.
 * Unified social credit code (统一社会信用代码, GB 32100-2015): 18 characters
 * from "0123456789ABCDEFGHJKLMNPQRTUWXY", check character by the standard's
 * weights mod 31; the first character is a registration-authority code and
 * the second an entity-type code valid for it. */
#ifndef ZT_IDCHECK_H
#define ZT_IDCHECK_H

#include <stddef.h>

/* 1 if s is a valid 18-digit ID number (a lower-case x is not accepted:
 * callers upper-case on input), else 0; why (may be NULL) gets a short
 * English reason ("length", "character", "birth date", "check digit"). */
int zt_idnum_valid(const char *s, const char **why);

/* 1 if s is a valid unified social credit code, else 0; why as above
 * ("length", "character", "authority code", "check character"). */
int zt_uscc_valid(const char *s, const char **why);

/* 1 if s is a mainland phone number: a mobile (1[3-9] and 9 digits), or a
 * landline with its area code (0 and 2-3 digits), a dash optional, then
 * 7-8 digits; else 0. */
int zt_phone_valid(const char *s);

/* Masked display form: keep the first `head` and last `tail` characters,
 * replace the rest with '*' (e.g. head 4, tail 4: 3603**********1234).
 * Writes at most outlen bytes including the NUL; returns out. Works on
 * ASCII identifiers; a string no longer than head+tail is fully masked. */
char *zt_mask(const char *s, int head, int tail, char *out, size_t outlen);

#endif
