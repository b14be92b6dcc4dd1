/* rules.c — income lines by province and year (forms/rules.csv) and the
 * household indicators of DOMAIN.md: two no-worries, three guarantees and
 * water, and the monitoring category to suggest. Every threshold comes from
 * the rules file; the only constants here are the definitions DOMAIN.md
 * gives in words (compulsory-school ages 6 to 15, which choices mean "out of
 * school" or "a health reason"). */
#include <errno.h>
#include <stdarg.h>
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
	for (size_t i = 0; i < r->n; i++) {
		free(r->lines[i].province);
		free(r->lines[i].source);
	}
	free(r->lines);
	free(r->path);
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

/* The columns of rules.csv; the first five must be there. */
enum { C_PROV, C_YEAR, C_POV, C_MON, C_SOURCE, C_CLEAR, C_DROP, C_MED, C_VISIT, NCOLS };
static const char *const col_names[NCOLS] = {
	"province", "year", "poverty_line", "monitor_line", "source",
	"clear_months", "drop_share", "medical_share", "visit_days",
};

static const char *cell(char **fields, size_t n, const int *cols, int c)
{
	return cols[c] >= 0 && (size_t)cols[c] < n ? fields[cols[c]] : "";
}

/* An optional threshold: empty is -1 (take the "*" line's), else a number
 * in [0, max]. */
static int threshold(const char *path, int line, const char *name, const char *v, double max,
		     int whole, double *out, fc_err *err)
{
	if (!*v) {
		*out = -1;
		return 0;
	}
	if (parse_num(v, out) < 0 || *out < 0 || *out > max || (whole && *out != (int)*out))
		return fc_err_set(err, FC_EINVALID, "%s:%d: %s must be %s from 0 to %g, or empty, not '%s'",
				  path, line, name, whole ? "a whole number" : "a number", max, v);
	return 0;
}

static int load_line(const char *path, int line, char **fields, size_t n, const int *cols,
		     rules_line *l, fc_err *err)
{
	const char *prov = cell(fields, n, cols, C_PROV), *src = cell(fields, n, cols, C_SOURCE);
	double year, pov, mon = 0, clear, drop, med, visit;
	int rc;

	if (!*prov)
		return fc_err_set(err, FC_EINVALID, "%s:%d: missing province (use * for every province)",
				  path, line);
	/* The range first: (int) of 2e76 is undefined (fuzz_rules). */
	if (parse_num(cell(fields, n, cols, C_YEAR), &year) < 0 || !(year >= 1978 && year <= 2100) ||
	    year != (int)year)
		return fc_err_set(err, FC_EINVALID, "%s:%d: year must be a whole year such as 2024, not '%s'",
				  path, line, cell(fields, n, cols, C_YEAR));
	if (parse_num(cell(fields, n, cols, C_POV), &pov) < 0 || pov <= 0)
		return fc_err_set(err, FC_EINVALID,
				  "%s:%d: poverty_line must be a positive number of yuan, not '%s'",
				  path, line, cell(fields, n, cols, C_POV));
	/* An empty monitor line: none was set that year (before 2021). */
	if (*cell(fields, n, cols, C_MON) &&
	    (parse_num(cell(fields, n, cols, C_MON), &mon) < 0 || mon < 0))
		return fc_err_set(err, FC_EINVALID,
				  "%s:%d: monitor_line must be a number of yuan or empty, not '%s'",
				  path, line, cell(fields, n, cols, C_MON));
	while (*src == ' ')
		src++;
	if (!*src)
		return fc_err_set(err, FC_EINVALID,
				  "%s:%d: the line for %s %d has no source: name the publication that set it, or write example for a demo value",
				  path, line, prov, (int)year);
	if ((rc = threshold(path, line, "clear_months", cell(fields, n, cols, C_CLEAR), 120, 1,
			    &clear, err)) ||
	    (rc = threshold(path, line, "drop_share", cell(fields, n, cols, C_DROP), 1, 0, &drop, err)) ||
	    (rc = threshold(path, line, "medical_share", cell(fields, n, cols, C_MED), 10, 0, &med,
			    err)) ||
	    (rc = threshold(path, line, "visit_days", cell(fields, n, cols, C_VISIT), 3650, 1, &visit,
			    err)))
		return rc;
	l->province = util_strdup(prov);
	l->source = util_strdup(src);
	l->year = (int)year;
	l->poverty_line = pov;
	l->monitor_line = mon;
	l->clear_months = (int)clear;
	l->drop_share = drop;
	l->medical_share = med;
	l->visit_days = (int)visit;
	l->line = line;
	return 0;
}

