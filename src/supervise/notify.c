/* notify.c - telling the people responsible for a card: an in-app inbox
 * row for every active clerk and head of the card's department, and the
 * same text to the outside senders (SMS, e-mail). The senders are
 * pluggable; the one shipped writes a log line (the demo has no SMS
 * gateway), which is where a city's gateway client goes. */
#include <stdio.h>
#include <string.h>

#include "base/clock.h"
#include "base/log.h"
#include "supervise/supervise.h"

static const char *level_label(const char *level) {
    return !strcmp(level, "red") ? "红牌" : !strcmp(level, "yellow") ? "黄牌" : "预警";
}

static const char *action_label(const char *action) {
    static const char *const map[][2] = {
        {"raise", "新发"},    {"confirm", "已确认下发"}, {"feedback", "部门已反馈"},
        {"close", "已办结"},  {"escalate", "督办"},      {"appeal", "部门申诉"},
        {"revoke", "已撤销"}, {"send_back", "申诉退回"}, {"retract", "已撤回"},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (!strcmp(map[i][0], action)) return map[i][1];
    return action;
}

/* The log sender: one line per recipient and channel. */
static void log_sender(const char *channel, const char *login, const char *phone, const char *text) {
    zt_info("notify %s to %s%s%s: %s", channel, login, phone && *phone ? " " : "", phone ? phone : "", text);
}

static void (*sender)(const char *, const char *, const char *, const char *) = log_sender;

zt_err zt_sv_notify(zt_db *db, int64_t card_id, const char *action, zt_error *e) {
    zt_stmt *st = zt_db_prepare(db, "SELECT number, level, title, dept_code, state FROM sv_cards WHERE id = ?", e);
    if (!st) return ZT_EINTERNAL;
    zt_bind_int(st, 1, card_id);
    if (zt_step(st, e) != 1) {
        zt_db_release(db);
        return ZT_OK;
    }
    char title[256], body[768], dept[64];
    snprintf(title, sizeof title, "【%s%s】%s", level_label(zt_col_text(st, 1)), action_label(action),
             zt_col_text(st, 0));
    snprintf(body, sizeof body, "%s", zt_col_text(st, 2));
    snprintf(dept, sizeof dept, "%s", zt_col_text(st, 3));
    int pending = !strcmp(zt_col_text(st, 4), "pending");
    zt_db_release(db);
    if (pending) return ZT_OK; /* not yet issued: the department is told on confirmation */
    st = zt_db_prepare(db,
                       "INSERT INTO sv_inbox (user_id, card_id, title, body, created_at)"
                       " SELECT u.id, ?, ?, ?, ? FROM users u JOIN departments d ON d.id = u.dept_id"
                       " WHERE d.code = ? AND u.role IN ('clerk', 'dept_head') AND u.disabled = 0"
                       " RETURNING (SELECT login FROM users WHERE id = user_id),"
                       " (SELECT phone FROM users WHERE id = user_id)",
                       e);
    if (!st) return ZT_EINTERNAL;
    zt_bind_int(st, 1, card_id);
    zt_bind_text(st, 2, title);
    zt_bind_text(st, 3, body);
    zt_bind_int(st, 4, zt_now());
    zt_bind_text(st, 5, dept);
    int rc;
    char text[1100];
    snprintf(text, sizeof text, "%s %s", title, body);
    while ((rc = zt_step(st, e)) == 1) {
        sender("sms", zt_col_text(st, 0), zt_col_text(st, 1), text);
        sender("email", zt_col_text(st, 0), NULL, text);
    }
    zt_db_release(db);
    return rc < 0 ? (zt_err)-rc : ZT_OK;
}
