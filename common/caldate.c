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

/* H. Hinnant's days-from-civil and civil-from-days. */
long caldate_to_days(struct caldate c)
{
    long y = c.y - (c.m <= 2);
    long era = (y >= 0 ? y : y - 399) / 400;
    long yoe = y - era * 400;
    long doy = (153 * (c.m + (c.m > 2 ? -3 : 9)) + 2) / 5 + c.d - 1;
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

struct caldate caldate_from_days(long z)
{
    z += 719468;
    long era = (z >= 0 ? z : z - 146096) / 146097;
    long doe = z - era * 146097;
    long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long y = yoe + era * 400;
    long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    long mp = (5 * doy + 2) / 153;
    long d = doy - (153 * mp + 2) / 5 + 1;
    long m = mp < 10 ? mp + 3 : mp - 9;
    struct caldate c = {(int)(y + (m <= 2)), (int)m, (int)d};
    return c;
}
