/* access.h - the roles a route admits (R1): one bit per role, so that a
 * route's access is one mask that the server checks before its handler
 * runs (http.h), and the one table of role names and their Chinese labels.
 * Which department's or region's data a principal may touch (scope) is
 * auth's (auth/auth.h). */
#ifndef ZT_HTTP_ACCESS_H
#define ZT_HTTP_ACCESS_H

#include <stddef.h>
#include <stdint.h>

enum {
    ZT_R_CITIZEN = 1u << 0,    /* 自然人 */
    ZT_R_ENTERPRISE = 1u << 1, /* 法人 */
    ZT_R_CLERK = 1u << 2,      /* 窗口/承办人员 */
    ZT_R_DEPT_HEAD = 1u << 3,  /* 部门负责人 */
    ZT_R_LEGAL = 1u << 4,      /* 法制审查 */
    ZT_R_SUPERVISOR = 1u << 5, /* 监察 */
    ZT_R_TRADING = 1u << 6,    /* 交易中心 */
    ZT_R_FINANCE = 1u << 7,    /* 财政 */
    ZT_R_DATA = 1u << 8,       /* 数据管理 */
    ZT_R_ADMIN = 1u << 9,      /* 系统管理员 */
    ZT_R_SYSTEM = 1u << 10,    /* a department's system, by API key */
    ZT_R_AUDITOR = 1u << 11,   /* 审计: reads the ledger and the audit trail */
    ZT_R_EXPERT = 1u << 12,    /* 评标专家: his own profile (src/experts) */
};
#define ZT_R_PEOPLE (ZT_R_CITIZEN | ZT_R_ENTERPRISE)
#define ZT_R_STAFF                                                                                                     \
    (ZT_R_CLERK | ZT_R_DEPT_HEAD | ZT_R_LEGAL | ZT_R_SUPERVISOR | ZT_R_TRADING | ZT_R_FINANCE | ZT_R_DATA |            \
     ZT_R_AUDITOR | ZT_R_ADMIN)
#define ZT_R_USERS (ZT_R_PEOPLE | ZT_R_STAFF | ZT_R_EXPERT)

/* Role bit for a name ("clerk"), 0 if unknown (or NULL); and back (NULL if
 * bit is not exactly one known role). */
uint32_t zt_role_bit(const char *name);
const char *zt_role_name(uint32_t bit);
/* Chinese label of a role ("窗口/承办人员"); "" if unknown. The strings are
 * static. */
const char *zt_role_label(const char *name);
/* Every role's name in the table's order, NULL-terminated; how many. */
const char *const *zt_role_names(void);
size_t zt_role_count(void);

#endif
