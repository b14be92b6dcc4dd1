/* rules.c — income lines by province and year (forms/rules.csv) and the
 * household indicators of DOMAIN.md: two no-worries, three guarantees and
 * water, and the monitoring category to suggest. Every threshold comes from
 * the rules file; the only constants here are the definitions DOMAIN.md
 * gives in words (compulsory-school ages 6 to 15, which choices mean "out of
 * school" or "a health reason"). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fieldcard/csv.h"
#include "fieldcard/fields.h"
#include "fieldcard/record.h"
#include "fieldcard/rules.h"
#include "fieldcard/util.h"

void rules_free(rules *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n; i++)
		free(r->lines[i].province);
	free(r->lines);
	free(r);
}

/* Whole-string number; empty or junk is -1. */
static int parse_num(const char *s, double *out)
{
	char *end;

	while (*s == ' ')
		s++;
	if (!*s)
		return -1;
	errno = 0;
	*out = strtod(s, &end);
	while (*end == ' ')
		end++;
	return errno || *end ? -1 : 0;
}

static int col_of(char **fields, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(fields[i], name))
			return (int)i;
	return -1;
}

int rules_load(const char *path, rules **out, fc_err *err)
{
	FILE *f = fopen(path, "rb");
	csv_reader *cr = NULL;
	rules *r = util_calloc(1, sizeof(*r));
	int *lines = NULL; /* line of each rules line, for duplicate messages */
	char **fields;
	size_t n;
	int rc, cprov = -1, cyear = -1, cpov = -1, cmon = -1, header = 0;

	*out = NULL;
	if (!f) {
		rc = fc_err_set(err, FC_ENOTFOUND, "%s: cannot open: %s", path, strerror(errno));
		goto cleanup;
	}
	cr = csv_open(f, path);
	while ((rc = csv_next(cr, &fields, &n, err)) == 1) {
		int line = csv_line(cr);
		rules_line *l;
		double year, pov, mon = 0;
		const char *prov;

		if (!header) {
			header = 1;
			cprov = col_of(fields, n, "province");
			cyear = col_of(fields, n, "year");
			cpov = col_of(fields, n, "poverty_line");
			cmon = col_of(fields, n, "monitor_line");
			if (cprov < 0 || cyear < 0 || cpov < 0 || cmon < 0) {
				rc = fc_err_set(err, FC_EINVALID,
						"%s:%d: the header must name the columns province,year,poverty_line,monitor_line",
						path, line);
				goto cleanup;
			}
			continue;
		}
		prov = (size_t)cprov < n ? fields[cprov] : "";
		if (!*prov) {
			rc = fc_err_set(err, FC_EINVALID, "%s:%d: missing province (use * for every province)",
					path, line);
			goto cleanup;
		}
		if ((size_t)cyear >= n || parse_num(fields[cyear], &year) < 0 ||
		    year != (int)year || year < 1978 || year > 2100) {
			rc = fc_err_set(err, FC_EINVALID, "%s:%d: year must be a whole year such as 2024, not '%s'",
					path, line, (size_t)cyear < n ? fields[cyear] : "");
			goto cleanup;
		}
		if ((size_t)cpov >= n || parse_num(fields[cpov], &pov) < 0 || pov <= 0) {
			rc = fc_err_set(err, FC_EINVALID,
					"%s:%d: poverty_line must be a positive number of yuan, not '%s'",
					path, line, (size_t)cpov < n ? fields[cpov] : "");
			goto cleanup;
		}
		/* An empty monitor line: none was set that year (before 2021). */
		if ((size_t)cmon < n && fields[cmon][0] &&
		    (parse_num(fields[cmon], &mon) < 0 || mon < 0)) {
			rc = fc_err_set(err, FC_EINVALID,
					"%s:%d: monitor_line must be a number of yuan or empty, not '%s'",
					path, line, fields[cmon]);
			goto cleanup;
		}
		for (size_t i = 0; i < r->n; i++) {
			if (r->lines[i].year == (int)year && !strcmp(r->lines[i].province, prov)) {
				rc = fc_err_set(err, FC_EINVALID, "%s:%d: %s %d is already given on line %d",
						path, line, prov, (int)year, lines[i]);
				goto cleanup;
			}
		}
		r->lines = util_realloc(r->lines, (r->n + 1) * sizeof(*r->lines));
		lines = util_realloc(lines, (r->n + 1) * sizeof(*lines));
		lines[r->n] = line;
		l = &r->lines[r->n++];
		l->province = util_strdup(prov);
		l->year = (int)year;
		l->poverty_line = pov;
		l->monitor_line = mon;
	}
	if (rc < 0)
		goto cleanup;
	if (!r->n) {
		rc = fc_err_set(err, FC_EINVALID, "%s:1: no income lines", path);
		goto cleanup;
	}
	*out = r;
	r = NULL;
	rc = 0;
cleanup:
	free(lines);
	csv_close(cr);
	if (f)
		fclose(f);
	rules_free(r);
	return rc;
}

static const rules_line *find_in(const rules *r, const char *province, int year)
{
	const rules_line *best = NULL;

	for (size_t i = 0; i < r->n; i++) {
		const rules_line *l = &r->lines[i];

		if (strcmp(l->province, province) || l->year > year)
			continue;
		if (!best || l->year > best->year)
			best = l;
	}
	return best;
}

