/* log.h - one line per message on stderr, with time and level. */
#ifndef ZT_LOG_H
#define ZT_LOG_H

typedef enum { ZT_LOG_DEBUG, ZT_LOG_INFO, ZT_LOG_WARN, ZT_LOG_ERROR } zt_log_level;

void zt_log_set_level(zt_log_level l);
/* Lines written by the access log and messages go here (default stderr);
 * NULL or "-" means stderr. Returns 0 or -1. */
int zt_log_open(const char *path);
void zt_log(zt_log_level l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* An already formatted line (the access log); a newline is added. */
void zt_log_line(const char *line);

#define zt_info(...)      zt_log(ZT_LOG_INFO, __VA_ARGS__)
#define zt_warn(...)      zt_log(ZT_LOG_WARN, __VA_ARGS__)
#define zt_error_log(...) zt_log(ZT_LOG_ERROR, __VA_ARGS__)

#endif
