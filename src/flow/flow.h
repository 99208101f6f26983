/* flow.h - process definitions (流程定义): workflow as data.
 *
 * Everything the platform supervises is a process moving through states by
 * actions (ARCHITECTURE.md, "One idea"). A definition - a JSON document of
 * the format in docs/flow.md, shipped in data/flows/ - names the states
 * (start, terminal, whether the legal clock runs, time limits in working
 * days), the actions (from which states to which, the roles allowed, the
 * fields each requires) and guards (once per case, parallel opinions).
 *
 * This module is pure: no database, no HTTP, no clock. A domain (cases,
 * complaints, ...) stores each instance's state and history; it asks the
 * engine whether an action may be taken now and which state it leads to,
 * then commits the new state and the event itself.
 *
 * Roles are names ("clerk", "dept_head"), those of the one role table in
 * http/access.h: a new role is added there and nowhere else.
 *
 * Ownership: a zt_flow is created by zt_flow_parse / zt_flow_load_file /
 * zt_flow_from_json and freed by zt_flow_free; it is immutable after that,
 * so any number of threads may query it at once. Every const char * the
 * queries return points into the zt_flow and lives as long as it. */
#ifndef ZT_FLOW_H
#define ZT_FLOW_H

#include <jansson.h>
#include <stddef.h>

#include "base/err.h"

/* Caps of one definition (a bigger one is refused, naming the array). */
#define ZT_FLOW_MAX_STATES  64
#define ZT_FLOW_MAX_ACTIONS 128
#define ZT_FLOW_MAX_FIELDS  32 /* per action */
#define ZT_FLOW_MAX_LIMITS  8
#define ZT_FLOW_MAX_BYTES   (1024 * 1024)

typedef struct zt_flow zt_flow;

/* Whether the legal clock (法定时限) runs while an instance is in a state. */
typedef enum {
    ZT_FLOW_CLOCK_NONE = 0, /* no clock: waiting for the applicant, or finished */
    ZT_FLOW_CLOCK_RUNS,     /* working days count against the state's limits */
    ZT_FLOW_CLOCK_STOPPED   /* special procedure (特别程序): suspended, not counted */
} zt_flow_clock;

typedef struct zt_flow_state_info {
    const char *id, *label;
    int start, terminal;
    zt_flow_clock clock;
    int limit; /* the step's own limit in working days; 0 = the same day (即办); -1 = none */
    size_t ncounts;
    const char *counts[ZT_FLOW_MAX_LIMITS]; /* ids of the limits time here counts against */
} zt_flow_state_info;

typedef struct zt_flow_limit_info {
    const char *id, *label;
    const char *basis; /* legal basis, or NULL */
    int days;          /* working days (0 = the same day) */
    int extension;     /* extra working days allowed with approval (延长), 0 = none */
    int item_limit;    /* the power item's 法定/承诺 limits replace days */
} zt_flow_limit_info;

typedef struct zt_flow_action_info {
    const char *id, *label;
    const char *result;                /* what it means to supervision: "accept", "refuse", ... or NULL (a step) */
    int once_per_case;                 /* may be taken once in an instance's life (补正) */
    int parallel;                      /* taken once by each of several departments, state unchanged (联审意见) */
    const char *requires_all_parallel; /* id of the parallel action that must be complete, or NULL */
    int create;                        /* may create an instance (zt_flow_creation) */
    int choose;                        /* leads to one of several states, which the step names */
    size_t nfields;
} zt_flow_action_info;

/* --- loading --------------------------------------------------------- */

/* Parse and validate a definition from JSON text (len bytes, at most
 * ZT_FLOW_MAX_BYTES; duplicate keys refused). On success *out is a new
 * definition the caller frees with zt_flow_free. On failure *out is NULL
 * and e says what is wrong, starting with the JSON path of the offending
 * member ("actions[3].to: ...") and naming it in e->field: ZT_EINVAL, or
 * ZT_ETOOLARGE for an oversize text. */
zt_err zt_flow_parse(const char *text, size_t len, zt_flow **out, zt_error *e);
/* The same from a parsed document; root is borrowed (a copy is kept). */
zt_err zt_flow_from_json(json_t *root, zt_flow **out, zt_error *e);
/* The same from a file; the message is prefixed with the path. ZT_ENOTFOUND
 * when the file cannot be read. */
zt_err zt_flow_load_file(const char *path, zt_flow **out, zt_error *e);
void zt_flow_free(zt_flow *f);

/* --- the definition -------------------------------------------------- */

