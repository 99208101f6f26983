/* test_flow.c - process definitions (src/flow/flow.c) and the shipped
 * definitions of data/flows/.
 *
 * The shipped files are read from $ZT_DATA_DIR/flows (the Makefile runs the
 * unit tests from the repository root with ZT_DATA_DIR=data). Broken
 * definitions are made by patching one member of a small valid one, and
 * each must be refused with the JSON path of that member first in the
 * message and in e.field. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth/auth.h"
#include "base/err.h"
#include "flow/flow.h"

enum { LICENSING, ON_THE_SPOT, JOINT, CONSULTATION, COMPLAINT, ITEM, CARD, RATING, NFLOWS };
static const char *const names[NFLOWS] = {"licensing", "on_the_spot", "joint_review", "consultation",
                                          "complaint", "item",        "card",         "rating"};
static zt_flow *flows[NFLOWS];

#define REFUSAL                                                                                                                                             \
    "{\"reason\":\"申请事项依法不需要取得行政许可\",\"legal_basis\":\"《中华人民共和国行政许可法》第三十二条第一款第" \
    "（一）项\",\"remedy_notice\":\"如不服本决定，可在收到之日起六十日内申请行政复议，或六个月内提起行政诉讼\"}"
#define SPECIAL                                                                                                        \
    "{\"type\":\"专家评审\",\"reason\":\"涉及重大公共安全\",\"legal_basis\":"                              \
    "\"《中华人民共和国行政许可法》第四十五条\""                                                    \
    ",\"days\":10,\"start_date\":\"2026-03-02\"}"
#define COMPLETE                                                                                                       \
    "{\"result_type\":\"准予许可\",\"certificate_no\":\"JX-2026-000123\",\"fee_charged\":0,\"fee_standard\":"      \
    "\"不收费\"}"

static const char *data_dir(void) {
    const char *d = getenv("ZT_DATA_DIR");
    return d && *d ? d : "data";
}

static int group_setup(void **state) {
    for (int i = 0; i < NFLOWS; i++) {
        char path[512];
        zt_error e = {0};
        snprintf(path, sizeof path, "%s/flows/%s.json", data_dir(), names[i]);
        if (zt_flow_load_file(path, &flows[i], &e) != ZT_OK) {
            fprintf(stderr, "%s\n", e.message);
            return -1;
        }
    }
    return 0;
}

static int group_teardown(void **state) {
    for (int i = 0; i < NFLOWS; i++) zt_flow_free(flows[i]);
    return 0;
}

/* zt_flow_check with fields given as JSON text (NULL: none). */
static zt_err check(const zt_flow *f, const char *st, const char *action, const char *role, int times, int pdone,
                    const char *fields, zt_error *e) {
    json_t *j = NULL;
    if (fields) {
        json_error_t je;
        j = json_loads(fields, JSON_ALLOW_NUL, &je);
        if (!j) fail_msg("bad test JSON: %s: %s", je.text, fields);
    }
    memset(e, 0, sizeof *e);
    zt_err rc = zt_flow_check(f, st, action, role, times, pdone, j, e);
    json_decref(j);
    /* every message must be able to become a JSON reply */
    json_t *m = json_string(e->message), *fl = json_string(e->field);
    assert_non_null(m);
    assert_non_null(fl);
    json_decref(m);
    json_decref(fl);
    return rc;
}

/* Take action as role from *st: it must be offered, allowed and lead on. */
static void step(const zt_flow *f, const char **st, const char *action, const char *role, const char *fields) {
    zt_error e;
    const char *ids[ZT_FLOW_MAX_ACTIONS];
    size_t n = zt_flow_actions(f, *st, role, ids, ZT_FLOW_MAX_ACTIONS), i = 0;
    while (i < n && strcmp(ids[i], action) != 0) i++;
    if (i == n) fail_msg("%s: %s not offered to %s in %s", zt_flow_id(f), action, role, *st);
    if (check(f, *st, action, role, 0, 1, fields, &e) != ZT_OK)
        fail_msg("%s: %s --%s--> %s", zt_flow_id(f), *st, action, e.message);
    const char *to = zt_flow_target(f, *st, action);
    assert_non_null(to);
    *st = to;
}

static void expect(zt_err rc, const zt_error *e, zt_err code, const char *field, const char *message) {
    if (rc != code || e->code != code)
        fail_msg("expected %s, got %s: %s", zt_err_name(code), zt_err_name(rc), e->message);
    if (field) assert_string_equal(e->field, field);
    if (message && !strstr(e->message, message)) fail_msg("message \"%s\" lacks \"%s\"", e->message, message);
}

static int is_terminal(const zt_flow *f, const char *st) {
    zt_flow_state_info si;
    assert_int_equal(zt_flow_state(f, st, &si), 0);
    return si.terminal;
}

/* --- the shipped definitions ------------------------------------------- */

static void shipped_definitions_load(void **state) {
    static const char *const kinds[NFLOWS] = {"licensing", "on_the_spot", "joint_review", "consultation",
                                              "complaint", "item",        "card",         "rating"};
    for (int i = 0; i < NFLOWS; i++) {
        const zt_flow *f = flows[i];
        zt_flow_state_info si;
        zt_flow_action_info ai;
        assert_string_equal(zt_flow_id(f), names[i]);
        assert_string_equal(zt_flow_kind(f), kinds[i]);
        assert_int_equal(zt_flow_version(f), 1);
        assert_true(strlen(zt_flow_name(f)) > 0);
        assert_int_equal(zt_flow_state(f, zt_flow_start(f), &si), 0);
        assert_true(si.start && !si.terminal);
        for (size_t k = 0; zt_flow_state_at(f, k, &si) == 0; k++) {
            size_t n = zt_flow_actions(f, si.id, NULL, NULL, 0);
            assert_true(si.terminal ? n == 0 : n > 0);
            if (si.terminal) assert_int_equal(si.clock, ZT_FLOW_CLOCK_NONE);
        }
        /* every role a definition names is a role of src/auth */
        json_t *j = zt_flow_json(f), *a, *r;
        size_t k, m;
        json_array_foreach(json_object_get(j, "actions"), k, a) {
            json_array_foreach(json_object_get(a, "roles"), m, r) assert_true(zt_role_bit(json_string_value(r)) != 0);
        }
        json_decref(j);
        for (size_t n = 0; zt_flow_action_at(f, n, &ai) == 0; n++) assert_true(strlen(ai.label) > 0);
    }
}

static void roles_are_those_of_auth(void **state) {
    const char *const *r = zt_flow_roles();
    size_t n = 0;
    for (; r[n]; n++) {
        assert_true(zt_role_bit(r[n]) != 0);
        assert_string_equal(zt_flow_role_label(r[n]), zt_role_label(r[n]));
    }
    for (int bit = 0; bit < 32; bit++) {
        const char *name = zt_role_name(1u << bit);
        if (!name) continue;
        size_t i = 0;
        while (r[i] && strcmp(r[i], name) != 0) i++;
        if (!r[i]) fail_msg("auth role %s missing from flow", name);
    }
    assert_int_equal(n, 13);
    assert_null(zt_flow_role_label("janitor"));
    assert_null(zt_flow_role_label(NULL));
}

