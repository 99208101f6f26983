/* access.c - the one table of roles: name, Chinese label, bit (access.h). */
#include "http/access.h"

#include <stddef.h>
#include <string.h>

static const struct {
    const char *name, *label;
    uint32_t bit;
} roles[] = {
    {"citizen", "自然人", ZT_R_CITIZEN},
    {"enterprise", "法人", ZT_R_ENTERPRISE},
    {"clerk", "窗口/承办人员", ZT_R_CLERK},
    {"dept_head", "部门负责人", ZT_R_DEPT_HEAD},
    {"legal_reviewer", "法制审查人员", ZT_R_LEGAL},
    {"supervisor", "监察人员", ZT_R_SUPERVISOR},
    {"trading_officer", "交易监管人员", ZT_R_TRADING},
    {"finance_officer", "财政监管人员", ZT_R_FINANCE},
    {"data_officer", "数据管理人员", ZT_R_DATA},
    {"auditor", "审计人员", ZT_R_AUDITOR},
    {"admin", "系统管理员", ZT_R_ADMIN},
    {"system", "部门业务系统", ZT_R_SYSTEM},
    {"expert", "评标专家", ZT_R_EXPERT},
};
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
