/* report.c — `report village|monitor|notice`: village summaries with text
 * bar charts, the households the rules flag for monitoring (for a person to
 * confirm, never applied silently), and the public-notice list with masked
 * ID numbers and no health details (DOMAIN.md). Streams households one at a
 * time. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fieldcard/app.h"
#include "fieldcard/checks.h"
#include "fieldcard/cli.h"
#include "fieldcard/csv.h"
#include "fieldcard/fields.h"
#include "fieldcard/util.h"

enum { REP_VILLAGE, REP_MONITOR, REP_NOTICE };

#define MAX_BUCKETS 32

typedef struct bucket {
	char name[64];
	int n;
} bucket;

typedef struct report_state {
	fc_app *a;
	int kind, csv;
	fc_buf out;
	/* village summary */
	int households, members, monitored, flagged, no_line;
	int fails[RULES_NCHECKS];
	char no_line_msg[256];       /* the first card without an income line */
	bucket status[MAX_BUCKETS], type[MAX_BUCKETS], cause[MAX_BUCKETS];
	fc_err *err;
} report_state;

static void bucket_add(bucket *b, const char *name)
{
	if (!*name)
		name = "-";
	for (int i = 0; i < MAX_BUCKETS; i++) {
		if (!b[i].name[0]) {
			snprintf(b[i].name, sizeof(b[i].name), "%s", name);
			b[i].n = 1;
			return;
		}
		if (!strcmp(b[i].name, name)) {
			b[i].n++;
			return;
		}
	}
}

/* The label of a choice of a household field, in the user's language. */
static const char *choice_label(report_state *rs, const char *field, const char *value)
{
	const form_field *fld = form_field_find(app_form(rs->a, K_HOUSEHOLD), field);
	const form_choice *c;

	if (!fld || !fld->list || !*value)
		return value;
	c = form_choice_find(fld->list, value);
	return c ? form_choice_label(c, rs->a->lang) : value;
}

static void row(report_state *rs, const char *const *cells, size_t n, const int *widths)
{
	for (size_t i = 0; i < n; i++) {
		if (rs->csv) {
			csv_write_field(&rs->out, cells[i], i == 0);
		} else {
			int pad = widths[i] - util_utf8_width(cells[i]);

			buf_adds(&rs->out, cells[i]);
			while (pad-- > 0)
				buf_addc(&rs->out, ' ');
			buf_addc(&rs->out, ' ');
		}
	}
	if (rs->csv)
		csv_write_eol(&rs->out);
	else
		buf_addc(&rs->out, '\n');
	fputs(buf_cstr(&rs->out), stdout);
	buf_reset(&rs->out);
}

static int one_household(const record *r, void *ud)
{
	report_state *rs = ud;
	app_household h;
	rules_indicators ind;
	int present = 0, rc;

	if ((rc = app_household_of(rs->a, r, &h, rs->err)) != FC_OK)
		return rc;
	if ((rc = checks_household(rs->a, &h, NULL, &ind, rs->err)) != FC_OK) {
		app_household_free(&h);
		return rc;
	}
	for (size_t i = 0; i < h.nchildren; i++)
		if (!strcmp(h.children[i]->kind, K_MEMBER) &&
		    strcmp(record_val(h.children[i], F_M_STATUS), C_LEFT))
			present++;
	if (ind.no_line[0] && !rs->no_line++)
		snprintf(rs->no_line_msg, sizeof(rs->no_line_msg), "%s", ind.no_line);
	if (rs->kind == REP_VILLAGE) {
		rs->households++;
		rs->members += present;
		/* A household whose risk is cleared is no longer monitored. */
		rs->monitored += *record_val(h.hh, F_MONITOR_CATEGORY) != '\0' &&
				 strcmp(record_val(h.hh, F_RISK_CLEARED), C_YES) != 0;
		rs->flagged += ind.suggest.kind != NULL;
		for (int c = 0; c < RULES_NCHECKS; c++)
			rs->fails[c] += ind.check[c].state == RULES_FAIL;
		bucket_add(rs->status, choice_label(rs, F_POVERTY_STATUS, record_val(h.hh, F_POVERTY_STATUS)));
		bucket_add(rs->type, choice_label(rs, F_HOUSEHOLD_TYPE, record_val(h.hh, F_HOUSEHOLD_TYPE)));
		bucket_add(rs->cause, choice_label(rs, F_MAIN_CAUSE, record_val(h.hh, F_MAIN_CAUSE)));
	} else if (rs->kind == REP_MONITOR) {
		/* Only where the rules suggest a category the card does not hold. */
		if (ind.suggest.kind) {
			char iph[32], line[32], fails[64] = "";
			const char *cells[7];
			static const int w[] = { 18, 10, 10, 8, 8, 14, 20 };

			snprintf(iph, sizeof(iph), "%.0f", ind.income_per_head);
			snprintf(line, sizeof(line), "%.0f", ind.line ? ind.line->monitor_line : 0);
			for (int c = 0; c < RULES_NCHECKS; c++)
				if (ind.check[c].state == RULES_FAIL)
					snprintf(fails + strlen(fails), sizeof(fails) - strlen(fails), "%s ",
						 rules_check_code(c));
			cells[0] = record_val(h.hh, F_HOUSEHOLD_CODE);
			cells[1] = record_val(h.hh, F_HEAD_NAME);
			cells[2] = choice_label(rs, F_POVERTY_STATUS, record_val(h.hh, F_POVERTY_STATUS));
			cells[3] = iph;
			cells[4] = line;
			cells[5] = choice_label(rs, F_MONITOR_CATEGORY, ind.suggest.kind);
			cells[6] = fails;
			row(rs, cells, 7, w);
		}
	} else {
		char *masked = util_mask_id(record_val(h.hh, F_HEAD_ID));
		const char *cells[5];
		static const int w[] = { 10, 14, 38, 16, 18 };

		cells[0] = record_val(h.hh, F_HEAD_NAME);
		cells[1] = record_val(h.hh, F_VILLAGE_GROUP);
		cells[2] = choice_label(rs, F_HOUSEHOLD_TYPE, record_val(h.hh, F_HOUSEHOLD_TYPE));
		cells[3] = choice_label(rs, F_MAIN_CAUSE, record_val(h.hh, F_MAIN_CAUSE));
		cells[4] = masked;
		row(rs, cells, 5, w);
		free(masked);
	}
	app_household_free(&h);
	return 0;
}

