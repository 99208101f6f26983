/* services.h - the online services (R2, R3, R4): power items (权力事项),
 * cases (办件), uploads, receipts, consultations, complaints and ratings.
 *
 * One file per concern:
 *   uploads.c       uploaded files, sniffed by magic bytes, stored by SHA-256
 *   items.c         power items: versions, legality review, public catalogue
 *   case.c          a case as a process instance: its guards, clock, writes
 *   case_api.c      applications, actions, the case view and lists
 *   case_public.c   the status query and the receipts
 *   receipt.c       the acceptance receipt (受理通知书): PDF with a QR code
 *   messages.c      consultations (咨询) and complaints (投诉)
 *   ratings.c       好差评 and the follow-up of a bad rating
 *   sweep.c         what expires: uploads no case holds, old quota windows
 *
 * Every state change is a step of the process engine (src/flow/step.h)
 * inside zt_store_write, so that the new state, the numbered step, the
 * supervision event and its ledger entry commit together. */
#ifndef ZT_SERVICES_H
#define ZT_SERVICES_H

#include <jansson.h>

#include "app.h"
#include "flow/flow.h"
#include "flow/registry.h"
#include "http/http.h"
#include "store/query.h"

/* Today's date in the city (YYYY-MM-DD) for a Unix time. */
static inline void zt_city_day(int64_t t, char out[11]) { zt_day_format(zt_day_of_instant(t), out); }

/* --- case_public.c ------------------------------------------------------ */

/* What serve and init call once: zt_flows_load, then the key that derives
 * each case's query password (data_dir/query.key, created on first use). */
zt_err zt_services_start(zt_app *app, zt_error *e);
/* Inside the write of a working-day calendar change (platform's hook, wired
 * by main): the open, accepted cases whose clock runs count their promised
 * and legal deadlines again on cal (a step due on the promised or legal day
 * follows it); each case re-dated is recorded (case.redated, the applicant
 * may read it) with why. A suspended case is re-dated when it resumes. */
zt_err zt_cases_calendar_changed(zt_db *db, const zt_calendar *cal, const char *why, zt_error *e);
/* A department was renamed (inside its write): the materialised status
 * answers that name it are dropped (the query computes them live until the
 * case's next step stores them again). */
zt_err zt_cases_dept_renamed(zt_db *db, int64_t dept_id, zt_error *e);
/* A case number's query password (8 characters + NUL) and the SHA-256
 * stored in cases.query_hash; zt_services_start must have loaded the key.
 * The bulk generator (src/tools/benchgen.c) numbers its cases with it. */
void zt_case_query_secret(const char *number, char password[9], unsigned char hash[32]);
/* The status query's counters as Prometheus text into out (cap bytes);
 * returns the length written. Every query that passes its checks does one
 * comparison with a stored hash (a dummy one for an unknown number), and
 * reads the case only when the password was right (issue 22 F19). */
int zt_services_metrics(char *out, size_t cap);
/* The status page a receipt's QR code opens:
 * "{public.url}/#/status?no={number}&pw={password}". */
void zt_case_status_url(const zt_config *cfg, const char *number, const char *password, char *out, size_t cap);

/* --- case_api.c ------------------------------------------------------ */

/* What an applicant reads of one step of his own subject (an object with
 * action, actor, actor_role, fields: a timeline entry, a ledger event's
 * step), changed in place: the actor's login and role go; of a case's step
 * taken by staff, only the fields his case view shows (reasons, legal
 * basis, remedies, materials to supplement, the result), none of the steps
 * between staff (return, opinion, assignment, submission for review); the
 * steps of consultations, complaints and ratings keep their fields, as
 * their views show them. */
void zt_applicant_step(const char *subject_type, json_t *step);

/* --- case_cross.c: cases across the two zones (docs/zones.md) ---------- */

/* A case's application as it crosses to the 内网 (NULL and e on failure). */
json_t *zt_cases_cross_export(zt_db *db, const char *number, zt_error *e);
/* On the 内网, the case of a crossed application (same number), applied for
 * by the applicant's account here; via is the crossing's principal. */
zt_err zt_cases_cross_import(zt_app *app, zt_db *db, const zt_principal *via, json_t *body, zt_error *e);
/* The other zone's step taken on this side's copy of the case. */
zt_err zt_cases_cross_step(zt_app *app, zt_db *db, const zt_principal *via, json_t *body, zt_error *e);
/* A material of a crossed application, its bytes checked against the
 * signed hash: stored, and attached to the case as the applicant's. */
zt_err zt_cases_cross_material(zt_app *app, zt_db *db, const zt_principal *via, json_t *body, const unsigned char *data,
                               size_t len, zt_error *e);
/* The stored file of a material (for the crossing to send). */
char *zt_cases_cross_material_path(const zt_config *cfg, const char *sha256);

/* --- uploads.c ------------------------------------------------------- */