/* A province's empty thresholds are the "*" line's of the same year. */
static void inherit(rules *r)
{
	for (size_t i = 0; i < r->n; i++) {
		rules_line *l = &r->lines[i];
		const rules_line *all = NULL;

		for (size_t j = 0; j < r->n; j++)
			if (!strcmp(r->lines[j].province, "*") && r->lines[j].year == l->year)
				all = &r->lines[j];
		if (l->clear_months < 0)
			l->clear_months = all && all->clear_months > 0 ? all->clear_months : 0;
		if (l->drop_share < 0)
			l->drop_share = all && all->drop_share > 0 ? all->drop_share : 0;
		if (l->medical_share < 0)
			l->medical_share = all && all->medical_share > 0 ? all->medical_share : 0;
		if (l->visit_days < 0)
			l->visit_days = all && all->visit_days > 0 ? all->visit_days : 0;
	}
}

int rules_load(const char *path, rules **out, fc_err *err)
{
	FILE *f = fopen(path, "rb");
	csv_reader *cr = NULL;
	rules *r = util_calloc(1, sizeof(*r));
	char **fields;
	size_t n;
	int rc, cols[NCOLS], header = 0;

	*out = NULL;
	r->path = util_strdup(path);
	if (!f) {
		rc = fc_err_set(err, FC_ENOTFOUND, "%s: cannot open: %s", path, strerror(errno));
		goto cleanup;
	}
	cr = csv_open(f, path);
	while ((rc = csv_next(cr, &fields, &n, err)) == 1) {
		int line = csv_line(cr);
		rules_line l;

		if (!header) {
			header = 1;
			for (int c = 0; c < NCOLS; c++)
				cols[c] = col_of(fields, n, col_names[c]);
			if (cols[C_PROV] < 0 || cols[C_YEAR] < 0 || cols[C_POV] < 0 ||
			    cols[C_MON] < 0 || cols[C_SOURCE] < 0) {
				rc = fc_err_set(err, FC_EINVALID,
						"%s:%d: the header must name the columns province,year,poverty_line,monitor_line,source",
						path, line);
				goto cleanup;
			}
			continue;
		}
		if ((rc = load_line(path, line, fields, n, cols, &l, err)) != 0)
			goto cleanup;
		for (size_t i = 0; i < r->n; i++) {
			if (r->lines[i].year == l.year && !strcmp(r->lines[i].province, l.province)) {
				rc = fc_err_set(err, FC_EINVALID, "%s:%d: %s %d is already given on line %d",
						path, line, l.province, l.year, r->lines[i].line);
				free(l.province);
				free(l.source);
				goto cleanup;
			}
		}
		r->lines = util_realloc(r->lines, (r->n + 1) * sizeof(*r->lines));
		r->lines[r->n++] = l;
	}
	if (rc < 0)
		goto cleanup;
	if (!r->n) {
		rc = fc_err_set(err, FC_EINVALID, "%s:1: no income lines", path);
		goto cleanup;
	}
	inherit(r);
	*out = r;
	r = NULL;
	rc = 0;
cleanup:
	csv_close(cr);
	if (f)
		fclose(f);
	rules_free(r);
	return rc;
}

