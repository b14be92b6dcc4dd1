/* expr_eval.c — evaluating an expression (expr_eval) over a record, its
 * parent household and its repeat instances: references, repeat lists and
 * instance contexts, operators and the functions, aggregates included.
 * Forms are read only through expr_ctx.schema. Part of the expression
 * engine (expr.c). */
#include <math.h>
#include <regex.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fieldcard/record.h"
#include "expr_int.h"

/* ------------------------------------------------------------------ */
/* Lookups.                                                            */

/* A form is read only through ctx->schema (expr.h). */
static int has_field(const expr_ctx *ctx, const struct form *f, const char *name)
{
	return f && ctx->schema->has_field(f, name);
}

static const struct form *repeat_of(const expr_ctx *ctx, size_t i, const char **kind)
{
	return ctx->form ? ctx->schema->repeat(ctx->form, i, kind) : NULL;
}

/* Where a ${name} at household level stands for every instance of a
 * repeat: the repeat itself (count(${member})) or one of its fields
 * (sum(${member_income})). kind is the repeat's record kind; field is
 * NULL for the repeat itself. */
typedef struct list_ref {
	const char *kind;
	const char *field;
} list_ref;

static int ref_is_own(const expr_ctx *ctx, const char *name)
{
	return has_field(ctx, ctx->form, name) ||
	       (ctx->rec && record_get(ctx->rec, name) != NULL);
}

static int resolve_list(const expr_ctx *ctx, const char *name, list_ref *lr)
{
	const struct form *sub;
	const char *kind;
	size_t i;

	if (ref_is_own(ctx, name))
		return 0;
	for (i = 0; (sub = repeat_of(ctx, i, &kind)) != NULL; i++) {
		if (strcmp(kind, name) == 0) {
			lr->kind = kind;
			lr->field = NULL;
			return 1;
		}
		if (has_field(ctx, sub, name)) {
			lr->kind = kind;
			lr->field = name;
			return 1;
		}
	}
	/* A household evaluated without its form's repeats described still
	 * knows its children's kinds. */
	for (i = 0; i < ctx->nchildren; i++) {
		if (ctx->children[i] && strcmp(ctx->children[i]->kind, name) == 0) {
			lr->kind = ctx->children[i]->kind;
			lr->field = NULL;
			return 1;
		}
	}
	return 0;
}

static const struct form *sub_form(const expr_ctx *ctx, const char *kind)
{
	const struct form *sub;
	const char *k;
	size_t i;

	for (i = 0; (sub = repeat_of(ctx, i, &k)) != NULL; i++)
		if (strcmp(k, kind) == 0)
			return sub;
	return NULL;
}

/* The context for evaluating a condition inside one repeat instance. */
static expr_ctx instance_ctx(const expr_ctx *ctx, const list_ref *lr,
			     const struct record *child)
{
	expr_ctx c;

	memset(&c, 0, sizeof(c));
	c.rec = child;
	c.form = sub_form(ctx, lr->kind);
	c.parent = ctx->rec;
	c.parent_form = ctx->form;
	c.schema = ctx->schema;
	/* "." is the instance's value of the aggregated field; otherwise it
	 * keeps meaning the value being constrained. */
	c.self = lr->field ? record_val(child, lr->field) : ctx->self;
	c.today = ctx->today;
	return c;
}

static expr_value eval_ref(const expr_ctx *ctx, const char *name)
{
	list_ref lr;
	size_t i;

	if (ref_is_own(ctx, name))
		return v_str(record_val(ctx->rec, name));
	if (resolve_list(ctx, name, &lr)) {
		/* Used as a single value, a repeat field means its first
		 * instance, as XPath turns a node-set into a string. */
		for (i = 0; i < ctx->nchildren; i++)
			if (strcmp(ctx->children[i]->kind, lr.kind) == 0)
				return lr.field ? v_str(record_val(ctx->children[i], lr.field))
						: v_str(ctx->children[i]->id);
		return v_null();
	}
	if (ctx->parent)
		return v_str(record_val(ctx->parent, name));
	return v_null();
}

/* ------------------------------------------------------------------ */
/* Evaluator.                                                          */

static int eval(const expr *e, const expr_ctx *ctx, expr_value *out, fc_err *err);

