#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"

static enum log_level log_min = LOG_INFO;
static const char *const log_names[] = {"debug", "info", "warn", "error"};

void log_set_level(enum log_level min)
{
    log_min = min;
}

int log_enabled(enum log_level lvl)
{
    return lvl >= log_min;
}

int log_level_parse(const char *s, enum log_level *out)
{
    for (int i = 0; i < 4; i++) {
        if (strcmp(s, log_names[i]) == 0) {
            *out = (enum log_level)i;
            return 0;
        }
    }
    return -1;
}

void log_line(enum log_level lvl, const char *msg, const char *extra)
{
    if (lvl < log_min)
        return;
    struct timeval tv;
    gettimeofday(&tv, NULL);
    struct tm tm;
    gmtime_r(&tv.tv_sec, &tm);
    char ts[40];
    size_t n = strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(ts + n, sizeof ts - n, ".%06ldZ", (long)tv.tv_usec);

    struct buf b;
    buf_init(&b);
    buf_printf(&b, "{\"ts\":\"%s\",\"level\":\"%s\",\"msg\":", ts, log_names[lvl]);
    buf_json_string(&b, msg);
    if (extra && *extra) {
        buf_putc(&b, ',');
        buf_puts(&b, extra);
    }
    buf_puts(&b, "}\n");
    /* One write per line keeps lines from different threads whole. */
    ssize_t w = write(STDERR_FILENO, b.data, b.len);
    (void)w;
    buf_cleanup(&b);
}

static void log_vf(enum log_level lvl, const char *fmt, va_list ap)
{
    if (lvl < log_min)
        return;
    char msg[1024];
    vsnprintf(msg, sizeof msg, fmt, ap);
    log_line(lvl, msg, NULL);
}

void log_info(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    log_vf(LOG_INFO, fmt, ap);
    va_end(ap);
}

void log_warn(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    log_vf(LOG_WARN, fmt, ap);
    va_end(ap);
}

void log_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    log_vf(LOG_ERROR, fmt, ap);
    va_end(ap);
}