static const rules_line *find_in(const rules *r, const char *province, int year)
{
	for (size_t i = 0; i < r->n; i++)
		if (r->lines[i].year == year && !strcmp(r->lines[i].province, province))
			return &r->lines[i];
	return NULL;
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

size_t rules_examples(const rules *r)
{
	size_t n = 0;

	for (size_t i = 0; r && i < r->n; i++)
		n += !strcmp(r->lines[i].source, "example");
	return n;
}

/* ---- indicators ---- */

#define ZE(lang, zh, en) ((lang) == FC_LANG_EN ? (en) : (zh))

static const struct {
	const char *code, *zh, *en;
} check_names[RULES_NCHECKS] = {
	{ "income", "吃穿不愁（收入）", "food and clothing (income)" },
	{ "education", "义务教育保障", "compulsory education" },
	{ "medical", "基本医疗保障", "basic medical insurance" },
	{ "housing", "住房安全保障", "housing safety" },
	{ "water", "饮水安全保障", "drinking water" },
};

const char *rules_check_code(int check)
{
	return check >= 0 && check < RULES_NCHECKS ? check_names[check].code : NULL;
}

const char *rules_check_label(int check, int lang)
{
	if (check < 0 || check >= RULES_NCHECKS)
		return NULL;
	return ZE(lang, check_names[check].zh, check_names[check].en);
}

int rules_check_by_code(const char *code)
{
	for (int i = 0; code && i < RULES_NCHECKS; i++)
		if (!strcmp(code, check_names[i].code))
			return i;
	return -1;
}

static int is(const struct record *rec, const char *name, const char *value)
{
	return !strcmp(record_val(rec, name), value);
}

/* Days since 1970-01-01 of a YYYY-MM-DD date; -1 if it is not one. */
static long day_number(const char *d)
{
	int y, m, dd;
	long era, yoe, doy;

	if (!d || strlen(d) < 10 || sscanf(d, "%4d-%2d-%2d", &y, &m, &dd) != 3 || m < 1 ||
	    m > 12 || dd < 1 || dd > 31)
		return -1;
	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153L * (m + (m > 2 ? -3 : 9)) + 2) / 5 + dd - 1;
	return era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468;
}

/* Whole years from a YYYY-MM-DD birth date to `today`; -1 if unknown. */
static int age_on(const char *birth, const char *today)
{
	int by, bm, bd, ty, tm, td, age;

	if (strlen(birth) < 10 || sscanf(birth, "%4d-%2d-%2d", &by, &bm, &bd) != 3 ||
	    sscanf(today, "%4d-%2d-%2d", &ty, &tm, &td) != 3)
		return -1;
	age = ty - by;
	if (tm < bm || (tm == bm && td < bd))
		age--;
	return age;
}

/* Age on the day of the check, from the birth date: the stored age is
 * only as fresh as the last save, and a child turns 16 between checks. */
static int member_age(const struct record *m, const char *today)
{
	double a;
	int age = age_on(record_val(m, F_M_BIRTH), today);

	if (age >= 0)
		return age;
	if (parse_num(record_val(m, F_M_AGE), &a) == 0)
		return (int)a;
	return -1;
}

static int member_present(const struct record *c)
{
	return c->kind && !strcmp(c->kind, K_MEMBER) && !is(c, F_M_STATUS, C_LEFT);
}

static int is_visit(const struct record *c)
{
	return c->kind && !strcmp(c->kind, K_VISIT);
}

static const char *member_name(const struct record *m)
{
	const char *n = record_val(m, F_M_NAME);

	return *n ? n : m->id;
}

/* Append "; " and a formatted text to a fixed buffer, cutting safely. */
static void addf(char *buf, size_t sz, const char *sep, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void addf(char *buf, size_t sz, const char *sep, const char *fmt, ...)
{
	size_t len = strlen(buf);
	va_list ap;

	if (len && len + strlen(sep) < sz) {
		memcpy(buf + len, sep, strlen(sep) + 1);
		len += strlen(sep);
	}
	if (len + 1 >= sz)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + len, sz - len, fmt, ap);
	va_end(ap);
}

