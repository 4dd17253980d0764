/* sipdate — parse the SIP Date header (RFC 3261 §20.17 rfc1123-date) into a time_t. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <danecid/error.h>

#include "sipdate.h"

/* "Sat, 13 Nov 2010 23:29:00 GMT": the value is exactly this long, fields at fixed offsets. */
#define DATE_LEN 29

/* The names RFC 3261 §25.1 allows, three letters each, in tm_wday / tm_mon order. */
static const char wkdays[] = "SunMonTueWedThuFriSat";
static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";

/* SP or HTAB: the only white space allowed around the value. */
static bool is_sp(char c)
{
	return c == ' ' || c == '\t';
}

/* The value of the n ASCII digits at p into *v; false if any is not a digit. */
static bool digits(const char *p, size_t n, int *v)
{
	int x = 0;

	for (size_t i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9') {
			return false;
		}
		x = x * 10 + (p[i] - '0');
	}
	*v = x;
	return true;
}

/* Index of the 3-letter name at p among the n names packed in names (case-sensitive), or -1. */
static int name_index(const char *p, const char *names, int n)
{
	for (int i = 0; i < n; i++) {
		if (memcmp(p, names + 3 * i, 3) == 0) {
			return i;
		}
	}
	return -1;
}

/* Is year y a leap year in the proleptic Gregorian calendar? */
static bool is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Days in month m (1-12) of year y. */
static int month_days(int y, int m)
{
	static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

/* Days from 1970-01-01 to y-m-d (Gregorian; H. Hinnant's days_from_civil), for y >= 1. */
static int64_t days_from_civil(int y, int m, int d)
{
	int64_t yy = (int64_t)y - (m <= 2);
	int64_t era = yy / 400;       /* yy >= 0: no rounding toward zero issue */
	int64_t yoe = yy - era * 400; /* [0, 399] */
	int64_t mp = (m + 9) % 12;    /* March = 0 ... February = 11 */
	int64_t doy = (153 * mp + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + doe - 719468;
}

int danecid_sip_date_parse(const char *p, size_t len, time_t *out)
{
	int r = DANECID_ERR_INTERNAL;
	int wday, mon, day, year, hh, mm, ss;
	int64_t days;
	int64_t t;

	if (out == NULL || (p == NULL && len > 0)) {
		r = DANECID_ERR_INVAL;
		goto out;
	}
	while (len > 0 && is_sp(p[0])) {
		p++;
		len--;
	}
	while (len > 0 && is_sp(p[len - 1])) {
		len--;
	}
	r = DANECID_ERR_MALFORMED;
	if (len != DATE_LEN) {
		goto out;
	}
	/* Separators: "www, dd mmm yyyy hh:mm:ss GMT" */
	if (p[3] != ',' || p[4] != ' ' || p[7] != ' ' || p[11] != ' ' || p[16] != ' ' ||
	    p[19] != ':' || p[22] != ':' || p[25] != ' ' || memcmp(p + 26, "GMT", 3) != 0) {
		goto out;
	}
	wday = name_index(p, wkdays, 7);
	mon = name_index(p + 8, months, 12);
	if (wday < 0 || mon < 0) {
		goto out;
	}
	mon++;
	if (!digits(p + 5, 2, &day) || !digits(p + 12, 4, &year) || !digits(p + 17, 2, &hh) ||
	    !digits(p + 20, 2, &mm) || !digits(p + 23, 2, &ss)) {
		goto out;
	}
	if (year < 1970 || day < 1 || day > month_days(year, mon) || hh > 23 || mm > 59 ||
	    ss > 59) {
		goto out;
	}
	days = days_from_civil(year, mon, day);
	if ((days + 4) % 7 != wday) { /* 1970-01-01 was a Thursday */
		goto out;
	}
	t = days * 86400 + hh * 3600 + mm * 60 + ss;
	if ((int64_t)(time_t)t != t) {
		goto out; /* beyond a 32-bit time_t */
	}
	*out = (time_t)t;
	r = DANECID_OK;
out:
	return r;
}
