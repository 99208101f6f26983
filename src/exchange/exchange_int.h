/* exchange_int.h - what the files of src/exchange share. */
#ifndef ZT_EXCHANGE_INT_H
#define ZT_EXCHANGE_INT_H

#include <jansson.h>
#include <stdint.h>

#include "app.h"
#include "exchange/exchange.h"
#include "http/http.h"
#include "store/store.h"

/* A base database the exchange serves: its table, key column, and the
 * columns a grant may name (the data items of its catalogue record). */
typedef struct ex_dataset {
    const char *name;  /* "persons", "legal_persons" */
    const char *table; /* "ex_persons" */
    const char *key;   /* "id_number" */
    const char *const *columns;
} ex_dataset;
const ex_dataset *ex_dataset_get(const char *name);

/* May p act for department dept_id (its staff) or as the data office? */
int ex_is_office(const zt_principal *p);

/* Check a catalogue record as a department sends it (a JSON object, the
 * caller's) and build the document stored (new reference, normalised); the
 * system's members (identifier, provider, version, dates) are added by the
 * caller. NULL with e filled (ZT_EINVAL naming the member). catalogue.c;
 * fuzzed by tests/fuzz/fuzz_exchange.c. */
json_t *ex_record_doc(json_t *b, zt_error *e);

/* Seed the base catalogues (catalogue.c). */
zt_err ex_catalogue_seed(zt_app *app, zt_error *e);

/* Route tables of each file. */
const zt_route *ex_catalogue_routes(size_t *n);
const zt_route *ex_sharing_routes(size_t *n);
const zt_route *ex_call_routes(size_t *n);
const zt_route *ex_changes_routes(size_t *n);

/* The call log (call.c). */
zt_err ex_log_start(zt_app *app, zt_error *e);
void ex_log_stop(void);
/* Write what is queued now (before a usage view reads). */
zt_err ex_log_flush(zt_app *app, zt_error *e);

/* A grant used after expiry: step its request (sharing.c), inside a write. */
zt_err ex_expired_use(zt_db *db, int64_t grant_id, const zt_principal *p, zt_error *e);

/* An abnormal use of a grant (alert "volume" or "off_hours", detail in
 * Chinese): a step of its request the supervision rules card. */
zt_err ex_alert(zt_db *db, int64_t grant_id, const char *alert, const char *detail, zt_error *e);

/* "HH:MM-HH:MM" into minutes of the day [from, to); 0 or -1. */
int ex_hours_parse(const char *s, int *from, int *to);

/* zhengtong exchange bench-calls --calls N: the exit status. */
int ex_bench_calls(zt_app *app, int64_t n);

/* The steps of an instance (subject_type/subject) as JSON: seq, action,
 * from, to, actor, actor_role, actor_department, at, fields. NULL on a
 * storage error. */
json_t *ex_history(zt_db *db, const char *subject_type, const char *subject, zt_error *e);

/* The Unix time in milliseconds. */
int64_t ex_now_ms(void);

#endif