static void licensing_happy_path(void **state) {
    const zt_flow *f = flows[LICENSING];
    const char *st = zt_flow_start(f);
    zt_flow_state_info si;
    assert_string_equal(st, "submitted");
    step(f, &st, "pre_review_pass", "clerk", "{\"opinion\":\"材料齐全\"}");
    step(f, &st, "accept", "clerk", "{\"notice_no\":\"受字〔2026〕15号\"}");
    assert_string_equal(st, "handling");
    step(f, &st, "assign", "dept_head", "{\"assignee\":\"王明\"}");
    assert_string_equal(st, "handling");
    step(f, &st, "special_start", "dept_head", SPECIAL);
    assert_string_equal(st, "handling_suspended");
    assert_int_equal(zt_flow_state(f, st, &si), 0);
    assert_int_equal(si.clock, ZT_FLOW_CLOCK_STOPPED);
    step(f, &st, "special_end", "clerk", "{\"result\":\"专家评审通过\",\"end_date\":\"2026-03-16\"}");
    assert_string_equal(st, "handling");
    step(f, &st, "submit_review", "clerk", "{\"opinion\":\"符合条件，建议准予许可\"}");
    step(f, &st, "return", "dept_head", "{\"reason\":\"现场核查记录不完整\"}");
    assert_string_equal(st, "handling");
    step(f, &st, "submit_review", "clerk", "{\"opinion\":\"已补充现场核查记录\",\"site_check\":\"2026-03-18 核查\"}");
    step(f, &st, "special_start", "dept_head", SPECIAL);
    assert_string_equal(st, "review_suspended");
    step(f, &st, "special_end", "dept_head", "{\"result\":\"延期届满\"}");
    assert_string_equal(st, "review");
    step(f, &st, "approve", "dept_head", "{\"decision_no\":\"许字〔2026〕88号\"}");
    assert_string_equal(st, "approved");
    step(f, &st, "complete", "clerk", COMPLETE);
    assert_string_equal(st, "completed");
    assert_true(is_terminal(f, st));
    assert_int_equal(zt_flow_actions(f, st, NULL, NULL, 0), 0);
}

static void licensing_other_endings(void **state) {
    const zt_flow *f = flows[LICENSING];
    zt_error e;
    /* supplement once, then accept */
    const char *st = zt_flow_start(f);
    step(f, &st, "request_supplement", "clerk", "{\"missing_materials\":[\"营业执照副本\",\"法定代表人身份证明\"]}");
    assert_string_equal(st, "supplementing");
    step(f, &st, "resubmit", "enterprise", "{\"note\":\"已上传\"}");
    assert_string_equal(st, "pre_reviewed");
    expect(check(f, st, "request_supplement", "clerk", 1, 1, "{\"missing_materials\":[\"x\"]}", &e), &e, ZT_ECONFLICT,
           "state", "「一次性告知补正」每件只能一次");
    step(f, &st, "accept", "clerk", NULL);
    step(f, &st, "submit_review", "clerk", "{\"opinion\":\"不符合条件\"}");
    step(f, &st, "deny", "dept_head", REFUSAL);
    assert_string_equal(st, "denied");
    step(f, &st, "complete", "clerk", "{\"result_type\":\"不予许可\",\"fee_charged\":0,\"fee_standard\":\"不收费\"}");
    assert_string_equal(st, "completed");
    /* not accepted */
    st = zt_flow_start(f);
    step(f, &st, "refuse_acceptance", "clerk", REFUSAL);
    assert_string_equal(st, "not_accepted");
    assert_true(is_terminal(f, st));
    /* withdrawn while suspended; voided */
    const char *from[] = {"submitted", "pre_reviewed", "supplementing", "handling", "review", "review_suspended"};
    for (size_t i = 0; i < sizeof from / sizeof from[0]; i++) {
        st = from[i];
        step(f, &st, "withdraw", "citizen", NULL);
        assert_string_equal(st, "withdrawn");
    }
    st = "supplementing";
    step(f, &st, "void", "dept_head", "{\"reason\":\"重复提交\"}");
    assert_string_equal(st, "voided");
}

static void on_the_spot_paths(void **state) {
    const zt_flow *f = flows[ON_THE_SPOT];
    zt_flow_state_info si;
    zt_flow_limit_info li;
    const char *st = zt_flow_start(f);
    assert_int_equal(zt_flow_state(f, st, &si), 0);
    assert_int_equal(si.limit, 0); /* the same day */
    assert_int_equal(si.ncounts, 1);
    assert_int_equal(zt_flow_limit(f, si.counts[0], &li), 0);
    assert_int_equal(li.days, 0);
    step(f, &st, "complete", "clerk", "{\"result_type\":\"已出具证明\",\"fee_charged\":0,\"fee_standard\":\"不收费\"}");
    assert_string_equal(st, "completed");
    st = zt_flow_start(f);
    step(f, &st, "request_supplement", "clerk", "{\"missing_materials\":[\"户口簿原件\"]}");
    step(f, &st, "resubmit", "clerk", NULL);
    assert_string_equal(st, "received");
    step(f, &st, "deny", "clerk", REFUSAL);
    assert_string_equal(st, "denied");
    st = zt_flow_start(f);
    step(f, &st, "refuse_acceptance", "clerk", REFUSAL);
    st = zt_flow_start(f);
    step(f, &st, "withdraw", "citizen", "{\"reason\":\"不再需要\"}");
    assert_true(is_terminal(f, st));
}

static void joint_review_paths(void **state) {
    const zt_flow *f = flows[JOINT];
    zt_error e;
    zt_flow_action_info ai;
    zt_flow_limit_info li;
    const char *st = zt_flow_start(f);
    const char *op = "{\"conclusion\":\"同意\",\"opinion\":\"符合规划要求\"}";
    assert_int_equal(zt_flow_limit(f, "decision", &li), 0);
    assert_int_equal(li.days, 45);
    assert_int_equal(li.extension, 15);
    assert_true(li.item_limit);
    step(f, &st, "accept", "clerk", NULL);
    assert_string_equal(st, "joint_review");
    /* three departments in parallel: the state does not move */
    for (int dept = 0; dept < 3; dept++) {
        assert_int_equal(check(f, st, "opinion", dept == 1 ? "dept_head" : "clerk", 0, 0, op, &e), ZT_OK);
        assert_string_equal(zt_flow_target(f, st, "opinion"), "joint_review");
    }
    /* one department twice */
    expect(check(f, st, "opinion", "clerk", 1, 0, op, &e), &e, ZT_ECONFLICT, "state", "本部门已执行过「出具联审意见」");
    /* decision before every opinion is in */
    expect(check(f, st, "approve", "dept_head", 0, 0, NULL, &e), &e, ZT_ECONFLICT, "state",
           "「出具联审意见」尚未全部完成，不能执行「准予许可」");
    expect(check(f, st, "deny", "dept_head", 0, 0, REFUSAL, &e), &e, ZT_ECONFLICT, "state", "尚未全部完成");
    assert_int_equal(zt_flow_action(f, "approve", &ai), 0);
    assert_string_equal(ai.requires_all_parallel, "opinion");
    assert_int_equal(zt_flow_action(f, "opinion", &ai), 0);
    assert_true(ai.parallel);
    assert_null(ai.result);
    step(f, &st, "special_start", "dept_head", SPECIAL);
    assert_string_equal(st, "suspended");
    step(f, &st, "special_end", "clerk", "{\"result\":\"听证结束\"}");
    step(f, &st, "approve", "dept_head", NULL); /* step passes parallel_done = 1 */
    step(f, &st, "complete", "clerk", COMPLETE);
    assert_string_equal(st, "completed");
    st = "joint_review";
    step(f, &st, "deny", "dept_head", REFUSAL);
    assert_string_equal(st, "denied");
}