/* The type of a file from its first bytes: "application/pdf",
 * "application/ofd" (a ZIP with OFD.xml), "image/jpeg", "image/png", or
 * NULL for anything else. Pure; fuzzed. */
const char *zt_sniff_type(const unsigned char *data, size_t len);

/* The largest upload (services.upload_max_bytes); set before the routes
 * are registered. */
void zt_uploads_set_limit(size_t bytes);
/* Where the server writes upload bodies as they arrive (the server's
 * spool_dir): services.files_dir/spool, on the stored files' file system so
 * that an upload is moved into place by a rename. Caller frees. */
char *zt_uploads_spool_dir(const zt_config *cfg);

/* May user_id attach upload upload_id (his own upload)? ZT_OK, or
 * ZT_EINVAL naming field when there is no such upload of that owner. */
zt_err zt_upload_check(zt_db *db, int64_t upload_id, int64_t user_id, const char *field, zt_error *e);

/* Two zones (docs/zones.md): where a stored file of that SHA-256 lies
 * (malloc'd), for the crossing to send it; and a file that crossed from
 * the other zone, stored by hash as an upload's bytes are (temp, fsync,
 * rename; 415 unless PDF, OFD, JPEG or PNG) with its upload row of p's in
 * the caller's write (upload.create recorded). */
char *zt_upload_file_path(const zt_config *cfg, const char *hex);
zt_err zt_upload_import(zt_db *db, const zt_config *cfg, const zt_principal *p, const char *filename,
                        const unsigned char *data, size_t len, int64_t *id, zt_error *e);

/* Delete the uploads no case holds that are older than
 * services.unattached_upload_ttl at now: the rows, each recorded
 * (upload.expire, readable by its owner), and the stored files no other
 * upload shares. *n (may be NULL) gets how many uploads went. Not
 * reentrant: zt_services_sweep calls it, one at a time. Errors: the
 * store's. */
zt_err zt_uploads_expire(zt_app *app, int64_t now, int *n, zt_error *e);

/* --- sweep.c ----------------------------------------------------------- */

/* What expires, at now: uploads (zt_uploads_expire) and quota windows long
 * past. One at a time. *expired (may be NULL): uploads deleted. */
zt_err zt_services_sweep(zt_app *app, int64_t now, int *expired, zt_error *e);
/* The thread that sweeps every services.sweep_interval seconds; stop joins
 * it. NULL when the thread cannot start (stop accepts NULL). */
typedef struct zt_sweeper zt_sweeper;
zt_sweeper *zt_sweeper_start(zt_app *app);
void zt_sweeper_stop(zt_sweeper *s);

/* --- receipt.c ------------------------------------------------------- */

/* What a receipt (受理通知书 and the other notices of a case) prints. */
typedef struct zt_receipt {
    const char *title;       /* "受理通知书" */
    const char *number;      /* the case number */
    const char *dept_name;   /* the department that issues it */
    const char *applicant;   /* the applicant's name */
    const char *item_name;   /* the power item */
    const char *body;        /* the notice's text (paragraphs separated by \n) */
    const char **row_labels; /* extra rows: labels and values, nrows each */
    const char **row_values;
    size_t nrows;
    const char *query_password; /* printed for the status query */
    const char *qr_url;         /* what the QR code opens */
    const char *date;           /* the issue date, YYYY-MM-DD */
} zt_receipt;

/* Render a receipt as a PDF (A4, font embedded from font_path, the QR code
 * drawn as vectors). *pdf is malloc'd, the caller frees it. NULL fields
 * print as empty. ZT_EINTERNAL when the font cannot be loaded or has no
 * Chinese glyphs, or when qr_url is too long for a QR code. */
zt_err zt_receipt_pdf(const zt_receipt *r, const char *font_path, unsigned char **pdf, size_t *len, zt_error *e);

/* --- items.c --------------------------------------------------------- */

/* Import a catalogue file of the format zhengtong.items/1 (data/demo/items.json,
 * docs/items-data.md) as published version 1 of each item (skipping codes
 * already present), reviewed by the command line. *n (may be NULL) gets
 * the number imported. */
zt_err zt_items_import(zt_app *app, const char *path, int *n, zt_error *e);

/* --- routes ---------------------------------------------------------- */

/* The fee list (收费项目) of power item code at version (0 = the newest):
 * *count fees and *cap their total in fen (-1 when a fee has no amount).
 * ZT_ENOTFOUND when the catalogue has no such item. Supervision's fee
 * rules read it (main wires it: zt_sv_case_fees). */
zt_err zt_items_fees(zt_db *db, const char *code, int64_t version, int64_t *count, int64_t *cap, zt_error *e);

const zt_route *zt_items_routes(size_t *n);
const zt_route *zt_uploads_routes(size_t *n);
const zt_route *zt_cases_routes(size_t *n);
const zt_route *zt_messages_routes(size_t *n);
const zt_route *zt_ratings_routes(size_t *n);

#endif