typedef struct find_list {
	const expr_ctx *ctx;
	list_ref lr;
} find_list;

static int find_list_cb(const char *name, void *ud)
{
	find_list *fl = ud;

	return resolve_list(fl->ctx, name, &fl->lr);
}

/* Visit every value an aggregate argument stands for: each instance's
 * value when it is a repeat field at household level, else the argument's
 * single value. cb returns nonzero to stop. */
typedef int (*value_cb)(const expr_value *v, void *ud);

static int each_value(const expr *a, const expr_ctx *ctx, value_cb cb, void *ud,
		      fc_err *err)
{
	list_ref lr;
	expr_value v;
	size_t i;
	int rc;

	if (a->kind == N_REF && resolve_list(ctx, a->str, &lr)) {
		for (i = 0; i < ctx->nchildren; i++) {
			if (strcmp(ctx->children[i]->kind, lr.kind) != 0)
				continue;
			v = lr.field ? v_str(record_val(ctx->children[i], lr.field))
				     : v_str(ctx->children[i]->id);
			rc = cb(&v, ud);
			expr_value_clear(&v);
			if (rc)
				break;
		}
		return 0;
	}
	if (a->kind != N_REF) {
		find_list fl;

		/* An expression over a repeat's fields, such as
		 * sum(if(${member_status} != 'left', 1, 0)), is evaluated in
		 * each instance of that repeat in turn. */
		memset(&fl, 0, sizeof(fl));
		fl.ctx = ctx;
		if (expr_each_ref(a, find_list_cb, &fl)) {
			fl.lr.field = NULL;
			for (i = 0; i < ctx->nchildren; i++) {
				expr_ctx c;

				if (strcmp(ctx->children[i]->kind, fl.lr.kind) != 0)
					continue;
				c = instance_ctx(ctx, &fl.lr, ctx->children[i]);
				if ((rc = eval(a, &c, &v, err)) != 0)
					return rc;
				rc = cb(&v, ud);
				expr_value_clear(&v);
				if (rc)
					break;
			}
			return 0;
		}
	}
	if ((rc = eval(a, ctx, &v, err)) != 0)
		return rc;
	cb(&v, ud);
	expr_value_clear(&v);
	return 0;
}

typedef struct agg {
	double sum;
	int n;           /* values seen (non-empty for max/min) */
	int is_max;
	double best;
} agg;

static int sum_cb(const expr_value *v, void *ud)
{
	agg *a = ud;
	double d;

	/* sum() is the one place an empty counts as 0: a member with no
	 * income must not blank the household total. */
	if (expr_value_number(v, &d))
		a->sum += d;
	return 0;
}

static int minmax_cb(const expr_value *v, void *ud)
{
	agg *a = ud;
	double d;

	if (!expr_value_number(v, &d))
		return 0;
	if (!a->n || (a->is_max ? d > a->best : d < a->best))
		a->best = d;
	a->n++;
	return 0;
}

static int count_cb(const expr_value *v, void *ud)
{
	if (v->type != EV_NULL)
		(*(int *)ud)++;
	return 0;
}

static int concat_cb(const expr_value *v, void *ud)
{
	expr_value_to_text(v, ud);
	return 0;
}

/* count-if / sum-if / any: a condition evaluated inside each instance. */
static int eval_filtered(const expr *e, const expr_ctx *ctx, const list_ref *lr,
			 const expr *cond, expr_value *out, fc_err *err)
{
	double total = 0;
	size_t i;
	int rc;

	for (i = 0; i < ctx->nchildren; i++) {
		const struct record *child = ctx->children[i];
		expr_ctx c;
		expr_value cv;
		int yes;

		if (strcmp(child->kind, lr->kind) != 0)
			continue;
		c = instance_ctx(ctx, lr, child);
		if ((rc = eval(cond, &c, &cv, err)) != 0)
			return rc;
		yes = expr_value_truthy(&cv);
		expr_value_clear(&cv);
		if (!yes)
			continue;
		if (e->fn == F_ANY) {
			*out = v_bool(1);
			return 0;
		}
		if (e->fn == F_COUNT_IF) {
			total += 1;
		} else {
			expr_value fv = v_str(lr->field ? record_val(child, lr->field) : NULL);
			double d;

			if (expr_value_number(&fv, &d))
				total += d;
			expr_value_clear(&fv);
		}
	}
	*out = e->fn == F_ANY ? v_bool(0) : v_num(total);
	return 0;
}

