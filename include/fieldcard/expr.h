/* expr.h — XLSForm expressions: relevance, constraints, calculations.
 *
 * Supported: ${field} references (inside a repeat the same instance; a
 * reference to a repeat's field from the parent form means all instances, for
 * aggregates), ".", numbers, 'strings' and "strings", + - * div mod, unary -,
 * = != < <= > >=, and or not(), and the functions if, selected,
 * count-selected, string-length, regex, today, date, int, round, sum, count,
 * max, min, coalesce, concat, plus our extensions age(date[, on]) in whole
 * years and any(cond-over-repeat) (documented in forms/README.md). Anything
 * else is refused at parse time with its column and name. */
#ifndef FIELDCARD_EXPR_H
#define FIELDCARD_EXPR_H

#include <stddef.h>
#include "fieldcard/err.h"
#include "fieldcard/buf.h"

struct record;
struct form;

typedef struct expr expr;

typedef enum expr_vtype { EV_NULL, EV_NUM, EV_STR, EV_BOOL } expr_vtype;

typedef struct expr_value {
	expr_vtype type;
	double num;
	int b;
	char *str;       /* owned; EV_STR only */
} expr_value;

/* Where an expression looks up values. `rec` is the instance being
 * evaluated (a household, or one member); `form` its form. When rec is a
 * repeat instance, `parent`/`parent_form` is the household, so member
 * expressions can read household fields. `children`, with their kinds, are
 * the repeat instances of the household (all members and visits), for
 * aggregates evaluated at household level. */
typedef struct expr_ctx {
	const struct record *rec;
	const struct form *form;
	const struct record *parent;
	const struct form *parent_form;
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

#endif