/* A compulsory-age child (6 to 15 on the day of the check) out of school
 * for a reason other than health: only a recorded reason of illness or
 * disability excuses it, whatever else the card says about the child. */
static int out_of_school(const struct record *m, const char *today, int *age)
{
	*age = member_age(m, today);
	if (*age < 6 || *age > 15)
		return 0;
	if (!is(m, F_M_SCHOOL, "dropout") && !is(m, F_M_SCHOOL, "not_in_school"))
		return 0;
	return !is(m, F_M_OOS_REASON, "illness") && !is(m, F_M_OOS_REASON, "disability");
}

/* The rules file as a person finds it: its folder and name
 * ("forms/rules.csv"), not the whole path, which fills a narrow card. */
static const char *shown_path(const rules *r)
{
	const char *p = r->path ? r->path : "rules.csv", *last = NULL, *before = NULL;

	for (const char *q = p; *q; q++)
		if (*q == '/') {
			before = last;
			last = q;
		}
	return before ? before + 1 : p;
}

static void check_income(const rules *r, const struct record *h, int present, int lang,
			 rules_indicators *out)
{
	rules_check *c = &out->check[RULES_INCOME];
	const char *prov = record_val(h, F_PROVINCE);
	double iph, net;

	if (parse_num(record_val(h, F_INCOME_PER_HEAD), &iph) == 0) {
		out->income_per_head = iph;
		out->has_income = 1;
	} else if (present && parse_num(record_val(h, F_NET_INCOME), &net) == 0) {
		out->income_per_head = net / present;
		out->has_income = 1;
	}
	c->state = RULES_UNKNOWN;
	if (!out->income_year) {
		snprintf(c->reason, sizeof(c->reason), "%s",
			 ZE(lang, "未填写收入年度，无法对照收入线", "no income year, so no income line applies"));
		return;
	}
	if (!r) {
		snprintf(out->no_line, sizeof(out->no_line),
			 ZE(lang, "没有规则文件（forms/rules.csv），收入未核对", "no rules file (forms/rules.csv): income is not checked"));
	} else if (!out->line) {
		if (lang == FC_LANG_EN)
			snprintf(out->no_line, sizeof(out->no_line), "no income line for %s %d in %s",
				 *prov ? prov : "*", out->income_year, shown_path(r));
		else
			snprintf(out->no_line, sizeof(out->no_line), "%s 中没有%s %d 年的收入线",
				 shown_path(r), *prov ? prov : "*", out->income_year);
	}
	if (out->no_line[0]) {
		snprintf(c->reason, sizeof(c->reason), "%s", out->no_line);
		return;
	}
	if (!out->has_income) {
		snprintf(c->reason, sizeof(c->reason), "%s",
			 ZE(lang, "没有人均纯收入", "no income per head"));
		return;
	}
	if (out->income_per_head >= out->line->poverty_line) {
		c->state = RULES_PASS;
		return;
	}
	c->state = RULES_FAIL;
	snprintf(c->reason, sizeof(c->reason),
		 ZE(lang, "人均纯收入 %.2f 元低于 %d 年收入线 %.0f 元",
		    "income per head %.2f yuan is under the %d line of %.0f yuan"),
		 out->income_per_head, out->income_year, out->line->poverty_line);
}

static void check_members(const struct record *const *ch, size_t n, const char *today,
			  int lang, rules_indicators *out)
{
	rules_check *edu = &out->check[RULES_EDUCATION], *med = &out->check[RULES_MEDICAL];

	for (size_t i = 0; i < n; i++) {
		const struct record *m = ch[i];
		int age;

		if (!member_present(m))
			continue;
		if (out_of_school(m, today, &age)) {
			edu->state = RULES_FAIL;
			addf(edu->reason, sizeof(edu->reason), ZE(lang, "；", "; "),
			     ZE(lang, "%s %d 岁，义务教育阶段未在校（原因：%s）",
				"%s, aged %d, is out of school (reason: %s)"),
			     member_name(m), age,
			     *record_val(m, F_M_OOS_REASON) ? record_val(m, F_M_OOS_REASON)
							    : ZE(lang, "未填", "not given"));
		}
		if (!is(m, F_M_MEDICAL, C_YES)) {
			med->state = RULES_FAIL;
			addf(med->reason, sizeof(med->reason), ZE(lang, "、", ", "), "%s", member_name(m));
		}
	}
	if (med->state == RULES_FAIL) {
		char names[sizeof(med->reason)];

		snprintf(names, sizeof(names), "%s", med->reason);
		snprintf(med->reason, sizeof(med->reason),
			 ZE(lang, "未参加基本医疗保险：%s", "no basic medical insurance: %s"), names);
	}
}