/* Number of UTF-8 characters: XLSForm string-length counts characters, and
 * a name in Chinese must not count three per character. */
static size_t utf8_chars(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			n++;
	return n;
}

static int eval_age(const char *birth, const char *on, expr_value *out)
{
	int by, bm, bd, oy, om, od, years;

	if (!expr_date_parse(birth, &by, &bm, &bd) || !expr_date_parse(on, &oy, &om, &od)) {
		*out = v_null();
		return 0;
	}
	years = oy - by;
	if (om < bm || (om == bm && od < bd))
		years--;
	*out = years < 0 ? v_null() : v_num(years);
	return 0;
}

/* today(): the context's date, else the clock's. */
static expr_value today_value(const expr_ctx *ctx)
{
	char today[11];

	if (ctx->today)
		return v_str(ctx->today);
	util_today(today);
	return v_str(today);
}

/* The text of e's first n arguments, into t[0..n). */
static int args_text(const expr *e, const expr_ctx *ctx, size_t n, fc_buf *t, fc_err *err)
{
	for (size_t i = 0; i < n; i++) {
		expr_value v;
		int rc;

		if ((rc = eval(e->args[i], ctx, &v, err)) != 0)
			return rc;
		expr_value_to_text(&v, &t[i]);
		expr_value_clear(&v);
	}
	return 0;
}

/* selected(value, name) and count-selected(value): a select_multiple holds
 * choice names separated by spaces. */
static int call_selected(const expr *e, const expr_ctx *ctx, expr_value *out, fc_err *err)
{
	fc_buf t[2] = { FC_BUF_INIT, FC_BUF_INIT };
	char **parts, **pp;
	int n = 0, found = 0, rc;

	if ((rc = args_text(e, ctx, e->fn == F_SELECTED ? 2 : 1, t, err)) != 0)
		goto cleanup;
	parts = util_split(buf_cstr(&t[0]), ' ');
	for (pp = parts; pp && *pp; pp++) {
		if (!**pp)
			continue;
		n++;
		if (t[1].len && strcmp(*pp, buf_cstr(&t[1])) == 0)
			found = 1;
	}
	util_strv_free(parts);
	*out = e->fn == F_SELECTED ? v_bool(found) : v_num(n);
cleanup:
	buf_free(&t[0]);
	buf_free(&t[1]);
	return rc;
}

/* regex(value, pattern): XLSForm's must match the whole value. */
static int call_regex(const expr *e, const expr_ctx *ctx, expr_value *out, fc_err *err)
{
	fc_buf t[2] = { FC_BUF_INIT, FC_BUF_INIT }, pat = FC_BUF_INIT;
	regex_t re;
	int cr, rc;

	if ((rc = args_text(e, ctx, 2, t, err)) != 0)
		goto cleanup;
	buf_printf(&pat, "^(%s)$", buf_cstr(&t[1]));
	cr = regcomp(&re, buf_cstr(&pat), REG_EXTENDED | REG_NOSUB);
	if (cr != 0) {
		char why[200];

		regerror(cr, &re, why, sizeof(why));
		rc = fc_err_set(err, FC_EINVALID, "column %d: bad regular expression: %s",
				e->col, why);
	} else {
		*out = v_bool(regexec(&re, buf_cstr(&t[0]), 0, NULL, 0) == 0);
		regfree(&re);
	}
cleanup:
	buf_free(&t[0]);
	buf_free(&t[1]);
	buf_free(&pat);
	return rc;
}

/* round(x[, digits]) */
static int call_round(const expr *e, const expr_ctx *ctx, expr_value *out, fc_err *err)
{
	expr_value a = v_null(), b = v_null();
	double d, d2 = 0;
	int rc;

	if ((rc = eval(e->args[0], ctx, &a, err)) != 0)
		goto cleanup;
	if (e->nargs > 1 &&
	    ((rc = eval(e->args[1], ctx, &b, err)) != 0 || !expr_value_number(&b, &d2)))
		goto cleanup;
	if (expr_value_number(&a, &d)) {
		double f = pow(10, trunc(d2));

		*out = v_num(round(d * f) / f);
	}
cleanup:
	expr_value_clear(&a);
	expr_value_clear(&b);
	return rc;
}