static void consultation_paths(void **state) {
    const zt_flow *f = flows[CONSULTATION];
    const char *st = zt_flow_start(f);
    step(f, &st, "transfer", "clerk", "{\"to_department\":\"市市场监督管理局\",\"reason\":\"属市场监管职责\"}");
    assert_string_equal(st, "submitted");
    step(f, &st, "assign", "dept_head", "{\"assignee\":\"李华\"}");
    assert_string_equal(st, "handling");
    step(f, &st, "reply", "clerk", "{\"answer\":\"可通过网上办事大厅申请，材料见办事指南。\"}");
    assert_string_equal(st, "answered");
    assert_true(is_terminal(f, st));
    st = zt_flow_start(f);
    step(f, &st, "reject", "clerk", "{\"reason\":\"重复提交\"}");
    st = zt_flow_start(f);
    step(f, &st, "withdraw", "citizen", NULL);
    assert_true(is_terminal(f, st));
}

static void complaint_paths(void **state) {
    const zt_flow *f = flows[COMPLAINT];
    zt_error e;
    const char *st = zt_flow_start(f);
    const char *reply =
        "{\"findings\":\"窗口人员未一次性告知\",\"measures\":\"批评教育并通报\",\"contacted_on\":\"2026-04-03\"}";
    step(f, &st, "accept", "supervisor", "{\"category\":\"多次跑动\"}");
    assert_string_equal(st, "assigned");
    expect(check(f, st, "dept_reply", "supervisor", 0, 1, reply, &e), &e, ZT_EFORBIDDEN, "role",
           "监察人员无权执行「部门答复」");
    step(f, &st, "dept_reply", "clerk", reply);
    step(f, &st, "return", "supervisor", "{\"reason\":\"未说明整改措施\"}");
    assert_string_equal(st, "assigned");
    step(f, &st, "dept_reply", "dept_head", reply);
    step(f, &st, "close", "supervisor", "{\"conclusion\":\"属实\",\"reply\":\"经查属实，已责令整改。\"}");
    assert_string_equal(st, "closed");
    st = zt_flow_start(f);
    step(f, &st, "refuse", "supervisor", "{\"reason\":\"不属于政务服务投诉\",\"remedy_notice\":\"可向人民法院起诉\"}");
    st = zt_flow_start(f);
    step(f, &st, "withdraw", "enterprise", NULL);
    assert_true(is_terminal(f, st));
}

/* --- refusals ---------------------------------------------------------- */

static void wrong_state_is_409(void **state) {
    const zt_flow *f = flows[LICENSING];
    zt_error e;
    expect(check(f, "submitted", "accept", "clerk", 0, 1, NULL, &e), &e, ZT_ECONFLICT, "state",
           "当前状态「网上提交（待预审）」不能执行「受理」");
    expect(check(f, "review", "withdraw", "citizen", 0, 1, NULL, &e), &e, ZT_OK, NULL, NULL);
    expect(check(f, "approved", "withdraw", "citizen", 0, 1, NULL, &e), &e, ZT_ECONFLICT, "state", NULL);
    /* nothing leaves a terminal state */
    for (int i = 0; i < NFLOWS; i++) {
        zt_flow_state_info si;
        zt_flow_action_info ai;
        for (size_t s = 0; zt_flow_state_at(flows[i], s, &si) == 0; s++) {
            if (!si.terminal) continue;
            for (size_t a = 0; zt_flow_action_at(flows[i], a, &ai) == 0; a++) {
                assert_null(zt_flow_target(flows[i], si.id, ai.id));
                for (const char *const *r = zt_flow_roles(); *r; r++) {
                    zt_err rc = check(flows[i], si.id, ai.id, *r, 0, 1, NULL, &e);
                    assert_true(rc == ZT_ECONFLICT || rc == ZT_EFORBIDDEN);
                }
            }
        }
    }
}

static void wrong_role_is_403(void **state) {
    const zt_flow *f = flows[LICENSING];
    zt_error e;
    expect(check(f, "review", "approve", "citizen", 0, 1, NULL, &e), &e, ZT_EFORBIDDEN, "role",
           "自然人无权执行「准予许可」");
    expect(check(f, "review", "approve", "clerk", 0, 1, NULL, &e), &e, ZT_EFORBIDDEN, "role", NULL);
    expect(check(f, "handling", "withdraw", "clerk", 0, 1, NULL, &e), &e, ZT_EFORBIDDEN, "role", "撤回申请");
    expect(check(f, "review", "approve", "janitor", 0, 1, NULL, &e), &e, ZT_EFORBIDDEN, "role", "未知角色");
    expect(check(f, "review", "approve", NULL, 0, 1, NULL, &e), &e, ZT_EFORBIDDEN, "role", NULL);
    /* the role is judged before the state: a citizen never approves */
    expect(check(f, "submitted", "approve", "citizen", 0, 1, NULL, &e), &e, ZT_EFORBIDDEN, "role", NULL);
    expect(check(flows[COMPLAINT], "submitted", "accept", "clerk", 0, 1, "{\"category\":\"其他\"}", &e), &e,
           ZT_EFORBIDDEN, "role", NULL);
}

static void unknown_action_and_state(void **state) {
    const zt_flow *f = flows[LICENSING];
    zt_error e;
    expect(check(f, "submitted", "teleport", "clerk", 0, 1, NULL, &e), &e, ZT_EINVAL, "action", "没有动作「teleport」");
    expect(check(f, "submitted", NULL, "clerk", 0, 1, NULL, &e), &e, ZT_EINVAL, "action", NULL);
    expect(check(f, "limbo", "accept", "clerk", 0, 1, NULL, &e), &e, ZT_EINTERNAL, "state", "状态「limbo」不在流程");
    assert_null(zt_flow_target(f, "limbo", "accept"));
    assert_null(zt_flow_target(f, "submitted", "teleport"));
    assert_int_equal(zt_flow_actions(f, "limbo", NULL, NULL, 0), 0);
    assert_int_equal(zt_flow_actions(f, "submitted", "janitor", NULL, 0), 0);
}

static void refusal_requires_reason_basis_and_remedy(void **state) {
    zt_error e;
    const zt_flow *f = flows[LICENSING];
    expect(check(f, "submitted", "refuse_acceptance", "clerk", 0, 1, NULL, &e), &e, ZT_EINVAL, "reason",
           "不予受理须写明理由（reason）");
    assert_string_equal(e.message, "不予受理须写明理由（reason）");
    /* blank is missing: ASCII and ideographic spaces */
    expect(check(f, "submitted", "refuse_acceptance", "clerk", 0, 1, "{\"reason\":\" \\t\\u3000 \"}", &e), &e,
           ZT_EINVAL, "reason", "须写明理由");
    expect(check(f, "submitted", "refuse_acceptance", "clerk", 0, 1, "{\"reason\":null}", &e), &e, ZT_EINVAL, "reason",
           NULL);
    expect(check(f, "submitted", "refuse_acceptance", "clerk", 0, 1, "{\"reason\":\"材料虚假\"}", &e), &e, ZT_EINVAL,
           "legal_basis", "不予受理须写明法律依据（legal_basis）");
    expect(check(f, "submitted", "refuse_acceptance", "clerk", 0, 1,
                 "{\"reason\":\"材料虚假\",\"legal_basis\":\"第三十二条\"}", &e),
           &e, ZT_EINVAL, "remedy_notice", "申请行政复议或者提起行政诉讼的权利告知（remedy_notice）");
    expect(check(f, "review", "deny", "dept_head", 0, 1, "{\"reason\":\"不符合条件\"}", &e), &e, ZT_EINVAL,
           "legal_basis", "不予许可须写明法律依据");
    expect(check(flows[COMPLAINT], "submitted", "refuse", "supervisor", 0, 1, "{}", &e), &e, ZT_EINVAL, "reason", NULL);
    expect(check(flows[ON_THE_SPOT], "received", "deny", "clerk", 0, 1, "{}", &e), &e, ZT_EINVAL, "reason", NULL);
}