const rules_line *rules_find(const rules *r, const char *province, int year)
{
	const rules_line *l = NULL;

	if (!r)
		return NULL;
	if (province && *province && strcmp(province, "*"))
		l = find_in(r, province, year);
	return l ? l : find_in(r, "*", year);
}

/* ---- indicators ---- */

static int is(const struct record *rec, const char *name, const char *value)
{
	return !strcmp(record_val(rec, name), value);
}

/* Whole years from a YYYY-MM-DD birth date to `today`; -1 if unknown. */
static int age_on(const char *birth, const char *today)
{
	int by, bm, bd, ty, tm, td, age;

	if (sscanf(birth, "%4d-%2d-%2d", &by, &bm, &bd) != 3 ||
	    sscanf(today, "%4d-%2d-%2d", &ty, &tm, &td) != 3)
		return -1;
	age = ty - by;
	if (tm < bm || (tm == bm && td < bd))
		age--;
	return age;
}

static int member_age(const struct record *m, const char *today)
{
	double a;

	/* The calculated age is what the cadre saw; fall back to the birth
	 * date when it has not been calculated yet. */
	if (parse_num(record_val(m, F_M_AGE), &a) == 0)
		return (int)a;
	return age_on(record_val(m, F_M_BIRTH), today);
}

static int member_present(const struct record *c)
{
	return c->kind && !strcmp(c->kind, K_MEMBER) && !is(c, F_M_STATUS, C_LEFT);
}

/* A compulsory-age child out of school for a reason other than health. */
static int out_of_school(const struct record *m, const char *today)
{
	int age = member_age(m, today);

	if (age < 6 || age > 15)
		return 0;
	if (!is(m, F_M_SCHOOL, "dropout") && !is(m, F_M_SCHOOL, "not_in_school"))
		return 0;
	if (is(m, "out_of_school_reason", "illness") ||
	    is(m, "out_of_school_reason", "disability") ||
	    is(m, F_M_HEALTH, "serious") || is(m, F_M_HEALTH, "disabled"))
		return 0;
	return 1;
}

/* A visit in the year before `today` that recorded a sudden hardship. */
static int recent_sudden_event(const struct record *v, const char *today)
{
	const char *ev = record_val(v, F_V_EVENT), *date = record_val(v, F_V_DATE);
	char since[16];
	int y;

	if (!v->kind || strcmp(v->kind, K_VISIT))
		return 0;
	if (strcmp(ev, "illness") && strcmp(ev, "disaster") && strcmp(ev, "accident"))
		return 0;
	if (!*date || sscanf(today, "%4d", &y) != 1 || strlen(today) < 10)
		return 1;
	snprintf(since, sizeof(since), "%04d%s", y - 1, today + 4);
	return strcmp(date, since) >= 0;
}

int rules_household(const rules *r, const struct record *household,
		    const struct record *const *children, size_t nchildren,
		    const char *today, rules_indicators *out)
{
	char now[11];
	const rules_line *line;
	const char *status;
	double net, iph;
	int year = 0, present = 0, checks_ok;

	memset(out, 0, sizeof(*out));
	if (!today) {
		util_today(now);
		today = now;
	}
	sscanf(today, "%4d", &year);
	line = rules_find(r, record_val(household, F_PROVINCE), year);
	out->monitor_line = line ? line->monitor_line : 0;

	for (size_t i = 0; i < nchildren; i++)
		if (member_present(children[i]))
			present++;
	if (parse_num(record_val(household, F_INCOME_PER_HEAD), &iph) == 0)
		out->income_per_head = iph;
	else if (present && parse_num(record_val(household, F_NET_INCOME), &net) == 0)
		out->income_per_head = net / present;
	/* Without a line for the province and year the check cannot fail. */
	out->income_ok = !line || out->income_per_head >= line->poverty_line;

	out->education_ok = 1;
	out->medical_ok = 1;
	for (size_t i = 0; i < nchildren; i++) {
		const struct record *m = children[i];

		if (!member_present(m))
			continue;
		if (out_of_school(m, today))
			out->education_ok = 0;
		if (!is(m, F_M_MEDICAL, C_YES))
			out->medical_ok = 0;
	}
	out->housing_ok = is(household, F_HOUSING_GRADE, "A") ||
			  is(household, F_HOUSING_GRADE, "B") ||
			  is(household, F_RELOCATED, C_YES);
	out->water_ok = is(household, F_SAFE_WATER, C_YES);

	checks_ok = out->income_ok && out->education_ok && out->medical_ok &&
		    out->housing_ok && out->water_ok;
	status = record_val(household, F_POVERTY_STATUS);
	for (size_t i = 0; i < nchildren && !out->flag; i++)
		if (recent_sudden_event(children[i], today))
			out->flag = "sudden";
	if (!out->flag && !strcmp(status, C_LIFTED) &&
	    ((out->monitor_line > 0 && out->income_per_head < out->monitor_line) || !checks_ok))
		out->flag = "unstable";
	if (!out->flag && !*status && out->monitor_line > 0 &&
	    out->income_per_head < out->monitor_line)
		out->flag = "marginal";
	return 0;
}
