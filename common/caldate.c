#include "caldate.h"

#include <stdio.h>
#include <string.h>

#include "validate.h"

static int caldate_days_in_month(int y, int m)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return days[m - 1] + (m == 2 && leap);
}

int caldate_parse(const char *s, struct caldate *out)
{
    if (!validate_date(s))
        return -1;
    return sscanf(s, "%4d-%2d-%2d", &out->y, &out->m, &out->d) == 3 ? 0 : -1;
}

void caldate_format(struct caldate c, char *out)
{
    char text[48];
    snprintf(text, sizeof text, "%04d-%02d-%02d", c.y, c.m, c.d);
    memcpy(out, text, 10);
    out[10] = '\0';
}

int caldate_cmp(struct caldate a, struct caldate b)
{
    if (a.y != b.y)
        return a.y < b.y ? -1 : 1;
    if (a.m != b.m)
        return a.m < b.m ? -1 : 1;
    return a.d == b.d ? 0 : a.d < b.d ? -1 : 1;
}

struct caldate caldate_add_months(struct caldate a, int months)
{
    int total = a.y * 12 + (a.m - 1) + months;
    struct caldate r = {total / 12, total % 12 + 1, a.d};
    int max = caldate_days_in_month(r.y, r.m);
    if (r.d > max)
        r.d = max;
    return r;
}

struct caldate caldate_add_days(struct caldate a, int days)
{
    while (days > 0) {
        int left = caldate_days_in_month(a.y, a.m) - a.d;
        if (days <= left) {
            a.d += days;
            break;
        }
        days -= left + 1;
        a.d = 1;
        if (++a.m > 12) {
            a.m = 1;
            a.y++;
        }
    }
    while (days < 0) {
        if (-days < a.d) {
            a.d += days;
            break;
        }
        days += a.d;
        if (--a.m < 1) {
            a.m = 12;
            a.y--;
        }
        a.d = caldate_days_in_month(a.y, a.m);
    }
    return a;
}
