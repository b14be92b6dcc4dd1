/* expr.h — XLSForm expressions: relevance, constraints, calculations.
 *
 * Supported: ${field} references (inside a repeat the same instance; a
 * reference to a repeat's field from the parent form means all instances, for
 * aggregates), ".", numbers, 'strings' and "strings", + - * div mod, unary -,
 * = != < <= > >=, and or not(), and the functions if, selected,
 * count-selected, string-length, regex, today, date, int, round, sum, count,
 * max, min, coalesce, concat, true, false, plus our extensions (documented in
 * forms/README.md). Anything else is refused at parse time with its column
 * and name; so are wrong argument counts and trees nested deeper than 64.
 *
 * Values. An empty field or '' is NULL. Text that reads as a decimal number
 * is a number where one is needed; = != < <= > >= compare numerically when
 * both sides read as numbers, else by bytes (so ISO dates order correctly).
 * NULL equals only NULL and is neither less nor greater than anything.
 * Arithmetic with a NULL or non-number gives NULL (an empty income is not 0:
 * write coalesce(${x}, 0) where 0 is meant); x div 0 and x mod 0 give NULL.
 * regex() must match the whole value (POSIX extended syntax).
 *
 * Repeats. In a household expression, ${f} where f is a field of a repeat's
 * sub-form stands for f in every child of that kind, in order, and
 * ${member} (the repeat's name) for the children themselves. sum() (empties
 * count 0), count(), max(), min() and concat() run over all of them; used as
 * a single value such a reference means the first instance. An aggregate's
 * argument that is an expression reading a repeat's fields is evaluated in
 * each instance of that repeat (the repeat of the first such field):
 * sum(if(${member_status} != 'left', 1, 0)) counts members present, and
 * count(expr) counts the instances where expr is not empty. In a member
 * expression ${x} is the member's field if the member form or record has it,
 * else the household's (ctx->parent).
 *
 * Extensions:
 *   age(date[, on])       whole years from date to on (default today);
 *                         NULL if either is not a real date or on < date.
 *   any(cond)             true if cond holds for some instance of the
 *                         repeat whose field cond names first:
 *                         any(${health} = 'disabled').
 *   count-if(${r}, cond)  instances of repeat r (or of the repeat of field
 *                         r) for which cond holds, cond being evaluated
 *                         inside each instance (member fields first, then
 *                         the household's); "." is the instance's value of
 *                         r when r is a field:
 *                         count-if(${member}, ${member_status} != 'left').
 *   sum-if(${f}, cond)    sum of repeat field f (empties 0) over the
 *                         instances for which cond holds:
 *                         sum-if(${member_income}, ${member_status} != 'left').
 * Outside a household (no instances) count-if and sum-if give 0. */
#ifndef FIELDCARD_EXPR_H
#define FIELDCARD_EXPR_H

#include <stddef.h>
#include "fieldcard/err.h"
#include "fieldcard/buf.h"

struct record;
struct form;

typedef struct expr expr;

/* What an expression asks of a form. The evaluator never looks inside a
 * struct form: it asks through these, and the form module answers for
 * every form (form_expr_schema, form.h). So the form engine stacks record <
 * expr < form, the loader compiling expressions, without a cycle. */
typedef struct expr_schema {
	/* 1 if f has a value field (not a group, repeat or note) called name. */
	int (*has_field)(const struct form *f, const char *name);
	/* f's i-th repeat (sub-form), with the kind of its records in *kind;
	 * NULL past the last. */
	const struct form *(*repeat)(const struct form *f, size_t i, const char **kind);
} expr_schema;

typedef enum expr_vtype { EV_NULL, EV_NUM, EV_STR, EV_BOOL } expr_vtype;

typedef struct expr_value {
	expr_vtype type;
	double num;
	int b;
	char *str;       /* owned; EV_STR only */
} expr_value;

/* Where an expression looks up values. `rec` is the instance being
 * evaluated (a household, or one member); `form` its form, read through
 * `schema` (&form_expr_schema; a form without one is an error). When rec is
 * a repeat instance, `parent`/`parent_form` is the household, so member
 * expressions can read household fields. `children`, with their kinds, are
 * the repeat instances of the household (all members and visits), for
 * aggregates evaluated at household level. */
typedef struct expr_ctx {
	const struct record *rec;
	const struct form *form;
	const struct record *parent;
	const struct form *parent_form;
	const expr_schema *schema;
	const struct record *const *children;
	size_t nchildren;
	const char *self;     /* value of "." (constraint of the current field) */
	const char *today;    /* YYYY-MM-DD; NULL = util_today() */
} expr_ctx;

/* Parse src. On error err says "column N: message" (the form loader adds
 * file and line). */
int expr_parse(const char *src, expr **out, fc_err *err);
void expr_free(expr *e);

/* Call cb for every ${name} referenced; stops and returns cb's nonzero. */
int expr_each_ref(const expr *e, int (*cb)(const char *name, void *ud), void *ud);

int expr_eval(const expr *e, const expr_ctx *ctx, expr_value *out, fc_err *err);
void expr_value_clear(expr_value *v);
int expr_value_truthy(const expr_value *v);
/* The text a calculated field stores: integers without ".0", others with up
 * to 2 decimals, booleans "true"/"false", NULL as "". */
void expr_value_to_text(const expr_value *v, fc_buf *out);

/* Convenience: evaluate and return truthiness; an evaluation error counts as
 * true for relevance (show the field) and is reported in err. */
int expr_eval_bool(const expr *e, const expr_ctx *ctx, int *out, fc_err *err);

/* 1 if s reads as a number the way expressions read text ("12", "-3.5",
 * ".5"; no spaces, no exponent, whatever the locale), with it in *out. */
int expr_text_number(const char *s, double *out);
/* 1 if s is a strict YYYY-MM-DD naming a real calendar day. */
int expr_date_parse(const char *s, int *y, int *m, int *d);

#endif
