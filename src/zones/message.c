/* message.c - sealing and opening the crossing's message files (zones.h).
 *
 * A file is {"payload": TEXT, "sig": BASE64}: TEXT is the compact JSON of
 * the envelope, and the Ed25519 signature (libsodium crypto_sign_detached)
 * is over its exact bytes, so no canonical form is needed; the payload is
 * parsed only after the signature checked. Everything here is pure: the
 * fuzz target tests/fuzz/fuzz_zones.c drives zt_zone_open. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "base/json.h"
#include "zones/zones.h"

static const char *const INTERNET_TYPES[] = {"application.submitted", "material.uploaded", "supplement.submitted",
                                             "application.withdrawn", "zone.refusal",      NULL};
static const char *const INTRANET_TYPES[] = {"case.status", "case.result", "zone.refusal", NULL};

int zt_zone_allowed(const char *from, const char *type) {
    if (!from || !type) return 0;
    const char *const *list = !strcmp(from, "internet")   ? INTERNET_TYPES
                              : !strcmp(from, "intranet") ? INTRANET_TYPES
                                                          : NULL;
    for (; list && *list; list++)
        if (!strcmp(*list, type)) return 1;
    return 0;
}

char *zt_zone_seal(const char *payload, const unsigned char sk[ZT_ZONE_SK_BYTES]) {
    unsigned char sig[crypto_sign_BYTES];
    crypto_sign_detached(sig, NULL, (const unsigned char *)payload, strlen(payload), sk);
    char b64[sodium_base64_ENCODED_LEN(crypto_sign_BYTES, sodium_base64_VARIANT_ORIGINAL)];
    sodium_bin2base64(b64, sizeof b64, sig, sizeof sig, sodium_base64_VARIANT_ORIGINAL);
    json_t *f = json_pack("{s:s,s:s}", "payload", payload, "sig", b64);
    char *out = f ? json_dumps(f, JSON_COMPACT) : NULL; /* NULL: the payload is not UTF-8 */
    json_decref(f);
    return out;
}

/* --- schema ------------------------------------------------------------------ */

static zt_err str_in(json_t *o, const char *key, const char *prefix, int required, size_t maxlen, zt_error *e) {
    const char *s;
    zt_err rc = zt_json_str(o, key, required, maxlen, &s, e);
    if (rc && e) snprintf(e->field, sizeof e->field, "%s%s", prefix, key);
    return rc;
}

static zt_err int_in(json_t *o, const char *key, const char *prefix, int64_t lo, int64_t hi, zt_error *e) {
    int64_t v;
    zt_err rc = zt_json_int(o, key, 1, lo, hi, 0, &v, e);
    if (rc && e) snprintf(e->field, sizeof e->field, "%s%s", prefix, key);
    return rc;
}

static zt_err obj_in(json_t *o, const char *key, const char *prefix, int nullable, zt_error *e) {
    json_t *v = json_object_get(o, key);
    if (json_is_object(v) || (nullable && json_is_null(v))) return ZT_OK;
    char f[64];
    snprintf(f, sizeof f, "%s%s", prefix, key);
    return zt_fail(e, ZT_EINVAL, f, "%s must be an object", f);
}

static zt_err only_in(json_t *o, const char *const *keys, const char *prefix, zt_error *e) {
    zt_err rc = zt_json_only(o, keys, e);
    if (rc && e) {
        char f[64];
        snprintf(f, sizeof f, "%s%s", prefix, e->field);
        snprintf(e->field, sizeof e->field, "%s", f);
    }
    return rc;
}

static int is_hex(const char *s, size_t n) {
    if (!s || strlen(s) != n) return 0;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'))) return 0;
    return 1;
}

#define INT53 9007199254740991LL

/* A step as it crosses: the case, the action and its states, its fields. */
static zt_err check_step(json_t *b, int staff, zt_error *e) {
    static const char *const applicant_keys[] = {"number", "action", "from", "to", "fields", "at", NULL};
    static const char *const staff_keys[] = {"number",     "action",           "label",  "from", "to", "fields", "at",
                                             "actor_role", "actor_department", "result", NULL};
    zt_err rc = only_in(b, staff ? staff_keys : applicant_keys, "body.", e);
    if (!rc) rc = str_in(b, "number", "body.", 1, 64, e);
    if (!rc) rc = str_in(b, "action", "body.", 1, 64, e);
    if (!rc) rc = str_in(b, "from", "body.", 1, 64, e);
    if (!rc) rc = str_in(b, "to", "body.", 1, 64, e);
    if (!rc) rc = obj_in(b, "fields", "body.", 0, e);
    if (!rc) rc = int_in(b, "at", "body.", 0, INT53, e);
    if (!rc && staff) {
        rc = str_in(b, "label", "body.", 1, 200, e);
        if (!rc) rc = str_in(b, "actor_role", "body.", 1, 32, e);
        if (!rc) rc = str_in(b, "actor_department", "body.", 0, 64, e);
        if (!rc) rc = obj_in(b, "result", "body.", 1, e);
    }
    return rc;
}