/* age(date[, on]) */
/* format-date(date, format): XLSForm's, for %Y %y %m %n %d %e; other
 * characters are copied. NULL if date is not a real date. */
static int call_format_date(const expr *e, const expr_ctx *ctx, expr_value *out, fc_err *err)
{
	expr_value d = { 0 }, f = { 0 };
	fc_buf b;
	int y, m, dd, rc;

	buf_init(&b);
	if ((rc = eval(e->args[0], ctx, &d, err)) != 0 || (rc = eval(e->args[1], ctx, &f, err)) != 0)
		goto cleanup;
	if (d.type != EV_STR || f.type != EV_STR || !expr_date_parse(d.str, &y, &m, &dd))
		goto cleanup;
	for (const char *p = f.str; *p; p++) {
		if (*p != '%' || !p[1]) {
			buf_addc(&b, *p);
			continue;
		}
		switch (*++p) {
		case 'Y': buf_printf(&b, "%04d", y); break;
		case 'y': buf_printf(&b, "%02d", y % 100); break;
		case 'm': buf_printf(&b, "%02d", m); break;
		case 'n': buf_printf(&b, "%d", m); break;
		case 'd': buf_printf(&b, "%02d", dd); break;
		case 'e': buf_printf(&b, "%d", dd); break;
		default: buf_addc(&b, '%'); buf_addc(&b, *p); break;
		}
	}
	*out = v_str(buf_cstr(&b));
cleanup:
	buf_free(&b);
	expr_value_clear(&d);
	expr_value_clear(&f);
	return rc;
}

static int call_age(const expr *e, const expr_ctx *ctx, expr_value *out, fc_err *err)
{
	expr_value a = v_null(), b = v_null();
	int rc;

	if ((rc = eval(e->args[0], ctx, &a, err)) != 0)
		goto cleanup;
	if (e->nargs > 1) {
		if ((rc = eval(e->args[1], ctx, &b, err)) != 0)
			goto cleanup;
	} else {
		b = today_value(ctx);
	}
	if (a.type == EV_STR && b.type == EV_STR)
		rc = eval_age(a.str, b.str, out);
cleanup:
	expr_value_clear(&a);
	expr_value_clear(&b);
	return rc;
}

/* count(${repeat}) counts its instances; count(expr) the non-empty
 * results, one per instance when expr reads a repeat. */
static int call_count(const expr *e, const expr_ctx *ctx, expr_value *out, fc_err *err)
{
	list_ref lr;
	size_t i;
	int n = 0, rc = 0;

	if (e->args[0]->kind == N_REF && resolve_list(ctx, e->args[0]->str, &lr)) {
		for (i = 0; i < ctx->nchildren; i++)
			if (strcmp(ctx->children[i]->kind, lr.kind) == 0)
				n++;
	} else {
		rc = each_value(e->args[0], ctx, count_cb, &n, err);
	}
	if (rc == 0)
		*out = v_num(n);
	return rc;
}

static int call_any(const expr *e, const expr_ctx *ctx, expr_value *out, fc_err *err)
{
	expr_value a = v_null();
	find_list fl;
	int rc;

	memset(&fl, 0, sizeof(fl));
	fl.ctx = ctx;
	/* The repeat is the one the condition's first repeat field belongs
	 * to: any(${health} = 'disabled') runs over members. */
	if (expr_each_ref(e->args[0], find_list_cb, &fl)) {
		fl.lr.field = NULL;
		return eval_filtered(e, ctx, &fl.lr, e->args[0], out, err);
	}
	if ((rc = eval(e->args[0], ctx, &a, err)) == 0)
		*out = v_bool(expr_value_truthy(&a));
	expr_value_clear(&a);
	return rc;
}

