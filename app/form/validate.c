/* validate.c — the checks of validate.h: value types (including the GB 11643
 * check digit of resident ID numbers), required answers, constraints and
 * relevance through expr.c, calculated fields, and the consistency rules of
 * DOMAIN.md over a household and its members. One implementation, so the
 * form on a cadre's device, `fieldcard check` and the county merge can never
 * disagree about what is wrong with a card. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fieldcard/buf.h"
#include "fieldcard/expr.h"
#include "fieldcard/fields.h"
#include "fieldcard/util.h"
#include "fieldcard/validate.h"
#include "validate_int.h"


/* ------------------------------------------------------------------ */
/* Report.                                                             */

void val_report_init(val_report *r)
{
	memset(r, 0, sizeof(*r));
}

void val_report_free(val_report *r)
{
	size_t i;

	if (!r)
		return;
	for (i = 0; i < r->n; i++) {
		free(r->items[i].record_id);
		free(r->items[i].field);
		free(r->items[i].code);
		free(r->items[i].message);
	}
	free(r->items);
	val_report_init(r);
}

void val_report_move(val_report *dst, val_report *src, const char *record_id)
{
	for (size_t i = 0; i < src->n; i++) {
		val_issue *it = &src->items[i];

		if (strcmp(it->record_id, record_id)) {
			free(it->record_id);
			free(it->field);
			free(it->code);
			free(it->message);
			continue;
		}
		if (dst->n == dst->cap) {
			dst->cap = dst->cap ? dst->cap * 2 : 8;
			dst->items = util_realloc(dst->items, dst->cap * sizeof(*dst->items));
		}
		dst->items[dst->n++] = *it;
		if (it->severity == VAL_ERROR)
			dst->nerrors++;
		else
			dst->nwarnings++;
	}
	free(src->items);
	val_report_init(src);
}

void val_report_add(val_report *r, val_severity sev, const record *rec,
		       const char *field, const char *code, const char *fmt, ...)
{
	val_issue *it;
	char line[1024];
	va_list ap;

	if (r->n == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 8;
		r->items = util_realloc(r->items, r->cap * sizeof(*r->items));
	}
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	it = &r->items[r->n++];
	it->severity = sev;
	it->record_id = util_strdup(rec->id ? rec->id : "");
	it->field = util_strdup(field);
	it->code = util_strdup(code);
	it->message = util_strdup(line);
	if (sev == VAL_ERROR)
		r->nerrors++;
	else
		r->nwarnings++;
}

/* ------------------------------------------------------------------ */
/* Small lookups (kept here so validation needs only the public structs). */

static const form_field *field_find(const form *f, const char *name)
{
	size_t i;

	for (i = 0; f && i < f->nfields; i++)
		if (f->fields[i].name && strcmp(f->fields[i].name, name) == 0)
			return &f->fields[i];
	return NULL;
}

static const char *text_in(char *const text[FC_NLANG], int lang)
{
	int other = lang == FC_LANG_EN ? FC_LANG_ZH : FC_LANG_EN;

	if (lang >= 0 && lang < FC_NLANG && text[lang] && *text[lang])
		return text[lang];
	if (text[other] && *text[other])
		return text[other];
	return NULL;
}

static const char *field_label(const form_field *fld, int lang)
{
	const char *l = text_in(fld->label, lang);

	return l ? l : fld->name;
}

static const form_choice *choice_find(const form_list *l, const char *name)
{
	size_t i;

	for (i = 0; l && i < l->nchoices; i++)
		if (strcmp(l->choices[i].name, name) == 0)
			return &l->choices[i];
	return NULL;
}

/* The label of a choice value of field `name` in f, or the value itself. */
const char *val_choice_label(const form *f, const char *name, const char *value,
				int lang)
{
	const form_field *fld = field_find(f, name);
	const form_choice *c = fld ? choice_find(fld->list, value) : NULL;
	const char *l = c ? text_in(c->label, lang) : NULL;

	return l ? l : value;
}

