/* step.h - the one process engine: every stateful thing of the platform (a
 * case, a consultation or complaint, a power item's version, a supervision
 * card, a bad rating's follow-up) moves through zt_flow_step.
 *
 * A domain keeps its instances in a table of its own (the owner): one row per
 * instance with its definition (flow.h), its state and updated_at. To move
 * one it loads the row into a zt_flow_instance and calls zt_flow_step, inside
 * its write. The engine
 *   1. checks the action against the definition and the owner's guards
 *      (400 naming the field, 403, 409 with a Chinese message),
 *   2. compare-and-sets the state on the owner's row (409 when another
 *      request moved it first),
 *   3. writes the next numbered event of the instance (flow_events),
 *   4. runs the owner's apply hook (its own columns and rows, members of the
 *      event), and
 *   5. hands the event - the supervision schema of
 *      docs/supervision-events.md - to the sink main registers, which stores,
 *      records and supervises it.
 * A new instance is created by its owner's INSERT and zt_flow_create, which
 * records its creation step the same way (no compare-and-set).
 *
 * flow includes no domain and no supervise: owners describe themselves with a
 * zt_flow_owner, and the sink is a function pointer. */
#ifndef ZT_FLOW_STEP_H
#define ZT_FLOW_STEP_H

#include <jansson.h>
#include <stdint.h>

#include "flow/flow.h"
#include "http/http.h"
#include "store/store.h"

typedef struct zt_flow_owner zt_flow_owner;

/* One instance, as its owner loaded it (strings borrowed for the call). */
typedef struct zt_flow_instance {
    const zt_flow_owner *owner;
    const zt_flow *def;       /* the definition version it runs under */
    int64_t row_id;           /* its row in owner->table */
    const char *subject_type; /* event types "{subject_type}.{action}"; NULL = owner->subject_type */
    const char *subject;      /* its number: event ids, ledger subjects ("{subject_type}/{subject}") */
    const char *state;        /* the state as read: the step compare-and-sets it */
    int64_t updated_at;       /* updated_at as read, compared too (0 = not compared) */
    const char *dept_code;    /* the responsible department: the event's */
    const char *region_code;  /* its region */
    int64_t owner_user_id;    /* the applicant: may read the entries about it (0 = none) */
    void *row;                /* the owner's loaded row, for its hooks */
} zt_flow_instance;

/* What the hooks see of a step being taken. */
typedef struct zt_flow_move {
    const zt_flow_instance *in;
    const zt_principal *actor;
    zt_flow_action_info action; /* id, label, result */
    const char *from;           /* "" when creating */
    const char *to;
    zt_flow_state_info target; /* the state it leads to (terminal, clock, limits) */
    json_t *fields;            /* checked against the definition (borrowed, never NULL) */
    int64_t at, seq;           /* now, and the event's number in its instance (1 = creation) */
    json_t *event;             /* the event being built (the engine's): hooks add members */
    void *arg;                 /* the caller's, passed through */
} zt_flow_move;

struct zt_flow_owner {
    const char *subject_type; /* "case", "item", "card", ... */
    const char *table;        /* the instances' table: columns id, {state_column}, updated_at */
    const char *state_column; /* NULL = "state" */
    /* Beyond the roles of the definition: may actor take action on this
     * instance at all (its scope: own department, own case ...)?
     * ZT_EFORBIDDEN / ZT_ENOTFOUND with the reason. NULL = yes. */
    zt_err (*may)(zt_db *db, const zt_flow_instance *in, const zt_principal *actor, const zt_flow_action_info *a,
                  zt_error *e);
    /* For an action that requires a parallel one (联审): has every
     * participant taken `parallel`? NULL = yes. */
    int (*parallel_done)(zt_db *db, const zt_flow_instance *in, const char *parallel);
    /* The owner's part of a step, inside the write, after the state moved
     * and the event was numbered, before the event goes to the sink: its
     * own columns and rows, more members of the event. NULL = none. */
    zt_err (*apply)(zt_db *db, zt_flow_move *s, zt_error *e);
};

/* Options of a step beyond the action and its fields. */
typedef struct zt_flow_opts {
    const char *to; /* the target, for an action with several (chosen by the system) */
    void *arg;      /* handed to the hooks (zt_flow_move.arg) */
    int64_t at;     /* the step's instant; 0 = now */
} zt_flow_opts;

/* Take action on in for actor, inside the caller's write. fields (borrowed;
 * NULL = none) must satisfy the definition. Errors: ZT_EINVAL (no such
 * action: field "action"; a field: its name), ZT_EFORBIDDEN (role or
 * scope), ZT_ENOTFOUND (the owner hides the instance), ZT_ECONFLICT (not
 * from this state, once per case, parallel opinions missing, or the state
 * changed meanwhile), or what a hook or the sink returns. */
zt_err zt_flow_step(zt_db *db, const zt_flow_instance *in, const char *action, const zt_principal *actor,
                    json_t *fields, const zt_flow_opts *o, zt_error *e);

/* Record the creation of in, whose row the owner has just inserted in state
 * in->state: action must be one of the definition's creation actions and
 * in->state one of its targets (the start state by default). Event 1. */
zt_err zt_flow_create(zt_db *db, const zt_flow_instance *in, const char *action, const zt_principal *actor,
                      json_t *fields, const zt_flow_opts *o, zt_error *e);

/* Would zt_flow_step accept action now, fields aside? The same checks
 * (definition, scope, history) without writing: what a view offers. */
zt_err zt_flow_may(zt_db *db, const zt_flow_instance *in, const char *action, const zt_principal *actor, zt_error *e);

/* --- the sink ------------------------------------------------------------ */

/* Where events go: main registers one before serving. ev is the event
 * (borrowed), owner_user_id the applicant who may read its entries. The
 * sink must store it durably in the caller's write (record, supervise). */
typedef zt_err (*zt_flow_sink_fn)(zt_db *db, const zt_principal *actor, json_t *ev, int64_t owner_user_id, zt_error *e);
void zt_flow_set_sink(zt_flow_sink_fn fn);

/* --- history --------------------------------------------------------------- */

/* One recorded step of an instance (strings valid during the callback). */
typedef struct zt_flow_event {
    int64_t id;     /* its row in flow_events (arrival order) */
    int64_t row_id; /* the owner's row (an item's version) */
    int64_t seq;
    const char *event_id, *action, *from, *to;
    int64_t actor_id;                            /* 0 = not a user (the system, a key, the command line) */
    const char *actor, *actor_role, *actor_dept; /* login, role, department code ("" = none) */
    int64_t at;
    const char *fields; /* JSON object text */
} zt_flow_event;

/* The steps of one instance in order: subject_type/subject (every row of a
 * code, for items), or only those of row_id when it is not 0. They are read
 * first, then fn is called for each (so fn may read the store); ZT_OK or a
 * storage error. */
zt_err zt_flow_history(zt_db *db, const char *subject_type, const char *subject, int64_t row_id,
                       void (*fn)(const zt_flow_event *ev, void *ctx), void *ctx, zt_error *e);

/* How many times action was taken on the instance (by dept_code's staff,
 * when dept_code is not NULL). -1 on a storage error (e filled). */
int64_t zt_flow_times(zt_db *db, const char *subject_type, const char *subject, const char *action,
                      const char *dept_code, zt_error *e);

#endif
