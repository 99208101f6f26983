#include "base/log.h"

#include "base/clock.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static zt_log_level min_level = ZT_LOG_INFO;
static FILE *out;

void zt_log_set_level(zt_log_level l) { min_level = l; }

int zt_log_open(const char *path) {
    if (!path || !*path || strcmp(path, "-") == 0) {
        out = NULL;
        return 0;
    }
    FILE *f = fopen(path, "a");
    if (!f) return -1;
    setvbuf(f, NULL, _IOLBF, 0);
    out = f;
    return 0;
}

void zt_log_line(const char *line) {
    /* one fputs per line: stdio locks the stream, so lines never interleave */
    FILE *f = out ? out : stderr;
    flockfile(f);
    fputs(line, f);
    fputc('\n', f);
    funlockfile(f);
}

void zt_log(zt_log_level l, const char *fmt, ...) {
    if (l < min_level) return;
    static const char *names[] = {"debug", "info", "warn", "error"};
    char msg[1024], line[1200], ts[32];
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now); /* logs keep real time, also under the fake clock */
    zt_time_format(now.tv_sec, ts);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    snprintf(line, sizeof line, "%s %s %s", ts, names[l], msg);
    zt_log_line(line);
}
