/* Calendar dates (YYYY-MM-DD) as plain values: parsing, formatting, comparing and adding
 * months the way people count them (31 January + 1 month = the last day of February). Pure. */
#ifndef SPP_CALDATE_H
#define SPP_CALDATE_H

struct caldate {
    int y, m, d;
};

/* Returns 0 and fills out when s is a real calendar day YYYY-MM-DD, else -1. */
int caldate_parse(const char *s, struct caldate *out);
/* Writes YYYY-MM-DD (11 bytes). */
void caldate_format(struct caldate c, char *out);
/* <0, 0, >0 as a is before, the same as or after b. */
int caldate_cmp(struct caldate a, struct caldate b);
/* a + months, the day clamped to the end of a shorter month. */
struct caldate caldate_add_months(struct caldate a, int months);
/* a + days (negative goes back). */
struct caldate caldate_add_days(struct caldate a, int days);
/* Days since 1970-01-01 (negative before), proleptic Gregorian, and back: O(1). */
long caldate_to_days(struct caldate c);
struct caldate caldate_from_days(long days);

#endif
