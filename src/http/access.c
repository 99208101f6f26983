/* access.c - the one table of roles: name, Chinese label, bit (access.h). */
#include "http/access.h"

#include <stddef.h>
#include <string.h>

/* name, Chinese label, bit: the table, expanded twice below */
#define ROLES(X)                                                                                                       \
    X("citizen", "自然人", ZT_R_CITIZEN)                                                                               \
    X("enterprise", "法人", ZT_R_ENTERPRISE)                                                                           \
    X("clerk", "窗口/承办人员", ZT_R_CLERK)                                                                            \
    X("dept_head", "部门负责人", ZT_R_DEPT_HEAD)                                                                       \
    X("legal_reviewer", "法制审查人员", ZT_R_LEGAL)                                                                    \
    X("supervisor", "监察人员", ZT_R_SUPERVISOR)                                                                       \
    X("trading_officer", "交易监管人员", ZT_R_TRADING)                                                                 \
    X("finance_officer", "财政监管人员", ZT_R_FINANCE)                                                                 \
    X("data_officer", "数据管理人员", ZT_R_DATA)                                                                       \
    X("auditor", "审计人员", ZT_R_AUDITOR)                                                                             \
    X("admin", "系统管理员", ZT_R_ADMIN)                                                                               \
    X("system", "部门业务系统", ZT_R_SYSTEM)                                                                           \
    X("expert", "评标专家", ZT_R_EXPERT)

#define ROW(name, label, bit) {name, label, bit},
static const struct {
    const char *name, *label;
    uint32_t bit;
} roles[] = {ROLES(ROW)};
#define NAME(name, label, bit) name,
static const char *const names[] = {ROLES(NAME) NULL};
#define NROLES (sizeof roles / sizeof roles[0])

uint32_t zt_role_bit(const char *name) {
    for (size_t i = 0; name && i < NROLES; i++)
        if (strcmp(roles[i].name, name) == 0) return roles[i].bit;
    return 0;
}

const char *zt_role_name(uint32_t bit) {
    for (size_t i = 0; i < NROLES; i++)
        if (roles[i].bit == bit) return roles[i].name;
    return NULL;
}

const char *zt_role_label(const char *name) {
    for (size_t i = 0; name && i < NROLES; i++)
        if (strcmp(roles[i].name, name) == 0) return roles[i].label;
    return "";
}

const char *const *zt_role_names(void) { return names; }

size_t zt_role_count(void) { return NROLES; }