static void check_house(const struct record *h, int lang, rules_indicators *out)
{
	rules_check *c = &out->check[RULES_HOUSING], *w = &out->check[RULES_WATER];
	const char *g = record_val(h, F_HOUSING_GRADE);

	if (!is(h, F_HOUSING_GRADE, "A") && !is(h, F_HOUSING_GRADE, "B") &&
	    !is(h, F_RELOCATED, C_YES)) {
		c->state = RULES_FAIL;
		snprintf(c->reason, sizeof(c->reason),
			 ZE(lang, "住房安全等级为 %s，且未易地搬迁", "housing grade %s and not relocated"),
			 *g ? g : "-");
	}
	if (!is(h, F_SAFE_WATER, C_YES)) {
		w->state = RULES_FAIL;
		snprintf(w->reason, sizeof(w->reason), "%s",
			 ZE(lang, "饮水不安全或未填写", "drinking water not safe, or not given"));
	}
}

/* The monitoring category the rules suggest, most specific first: a
 * sudden hardship on a visit in the year before the check, then a lifted
 * household at risk, then one never identified under the monitoring line. */
static void suggest(const struct record *h, const struct record *const *ch, size_t n,
		    const char *today, int lang, rules_indicators *out)
{
	rules_flag *s = &out->suggest;
	const char *status = record_val(h, F_POVERTY_STATUS);
	const rules_line *l = out->line;
	long now = day_number(today);
	int under = l && l->monitor_line > 0 && out->has_income &&
		    out->income_per_head < l->monitor_line;
	int failing = 0;

	for (size_t i = 0; i < n && !s->kind; i++) {
		const char *ev = record_val(ch[i], F_V_EVENT), *date = record_val(ch[i], F_V_DATE);
		long d = day_number(date);

		if (!is_visit(ch[i]) || (strcmp(ev, "illness") && strcmp(ev, "disaster") &&
					 strcmp(ev, "accident")))
			continue;
		if (d >= 0 && now >= 0 && now - d > 365)
			continue;
		s->kind = "sudden";
		snprintf(s->reason, sizeof(s->reason),
			 ZE(lang, "%s 走访记录突发情况（%s）", "the visit of %s records a sudden event (%s)"),
			 date, ev);
		snprintf(s->facts, sizeof(s->facts), "visit %s %s %s", ch[i]->id, date, ev);
	}
	for (int c = 0; c < RULES_NCHECKS; c++)
		failing += out->check[c].state == RULES_FAIL;
	/* An unknown check (no line) is said on its own; it is no risk found. */
	if (!s->kind && !strcmp(status, C_LIFTED) && (under || failing)) {
		s->kind = "unstable";
		if (under)
			snprintf(s->reason, sizeof(s->reason),
				 ZE(lang, "已脱贫，人均纯收入 %.2f 元低于 %d 年监测线 %.0f 元",
				    "lifted, but income per head %.2f yuan is under the %d monitoring line of %.0f"),
				 out->income_per_head, out->income_year, l->monitor_line);
		else
			snprintf(s->reason, sizeof(s->reason), "%s",
				 ZE(lang, "已脱贫，但有核查项未通过", "lifted, but a check fails"));
	}
	if (!s->kind && !*status && under) {
		s->kind = "marginal";
		snprintf(s->reason, sizeof(s->reason),
			 ZE(lang, "未识别为贫困户，人均纯收入 %.2f 元低于 %d 年监测线 %.0f 元",
			    "never identified, income per head %.2f yuan under the %d monitoring line of %.0f"),
			 out->income_per_head, out->income_year, l->monitor_line);
	}
	if (s->kind && strcmp(s->kind, "sudden")) {
		snprintf(s->facts, sizeof(s->facts), "%d %.2f", out->income_year, out->income_per_head);
		for (int c = 0; c < RULES_NCHECKS; c++)
			if (out->check[c].state == RULES_FAIL)
				addf(s->facts, sizeof(s->facts), " ", "%s", check_names[c].code);
	}
	/* A household already monitored in that category, risk not cleared,
	 * needs no suggestion. */
	if (s->kind && is(h, F_MONITOR_CATEGORY, s->kind) && !is(h, F_RISK_CLEARED, C_YES))
		memset(s, 0, sizeof(*s));
}

