/* fuzz_flow.c - zt_flow_parse (process definitions: the files of data/flows/, and
 * later definitions uploaded by administrators), then every query on what
 * it accepted, and zt_flow_check_fields on values derived from the input.
 *
 * Checked: a refusal is ZT_EINVAL (ZT_ETOOLARGE over the cap) whose message
 * starts with e.field and ": " (the JSON path) and is valid UTF-8 that
 * json_string() accepts; an accepted definition has a start state that is
 * not terminal, terminal states offer nothing and keep no clock, every
 * action offered to a role is allowed for it and leads to a state of the
 * definition, a parallel action stays where it is, once_per_case and
 * parallel actions refuse a second time and guarded actions refuse before
 * the parallel opinions are in; fields built from each action's own spec
 * pass, and no fields pass only when nothing is required; the definition's
 * JSON parses again to the same definition. */
#include <jansson.h>

#include "base/err.h"
#include "flow/flow.h"
#include "fuzz.h"

enum { MAX_STATES_CHECKED = 16, MAX_ACTIONS_CHECKED = 32 };

static void check_error(const zt_error *e, zt_err rc) {
    FUZZ_CHECK(rc == e->code);
    FUZZ_CHECK(fuzz_utf8_ok(e->message, strlen(e->message)));
    FUZZ_CHECK(fuzz_utf8_ok(e->field, strlen(e->field)));
    json_t *m = json_string(e->message), *f = json_string(e->field);
    FUZZ_CHECK(m != NULL && f != NULL);
    json_decref(m);
    json_decref(f);
}

/* A value that the field's spec accepts (texts of one character: every
 * max is at least 1). */
static json_t *valid_value(json_t *spec) {
    const char *type = json_string_value(json_object_get(spec, "type"));
    if (!strcmp(type, "integer")) return json_integer(json_integer_value(json_object_get(spec, "min")));
    if (!strcmp(type, "date")) return json_string("2026-02-28");
    if (!strcmp(type, "enum")) return json_deep_copy(json_array_get(json_object_get(spec, "values"), 0));
    if (!strcmp(type, "list")) return json_pack("[s]", "证");
    return json_string("由");
}

static void check_fields(const zt_flow *f, json_t *action, json_t *input) {
    const char *id = json_string_value(json_object_get(action, "id"));
    json_t *specs = json_object_get(action, "fields"), *spec, *good = json_object();
    size_t i;
    int required = 0;
    zt_error e = {0};
    json_array_foreach(specs, i, spec) {
        json_object_set_new(good, json_string_value(json_object_get(spec, "name")), valid_value(spec));
        required |= json_is_true(json_object_get(spec, "required"));
    }
    FUZZ_CHECK(zt_flow_check_fields(f, id, good, &e) == ZT_OK);
    zt_err rc = zt_flow_check_fields(f, id, NULL, &e);
    FUZZ_CHECK((rc == ZT_OK) == !required);
    if (rc) check_error(&e, rc);
    /* the input's own members as fields: whatever they are, a clean answer */
    rc = zt_flow_check_fields(f, id, input, &e);
    if (rc) {
        check_error(&e, rc);
        FUZZ_CHECK(rc == ZT_EINVAL && e.field[0]);
    }
    json_decref(good);
}