static void chart(const char *title, const bucket *b, int total)
{
	printf("\n%s\n", title);
	for (int i = 0; i < MAX_BUCKETS && b[i].name[0]; i++) {
		int bar = total ? (b[i].n * 40 + total - 1) / total : 0, pad = 40 - util_utf8_width(b[i].name);

		printf("  %s", b[i].name);
		while (pad-- > 0)
			putchar(' ');
		printf("%5d  ", b[i].n);
		while (bar-- > 0)
			fputs("#", stdout);
		putchar('\n');
	}
}

int cmd_report(const cli_ctx *c, int argc, char **argv)
{
	const char *village = NULL, *what = NULL;
	report_state rs;
	fc_err err;
	int rc, zh;

	memset(&rs, 0, sizeof(rs));
	rs.err = &err;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--village") && i + 1 < argc)
			village = argv[++i];
		else if (!strcmp(argv[i], "--format") && i + 1 < argc) {
			i++;
			if (!strcmp(argv[i], "csv"))
				rs.csv = 1;
			else if (strcmp(argv[i], "text"))
				goto usage;
		} else if (!what && argv[i][0] != '-')
			what = argv[i];
		else
			goto usage;
	}
	if (!what)
		goto usage;
	if (!strcmp(what, "village"))
		rs.kind = REP_VILLAGE;
	else if (!strcmp(what, "monitor"))
		rs.kind = REP_MONITOR;
	else if (!strcmp(what, "notice"))
		rs.kind = REP_NOTICE;
	else
		goto usage;
	if ((rc = app_open(c->dir, &rs.a, &err)) != FC_OK)
		goto fail;
	zh = rs.a->lang == FC_LANG_ZH;
	if (rs.kind == REP_MONITOR) {
		static const char *en[] = { "household code", "head", "status", "income/head",
					    "line", "suggested", "checks failing" };
		static const char *cn[] = { "户编号", "户主", "状态", "人均纯收入", "监测线",
					    "建议类别", "未达标" };
		static const int w[] = { 18, 10, 10, 8, 8, 14, 20 };

		row(&rs, zh ? cn : en, 7, w);
	} else if (rs.kind == REP_NOTICE) {
		static const char *en[] = { "head", "group", "household type", "main cause", "ID number" };
		static const char *cn[] = { "户主", "村民小组", "户类型", "主要致贫原因", "身份证号" };
		static const int w[] = { 10, 14, 38, 16, 18 };

		row(&rs, zh ? cn : en, 5, w);
	}
	if ((rc = store_each(rs.a->st, K_HOUSEHOLD, village, one_household, &rs, &err)) != FC_OK)
		goto fail;
	if (rs.kind != REP_VILLAGE && rs.no_line)
		fprintf(stderr, zh ? "fieldcard report: 警告: %d 户没有收入线（%s）\n"
				   : "fieldcard report: warning: %d households have no income line (%s)\n",
			rs.no_line, rs.no_line_msg);
	if (rs.kind == REP_VILLAGE) {
		if (rs.csv) {
			printf("village,households,members,monitored,flagged,income_fail,education_fail,medical_fail,housing_fail,water_fail\n");
			printf("%s,%d,%d,%d,%d,%d,%d,%d,%d,%d\n", village ? village : "*", rs.households,
			       rs.members, rs.monitored, rs.flagged, rs.fails[0], rs.fails[1],
			       rs.fails[2], rs.fails[3], rs.fails[4]);
		} else {
			printf(zh ? "村 %s: %d 户, %d 人; 监测中 %d 户, 规则建议纳入监测 %d 户\n"
				  : "village %s: %d households, %d members; %d monitored, %d flagged by the rules\n",
			       village ? village : "(all)", rs.households, rs.members, rs.monitored, rs.flagged);
			printf(zh ? "未达标: 收入 %d, 义务教育 %d, 基本医疗 %d, 住房安全 %d, 饮水安全 %d\n"
				  : "checks failing: income %d, education %d, medical %d, housing %d, water %d\n",
			       rs.fails[0], rs.fails[1], rs.fails[2], rs.fails[3], rs.fails[4]);
			if (rs.no_line)
				printf(zh ? "警告: %d 户没有收入线，收入未核对（%s）\n"
					  : "warning: %d households have no income line, so income is not checked (%s)\n",
				       rs.no_line, rs.no_line_msg);
			chart(zh ? "脱贫状态" : "poverty status", rs.status, rs.households);
			chart(zh ? "户类型" : "household type", rs.type, rs.households);
			chart(zh ? "主要致贫原因" : "main cause", rs.cause, rs.households);
		}
	}
	buf_free(&rs.out);
	app_close(rs.a);
	return 0;
fail:
	fprintf(stderr, "fieldcard report: %s\n", err.msg);
	buf_free(&rs.out);
	app_close(rs.a);
	return fc_err_exit_code(rc);
usage:
	fprintf(stderr, "usage: fieldcard report village|monitor|notice [--village CODE] [--format text|csv]\n");
	return 2;
}