static int eval_call(const expr *e, const expr_ctx *ctx, expr_value *out, fc_err *err)
{
	expr_value a = v_null();
	list_ref lr;
	double d;
	int rc = 0;

	*out = v_null();
	switch (e->fn) {
	case F_IF:
		if ((rc = eval(e->args[0], ctx, &a, err)) != 0)
			break;
		rc = eval(e->args[expr_value_truthy(&a) ? 1 : 2], ctx, out, err);
		break;
	case F_NOT:
		if ((rc = eval(e->args[0], ctx, &a, err)) == 0)
			*out = v_bool(!expr_value_truthy(&a));
		break;
	case F_TRUE:
		*out = v_bool(1);
		break;
	case F_FALSE:
		*out = v_bool(0);
		break;
	case F_SELECTED:
	case F_COUNT_SELECTED:
		rc = call_selected(e, ctx, out, err);
		break;
	case F_STRING_LENGTH: {
		fc_buf t = FC_BUF_INIT;

		if ((rc = args_text(e, ctx, 1, &t, err)) == 0)
			*out = v_num((double)utf8_chars(buf_cstr(&t)));
		buf_free(&t);
		break;
	}
	case F_REGEX:
		rc = call_regex(e, ctx, out, err);
		break;
	case F_TODAY:
		*out = today_value(ctx);
		break;
	case F_DATE: {
		int y, m, dd;

		if ((rc = eval(e->args[0], ctx, &a, err)) != 0)
			break;
		if (a.type == EV_STR && expr_date_parse(a.str, &y, &m, &dd))
			*out = v_str(a.str);
		break;
	}
	case F_INT:
		if ((rc = eval(e->args[0], ctx, &a, err)) == 0 && expr_value_number(&a, &d))
			*out = v_num(trunc(d));
		break;
	case F_ROUND:
		rc = call_round(e, ctx, out, err);
		break;
	case F_SUM: {
		agg g = { 0, 0, 0, 0 };

		if ((rc = each_value(e->args[0], ctx, sum_cb, &g, err)) == 0)
			*out = v_num(g.sum);
		break;
	}
	case F_COUNT:
		rc = call_count(e, ctx, out, err);
		break;
	case F_MAX:
	case F_MIN: {
		agg g = { 0, 0, e->fn == F_MAX, 0 };

		for (size_t i = 0; i < e->nargs && rc == 0; i++)
			rc = each_value(e->args[i], ctx, minmax_cb, &g, err);
		if (rc == 0 && g.n)
			*out = v_num(g.best);
		break;
	}
	case F_COALESCE:
		for (size_t i = 0; i < e->nargs; i++)
			if ((rc = eval(e->args[i], ctx, out, err)) != 0 || out->type != EV_NULL)
				break;
		break;
	case F_CONCAT: {
		fc_buf t = FC_BUF_INIT;

		for (size_t i = 0; i < e->nargs && rc == 0; i++)
			rc = each_value(e->args[i], ctx, concat_cb, &t, err);
		if (rc == 0)
			*out = v_str_own(buf_detach(&t));
		buf_free(&t);
		break;
	}
	case F_AGE:
		rc = call_age(e, ctx, out, err);
		break;
	case F_COUNT_IF:
	case F_SUM_IF:
		/* Not at household level there are no instances. */
		if (!resolve_list(ctx, e->args[0]->str, &lr))
			*out = v_num(0);
		else
			rc = eval_filtered(e, ctx, &lr, e->args[1], out, err);
		break;
	case F_ANY:
		rc = call_any(e, ctx, out, err);
		break;
	case F_FORMAT_DATE:
		rc = call_format_date(e, ctx, out, err);
		break;
	}
	expr_value_clear(&a);
	if (rc)
		expr_value_clear(out);
	return rc;
}

/* = != < <= > >=: numeric when both sides read as numbers, else byte order
 * of the text (ISO dates then compare correctly). An empty value equals
 * only an empty one and is never less or greater than anything. */