static void supplement_list(void **state) {
    zt_error e;
    const zt_flow *f = flows[LICENSING];
    const char *s = "submitted", *a = "request_supplement";
    expect(check(f, s, a, "clerk", 0, 1, NULL, &e), &e, ZT_EINVAL, "missing_materials",
           "一次性告知补正须列明需补正的全部材料（missing_materials）");
    expect(check(f, s, a, "clerk", 0, 1, "{\"missing_materials\":[]}", &e), &e, ZT_EINVAL, "missing_materials",
           "须列明");
    expect(check(f, s, a, "clerk", 0, 1, "{\"missing_materials\":\"身份证\"}", &e), &e, ZT_EINVAL, "missing_materials",
           "必须是文本列表");
    expect(check(f, s, a, "clerk", 0, 1, "{\"missing_materials\":[\"身份证\",7]}", &e), &e, ZT_EINVAL,
           "missing_materials", "第 2 项必须是文本");
    expect(check(f, s, a, "clerk", 0, 1, "{\"missing_materials\":[\"身份证\",\"  \"]}", &e), &e, ZT_EINVAL,
           "missing_materials", "第 2 项不能为空");
    char big[2048] = "{\"missing_materials\":[";
    for (int i = 0; i < 51; i++) strncat(big, i ? ",\"材料\"" : "\"材料\"", sizeof big - strlen(big) - 1);
    strncat(big, "]}", sizeof big - strlen(big) - 1);
    expect(check(f, s, a, "clerk", 0, 1, big, &e), &e, ZT_EINVAL, "missing_materials", "最多 50 项");
    /* the second request of one case */
    expect(check(f, "pre_reviewed", a, "clerk", 1, 1, "{\"missing_materials\":[\"身份证\"]}", &e), &e, ZT_ECONFLICT,
           "state", "每件只能一次");
    expect(check(flows[ON_THE_SPOT], "received", a, "clerk", 1, 1, "{\"missing_materials\":[\"身份证\"]}", &e), &e,
           ZT_ECONFLICT, "state", NULL);
    expect(check(flows[JOINT], "submitted", a, "clerk", 2, 1, "{\"missing_materials\":[\"身份证\"]}", &e), &e,
           ZT_ECONFLICT, "state", NULL);
}

static void special_procedure_fields(void **state) {
    zt_error e;
    const zt_flow *f = flows[LICENSING];
    const char *s = "handling", *a = "special_start";
    expect(check(f, s, a, "dept_head", 0, 1, "{}", &e), &e, ZT_EINVAL, "type",
           "启动特别程序须选择特别程序种类（type）");
    expect(check(f, s, a, "dept_head", 0, 1, "{\"type\":\"喝茶\"}", &e), &e, ZT_EINVAL, "type",
           "特别程序种类（type）须是以下之一：延长审查期限、听证");
    expect(check(f, s, a, "dept_head", 0, 1, "{\"type\":\"听证\",\"reason\":\"x\",\"legal_basis\":\"y\"}", &e), &e,
           ZT_EINVAL, "days", "启动特别程序须填写特别程序时限（工作日）（days）");
    expect(
        check(f, s, a, "dept_head", 0, 1, "{\"type\":\"听证\",\"reason\":\"x\",\"legal_basis\":\"y\",\"days\":0}", &e),
        &e, ZT_EINVAL, "days", "必须在 1 到 365 之间");
    expect(check(f, s, a, "dept_head", 0, 1,
                 "{\"type\":\"听证\",\"reason\":\"x\",\"legal_basis\":\"y\",\"days\":\"5\"}", &e),
           &e, ZT_EINVAL, "days", "必须是整数");
    expect(check(f, s, a, "dept_head", 0, 1, "{\"type\":\"听证\",\"reason\":\"x\",\"legal_basis\":\"y\",\"days\":5.0}",
                 &e),
           &e, ZT_EINVAL, "days", "必须是整数");
    expect(check(f, s, a, "dept_head", 0, 1,
                 "{\"type\":\"听证\",\"reason\":\"x\",\"legal_basis\":\"y\",\"days\":5,\"start_date\":\"2026-02-30\"}",
                 &e),
           &e, ZT_EINVAL, "start_date", "开始日期（start_date）必须是日期 YYYY-MM-DD");
    expect(check(f, s, a, "dept_head", 0, 1,
                 "{\"type\":\"听证\",\"reason\":\"x\",\"legal_basis\":\"y\",\"days\":5,\"start_date\":20260302}", &e),
           &e, ZT_EINVAL, "start_date", NULL);
    expect(
        check(f, s, a, "dept_head", 0, 1, "{\"type\":\"听证\",\"reason\":\"x\",\"legal_basis\":\"y\",\"days\":5}", &e),
        &e, ZT_OK, NULL, NULL);
    /* special procedure only from handling and review */
    expect(check(f, "approved", a, "dept_head", 0, 1, SPECIAL, &e), &e, ZT_ECONFLICT, "state", NULL);
}

static void completion_fields(void **state) {
    zt_error e;
    const zt_flow *f = flows[LICENSING];
    expect(check(f, "approved", "complete", "clerk", 0, 1, "{\"result_type\":\"准予许可\",\"fee_standard\":\"不收费\"}",
                 &e),
           &e, ZT_EINVAL, "fee_charged", "办结须填写实收费用（分）（fee_charged）");
    expect(check(f, "approved", "complete", "clerk", 0, 1,
                 "{\"result_type\":\"准予许可\",\"fee_charged\":-1,\"fee_standard\":\"不收费\"}", &e),
           &e, ZT_EINVAL, "fee_charged", "必须在 0 到");
    expect(check(f, "approved", "complete", "clerk", 0, 1, "{\"result_type\":\"准予许可\",\"fee_charged\":500}", &e),
           &e, ZT_EINVAL, "fee_standard", NULL);
    expect(check(f, "approved", "complete", "clerk", 0, 1, "{\"fee_charged\":0,\"fee_standard\":\"不收费\"}", &e), &e,
           ZT_EINVAL, "result_type", "办结须选择办理结果（result_type）");
    expect(check(f, "approved", "complete", "clerk", 0, 1,
                 "{\"result_type\":\"准予许可\",\"fee_charged\":0,\"fee_standard\":\"不收费\",\"delivery\":\"飞鸽\"}",
                 &e),
           &e, ZT_EINVAL, "delivery", "窗口领取、邮寄送达、电子证照");
}

static void text_length_counts_characters(void **state) {
    zt_error e;
    const zt_flow *f = flows[LICENSING];
    char body[1024];
    char no[512] = "";
    for (int i = 0; i < 64; i++) strncat(no, "证", sizeof no - strlen(no) - 1);
    snprintf(body, sizeof body,
             "{\"result_type\":\"准予许可\",\"fee_charged\":0,\"fee_standard\":\"不收费\",\"certificate_no\":\"%s\"}",
             no);
    expect(check(f, "approved", "complete", "clerk", 0, 1, body, &e), &e, ZT_OK, NULL, NULL);
    strncat(no, "号", sizeof no - strlen(no) - 1);
    snprintf(body, sizeof body,
             "{\"result_type\":\"准予许可\",\"fee_charged\":0,\"fee_standard\":\"不收费\",\"certificate_no\":\"%s\"}",
             no);
    expect(check(f, "approved", "complete", "clerk", 0, 1, body, &e), &e, ZT_EINVAL, "certificate_no",
           "证照编号（certificate_no）最多 64 个字");
    expect(check(f, "handling", "assign", "dept_head", 0, 1, "{\"assignee\":\"王\\u0000明\"}", &e), &e, ZT_EINVAL,
           "assignee", "含有空字符");
    expect(check(f, "handling", "assign", "dept_head", 0, 1, "{\"assignee\":[\"王明\"]}", &e), &e, ZT_EINVAL,
           "assignee", "必须是文本");
}

