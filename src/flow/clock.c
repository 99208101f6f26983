/* clock.c - the legal clock (clock.h). */
#include "flow/clock.h"

#include <string.h>

void zt_lclock_init(zt_lclock *c, int promised, int legal) {
    memset(c, 0, sizeof *c);
    c->promised = promised;
    c->legal = legal;
}

int zt_lclock_accept(zt_lclock *c, zt_day day, int64_t at) {
    if (c->accepted) return -1;
    c->accepted = 1;
    c->accept_day = day;
    c->accepted_at = at;
    return 0;
}

int zt_lclock_supplement(zt_lclock *c, const zt_calendar *cal, int64_t submitted, int64_t notice, int days) {
    if (c->deemed) return 0;
    zt_day sub = zt_day_of_instant(submitted);
    if (notice < zt_day_start(zt_cal_add(cal, sub, days + 1))) return 0;
    c->deemed = 1;
    if (!c->accepted) c->accepted_at = submitted;
    c->accepted = 1;
    c->accept_day = sub;
    return 1;
}

int zt_lclock_suspend(zt_lclock *c, zt_day day, int64_t at, int granted) {
    if (zt_lclock_running(c) || c->nspecial == ZT_LCLOCK_MAX_SPECIAL) return -1;
    c->special[c->nspecial++] = (zt_lclock_special){.start = day, .start_at = at, .granted = granted};
    return 0;
}

int zt_lclock_resume(zt_lclock *c, const zt_calendar *cal, zt_day day, int64_t at) {
    zt_lclock_special *s = (zt_lclock_special *)zt_lclock_running(c);
    if (!s) return -1;
    s->ended = 1;
    s->end = day;
    s->end_at = at;
    s->not_counted = day > s->start ? zt_cal_between(cal, s->start, day) : 0;
    c->not_counted += s->not_counted;
    return s->not_counted;
}

const zt_lclock_special *zt_lclock_running(const zt_lclock *c) {
    return c->nspecial && !c->special[c->nspecial - 1].ended ? &c->special[c->nspecial - 1] : NULL;
}

zt_day zt_lclock_due(const zt_lclock *c, const zt_calendar *cal, int n) {
    return zt_cal_add(cal, c->accept_day, n + c->not_counted);
}

int64_t zt_lclock_moment(const zt_lclock *c, const zt_calendar *cal, int n) {
    return zt_day_start(zt_cal_add(cal, c->accept_day, n + c->not_counted));
}

int64_t zt_lclock_special_moment(const zt_lclock_special *s, const zt_calendar *cal, int offset) {
    return zt_day_start(zt_cal_add(cal, s->start, s->granted + offset));
}

int zt_lclock_elapsed(const zt_lclock *c, const zt_calendar *cal, zt_day end) {
    if (!c->accepted || end <= c->accept_day) return 0;
    int n = zt_cal_between(cal, c->accept_day, end) - c->not_counted;
    return n < 0 ? 0 : n;
}

zt_err zt_lclock_check_special(const char *type, int64_t days, int extension, zt_error *e) {
    if (!type || strcmp(type, ZT_LCLOCK_EXTENSION) != 0 || days <= extension) return ZT_OK;
    return zt_fail(e, ZT_EINVAL, "days",
                   "延长审查期限最多 %d 个工作日（本事项的法定延长期限，《中华人民共和国行政许可法》第四十二条），"
                   "不能延长 %lld 个工作日",
                   extension, (long long)days);
}

int zt_lclock_covered(const zt_calendar *cal, zt_day day) {
    int y, m, d;
    zt_day_to_ymd(day, &y, &m, &d);
    return zt_cal_covers(cal, y);
}