static int compare(bin_op op, const expr_value *a, const expr_value *b)
{
	int c;
	double x, y;

	if (a->type == EV_NULL || b->type == EV_NULL) {
		int both = a->type == EV_NULL && b->type == EV_NULL;

		if (op == OP_EQ)
			return both;
		if (op == OP_NE)
			return !both;
		return 0;
	}
	if (a->type == EV_BOOL || b->type == EV_BOOL) {
		x = expr_value_truthy(a);
		y = expr_value_truthy(b);
		c = (x > y) - (x < y);
	} else if (expr_value_number(a, &x) && expr_value_number(b, &y)) {
		c = (x > y) - (x < y);
	} else {
		fc_buf ta = FC_BUF_INIT, tb = FC_BUF_INIT;

		expr_value_to_text(a, &ta);
		expr_value_to_text(b, &tb);
		c = strcmp(buf_cstr(&ta), buf_cstr(&tb));
		c = (c > 0) - (c < 0);
		buf_free(&ta);
		buf_free(&tb);
	}
	switch (op) {
	case OP_EQ: return c == 0;
	case OP_NE: return c != 0;
	case OP_LT: return c < 0;
	case OP_LE: return c <= 0;
	case OP_GT: return c > 0;
	default: return c >= 0;
	}
}

static int eval_bin(const expr *e, const expr_ctx *ctx, expr_value *out, fc_err *err)
{
	expr_value a = v_null(), b = v_null();
	double x, y;
	int rc;

	*out = v_null();
	if ((rc = eval(e->args[0], ctx, &a, err)) != 0)
		return rc;
	if (e->op == OP_AND || e->op == OP_OR) {
		int l = expr_value_truthy(&a);

		expr_value_clear(&a);
		if (e->op == OP_AND ? !l : l) {
			*out = v_bool(l);
			return 0;
		}
		if ((rc = eval(e->args[1], ctx, &b, err)) != 0)
			return rc;
		*out = v_bool(expr_value_truthy(&b));
		expr_value_clear(&b);
		return 0;
	}
	if ((rc = eval(e->args[1], ctx, &b, err)) != 0) {
		expr_value_clear(&a);
		return rc;
	}
	if (e->op <= OP_GE) {
		*out = v_bool(compare(e->op, &a, &b));
	} else if (expr_value_number(&a, &x) && expr_value_number(&b, &y)) {
		/* Anything empty or not a number gives NULL, so a missing
		 * income shows as missing instead of silently as 0. */
		switch (e->op) {
		case OP_ADD: *out = v_num(x + y); break;
		case OP_SUB: *out = v_num(x - y); break;
		case OP_MUL: *out = v_num(x * y); break;
		case OP_DIV: *out = y != 0 ? v_num(x / y) : v_null(); break;
		default: *out = y != 0 ? v_num(fmod(x, y)) : v_null(); break;
		}
	}
	expr_value_clear(&a);
	expr_value_clear(&b);
	return 0;
}

static int eval(const expr *e, const expr_ctx *ctx, expr_value *out, fc_err *err)
{
	expr_value a;
	double d;
	int rc;

	switch (e->kind) {
	case N_NUM:
		*out = v_num(e->num);
		return 0;
	case N_STR:
		*out = v_str(e->str);
		return 0;
	case N_NULL:
		*out = v_null();
		return 0;
	case N_SELF:
		*out = v_str(ctx->self);
		return 0;
	case N_REF:
		*out = eval_ref(ctx, e->str);
		return 0;
	case N_NEG:
		if ((rc = eval(e->args[0], ctx, &a, err)) != 0)
			return rc;
		*out = expr_value_number(&a, &d) ? v_num(-d) : v_null();
		expr_value_clear(&a);
		return 0;
	case N_BIN:
		return eval_bin(e, ctx, out, err);
	case N_CALL:
		return eval_call(e, ctx, out, err);
	}
	*out = v_null();
	return 0;
}

int expr_eval(const expr *e, const expr_ctx *ctx, expr_value *out, fc_err *err)
{
	expr_ctx empty;

	*out = v_null();
	if (!e)
		return fc_err_set(err, FC_EINVALID, "no expression to evaluate");
	if (!ctx) {
		memset(&empty, 0, sizeof(empty));
		ctx = &empty;
	}
	if ((ctx->form || ctx->parent_form) && !ctx->schema)
		return fc_err_set(err, FC_EINVALID,
				  "expression context has a form but no schema to read it (expr_ctx.schema)");
	return eval(e, ctx, out, err);
}

int expr_eval_bool(const expr *e, const expr_ctx *ctx, int *out, fc_err *err)
{
	expr_value v;
	int rc = expr_eval(e, ctx, &v, err);

	/* On error show the field: hiding it could hide a required answer. */
	*out = rc ? 1 : expr_value_truthy(&v);
	expr_value_clear(&v);
	return rc;
}