static rules_flag *warn_new(rules_indicators *out, const char *kind)
{
	rules_flag *w;

	if (out->nwarn >= RULES_MAX_WARN)
		return NULL;
	w = &out->warn[out->nwarn++];
	w->kind = kind;
	return w;
}

static void warn_income(const struct record *h, const rules_past *past, int lang,
			rules_indicators *out)
{
	const rules_line *l = out->line;
	double net, oop, fall;
	rules_flag *w;

	if (l && l->drop_share > 0 && past && past->year && past->year < out->income_year &&
	    past->income_per_head > 0 && out->has_income &&
	    (fall = (past->income_per_head - out->income_per_head) / past->income_per_head) >
		    l->drop_share && (w = warn_new(out, "income_drop"))) {
		if (lang == FC_LANG_EN)
			snprintf(w->reason, sizeof(w->reason),
				 "income per head fell from %.2f yuan in %d to %.2f in %d (%.0f%%, threshold %.0f%%)",
				 past->income_per_head, past->year, out->income_per_head,
				 out->income_year, fall * 100, l->drop_share * 100);
		else
			snprintf(w->reason, sizeof(w->reason),
				 "人均纯收入由 %d 年的 %.2f 元降至 %d 年的 %.2f 元（下降 %.0f%%，预警线 %.0f%%）",
				 past->year, past->income_per_head, out->income_year,
				 out->income_per_head, fall * 100, l->drop_share * 100);
		snprintf(w->facts, sizeof(w->facts), "%d %.2f %d %.2f", past->year,
			 past->income_per_head, out->income_year, out->income_per_head);
	}
	if (l && l->medical_share > 0 && parse_num(record_val(h, F_OOP), &oop) == 0 && oop > 0 &&
	    parse_num(record_val(h, F_NET_INCOME), &net) == 0 &&
	    (net <= 0 || oop / net > l->medical_share) && (w = warn_new(out, "medical_share"))) {
		if (lang == FC_LANG_EN)
			snprintf(w->reason, sizeof(w->reason),
				 "out-of-pocket spending %.2f yuan is over %.0f%% of net income %.2f",
				 oop, l->medical_share * 100, net);
		else
			snprintf(w->reason, sizeof(w->reason),
				 "合规自付支出 %.2f 元，超过家庭纯收入 %.2f 元的 %.0f%%", oop, net,
				 l->medical_share * 100);
		snprintf(w->facts, sizeof(w->facts), "%d %.2f %.2f", out->income_year, oop, net);
	}
}

