/* fuzz_expr.c — XLSForm expressions (app/form/expr_parse.c, expr_eval.c):
 * an input is one expression, as a form's relevant, constraint or
 * calculation column holds it. It is parsed, and what parses is evaluated
 * against a household of the shipped form with two members and a visit,
 * at household level and in a member (where ${x} may be the household's),
 * with "." a value of its own. */
#include "fuzz.h"
#include "fieldcard/expr.h"
#include "fieldcard/fields.h"
#include "fieldcard/form.h"
#include "fieldcard/record.h"

static form_set *forms;
static const form *hh_form, *member_form;
static record *hh, *kids[3];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fc_err err;

	(void)argc;
	(void)argv;
	fz_env();
	if (form_set_load(app_shipped_forms(), &forms, &err) != FC_OK) {
		fprintf(stderr, "fuzz_expr: %s\n", err.msg);
		abort();
	}
	hh_form = form_set_kind(forms, K_HOUSEHOLD);
	member_form = form_set_kind(forms, K_MEMBER);
	if (!hh_form || !member_form)
		abort();
	hh = record_new(K_HOUSEHOLD, "01KAC000000000000000000001", NULL);
	record_set(hh, F_PROVINCE, "贵州省");
	record_set(hh, F_HEAD_NAME, "张三");
	record_set(hh, F_INCOME_YEAR, "2026");
	record_set(hh, F_MEASURES, "industry employment");
	record_set(hh, F_NET_INCOME, "12000.5");
	kids[0] = record_new(K_MEMBER, "01KAC000000000000000000002", hh->id);
	record_set(kids[0], F_M_NAME, "李四");
	record_set(kids[0], F_M_BIRTH, "2012-02-29");
	record_set(kids[0], F_M_STATUS, "present");
	record_set(kids[0], F_M_INCOME, "3000");
	kids[1] = record_new(K_MEMBER, "01KAC000000000000000000003", hh->id);
	record_set(kids[1], F_M_STATUS, "left");
	record_set(kids[1], F_M_INCOME, "-1e308");
	kids[2] = record_new(K_VISIT, "01KAC000000000000000000004", hh->id);
	record_set(kids[2], F_V_DATE, "2026-11-01");
	return 0;
}

static void eval(const expr *e, const expr_ctx *c)
{
	expr_value v = { 0 };
	fc_buf text = FC_BUF_INIT;
	fc_err err;
	int b;

	if (expr_eval(e, c, &v, &err) == FC_OK) {
		expr_value_truthy(&v);
		expr_value_to_text(&v, &text);
	}
	expr_value_clear(&v);
	expr_eval_bool(e, c, &b, &err);
	buf_free(&text);
}

static int count_ref(const char *name, void *ud)
{
	(void)name;
	(*(size_t *)ud)++;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *src = fz_cstr(data, size);
	expr *e = NULL;
	fc_err err;
	size_t refs = 0;

	if (expr_parse(src, &e, &err) == FC_OK) {
		expr_ctx c = { .rec = hh, .form = hh_form, .schema = &form_expr_schema,
			       .children = (const record *const *)kids, .nchildren = 3,
			       .self = "42", .today = "2026-11-23" };
		expr_ctx m = { .rec = kids[0], .form = member_form, .parent = hh,
			       .parent_form = hh_form, .schema = &form_expr_schema,
			       .children = (const record *const *)kids, .nchildren = 3,
			       .self = "", .today = "2026-11-23" };

		expr_each_ref(e, count_ref, &refs);
		eval(e, &c);
		eval(e, &m);
	}
	expr_free(e);
	free(src);
	return 0;
}