int val_in_list(const char *v, const char *const *list)
{
	for (; *list; list++)
		if (strcmp(v, *list) == 0)
			return 1;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Dates and ID numbers.                                               */

int val_all_digits(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

int val_num_at(const char *s, size_t n)
{
	int v = 0;
	size_t i;

	for (i = 0; i < n; i++)
		v = v * 10 + (s[i] - '0');
	return v;
}

static void today_or(const char *today, char out[11])
{
	if (today && strlen(today) == 10)
		memcpy(out, today, 11);
	else
		util_today(out);
}

/* Whole years from birth to on; -1 if either date is bad or on < birth. */
int val_years_between(const char *birth, const char *on)
{
	int by, bm, bd, oy, om, od, years;

	if (!expr_date_parse(birth, &by, &bm, &bd) || !expr_date_parse(on, &oy, &om, &od))
		return -1;
	years = oy - by;
	if (om < bm || (om == bm && od < bd))
		years--;
	return years;
}

/* Why an 18-character resident ID is wrong, as a code; 0 if it is right. */
enum { ID_OK, ID_FORMAT, ID_BIRTH, ID_FUTURE, ID_CHECK };

static int id18_problem(const char *id)
{
	static const int w[17] = { 7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2 };
	static const char map[] = "10X98765432";
	char birth[11], today[11];
	int i, sum = 0, y, m, d;

	if (!val_all_digits(id, 17) || !((id[17] >= '0' && id[17] <= '9') || id[17] == 'X'))
		return ID_FORMAT;
	snprintf(birth, sizeof(birth), "%.4s-%.2s-%.2s", id + 6, id + 10, id + 12);
	if (!expr_date_parse(birth, &y, &m, &d) || y < 1880)
		return ID_BIRTH;
	util_today(today);
	if (strcmp(birth, today) > 0)
		return ID_FUTURE;
	for (i = 0; i < 17; i++)
		sum += (id[i] - '0') * w[i];
	if (map[sum % 11] != id[17])
		return ID_CHECK;
	return ID_OK;
}

static int id_problem(const char *id)
{
	size_t n = id ? strlen(id) : 0;

	if (n == 18)
		return id18_problem(id);
	/* A disability certificate is the holder's ID number followed by
	 * two digits (category and grade). */
	if (n == 20) {
		if (!val_all_digits(id + 18, 2))
			return ID_FORMAT;
		return id18_problem(id);
	}
	return ID_FORMAT;
}

int val_id_valid(const char *id)
{
	return id_problem(id) == ID_OK;
}

int val_id_birth(const char *id, char out[11])
{
	int y, m, d;
	size_t n = id ? strlen(id) : 0;

	out[0] = '\0';
	if ((n != 18 && n != 20) || !val_all_digits(id, 17))
		return FC_EINVALID;
	snprintf(out, 11, "%.4s-%.2s-%.2s", id + 6, id + 10, id + 12);
	if (!expr_date_parse(out, &y, &m, &d)) {
		out[0] = '\0';
		return FC_EINVALID;
	}
	return 0;
}

char val_id_sex(const char *id)
{
	size_t n = id ? strlen(id) : 0;

	if ((n != 18 && n != 20) || id[16] < '0' || id[16] > '9')
		return 0;
	return (id[16] - '0') % 2 ? 'M' : 'F';
}

/* ------------------------------------------------------------------ */
/* Types.                                                              */

static int is_integer(const char *s)
{
	size_t n;

	if (*s == '-')
		s++;
	n = strlen(s);
	/* Up to 15 digits: every such integer is exact as a double, which is
	 * how expressions will read it. */
	return n >= 1 && n <= 15 && val_all_digits(s, n);
}

static int is_decimal(const char *s)
{
	const char *dot;
	size_t a, b;

	if (*s == '-')
		s++;
	dot = strchr(s, '.');
	if (!dot)
		return is_integer(s);
	a = (size_t)(dot - s);
	b = strlen(dot + 1);
	return (a || b) && b >= 1 && a + b <= 15 && val_all_digits(s, a) && val_all_digits(dot + 1, b);
}

static int is_phone(const char *s)
{
	size_t n = strlen(s);
	const char *dash;

	if (n == 11 && val_all_digits(s, 11) && s[0] == '1' && s[1] >= '3' && s[1] <= '9')
		return 1;
	/* Landline: area code 0xx or 0xxx, a hyphen, 7 or 8 digits. */
	dash = strchr(s, '-');
	if (!dash || s[0] != '0')
		return 0;
	{
		size_t area = (size_t)(dash - s), local = strlen(dash + 1);

		return (area == 3 || area == 4) && val_all_digits(s, area) &&
		       (local == 7 || local == 8) && val_all_digits(dash + 1, local);
	}
}

/* Text must be valid UTF-8 without control characters (C0 other than LF,
 * DEL, C1): they break the one-line-per-field ledger text and terminals. */
static int text_problem(const char *s, int lang, fc_err *err)
{
	size_t bad, i, n = strlen(s);

	if (!util_utf8_valid(s, n, &bad))
		return fc_err_set(err, FC_EINVALID, ZE(lang, "不是有效的 UTF-8 文本（第 %zu 字节）",
						       "is not valid UTF-8 text (byte %zu)"), bad + 1);
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if ((c < 0x20 && c != '\n') || c == 0x7f ||
		    (c == 0xc2 && (unsigned char)s[i + 1] >= 0x80 && (unsigned char)s[i + 1] <= 0x9f))
			return fc_err_set(err, FC_EINVALID,
					  ZE(lang, "含有控制字符（第 %zu 字节）",
					     "contains a control character (byte %zu)"), i + 1);
	}
	return 0;
}

static int check_choices(const form_field *fld, const char *value, int lang, fc_err *err)
{
	char **parts = NULL;
	size_t i, j, n;
	int rc = 0;

	if (!fld->list)
		return fc_err_set(err, FC_EINVALID, ZE(lang, "字段没有选项列表", "the field has no choice list"));
	if (fld->type == FT_SELECT_ONE) {
		if (!choice_find(fld->list, value))
			return fc_err_set(err, FC_EINVALID, ZE(lang, "“%.60s”不是列表 %s 中的选项",
							       "'%.60s' is not a choice of list %s"),
					  value, fld->list->name);
		return 0;
	}
	if (value[0] == ' ' || value[strlen(value) - 1] == ' ' || strstr(value, "  "))
		return fc_err_set(err, FC_EINVALID, ZE(lang, "选项之间只能用一个空格分隔",
						       "choices must be separated by one space"));
	parts = util_split(value, ' ');
	n = util_strv_len(parts);
	for (i = 0; i < n && rc == 0; i++) {
		if (!choice_find(fld->list, parts[i])) {
			rc = fc_err_set(err, FC_EINVALID, ZE(lang, "“%.60s”不是列表 %s 中的选项",
							     "'%.60s' is not a choice of list %s"),
					parts[i], fld->list->name);
		} else {
			for (j = 0; j < i; j++)
				if (strcmp(parts[i], parts[j]) == 0)
					rc = fc_err_set(err, FC_EINVALID,
							ZE(lang, "选项“%.60s”重复", "choice '%.60s' is given twice"),
							parts[i]);
		}
	}
	util_strv_free(parts);
	return rc;
}

int val_check_type(const form_field *fld, const char *value, int lang, fc_err *err)
{
	int rc;

	if (!value || !*value)
		return 0;
	if ((rc = text_problem(value, lang, err)) != 0)
		return rc;
	switch (fld->type) {
	case FT_INTEGER:
		if (!is_integer(value))
			return fc_err_set(err, FC_EINVALID, ZE(lang, "应为整数，而不是“%.40s”",
							       "must be a whole number, not '%.40s'"), value);
		return 0;
	case FT_DECIMAL:
		if (!is_decimal(value))
			return fc_err_set(err, FC_EINVALID, ZE(lang, "应为数字，而不是“%.40s”",
							       "must be a number, not '%.40s'"), value);
		return 0;
	case FT_DATE: {
		int y, m, d;

		if (!expr_date_parse(value, &y, &m, &d))
			return fc_err_set(err, FC_EINVALID,
					  ZE(lang, "“%.40s”不是有效日期（格式 YYYY-MM-DD）",
					     "'%.40s' is not a real date (YYYY-MM-DD)"), value);
		return 0;
	}
	case FT_YESNO:
		if (strcmp(value, C_YES) && strcmp(value, C_NO))
			return fc_err_set(err, FC_EINVALID, ZE(lang, "应为 yes 或 no，而不是“%.40s”",
							       "must be yes or no, not '%.40s'"), value);
		return 0;
	case FT_SELECT_ONE:
	case FT_SELECT_MULTIPLE:
		return check_choices(fld, value, lang, err);
	case FT_ID_NUMBER:
		/* Messages never repeat the number: it is personal data. */
		switch (id_problem(value)) {
		case ID_OK:
			return 0;
		case ID_BIRTH:
			return fc_err_set(err, FC_EINVALID, ZE(lang, "证件号中的出生日期无效",
							       "the birth date in the ID number is not a real date"));
		case ID_FUTURE:
			return fc_err_set(err, FC_EINVALID, ZE(lang, "证件号中的出生日期在将来",
							       "the birth date in the ID number is in the future"));
		case ID_CHECK:
			return fc_err_set(err, FC_EINVALID, ZE(lang, "身份证号校验位错误，请核对",
							       "wrong check digit in the ID number: check it"));
		default:
			return fc_err_set(err, FC_EINVALID,
					  ZE(lang, "应为 18 位身份证号（末位可为大写 X）或 20 位残疾证号",
					     "must be an 18-digit ID number (last may be capital X) or a 20-digit disability certificate number"));
		}
	case FT_PHONE:
		if (!is_phone(value))
			return fc_err_set(err, FC_EINVALID,
					  ZE(lang, "应为 11 位手机号或座机号（如 0851-1234567），而不是“%.40s”",
					     "must be an 11-digit mobile or a landline like 0851-1234567, not '%.40s'"),
					  value);
		return 0;
	default:
		return 0;
	}
}

/* ------------------------------------------------------------------ */
/* Expressions.                                                        */

/* The compiled expression of a field, or one compiled now from its source
 * (forms built by hand, or by a loader that kept only the text). *tmp is
 * what the caller frees. */
static int field_expr(const expr *compiled, const char *src, const expr **out,
		      expr **tmp, fc_err *err)
{
	*tmp = NULL;
	*out = compiled;
	if (compiled || !src || !*src)
		return 0;
	if (expr_parse(src, tmp, err) != 0)
		return FC_EINVALID;
	*out = *tmp;
	return 0;
}

static void make_ctx(expr_ctx *c, const form *f, const record *rec, const record *parent,
		     const record *const *children, size_t nchildren, const char *today)
{
	memset(c, 0, sizeof(*c));
	c->rec = rec;
	c->form = f;
	c->parent = parent;
	c->parent_form = f ? f->parent : NULL;
	c->schema = &form_expr_schema;
	c->children = children;
	c->nchildren = nchildren;
	c->today = today;
}

/* Relevance of one field or group, ignoring its enclosing groups. */
static int own_relevant(const form_field *fld, const expr_ctx *c)
{
	const expr *e;
	expr *tmp;
	fc_err err;
	int yes = 1;

	/* A relevance that does not parse shows the field: hiding it could
	 * hide a required answer (form check reports the expression). */
	if (field_expr(fld->relevant, fld->relevant_src, &e, &tmp, &err) != 0 || !e)
		return 1;
	expr_eval_bool(e, c, &yes, &err);
	expr_free(tmp);
	return yes;
}

int val_relevant(const form *f, const form_field *fld, const record *rec,
		 const record *parent, const record *const *children,
		 size_t nchildren, const char *today)
{
	const form_field *open[32];
	size_t i, depth = 0;
	expr_ctx c;

	make_ctx(&c, f, rec, parent, children, nchildren, today);
	/* A field is shown only if every group around it is. */
	for (i = 0; i < f->nfields && &f->fields[i] != fld; i++) {
		if (f->fields[i].type == FT_BEGIN_GROUP) {
			if (depth < 32)
				open[depth] = &f->fields[i];
			depth++;
		} else if (f->fields[i].type == FT_END_GROUP && depth > 0) {
			depth--;
		}
	}
	for (i = 0; i < depth && i < 32; i++)
		if (!own_relevant(open[i], &c))
			return 0;
	return own_relevant(fld, &c);
}

int val_calculate(const form *f, record *rec, const record *parent,
		  const record *const *children, size_t nchildren,
		  const char *today, fc_err *err)
{
	int first_rc = 0;
	size_t i;

	for (i = 0; i < f->nfields; i++) {
		const form_field *fld = &f->fields[i];
		const expr *e;
		expr *tmp = NULL;
		expr_value v;
		expr_ctx c;
		fc_buf text = FC_BUF_INIT;
		fc_err e2;
		int rc;

		if (fld->type != FT_CALCULATE)
			continue;
		rc = field_expr(fld->calculation, fld->calculation_src, &e, &tmp, &e2);
		if (rc == 0 && e) {
			/* Built per field: rec changes as earlier results land. */
			make_ctx(&c, f, rec, parent, children, nchildren, today);
			rc = expr_eval(e, &c, &v, &e2);
			if (rc == 0) {
				expr_value_to_text(&v, &text);
				expr_value_clear(&v);
			}
		}
		expr_free(tmp);
		record_set(rec, fld->name, rc == 0 ? buf_cstr(&text) : "");
		buf_free(&text);
		if (rc != 0 && first_rc == 0) {
			first_rc = rc;
			if (err) {
				*err = e2;
				fc_err_prefix(err, "%s%s%d: record %s, field %s: ",
					      f->path ? f->path : "", f->path ? "/survey.csv:" : "line ",
					      fld->line, rec->id ? rec->id : "(new)", fld->name);
			}
		}
	}
	return first_rc;
}

/* ------------------------------------------------------------------ */
/* Field checks.                                                       */

static void check_constraint(const form *f, const form_field *fld, const record *rec,
			     const record *parent, const record *const *children,
			     size_t nchildren, const char *today, int lang,
			     const char *value, val_report *report)
{
	const char *label = field_label(fld, lang);
	const char *msg;
	const expr *e;
	expr *tmp = NULL;
	expr_ctx c;
	fc_err e2;
	int ok = 1;

	if (field_expr(fld->constraint, fld->constraint_src, &e, &tmp, &e2) != 0) {
		val_report_add(report, VAL_ERROR, rec, fld->name, "constraint",
			   ZE(lang, "%s：约束条件无法解析（%s）", "%s: the constraint cannot be read (%s)"),
			   label, e2.msg);
		return;
	}
	if (!e)
		return;
	make_ctx(&c, f, rec, parent, children, nchildren, today);
	c.self = value;
	if (expr_eval_bool(e, &c, &ok, &e2) != 0) {
		val_report_add(report, VAL_ERROR, rec, fld->name, "constraint",
			   ZE(lang, "%s：约束条件无法计算（%s）", "%s: the constraint cannot be evaluated (%s)"),
			   label, e2.msg);
	} else if (!ok) {
		msg = text_in(fld->constraint_msg, lang);
		if (msg)
			val_report_add(report, VAL_ERROR, rec, fld->name, "constraint",
				   ZE(lang, "%s：%s", "%s: %s"), label, msg);
		else
			val_report_add(report, VAL_ERROR, rec, fld->name, "constraint",
				   ZE(lang, "%s：不符合条件 %s", "%s: the value does not satisfy %s"),
				   label, fld->constraint_src ? fld->constraint_src : "");
	}
	expr_free(tmp);
}

static void check_fields(const form *f, const record *rec, const record *parent,
			 const record *const *children, size_t nchildren,
			 const char *today, int lang, val_report *report)
{
	size_t i;

	for (i = 0; i < f->nfields; i++) {
		const form_field *fld = &f->fields[i];
		const char *value;
		fc_err e2;

		if (!form_field_has_value(fld) || fld->type == FT_CALCULATE)
			continue;
		/* A hidden field is never checked, even with a stale value:
		 * the cadre cannot see it to fix it. */
		if (!val_relevant(f, fld, rec, parent, children, nchildren, today))
			continue;
		value = record_val(rec, fld->name);
		/* Spaces alone answer nothing: a required name of "  " is missing. */
		if (fld->required && !value[strspn(value, " \t\r\n")]) {
			val_report_add(report, VAL_ERROR, rec, fld->name, "required",
				   ZE(lang, "%s：必填", "%s: required"), field_label(fld, lang));
			continue;
		}
		if (!*value)
			continue;
		if (val_check_type(fld, value, lang, &e2) != 0) {
			val_report_add(report, VAL_ERROR, rec, fld->name,
				   fld->type == FT_ID_NUMBER ? "id_check" : "type",
				   ZE(lang, "%s：%s", "%s: %s"), field_label(fld, lang), e2.msg);
			continue;
		}
		check_constraint(f, fld, rec, parent, children, nchildren, today, lang,
				 value, report);
	}
	/* Fields the form does not know: an empty one is what an older form
	 * version leaves behind and harmless; a value would be lost from
	 * every screen, so it is an error. */
	for (i = 0; i < rec->n; i++) {
		const form_field *fld = field_find(f, rec->names[i]);

		if ((!fld || !form_field_has_value(fld)) && rec->values[i][0])
			val_report_add(report, VAL_ERROR, rec, rec->names[i], "unknown_field",
				   ZE(lang, "字段 %s 不在表单 %s 中", "field %s is not in form %s"),
				   rec->names[i], f->id ? f->id : "?");
	}
}

/* ------------------------------------------------------------------ */
/* Entry points.                                                       */

static int validate_one(const form *f, const record *rec, const record *parent,
			const record *const *children, size_t nchildren,
			const rules *rules, const char *today, int lang,
			int household_level, val_report *report, fc_err *err)
{
	char t[11];

	if (!f || !rec || !report)
		return fc_err_set(err, FC_EINVALID, "validate: no form, record or report given");
	today_or(today, t);
	check_fields(f, rec, parent, children, nchildren, t, lang, report);
	if (strcmp(rec->kind, K_MEMBER) == 0 && val_is_present(rec))
		val_member_rules(f, rec, t, lang, report);
	if (household_level && strcmp(rec->kind, K_HOUSEHOLD) == 0)
		val_household_rules(f, rec, children, nchildren, rules, t, lang, report);
	return 0;
}

int val_record(const form *f, const record *rec, const record *parent,
	       const record *const *children, size_t nchildren,
	       const rules *rules, const char *today, int lang,
	       val_report *report, fc_err *err)
{
	/* Household rules need the members: without them every card would
	 * seem to lack a head. */
	return validate_one(f, rec, parent, children, nchildren, rules, today, lang,
			    children != NULL, report, err);
}

int val_household(const form *household_form, const record *household,
		  const record *const *children, size_t nchildren,
		  const rules *rules, const char *today, int lang,
		  val_report *report, fc_err *err)
{
	size_t i, j;
	int rc;

	if (!household_form || !household)
		return fc_err_set(err, FC_EINVALID, "validate: no household form or record given");
	for (i = 0; i < nchildren; i++) {
		const record *c = children[i];
		const form *sub = NULL;

		for (j = 0; j < household_form->nsubs; j++)
			if (strcmp(household_form->subs[j]->id, c->kind) == 0)
				sub = household_form->subs[j];
		if (!sub) {
			val_report_add(report, VAL_ERROR, c, NULL, "unknown_kind",
				   ZE(lang, "记录类型 %s 不在表单 %s 中", "record kind %s is not in form %s"),
				   c->kind, household_form->id ? household_form->id : "?");
			continue;
		}
		rc = validate_one(sub, c, household, NULL, 0, rules, today, lang, 0, report, err);
		if (rc)
			return rc;
	}
	return validate_one(household_form, household, NULL, children, nchildren, rules,
			    today, lang, 1, report, err);
}