static void warn_visits(const struct record *const *ch, size_t n, const char *today, int lang,
			rules_indicators *out)
{
	const struct record *last = NULL, *due = NULL;
	long now = day_number(today);
	rules_flag *w;

	for (size_t i = 0; i < n; i++)
		if (is_visit(ch[i]) && (!last || strcmp(record_val(ch[i], F_V_DATE),
							 record_val(last, F_V_DATE)) > 0))
			last = ch[i];
	/* A follow-up is due when no visit came after the one that set it. */
	for (size_t i = 0; i < n; i++) {
		long f = day_number(record_val(ch[i], F_V_FOLLOW_UP));
		int later = 0;

		if (!is_visit(ch[i]) || f < 0 || f >= now)
			continue;
		for (size_t j = 0; j < n && !later; j++)
			later = is_visit(ch[j]) && strcmp(record_val(ch[j], F_V_DATE),
							   record_val(ch[i], F_V_DATE)) > 0;
		if (!later && (!due || strcmp(record_val(ch[i], F_V_FOLLOW_UP),
					      record_val(due, F_V_FOLLOW_UP)) < 0))
			due = ch[i];
	}
	if (due && (w = warn_new(out, "follow_up"))) {
		snprintf(w->reason, sizeof(w->reason),
			 ZE(lang, "%s 走访约定 %s 回访，至今没有回访",
			    "the visit of %s set a follow-up for %s, and none has been recorded"),
			 record_val(due, F_V_DATE), record_val(due, F_V_FOLLOW_UP));
		snprintf(w->facts, sizeof(w->facts), "visit %s %s", due->id,
			 record_val(due, F_V_FOLLOW_UP));
	}
	if (out->line && out->line->visit_days > 0 && now >= 0) {
		long d = last ? day_number(record_val(last, F_V_DATE)) : -1;

		if ((d < 0 || now - d > out->line->visit_days) && (w = warn_new(out, "no_visit"))) {
			if (d < 0)
				snprintf(w->reason, sizeof(w->reason), "%s",
					 ZE(lang, "没有走访记录", "no visit is recorded"));
			else
				snprintf(w->reason, sizeof(w->reason),
					 ZE(lang, "已有 %ld 天没有走访（上次 %s，预警线 %d 天）",
					    "no visit for %ld days (last %s, threshold %d days)"),
					 now - d, record_val(last, F_V_DATE), out->line->visit_days);
			snprintf(w->facts, sizeof(w->facts), "last %s",
				 last ? record_val(last, F_V_DATE) : "none");
		}
	}
}

/* A person confirmed or dismissed this kind on these very facts: it is
 * not raised again until the facts change. */
static int decided(const struct record *const *ch, size_t n, const rules_flag *f)
{
	for (size_t i = 0; i < n; i++)
		if (ch[i]->kind && !strcmp(ch[i]->kind, K_FLAG) &&
		    is(ch[i], F_FLAG_KIND, f->kind) && is(ch[i], F_FLAG_FACTS, f->facts) &&
		    (is(ch[i], F_FLAG_STATE, C_FLAG_CONFIRMED) || is(ch[i], F_FLAG_STATE, C_FLAG_DISMISSED)))
			return 1;
	return 0;
}

static void drop_decided(const struct record *const *ch, size_t n, rules_indicators *out)
{
	size_t k = 0;

	if (out->suggest.kind && decided(ch, n, &out->suggest))
		memset(&out->suggest, 0, sizeof(out->suggest));
	for (size_t i = 0; i < out->nwarn; i++)
		if (!decided(ch, n, &out->warn[i]))
			out->warn[k++] = out->warn[i];
	out->nwarn = k;
}

int rules_household(const rules *r, const struct record *household,
		    const struct record *const *children, size_t nchildren,
		    const char *today, int lang, const rules_past *past,
		    rules_indicators *out)
{
	char now[11];
	double y;
	int present = 0;

	memset(out, 0, sizeof(*out));
	if (!today) {
		util_today(now);
		today = now;
	}
	if (parse_num(record_val(household, F_INCOME_YEAR), &y) == 0 && y == (int)y && y > 1900 &&
	    y < 2200)
		out->income_year = (int)y;
	out->line = out->income_year ? rules_find(r, record_val(household, F_PROVINCE),
						  out->income_year) : NULL;
	for (size_t i = 0; i < nchildren; i++)
		present += member_present(children[i]);
	check_income(r, household, present, lang, out);
	check_members(children, nchildren, today, lang, out);
	check_house(household, lang, out);
	out->checks_pass = 1;
	for (int c = 0; c < RULES_NCHECKS; c++)
		if (out->check[c].state != RULES_PASS)
			out->checks_pass = 0;
	suggest(household, children, nchildren, today, lang, out);
	warn_income(household, past, lang, out);
	warn_visits(children, nchildren, today, lang, out);
	drop_decided(children, nchildren, out);
	return 0;
}