const char *zt_flow_id(const zt_flow *f);
int zt_flow_version(const zt_flow *f);
const char *zt_flow_name(const zt_flow *f);
/* What the definition is for, as its owner checks it: "licensing",
 * "on_the_spot", "joint_review" (power items), "consultation", "item",
 * "card" ... (an identifier; the format does not restrict it). */
const char *zt_flow_kind(const zt_flow *f);
/* The state a new instance starts in. */
const char *zt_flow_start(const zt_flow *f);
/* The definition as JSON (a new reference the caller owns): what UIs read
 * for labels and field forms, and what storage keeps per version. */
json_t *zt_flow_json(const zt_flow *f);

/* Look up by id, or enumerate by index (definition order): 0 and *out
 * filled, or -1 when there is no such id or index. */
int zt_flow_state(const zt_flow *f, const char *id, zt_flow_state_info *out);
int zt_flow_state_at(const zt_flow *f, size_t i, zt_flow_state_info *out);
int zt_flow_action(const zt_flow *f, const char *id, zt_flow_action_info *out);
int zt_flow_action_at(const zt_flow *f, size_t i, zt_flow_action_info *out);
int zt_flow_limit(const zt_flow *f, const char *id, zt_flow_limit_info *out);
int zt_flow_limit_at(const zt_flow *f, size_t i, zt_flow_limit_info *out);

/* The label of an action, the implicit creation "submit" (提交申请) of a
 * definition without creation actions included; NULL when there is none. */
const char *zt_flow_label(const zt_flow *f, const char *action);

/* --- deciding -------------------------------------------------------- */

/* The actions the process allows from state for role (NULL: for any role),
 * in definition order: up to cap ids go to ids (may be NULL when cap is 0);
 * returns how many there are. Guards that depend on the instance's history
 * (once_per_case, parallel) are not applied: zt_flow_allowed does that. */
size_t zt_flow_actions(const zt_flow *f, const char *state, const char *role, const char **ids, size_t cap);

/* The state action leads to from state, or NULL when it is not allowed
 * from there (or leads to one of several: zt_flow_target_of). */
const char *zt_flow_target(const zt_flow *f, const char *state, const char *action);
/* The same, naming the target of an action with several ("to" a list): to
 * must be one of them; for an action with one target, to is NULL or it. */
const char *zt_flow_target_of(const zt_flow *f, const char *state, const char *action, const char *to);

/* May role create an instance in state by action? A creation action
 * ("create": true) leads to its "to" (one of them); a definition without
 * any has the implicit creation "submit" (提交申请, any role) into its start
 * state. *out describes the action. ZT_EINVAL (no such action, "action"),
 * ZT_ECONFLICT (not a creation), ZT_EFORBIDDEN (role), ZT_EINTERNAL
 * (state is not one of its targets: the caller's bug). */
zt_err zt_flow_creation(const zt_flow *f, const char *action, const char *role, const char *state,
                        zt_flow_action_info *out, zt_error *e);

/* May role take action now? The domain supplies the instance's history:
 *   times_taken   how many times this action was already taken in this
 *                 instance; for a parallel action, by the acting department
 *   parallel_done for an action with requires_all_parallel: whether every
 *                 department expected to take the parallel action has
 *                 (the domain knows which departments take part)
 * Returns ZT_OK, or:
 *   ZT_EINVAL     no such action in the definition (field "action")
 *   ZT_EFORBIDDEN the role may not take it (field "role")
 *   ZT_ECONFLICT  not from this state, already taken (once per case, or by
 *                 this department), or parallel opinions missing (field "state")
 *   ZT_EINTERNAL  state is not a state of the definition (a stored instance
 *                 that does not match its definition) */
zt_err zt_flow_allowed(const zt_flow *f, const char *state, const char *action, const char *role, int times_taken,
                       int parallel_done, zt_error *e);

/* Validate the fields of action (a JSON object, borrowed; NULL = none):
 * required fields present and not blank, every value of its type and within
 * its bounds, no field the action does not define. ZT_EINVAL with e->field
 * the field's name and a message in Chinese ("不予受理须写明理由（reason）"). */
zt_err zt_flow_check_fields(const zt_flow *f, const char *action, json_t *fields, zt_error *e);

/* zt_flow_allowed, then zt_flow_check_fields: the whole decision. */
zt_err zt_flow_check(const zt_flow *f, const char *state, const char *action, const char *role, int times_taken,
                     int parallel_done, json_t *fields, zt_error *e);

/* The role names a definition may use (NULL-terminated; the names of
 * src/auth), and the Chinese label of one (NULL if unknown). */
const char *const *zt_flow_roles(void);
const char *zt_flow_role_label(const char *role);

#endif