static void unknown_fields_and_bad_body(void **state) {
    zt_error e;
    const zt_flow *f = flows[LICENSING];
    expect(check(f, "submitted", "pre_review_pass", "clerk", 0, 1, "{\"opinon\":\"ok\"}", &e), &e, ZT_EINVAL, "opinon",
           "「预审通过」没有字段 opinon");
    expect(check(f, "submitted", "pre_review_pass", "clerk", 0, 1, "[1]", &e), &e, ZT_EINVAL, "fields",
           "字段必须是 JSON 对象");
    expect(check(flows[CONSULTATION], "submitted", "withdraw", "citizen", 0, 1, "{\"x\":1}", &e), &e, ZT_EINVAL, "x",
           NULL);
    expect(check(flows[CONSULTATION], "submitted", "withdraw", "citizen", 0, 1, "{}", &e), &e, ZT_OK, NULL, NULL);
    /* optional fields may be absent, null or blank */
    expect(check(f, "submitted", "pre_review_pass", "clerk", 0, 1, "{\"opinion\":null}", &e), &e, ZT_OK, NULL, NULL);
    expect(check(f, "submitted", "pre_review_pass", "clerk", 0, 1, "{\"opinion\":\"\"}", &e), &e, ZT_OK, NULL, NULL);
    /* zt_flow_allowed alone ignores the fields */
    memset(&e, 0, sizeof e);
    assert_int_equal(zt_flow_allowed(f, "submitted", "refuse_acceptance", "clerk", 0, 0, &e), ZT_OK);
    assert_int_equal(zt_flow_check_fields(f, "refuse_acceptance", NULL, &e), ZT_EINVAL);
    assert_int_equal(zt_flow_check_fields(f, "nope", NULL, &e), ZT_EINVAL);
    assert_string_equal(e.field, "action");
}

/* --- queries ----------------------------------------------------------- */

static void allowed_actions_for_a_role(void **state) {
    const zt_flow *f = flows[LICENSING];
    const char *ids[16];
    size_t n = zt_flow_actions(f, "submitted", "clerk", ids, 16);
    assert_int_equal(n, 3);
    assert_string_equal(ids[0], "pre_review_pass");
    assert_string_equal(ids[1], "refuse_acceptance");
    assert_string_equal(ids[2], "request_supplement");
    n = zt_flow_actions(f, "submitted", "citizen", ids, 16);
    assert_int_equal(n, 1);
    assert_string_equal(ids[0], "withdraw");
    assert_int_equal(zt_flow_actions(f, "submitted", "dept_head", ids, 16), 1); /* void */
    assert_int_equal(zt_flow_actions(f, "submitted", "supervisor", ids, 16), 0);
    assert_int_equal(zt_flow_actions(f, "submitted", NULL, ids, 16), 5);
    /* cap smaller than the count: the count, and only cap ids written */
    ids[1] = "untouched";
    assert_int_equal(zt_flow_actions(f, "submitted", NULL, ids, 1), 5);
    assert_string_equal(ids[0], "pre_review_pass");
    assert_string_equal(ids[1], "untouched");
    n = zt_flow_actions(f, "review", "dept_head", ids, 16);
    assert_int_equal(n, 4); /* return, approve, deny, special_start */
}

static void targets_by_source(void **state) {
    const zt_flow *f = flows[LICENSING];
    assert_string_equal(zt_flow_target(f, "handling", "special_start"), "handling_suspended");
    assert_string_equal(zt_flow_target(f, "review", "special_start"), "review_suspended");
    assert_string_equal(zt_flow_target(f, "handling_suspended", "special_end"), "handling");
    assert_string_equal(zt_flow_target(f, "review_suspended", "special_end"), "review");
    assert_null(zt_flow_target(f, "submitted", "special_start"));
    assert_string_equal(zt_flow_target(f, "review", "return"), "handling");
}

/* Creations: the implicit "submit" of the first definitions, and the
 * explicit ones of items, cards and ratings (into one of several states). */
static void creations(void **state) {
    zt_error e = {0};
    zt_flow_action_info ai;
    /* licensing has no creation action: "submit" into its start, any role */
    assert_int_equal(zt_flow_creation(flows[LICENSING], "submit", "citizen", "submitted", &ai, &e), ZT_OK);
    assert_string_equal(ai.label, "提交申请");
    assert_true(ai.create);
    expect(zt_flow_creation(flows[LICENSING], "submit", "citizen", "handling", &ai, &e), &e, ZT_EINTERNAL, "state",
           NULL);
    expect(zt_flow_creation(flows[LICENSING], "accept", "clerk", "handling", &ai, &e), &e, ZT_ECONFLICT, "action",
           "不能创建");
    /* a card is raised by the system, pending or issued as its rule says */
    assert_int_equal(zt_flow_creation(flows[CARD], "raise", "system", "pending", &ai, &e), ZT_OK);
    assert_int_equal(zt_flow_creation(flows[CARD], "raise", "system", "issued", &ai, &e), ZT_OK);
    assert_true(ai.choose);
    expect(zt_flow_creation(flows[CARD], "raise", "supervisor", "issued", &ai, &e), &e, ZT_EFORBIDDEN, "role", NULL);
    expect(zt_flow_creation(flows[CARD], "raise", "system", "closed", &ai, &e), &e, ZT_EINTERNAL, "state", NULL);
    expect(zt_flow_creation(flows[CARD], "submit", "system", "pending", &ai, &e), &e, ZT_EINVAL, "action", NULL);
    /* ... and raised again after a retraction: the step names its target */
    assert_null(zt_flow_target(flows[CARD], "retracted", "raise"));
    assert_string_equal(zt_flow_target_of(flows[CARD], "retracted", "raise", "issued"), "issued");
    assert_string_equal(zt_flow_target_of(flows[CARD], "retracted", "raise", "pending"), "pending");
    assert_null(zt_flow_target_of(flows[CARD], "retracted", "raise", "closed"));
    assert_null(zt_flow_target_of(flows[CARD], "issued", "raise", "issued"));
    assert_string_equal(zt_flow_target_of(flows[CARD], "issued", "feedback", NULL), "answered");
    assert_null(zt_flow_target_of(flows[CARD], "issued", "feedback", "closed"));
    /* creation-only actions are never offered from a state */
    const char *ids[ZT_FLOW_MAX_ACTIONS];
    size_t n = zt_flow_actions(flows[ITEM], "draft", "clerk", ids, ZT_FLOW_MAX_ACTIONS);
    for (size_t i = 0; i < n; i++) assert_true(strcmp(ids[i], "create") && strcmp(ids[i], "new_version"));
    /* a good rating needs no follow-up: it is created finished */
    assert_int_equal(zt_flow_creation(flows[RATING], "rate", "citizen", "none", &ai, &e), ZT_OK);
    assert_true(is_terminal(flows[RATING], "none"));
    assert_int_equal(zt_flow_creation(flows[RATING], "rate", "citizen", "open", &ai, &e), ZT_OK);
    expect(zt_flow_creation(flows[RATING], "rate", "clerk", "open", &ai, &e), &e, ZT_EFORBIDDEN, "role", NULL);
    /* the implicit creation takes no fields; an explicit one its own */
    json_t *bad = json_pack("{s:i}", "x", 1);
    expect(zt_flow_check_fields(flows[LICENSING], "submit", bad, &e), &e, ZT_EINVAL, "x", NULL);
    json_decref(bad);
    bad = json_pack("{s:i}", "level", 9);
    expect(zt_flow_check_fields(flows[RATING], "rate", bad, &e), &e, ZT_EINVAL, "level", NULL);
    json_decref(bad);
}