static void check_accepted(const zt_flow *f, json_t *input) {
    zt_flow_state_info si, to;
    zt_flow_action_info ai;
    zt_error e = {0};
    const char *ids[ZT_FLOW_MAX_ACTIONS];
    const char *const *roles = zt_flow_roles();
    /* offered[r][a]: action a is listed for role r in the current state */
    static unsigned char offered[16][ZT_FLOW_MAX_ACTIONS];

    FUZZ_CHECK(zt_flow_state(f, zt_flow_start(f), &si) == 0 && si.start && !si.terminal);
    for (size_t s = 0; zt_flow_state_at(f, s, &si) == 0 && s < MAX_STATES_CHECKED; s++) {
        size_t any = zt_flow_actions(f, si.id, NULL, ids, ZT_FLOW_MAX_ACTIONS);
        FUZZ_CHECK(si.terminal ? any == 0 : any > 0);
        memset(offered, 0, sizeof offered);
        for (size_t r = 0; roles[r]; r++) {
            FUZZ_CHECK(r < 16);
            size_t n = zt_flow_actions(f, si.id, roles[r], ids, ZT_FLOW_MAX_ACTIONS);
            FUZZ_CHECK(n <= any);
            for (size_t k = 0; k < n; k++)
                for (size_t a = 0; zt_flow_action_at(f, a, &ai) == 0; a++)
                    if (strcmp(ai.id, ids[k]) == 0) offered[r][a] = 1;
        }
        FUZZ_CHECK(!si.terminal || (si.clock == ZT_FLOW_CLOCK_NONE && si.limit < 0 && si.ncounts == 0));
        for (size_t a = 0; zt_flow_action_at(f, a, &ai) == 0 && a < MAX_ACTIONS_CHECKED; a++) {
            const char *target = zt_flow_target(f, si.id, ai.id);
            if (target) FUZZ_CHECK(zt_flow_state(f, target, &to) == 0);
            if (target && ai.parallel) FUZZ_CHECK(strcmp(target, si.id) == 0);
            for (size_t r = 0; roles[r]; r++) {
                zt_err rc = zt_flow_allowed(f, si.id, ai.id, roles[r], 0, 1, &e);
                FUZZ_CHECK((rc == ZT_OK) == offered[r][a]);
                FUZZ_CHECK(rc == ZT_OK || rc == ZT_EFORBIDDEN || rc == ZT_ECONFLICT);
                if (rc) check_error(&e, rc);
                if (rc == ZT_ECONFLICT) FUZZ_CHECK(target == NULL);
                if (rc != ZT_OK) continue;
                FUZZ_CHECK(target != NULL);
                rc = zt_flow_allowed(f, si.id, ai.id, roles[r], 1, 1, &e);
                FUZZ_CHECK((rc == ZT_ECONFLICT) == (ai.once_per_case || ai.parallel));
                rc = zt_flow_allowed(f, si.id, ai.id, roles[r], 0, 0, &e);
                FUZZ_CHECK((rc == ZT_ECONFLICT) == (ai.requires_all_parallel != NULL));
            }
        }
    }
    json_t *def = zt_flow_json(f), *action;
    size_t i;
    json_array_foreach(json_object_get(def, "actions"), i, action) {
        if (i >= MAX_ACTIONS_CHECKED) break;
        check_fields(f, action, input);
    }
    /* the definition's JSON is the same definition */
    char *text = json_dumps(def, JSON_COMPACT);
    FUZZ_CHECK(text != NULL);
    zt_flow *g;
    FUZZ_CHECK(zt_flow_parse(text, strlen(text), &g, &e) == ZT_OK);
    FUZZ_CHECK(strcmp(zt_flow_id(g), zt_flow_id(f)) == 0 && zt_flow_version(g) == zt_flow_version(f));
    FUZZ_CHECK(strcmp(zt_flow_start(g), zt_flow_start(f)) == 0);
    for (size_t s = 0; zt_flow_state_at(f, s, &si) == 0; s++) FUZZ_CHECK(zt_flow_state_at(g, s, &to) == 0);
    zt_flow_free(g);
    free(text);
    json_decref(def);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    zt_flow *f = (zt_flow *)&f;
    zt_error e = {0};
    zt_err rc = zt_flow_parse((const char *)data, size, &f, &e);
    if (rc) {
        FUZZ_CHECK(f == NULL);
        FUZZ_CHECK(rc == ZT_EINVAL || (rc == ZT_ETOOLARGE && size > ZT_FLOW_MAX_BYTES));
        check_error(&e, rc);
        if (rc == ZT_EINVAL) {
            size_t n = strlen(e.field);
            FUZZ_CHECK(n > 0);
            /* the path leads the message (both cut at the same place when long) */
            FUZZ_CHECK(strncmp(e.message, e.field, n) == 0);
            FUZZ_CHECK(n + 4 >= sizeof e.field - 1 || strncmp(e.message + n, ": ", 2) == 0);
        }
        return 0;
    }
    json_t *input = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
    FUZZ_CHECK(input != NULL);
    check_accepted(f, input);
    json_decref(input);
    zt_flow_free(f);
    return 0;
}
