/* expr_int.h — what the parts of the expression engine share (expr.c,
 * expr_parse.c, expr_eval.c): the tree, the function ids and the value
 * constructors. Private to app/form/; the API is fieldcard/expr.h. */
#ifndef FIELDCARD_EXPR_INT_H
#define FIELDCARD_EXPR_INT_H

#include <math.h>
#include <stddef.h>
#include <stdlib.h>

#include "fieldcard/expr.h"
#include "fieldcard/util.h"

/* Deepest tree accepted: keeps parser and evaluator recursion bounded
 * whatever a county writes into a form. */
#define EXPR_MAX_DEPTH 64

typedef enum {
	N_NUM, N_STR, N_NULL, N_REF, N_SELF, N_NEG, N_BIN, N_CALL
} node_kind;

typedef enum {
	OP_OR, OP_AND, OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE,
	OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_MOD
} bin_op;

typedef enum {
	F_IF, F_SELECTED, F_COUNT_SELECTED, F_STRING_LENGTH, F_REGEX, F_TODAY,
	F_DATE, F_INT, F_ROUND, F_SUM, F_COUNT, F_MAX, F_MIN, F_COALESCE,
	F_CONCAT, F_NOT, F_TRUE, F_FALSE, F_AGE, F_ANY, F_COUNT_IF, F_SUM_IF,
	F_FORMAT_DATE
} func_id;

struct expr {
	node_kind kind;
	int col;            /* 1-based column in the source, for messages */
	int depth;          /* height of this subtree */
	double num;         /* N_NUM */
	char *str;          /* N_STR text, N_REF field name */
	bin_op op;          /* N_BIN */
	func_id fn;         /* N_CALL */
	const char *fname;  /* N_CALL, static */
	struct expr **args; /* N_NEG: 1, N_BIN: 2, N_CALL: nargs */
	size_t nargs;
};

/* Values. An expression's empty text is NULL, so every constructor maps
 * "" (and NaN, infinities) to EV_NULL. */

static inline expr_value v_null(void)
{
	expr_value v = { EV_NULL, 0, 0, NULL };

	return v;
}

static inline expr_value v_num(double d)
{
	expr_value v = { EV_NUM, d, 0, NULL };

	/* NaN and infinities have no text and no place in a record. */
	if (isnan(d) || isinf(d))
		v.type = EV_NULL, v.num = 0;
	return v;
}

static inline expr_value v_bool(int b)
{
	expr_value v = { EV_BOOL, 0, b ? 1 : 0, NULL };

	return v;
}

/* Takes ownership of s; "" becomes NULL. */
static inline expr_value v_str_own(char *s)
{
	expr_value v = { EV_STR, 0, 0, s };

	if (!s || !*s) {
		free(s);
		return v_null();
	}
	return v;
}

static inline expr_value v_str(const char *s)
{
	return v_str_own(s && *s ? util_strdup(s) : NULL);
}

/* 1 if the len bytes at s read as a number (expr.h, expr_text_number). */
int expr_scan_number(const char *s, size_t len, double *out);
/* The number a value stands for, if any (booleans are 0 and 1). */
int expr_value_number(const expr_value *v, double *d);

#endif