static void state_limit_and_action_properties(void **state) {
    const zt_flow *f = flows[LICENSING];
    zt_flow_state_info si;
    zt_flow_limit_info li;
    zt_flow_action_info ai;
    assert_int_equal(zt_flow_state(f, "submitted", &si), 0);
    assert_string_equal(si.label, "网上提交（待预审）");
    assert_true(si.start);
    assert_int_equal(si.clock, ZT_FLOW_CLOCK_RUNS);
    assert_int_equal(si.limit, 2);
    assert_int_equal(si.ncounts, 1);
    assert_string_equal(si.counts[0], "acceptance");
    assert_int_equal(zt_flow_state(f, "supplementing", &si), 0);
    assert_int_equal(si.clock, ZT_FLOW_CLOCK_NONE);
    assert_int_equal(si.limit, -1);
    assert_int_equal(si.ncounts, 0);
    assert_int_equal(zt_flow_state(f, "review_suspended", &si), 0);
    assert_int_equal(si.clock, ZT_FLOW_CLOCK_STOPPED);
    assert_int_equal(zt_flow_state(f, "completed", &si), 0);
    assert_true(si.terminal);
    assert_int_equal(zt_flow_state(f, "nowhere", &si), -1);
    assert_int_equal(zt_flow_state_at(f, 1000, &si), -1);

    assert_int_equal(zt_flow_limit(f, "acceptance", &li), 0);
    assert_int_equal(li.days, 5);
    assert_int_equal(zt_flow_limit(f, "decision", &li), 0);
    assert_int_equal(li.days, 20);
    assert_int_equal(li.extension, 10);
    assert_true(li.item_limit);
    assert_non_null(strstr(li.basis, "第四十二条"));
    assert_int_equal(zt_flow_limit(f, "issue", &li), 0);
    assert_int_equal(li.days, 10);
    assert_int_equal(zt_flow_limit(f, "nope", &li), -1);
    assert_int_equal(zt_flow_limit_at(f, 3, &li), -1);

    assert_int_equal(zt_flow_action(f, "request_supplement", &ai), 0);
    assert_true(ai.once_per_case);
    assert_string_equal(ai.result, "supplement");
    assert_int_equal(ai.nfields, 2);
    assert_int_equal(zt_flow_action(f, "special_start", &ai), 0);
    assert_string_equal(ai.result, "suspend");
    assert_int_equal(zt_flow_action(f, "pre_review_pass", &ai), 0);
    assert_null(ai.result);
    assert_false(ai.once_per_case);
    assert_int_equal(zt_flow_action(f, "nope", &ai), -1);
}

static void json_round_trip(void **state) {
    for (int i = 0; i < NFLOWS; i++) {
        json_t *j = zt_flow_json(flows[i]);
        char *text = json_dumps(j, 0);
        zt_flow *g;
        zt_error e = {0};
        assert_int_equal(zt_flow_parse(text, strlen(text), &g, &e), ZT_OK);
        assert_string_equal(zt_flow_id(g), zt_flow_id(flows[i]));
        /* changing the copy changes nothing in the definition */
        json_object_set_new(j, "id", json_string("changed"));
        assert_string_equal(zt_flow_id(flows[i]), names[i]);
        zt_flow_free(g);
        free(text);
        json_decref(j);
    }
}

/* --- broken definitions ------------------------------------------------ */

static const char *const MINI =
    "{\"id\":\"mini\",\"version\":1,\"name\":\"最小流程\",\"kind\":\"complaint\","
    "\"limits\":[{\"id\":\"reply\",\"label\":\"答复\",\"days\":5}],"
    "\"states\":["
    "{\"id\":\"open\",\"label\":\"待办\",\"start\":true,\"clock\":\"runs\",\"limit\":2,\"counts\":[\"reply\"]},"
    "{\"id\":\"paused\",\"label\":\"挂起\",\"clock\":\"stopped\"},"
    "{\"id\":\"done\",\"label\":\"办结\",\"terminal\":true}],"
    "\"actions\":["
    "{\"id\":\"close\",\"label\":\"办结\",\"from\":[\"open\"],\"to\":\"done\",\"roles\":[\"clerk\"],"
    "\"requires_all_parallel\":\"note\","
    "\"fields\":[{\"name\":\"reason\",\"label\":\"理由\",\"type\":\"text\",\"required\":true,\"max\":10}]},"
    "{\"id\":\"note\",\"label\":\"意见\",\"parallel\":true,\"from\":[\"open\"],\"to\":\"open\","
    "\"roles\":[\"clerk\",\"dept_head\"]},"
    "{\"id\":\"pause\",\"label\":\"挂起\",\"result\":\"suspend\",\"from\":[\"open\"],\"to\":\"paused\","
    "\"roles\":[\"dept_head\"]},"
    "{\"id\":\"resume\",\"label\":\"恢复\",\"result\":\"resume\",\"from\":[\"paused\"],\"to\":\"open\","
    "\"roles\":[\"dept_head\"]}]}";

/* Set the member at path ("a.b[2].c") to the JSON value text, or delete it
 * (value NULL). An index one past the end appends. */
static void patch(json_t *root, const char *path, const char *value) {
    json_t *cur = root, *v = NULL;
    if (value && !(v = json_loads(value, JSON_DECODE_ANY, NULL))) fail_msg("bad patch value %s", value);
    for (const char *p = path; *p;) {
        char key[64];
        size_t n = strcspn(p, ".[");
        long idx = -1;
        assert_true(n < sizeof key);
        memcpy(key, p, n);
        key[n] = 0;
        p += n;
        if (*p == '[') {
            char *end;
            idx = strtol(p + 1, &end, 10);
            p = end + 1;
        }
        if (*p == '.') p++;
        json_t *m = json_object_get(cur, key);
        if (!*p && idx < 0) {
            if (v)
                json_object_set_new(cur, key, v);
            else
                json_object_del(cur, key);
            return;
        }
        if (!*p) {
            assert_true(json_is_array(m) && v);
            if ((size_t)idx < json_array_size(m))
                json_array_set_new(m, (size_t)idx, v);
            else
                json_array_append_new(m, v);
            return;
        }
        cur = idx < 0 ? m : json_array_get(m, (size_t)idx);
        assert_non_null(cur);
    }
}

typedef struct {
    const char *path, *value; /* value NULL: delete; path NULL: the definition unchanged */
    const char *path2, *value2;
    const char *want; /* the message starts with this */
} broken;

static void mini_is_valid(void **state) {
    zt_flow *f;
    zt_error e = {0};
    assert_int_equal(zt_flow_parse(MINI, strlen(MINI), &f, &e), ZT_OK);
    expect(check(f, "open", "close", "clerk", 0, 0, "{\"reason\":\"好\"}", &e), &e, ZT_ECONFLICT, "state", NULL);
    expect(check(f, "open", "close", "clerk", 0, 1, "{\"reason\":\"好\"}", &e), &e, ZT_OK, NULL, NULL);
    zt_flow_free(f);
}