/* Whole months from a YYYYMM monitoring month to a YYYY-MM-DD date; -1 if
 * either is missing. From 202601 to 2026-07-01 is 6. */
static int months_between(const char *ym, const char *date)
{
	int my, mm, dy, dm, dd;

	if (strlen(ym) != 6 || sscanf(ym, "%4d%2d", &my, &mm) != 2 ||
	    sscanf(date, "%4d-%2d-%2d", &dy, &dm, &dd) != 3)
		return -1;
	return (dy - my) * 12 + (dm - mm);
}

int rules_clear_problems(const rules *r, const struct record *h,
			 const struct record *const *children, size_t nchildren,
			 const char *today, int lang, const rules_indicators *ind,
			 char *out, size_t outsz)
{
	const char *cleared = record_val(h, F_RISK_CLEARED_DATE);
	const rules_line *l = ind->line;
	int fails = 0, able = 0, months;

	(void)r;
	out[0] = '\0';
	months = months_between(record_val(h, F_MONITOR_DATE), *cleared ? cleared : today);
	if (!l || l->clear_months <= 0) {
		fails++;
		addf(out, outsz, ZE(lang, "；", "; "), "%s",
		     ind->no_line[0] ? ind->no_line
				     : ZE(lang, "收入年度的规则行没有 clear_months（监测满几个月方可消除风险）",
					  "the rules line of the income year has no clear_months"));
	} else if (months < l->clear_months) {
		fails++;
		if (months < 0)
			addf(out, outsz, ZE(lang, "；", "; "), ZE(lang, "没有纳入监测年月，须监测满 %d 个月",
						  "no month of entry into monitoring; %d months are needed"),
			     l->clear_months);
		else
			addf(out, outsz, ZE(lang, "；", "; "), ZE(lang, "仅监测 %d 个月，须满 %d 个月",
						  "monitored %d months, %d are needed"),
			     months, l->clear_months);
	}
	if (!*record_val(h, F_MEASURES)) {
		fails++;
		addf(out, outsz, ZE(lang, "；", "; "), "%s", ZE(lang, "没有帮扶措施", "no assistance measure"));
	}
	if (!l || l->monitor_line <= 0 || !ind->has_income ||
	    ind->income_per_head <= l->monitor_line) {
		fails++;
		if (l && l->monitor_line > 0 && ind->has_income)
			addf(out, outsz, ZE(lang, "；", "; "), ZE(lang, "人均纯收入 %.2f 元未高于监测线 %.0f 元",
						  "income per head %.2f yuan is not above the monitoring line %.0f"),
			     ind->income_per_head, l->monitor_line);
		else
			addf(out, outsz, ZE(lang, "；", "; "), "%s", ZE(lang, "无法对照监测线（没有收入或监测线）",
							"no income or monitoring line to compare"));
	}
	for (int c = 0; c < RULES_NCHECKS; c++)
		if (ind->check[c].state != RULES_PASS && (c != RULES_INCOME || l)) {
			fails++;
			addf(out, outsz, ZE(lang, "；", "; "), ZE(lang, "%s未通过", "%s fails"),
			     ZE(lang, check_names[c].zh, check_names[c].en));
		}
	for (size_t i = 0; i < nchildren; i++)
		able += member_present(children[i]) &&
			(is(children[i], F_M_LABOUR, "normal") || is(children[i], F_M_LABOUR, "skilled") ||
			 is(children[i], F_M_LABOUR, "weak"));
	if (!able) {
		fails++;
		addf(out, outsz, ZE(lang, "；", "; "), "%s", ZE(lang, "没有有劳动能力的成员", "no member able to work"));
	}
	return fails;
}
