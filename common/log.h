/* One JSON object per line on stderr. Never pass a token or a secret to these functions. */
#ifndef SPP_LOG_H
#define SPP_LOG_H

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

void log_set_level(enum log_level min);
/* 1 when lines of level lvl are written: lets a caller skip building one that is not. */
int log_enabled(enum log_level lvl);
/* Parses "debug", "info", "warn" or "error"; returns -1 on anything else. */
int log_level_parse(const char *s, enum log_level *out);
/* Writes {"ts":…,"level":…,"msg":…<, extra>}; extra is NULL or a run of JSON members
 * without the surrounding braces, e.g. "\"route\":\"/v1/schools\",\"status\":200". */
void log_line(enum log_level lvl, const char *msg, const char *extra);
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