static void broken_definitions(void **state) {
    static const broken cases[] = {
        {"actions[0].to", "\"nowhere\"", NULL, NULL, "actions[0].to: 未定义的状态「nowhere」"},
        {"actions[2].from[0]", "\"nowhere\"", NULL, NULL, "actions[2].from[0]: 未定义的状态「nowhere」"},
        {"actions[2].from[1]", "\"open\"", NULL, NULL, "actions[2].from[1]: 状态「open」重复"},
        {"states[0].start", "false", NULL, NULL, "states: 没有开始状态"},
        {"states[1].start", "true", NULL, NULL, "states[1].start: 只能有一个开始状态（已有「open」）"},
        {"states[3]", "{\"id\":\"orphan\",\"label\":\"孤儿\",\"clock\":\"runs\"}", NULL, NULL,
         "states[3]: 从开始状态「open」无法到达「orphan」"},
        {"actions[3].from[0]", "\"done\"", NULL, NULL, "actions[3].from[0]: 终止状态「done」不能有后续动作"},
        {"actions[0].roles[0]", "\"janitor\"", NULL, NULL, "actions[0].roles[0]: 未知的角色「janitor」"},
        {"actions[1].roles[1]", "\"clerk\"", NULL, NULL, "actions[1].roles[1]: 角色「clerk」重复"},
        {"actions[0].roles", "[]", NULL, NULL, "actions[0].roles: 不能为空数组"},
        {"states[1].id", "\"open\"", NULL, NULL, "states[1].id: 状态「open」重复"},
        {"actions[1].id", "\"close\"", NULL, NULL, "actions[1].id: 动作「close」重复"},
        {"limits[1]", "{\"id\":\"reply\",\"label\":\"又\",\"days\":1}", NULL, NULL, "limits[1].id: 时限「reply」重复"},
        {"actions[0].fields[1]", "{\"name\":\"reason\",\"label\":\"日期\",\"type\":\"date\"}", NULL, NULL,
         "actions[0].fields[1].name: 字段「reason」重复"},
        {"actions[0].fields[0].type", "\"string\"", NULL, NULL,
         "actions[0].fields[0].type: 「string」不对，须是 text、integer、date、enum 或 list"},
        {"actions[0].fields[0].max", NULL, NULL, NULL, "actions[0].fields[0].max: 缺少必填项"},
        {"actions[0].fields[0].max", "0", NULL, NULL, "actions[0].fields[0].max: 必须在 1 到 100000 之间"},
        {"actions[0].fields[0]", "{\"name\":\"days\",\"label\":\"天数\",\"type\":\"integer\",\"min\":5,\"max\":1}",
         NULL, NULL, "actions[0].fields[0].min: 不能大于 max"},
        {"actions[0].fields[0]", "{\"name\":\"days\",\"label\":\"天数\",\"type\":\"integer\",\"max\":1}", NULL, NULL,
         "actions[0].fields[0].min: 缺少必填项"},
        {"actions[0].fields[0]", "{\"name\":\"kind\",\"label\":\"种类\",\"type\":\"enum\",\"values\":[\"甲\",\"甲\"]}",
         NULL, NULL, "actions[0].fields[0].values[1]: 「甲」重复"},
        {"actions[0].fields[0]", "{\"name\":\"kind\",\"label\":\"种类\",\"type\":\"enum\"}", NULL, NULL,
         "actions[0].fields[0].values: 缺少必填项"},
        {"actions[0].fields[0]", "{\"name\":\"kind\",\"label\":\"种类\",\"type\":\"enum\",\"values\":[\"甲\",3]}", NULL,
         NULL, "actions[0].fields[0].values[1]: 必须是 1 到 64 个字符的字符串"},
        {"actions[0].fields[0]", "{\"name\":\"d\",\"label\":\"日期\",\"type\":\"date\",\"max\":3}", NULL, NULL,
         "actions[0].fields[0].max: 未知的键"},
        {"actions[0].fields[0]", "{\"name\":\"m\",\"label\":\"材料\",\"type\":\"list\",\"max\":3}", NULL, NULL,
         "actions[0].fields[0].max_items: 缺少必填项"},
        {"actions[0].fields[0].name", "\"Reason\"", NULL, NULL, "actions[0].fields[0].name: 「Reason」不是标识符"},
        {"actions[0].fields[0].required", "\"yes\"", NULL, NULL, "actions[0].fields[0].required: 必须是 true 或 false"},
        {"colour", "\"red\"", NULL, NULL, "colour: 未知的键"},
        {"states[0].colour", "\"red\"", NULL, NULL, "states[0].colour: 未知的键"},
        {"actions[1].to", "\"done\"", NULL, NULL, "actions[1].to: 并行动作不能改变状态"},
        {"actions[1].once_per_case", "true", NULL, NULL, "actions[1].parallel: 并行动作每个部门各一次"},
        {"actions[1].parallel", "false", NULL, NULL, "actions[0].requires_all_parallel: 「note」不是并行动作"},
        {"actions[0].requires_all_parallel", "\"nope\"", NULL, NULL,
         "actions[0].requires_all_parallel: 未定义的动作「nope」"},
        {"actions[0].from[1]", "\"paused\"", NULL, NULL,
         "actions[0].requires_all_parallel: 「note」须能在本动作的每个来源状态中执行"},
        {"actions[2].to", "\"open\"", NULL, NULL,
         "actions[2].to: 特别程序开始（suspend）须进入时钟停止（stopped）的状态"},
        {"actions[3].from[0]", "\"open\"", NULL, NULL,
         "actions[3].from: 特别程序结束（resume）须从时钟停止（stopped）的状态出发"},
        {"actions[2].result", "\"explode\"", NULL, NULL, "actions[2].result: 「explode」不对"},
        {"states[1].counts", "[\"reply\"]", NULL, NULL,
         "states[1].counts: 只有时钟运行（clock: runs）的状态才计入时限"},
        {"states[0].counts[0]", "\"nolimit\"", NULL, NULL, "states[0].counts[0]: 未定义的时限「nolimit」"},
        {"states[0].counts[1]", "\"reply\"", NULL, NULL, "states[0].counts[1]: 时限「reply」重复"},
        {"states[0].counts", NULL, NULL, NULL, "limits[0]: 没有状态计入时限「reply」"},
        {"states[2].clock", "\"runs\"", NULL, NULL, "states[2].clock: 终止状态的时钟只能是 none"},
        {"states[2].limit", "3", NULL, NULL, "states[2].limit: 终止状态没有时限"},
        {"states[2].start", "true", "states[0].start", "false", "states[2].start: 终止状态不能是开始状态"},
        {"states[0].clock", NULL, NULL, NULL, "states[0].clock: 缺少必填项"},
        {"states[0].clock", "\"ticking\"", NULL, NULL, "states[0].clock: 「ticking」不对，须是 none、runs 或 stopped"},
        {"states[0].limit", "-1", NULL, NULL, "states[0].limit: 必须在 0 到 365 之间"},
        {"states[0].label", "\"\"", NULL, NULL, "states[0].label: 不能为空"},
        {"limits[0].days", "400", NULL, NULL, "limits[0].days: 必须在 0 到 365 之间"},
        /* a dead end, and a state that can never finish */
        {"actions[3].from", "[\"open\"]", "actions[3].result", NULL, "states[1]: 非终止状态「paused」没有任何动作"},
        {"actions[3].to", "\"paused\"", NULL, NULL, "states[1]: 从「paused」无法到达任何终止状态"},
        {"actions[2].to", "{}", NULL, NULL, "actions[2].to: 缺少来源状态「open」的目标"},
        {"actions[2].to", "{\"open\":\"paused\",\"done\":\"open\"}", NULL, NULL,
         "actions[2].to.done: 「done」不是本动作的来源状态（from）"},
        {"actions[2].to", "{\"open\":\"limbo\"}", NULL, NULL, "actions[2].to.open: 未定义的状态「limbo」"},
        {"actions[2].to", "7", NULL, NULL, "actions[2].to: 必须是状态 id"},
        {"actions[2].to", NULL, NULL, NULL, "actions[2].to: 缺少必填项"},
        {"actions[2].from", "\"open\"", NULL, NULL, "actions[2].from: 必须是数组"},
        {"id", "\"Mini Flow\"", NULL, NULL, "id: 「Mini Flow」不是标识符"},
        {"version", "0", NULL, NULL, "version: 必须在 1 到 1000000 之间"},
        {"kind", "\"Work Flow\"", NULL, NULL, "kind: 「Work Flow」不是标识符"},
        /* creations and a choice of targets */
        {"actions[2].to", "[\"done\"]", NULL, NULL, "actions[2].to: 目标状态列表至少两项"},
        {"actions[2].to", "[\"done\",\"limbo\"]", NULL, NULL, "actions[2].to[1]: 未定义的状态「limbo」"},
        {"actions[2].to", "[\"paused\",\"paused\"]", NULL, NULL, "actions[2].to[1]: 状态「paused」重复"},
        {"actions[2].to", "[\"paused\",\"done\"]", NULL, NULL,
         "actions[2].to: 特别程序开始（suspend）须进入时钟停止（stopped）的状态，「done」不是"},
        {"actions[1].to", "[\"open\",\"done\"]", NULL, NULL, "actions[1].parallel: 并行动作不能是创建动作"},
        {"actions[1].create", "true", NULL, NULL, "actions[1].parallel: 并行动作不能是创建动作"},
        {"actions[4]", "{\"id\":\"new\",\"label\":\"新建\",\"create\":true,\"to\":\"done\",\"roles\":[\"clerk\"]}",
         NULL, NULL, "states[0]: 开始状态「open」不是任何创建动作（create: true）的目标"},
        {"actions[4]",
         "{\"id\":\"new\",\"label\":\"新建\",\"create\":true,\"to\":{\"open\":\"done\"},"
         "\"roles\":[\"clerk\"]}",
         NULL, NULL, "actions[4].to: 创建动作的目标须是状态 id 或状态列表"},
        {"actions[4]", "{\"id\":\"new\",\"label\":\"新建\",\"to\":\"open\",\"roles\":[\"clerk\"]}", NULL, NULL,
         "actions[4].from: 缺少必填项"},
        {"actions[4]",
         "{\"id\":\"new\",\"label\":\"新建\",\"create\":true,\"result\":\"refuse\",\"to\":\"open\","
         "\"roles\":[\"clerk\"]}",
         NULL, NULL, "actions[4].result: 创建动作只能没有 result 或是 accept"},
        {"states", NULL, NULL, NULL, "states: 缺少必填项"},
        {"actions", "[]", NULL, NULL, "actions: 不能为空数组"},
        {"actions[4]", "3", NULL, NULL, "actions[4]: 必须是对象"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const broken *c = &cases[i];
        json_t *root = json_loads(MINI, 0, NULL);
        zt_flow *f = (zt_flow *)1;
        zt_error e = {0};
        assert_non_null(root);
        patch(root, c->path, c->value);
        if (c->path2) patch(root, c->path2, c->value2);
        zt_err rc = zt_flow_from_json(root, &f, &e);
        json_decref(root);
        if (rc != ZT_EINVAL) fail_msg("case %zu (%s): accepted", i, c->want);
        assert_null(f);
        if (strncmp(e.message, c->want, strlen(c->want)) != 0)
            fail_msg("case %zu: got \"%s\", want \"%s\"", i, e.message, c->want);
        /* e.field is the path, the message's prefix */
        size_t plen = strlen(e.field);
        assert_true(plen > 0 && strncmp(e.message, e.field, plen) == 0 && e.message[plen] == ':');
    }
}

static void broken_text(void **state) {
    zt_flow *f;
    zt_error e = {0};
    const char *dup = "{\"id\":\"a\",\"id\":\"b\"}";
    assert_int_equal(zt_flow_parse("{", 1, &f, &e), ZT_EINVAL);
    assert_null(f);
    assert_non_null(strstr(e.message, "$: 不是合法的 JSON（第 1 行"));
    assert_int_equal(zt_flow_parse(dup, strlen(dup), &f, &e), ZT_EINVAL);
    assert_non_null(strstr(e.message, "duplicate"));
    /* odd keys are quoted so that the path still names them (found by fuzzing) */
    const char *empty = "{\"id\":\"a\",\"\":1}";
    assert_int_equal(zt_flow_parse(empty, strlen(empty), &f, &e), ZT_EINVAL);
    assert_string_equal(e.message, "[\"\"]: 未知的键");
    assert_string_equal(e.field, "[\"\"]");
    json_t *odd = json_loads(MINI, 0, NULL);
    json_object_set_new(json_array_get(json_object_get(odd, "states"), 0), "颜 色", json_integer(1));
    assert_int_equal(zt_flow_from_json(odd, &f, &e), ZT_EINVAL);
    assert_string_equal(e.message, "states[0][\"颜 色\"]: 未知的键");
    json_decref(odd);
    assert_int_equal(zt_flow_parse("[1]", 3, &f, &e), ZT_EINVAL);
    assert_string_equal(e.message, "$: 流程定义必须是 JSON 对象");
    char *big = calloc(ZT_FLOW_MAX_BYTES + 2, 1);
    memset(big, ' ', ZT_FLOW_MAX_BYTES + 1);
    assert_int_equal(zt_flow_parse(big, ZT_FLOW_MAX_BYTES + 1, &f, &e), ZT_ETOOLARGE);
    free(big);

    /* too many states */
    json_t *root = json_loads(MINI, 0, NULL), *states = json_object_get(root, "states");
    for (int i = 0; i < ZT_FLOW_MAX_STATES; i++) json_array_append(states, json_array_get(states, 2));
    assert_int_equal(zt_flow_from_json(root, &f, &e), ZT_EINVAL);
    assert_string_equal(e.message, "states: 最多 64 项");
    json_decref(root);
}

static void load_file_errors(void **state) {
    zt_flow *f;
    zt_error e = {0};
    char path[] = "/tmp/zt-flow-test-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *fp = fdopen(fd, "w");
    fputs("{\"id\":\"x\"}", fp);
    fclose(fp);
    assert_int_equal(zt_flow_load_file(path, &f, &e), ZT_EINVAL);
    assert_non_null(strstr(e.message, path));
    assert_non_null(strstr(e.message, "version: 缺少必填项"));
    assert_string_equal(e.field, "version");
    unlink(path);
    assert_int_equal(zt_flow_load_file(path, &f, &e), ZT_ENOTFOUND);
    assert_null(f);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(shipped_definitions_load),
        cmocka_unit_test(roles_are_those_of_auth),
        cmocka_unit_test(licensing_happy_path),
        cmocka_unit_test(licensing_other_endings),
        cmocka_unit_test(on_the_spot_paths),
        cmocka_unit_test(joint_review_paths),
        cmocka_unit_test(consultation_paths),
        cmocka_unit_test(complaint_paths),
        cmocka_unit_test(wrong_state_is_409),
        cmocka_unit_test(wrong_role_is_403),
        cmocka_unit_test(unknown_action_and_state),
        cmocka_unit_test(refusal_requires_reason_basis_and_remedy),
        cmocka_unit_test(supplement_list),
        cmocka_unit_test(special_procedure_fields),
        cmocka_unit_test(completion_fields),
        cmocka_unit_test(text_length_counts_characters),
        cmocka_unit_test(unknown_fields_and_bad_body),
        cmocka_unit_test(allowed_actions_for_a_role),
        cmocka_unit_test(targets_by_source),
        cmocka_unit_test(creations),
        cmocka_unit_test(state_limit_and_action_properties),
        cmocka_unit_test(json_round_trip),
        cmocka_unit_test(mini_is_valid),
        cmocka_unit_test(broken_definitions),
        cmocka_unit_test(broken_text),
        cmocka_unit_test(load_file_errors),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