static zt_err check_application(json_t *b, zt_error *e) {
    static const char *const keys[] = {"number", "item_code", "applicant",    "title",
                                       "form",   "materials", "submitted_at", NULL};
    static const char *const akeys[] = {"type", "name", "number", "phone", NULL};
    static const char *const mkeys[] = {"material", "filename", "sha256", "size", NULL};
    zt_err rc = only_in(b, keys, "body.", e);
    if (!rc) rc = str_in(b, "number", "body.", 1, 64, e);
    if (!rc) rc = str_in(b, "item_code", "body.", 1, 64, e);
    if (!rc) rc = str_in(b, "title", "body.", 0, 800, e);
    if (!rc) rc = obj_in(b, "form", "body.", 0, e);
    if (!rc) rc = int_in(b, "submitted_at", "body.", 0, INT53, e);
    if (!rc) rc = obj_in(b, "applicant", "body.", 0, e);
    if (rc) return rc;
    json_t *a = json_object_get(b, "applicant");
    const char *type = json_string_value(json_object_get(a, "type"));
    if ((rc = only_in(a, akeys, "body.applicant.", e))) return rc;
    if (!type || (strcmp(type, "citizen") && strcmp(type, "enterprise")))
        return zt_fail(e, ZT_EINVAL, "body.applicant.type", "applicant.type must be citizen or enterprise");
    if ((rc = str_in(a, "name", "body.applicant.", 1, 400, e)) ||
        (rc = str_in(a, "number", "body.applicant.", 1, 32, e)) ||
        (rc = str_in(a, "phone", "body.applicant.", 0, 32, e)))
        return rc;
    json_t *mats = json_object_get(b, "materials"), *m;
    if (!json_is_array(mats) || json_array_size(mats) > 100)
        return zt_fail(e, ZT_EINVAL, "body.materials", "materials must be an array of at most 100");
    size_t i;
    json_array_foreach(mats, i, m) {
        if (!json_is_object(m)) return zt_fail(e, ZT_EINVAL, "body.materials", "a material must be an object");
        if ((rc = only_in(m, mkeys, "body.materials.", e)) ||
            (rc = str_in(m, "material", "body.materials.", 1, 400, e)) ||
            (rc = str_in(m, "filename", "body.materials.", 1, 400, e)) ||
            (rc = int_in(m, "size", "body.materials.", 0, INT53, e)))
            return rc;
        if (!is_hex(json_string_value(json_object_get(m, "sha256")), 64))
            return zt_fail(e, ZT_EINVAL, "body.materials.sha256", "sha256 must be 64 lower-case hex digits");
    }
    return ZT_OK;
}

static zt_err check_material(json_t *b, zt_error *e) {
    static const char *const keys[] = {"number", "material", "filename", "sha256", "size", NULL};
    zt_err rc = only_in(b, keys, "body.", e);
    if (!rc) rc = str_in(b, "number", "body.", 1, 64, e);
    if (!rc) rc = str_in(b, "material", "body.", 1, 400, e);
    if (!rc) rc = str_in(b, "filename", "body.", 1, 400, e);
    if (!rc) rc = int_in(b, "size", "body.", 1, INT53, e);
    if (!rc && !is_hex(json_string_value(json_object_get(b, "sha256")), 64))
        rc = zt_fail(e, ZT_EINVAL, "body.sha256", "sha256 must be 64 lower-case hex digits");
    return rc;
}

static zt_err check_refusal(json_t *b, zt_error *e) {
    static const char *const keys[] = {"refused_id", "refused_seq", "file", "sha256", "reason", "field", NULL};
    zt_err rc = only_in(b, keys, "body.", e);
    if (!rc) rc = str_in(b, "refused_id", "body.", 0, 64, e);
    if (!rc && !json_is_null(json_object_get(b, "refused_seq")) && json_object_get(b, "refused_seq"))
        rc = int_in(b, "refused_seq", "body.", 1, INT53, e);
    if (!rc) rc = str_in(b, "file", "body.", 1, 255, e);
    if (!rc) rc = str_in(b, "reason", "body.", 1, 512, e);
    if (!rc) rc = str_in(b, "field", "body.", 0, 64, e);
    if (!rc && !is_hex(json_string_value(json_object_get(b, "sha256")), 64))
        rc = zt_fail(e, ZT_EINVAL, "body.sha256", "sha256 must be 64 lower-case hex digits");
    return rc;
}

zt_err zt_zone_check_body(const char *type, json_t *body, zt_error *e) {
    if (!json_is_object(body)) return zt_fail(e, ZT_EINVAL, "body", "body must be an object");
    if (!type) return zt_fail(e, ZT_EINVAL, "type", "no type");
    if (!strcmp(type, "application.submitted")) return check_application(body, e);
    if (!strcmp(type, "material.uploaded")) return check_material(body, e);
    if (!strcmp(type, "supplement.submitted") || !strcmp(type, "application.withdrawn")) return check_step(body, 0, e);
    if (!strcmp(type, "case.status") || !strcmp(type, "case.result")) return check_step(body, 1, e);
    if (!strcmp(type, "zone.refusal")) return check_refusal(body, e);
    return zt_fail(e, ZT_EINVAL, "type", "unknown message type \"%.64s\"", type);
}

