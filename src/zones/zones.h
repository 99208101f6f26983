/* zones.h - the two zones (R15, docs/zones.md): the 外网 (internet) instance
 * serves the portal, applicants and enterprises; the 内网 (intranet) one
 * serves staff and supervision; each has its own database and ledger. The
 * crossing is the only path between them, as a 网闸 passes files: signed
 * messages (Ed25519, libsodium) written as files into a spool directory the
 * other side reads, checked there (signature, envelope and body schema, the
 * allow-list of the direction, replay), recorded in both ledgers, a refusal
 * reported back to the sender as a signed message.
 *
 *   message.c   sealing and opening a message file: pure, fuzzed
 *   api.c       GET /api/zones/messages for administrators and auditors
 *   crossing.c  keys, the outbox and the spool writer, the reader, refusals,
 *               the hook the flow sink calls, the zone's authenticator and
 *               `zhengtong zones` */
#ifndef ZT_ZONES_H
#define ZT_ZONES_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "app.h"
#include "base/err.h"
#include "http/http.h"
#include "store/store.h"

/* --- message.c --------------------------------------------------------------- */

#define ZT_ZONE_PK_BYTES  32
#define ZT_ZONE_SK_BYTES  64
#define ZT_ZONE_SIG_BYTES 64

/* A message as opened: payload owned, the strings point into it. */
typedef struct zt_zone_msg {
    json_t *payload;
    const char *id, *from, *to, *type, *subject;
    int64_t seq, at;
    json_t *body;
} zt_zone_msg;

/* Is type allowed from zone `from` ("internet" or "intranet")?
 *   internet -> intranet: application.submitted, material.uploaded,
 *                         supplement.submitted, application.withdrawn
 *   intranet -> internet: case.status, case.result
 *   both ways: zone.refusal */
int zt_zone_allowed(const char *from, const char *type);

/* The message file of a payload (its exact text is what is signed):
 * {"payload": TEXT, "sig": BASE64}, NUL-terminated, malloc'd; NULL when
 * the payload is not valid UTF-8 (json_dumps never makes one). */
char *zt_zone_seal(const char *payload, const unsigned char sk[ZT_ZONE_SK_BYTES]);

/* Open a message file of len bytes: the signature over the payload text by
 * pk, then the envelope ({v:1, id, seq, from, to, type, at, subject, body},
 * nothing else), that it comes from `from` to `to`, its type allowed in that
 * direction, and its body's schema. ZT_EINVAL naming the field ("sig",
 * "payload", "type", "body.number", ...) on any failure, m untouched;
 * ZT_OK with m filled (zt_zone_msg_free). */
zt_err zt_zone_open(const char *buf, size_t len, const unsigned char pk[ZT_ZONE_PK_BYTES], const char *from,
                    const char *to, zt_zone_msg *m, zt_error *e);
void zt_zone_msg_free(zt_zone_msg *m);

/* The schema of a body of type (strict: unknown members are refused). */
zt_err zt_zone_check_body(const char *type, json_t *body, zt_error *e);

/* --- crossing.c ---------------------------------------------------------------- */

/* What the cases of src/services give the crossing (wired in src/routes.c):
 *   export   the application of case number, as application.submitted's body
 *   import   a crossed application.submitted: the case on this side
 *   step     a crossed step (supplement.submitted, application.withdrawn,
 *            case.status, case.result):
 *            the same step taken on this side's copy of the case
 * each inside the caller's write (db is the writer); via is the crossing's
 * principal, whose login (ZT_ZONE_LOGIN_PREFIX...) the actors they make
 * take, so that their steps are not sent back. */
typedef struct zt_zones_cases {
    json_t *(*export_application)(zt_db *db, const char *number, zt_error *e);
    zt_err (*import_application)(zt_app *app, zt_db *db, const zt_principal *via, json_t *body, zt_error *e);
    zt_err (*step)(zt_app *app, zt_db *db, const zt_principal *via, json_t *body, zt_error *e);
    /* material.uploaded: where the stored file of a hash lies (malloc'd),
     * to send it; and the file that came, its bytes already checked
     * against the signed hash and size, attached to the case */
    char *(*material_path)(const zt_config *cfg, const char *sha256);
    zt_err (*import_material)(zt_app *app, zt_db *db, const zt_principal *via, json_t *body, const unsigned char *data,
                              size_t len, zt_error *e);
    /* a step's event as its applicant may read it, changed in place: what
     * of a staff step's fields may cross to the 外网 */
    void (*public_step)(const char *subject_type, json_t *step);
} zt_zones_cases;
void zt_zones_set_cases(const zt_zones_cases *c);

/* The login prefix of the principals the crossing acts as ("zone:..."): a
 * step they take is the other side's, and is not sent back. */
#define ZT_ZONE_LOGIN_PREFIX "zone:"

/* The text that stands, on the 外网, for a required free-text field of a
 * staff step that stays in the 内网 (an internal note). */
#define ZT_ZONE_WITHHELD "（内网记录，未跨网）"

/* The flow sink's hook (src/routes.c): inside the write of a step, a case's
 * step that must cross goes to the outbox, recorded as zone.sent. Nothing
 * in single mode. */
zt_err zt_zones_event(zt_db *db, const zt_principal *actor, json_t *ev, int64_t owner_user_id, zt_error *e);

/* Start the crossing for `serve` (zone.role internet or intranet; nothing
 * in single mode, *out NULL): keys loaded, spools created, the job that
 * sends the outbox and reads the spool started. Stop joins it. */
typedef struct zt_zones zt_zones;
zt_err zt_zones_start(zt_app *app, zt_zones **out, zt_error *e);
void zt_zones_stop(zt_zones *z);

/* The authenticator of a zone: zt_auth_authenticate, then the roles and
 * anonymous routes the zone does not serve are refused (403, field "zone"). */
zt_err zt_zones_authenticate(zt_req *r, zt_principal *p, zt_error *e);

/* --- api.c ------------------------------------------------------------------------ */

/* GET /api/zones/messages: administrators and auditors read the crossing. */
const zt_route *zt_zones_routes(size_t *n);

/* `zhengtong zones keygen --out DIR --name NAME`: NAME.key (secret,
 * owner-only) and NAME.pub. Returns the exit status. */
int zt_zones_cli(zt_config *cfg, int argc, char **argv);

#endif