/* --- opening ------------------------------------------------------------------- */

static zt_err open_msg(const char *buf, size_t len, const unsigned char pk[ZT_ZONE_PK_BYTES], const char *from,
                       const char *to, zt_zone_msg *m, zt_error *e);

zt_err zt_zone_open(const char *buf, size_t len, const unsigned char pk[ZT_ZONE_PK_BYTES], const char *from,
                    const char *to, zt_zone_msg *m, zt_error *e) {
    zt_err rc = open_msg(buf, len, pk, from, to, m, e);
    /* a refusal always names a field: an unknown member "" names none */
    if (rc && e && !e->field[0]) snprintf(e->field, sizeof e->field, "payload");
    return rc;
}

static zt_err open_msg(const char *buf, size_t len, const unsigned char pk[ZT_ZONE_PK_BYTES], const char *from,
                       const char *to, zt_zone_msg *m, zt_error *e) {
    static const char *const file_keys[] = {"payload", "sig", NULL};
    static const char *const env_keys[] = {"v", "id", "seq", "from", "to", "type", "at", "subject", "body", NULL};
    json_error_t je;
    json_t *file = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je);
    if (!json_is_object(file)) {
        json_decref(file);
        return zt_fail(e, ZT_EINVAL, "file", "not a message file (JSON object expected)");
    }
    zt_err rc = zt_json_only(file, file_keys, e);
    json_t *p = json_object_get(file, "payload"), *s = json_object_get(file, "sig");
    if (!rc && (!json_is_string(p) || !json_is_string(s)))
        rc = zt_fail(e, ZT_EINVAL, "sig", "unsigned: payload and sig must be strings");
    unsigned char sig[crypto_sign_BYTES];
    size_t siglen = 0;
    if (!rc && (sodium_base642bin(sig, sizeof sig, json_string_value(s), json_string_length(s), NULL, &siglen, NULL,
                                  sodium_base64_VARIANT_ORIGINAL) ||
                siglen != sizeof sig))
        rc = zt_fail(e, ZT_EINVAL, "sig", "the signature is not 64 bytes of base64");
    if (!rc && crypto_sign_verify_detached(sig, (const unsigned char *)json_string_value(p), json_string_length(p), pk))
        rc = zt_fail(e, ZT_EINVAL, "sig", "the signature does not verify with the other zone's key");
    json_t *env = NULL;
    if (!rc) {
        env = json_loadb(json_string_value(p), json_string_length(p), JSON_REJECT_DUPLICATES, &je);
        if (!json_is_object(env)) rc = zt_fail(e, ZT_EINVAL, "payload", "the payload is not a JSON object");
    }
    json_decref(file);
    int64_t v = 0, seq = 0, at = 0;
    const char *id = NULL, *f = NULL, *t = NULL, *type = NULL, *subject = NULL;
    if (!rc) rc = zt_json_only(env, env_keys, e);
    if (!rc) rc = zt_json_int(env, "v", 1, 1, 1, 0, &v, e);
    if (!rc) rc = zt_json_str(env, "id", 1, 32, &id, e);
    if (!rc && !is_hex(id, 32)) rc = zt_fail(e, ZT_EINVAL, "id", "id must be 32 lower-case hex digits");
    if (!rc) rc = zt_json_int(env, "seq", 1, 1, INT53, 0, &seq, e);
    if (!rc) rc = zt_json_int(env, "at", 1, 0, INT53, 0, &at, e);
    if (!rc) rc = zt_json_str(env, "from", 1, 16, &f, e);
    if (!rc) rc = zt_json_str(env, "to", 1, 16, &t, e);
    if (!rc && (strcmp(f, from) || strcmp(t, to)))
        rc = zt_fail(e, ZT_EINVAL, "to", "a message from %s to %s is not for this zone (%s)", f, t, to);
    if (!rc) rc = zt_json_str(env, "type", 1, 64, &type, e);
    if (!rc && !zt_zone_allowed(from, type))
        rc = zt_fail(e, ZT_EINVAL, "type", "type \"%s\" may not cross from %s to %s", type, from, to);
    if (!rc) rc = zt_json_str(env, "subject", 0, 64, &subject, e);
    if (!rc) rc = zt_zone_check_body(type, json_object_get(env, "body"), e);
    if (rc) {
        json_decref(env);
        return rc;
    }
    *m = (zt_zone_msg){.payload = env,
                       .id = id,
                       .from = f,
                       .to = t,
                       .type = type,
                       .subject = subject ? subject : "",
                       .seq = seq,
                       .at = at,
                       .body = json_object_get(env, "body")};
    return ZT_OK;
}

void zt_zone_msg_free(zt_zone_msg *m) {
    if (!m) return;
    json_decref(m->payload);
    memset(m, 0, sizeof *m);
}
