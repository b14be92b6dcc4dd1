/* expr.c — the XLSForm expression subset of expr.h: a recursive-descent
 * parser building a small tree, and an evaluator over a record, its parent
 * household and its repeat instances. The UI, the CLI and the county merge
 * all evaluate relevance, constraints and calculations through this file, so
 * a form behaves the same everywhere.
 *
 * Numbers are parsed and printed by hand rather than with strtod/printf: the
 * program runs under the user's locale (ncursesw needs setlocale), and a
 * locale with a decimal comma must not change what "1.5" means or how a
 * calculated value is stored in the ledger. */
#include <math.h>
#include <regex.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fieldcard/expr.h"
#include "fieldcard/record.h"
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
	F_CONCAT, F_NOT, F_TRUE, F_FALSE, F_AGE, F_ANY, F_COUNT_IF, F_SUM_IF
} func_id;

static const struct func_def {
	const char *name;
	func_id id;
	int min_args, max_args;  /* max -1: any number */
} funcs[] = {
	{ "if", F_IF, 3, 3 },
	{ "selected", F_SELECTED, 2, 2 },
	{ "count-selected", F_COUNT_SELECTED, 1, 1 },
	{ "string-length", F_STRING_LENGTH, 1, 1 },
	{ "regex", F_REGEX, 2, 2 },
	{ "today", F_TODAY, 0, 0 },
	{ "date", F_DATE, 1, 1 },
	{ "int", F_INT, 1, 1 },
	{ "round", F_ROUND, 1, 2 },
	{ "sum", F_SUM, 1, 1 },
	{ "count", F_COUNT, 1, 1 },
	{ "max", F_MAX, 1, -1 },
	{ "min", F_MIN, 1, -1 },
	{ "coalesce", F_COALESCE, 2, -1 },
	{ "concat", F_CONCAT, 1, -1 },
	{ "not", F_NOT, 1, 1 },
	{ "true", F_TRUE, 0, 0 },
	{ "false", F_FALSE, 0, 0 },
	{ "age", F_AGE, 1, 2 },
	{ "any", F_ANY, 1, 1 },
	{ "count-if", F_COUNT_IF, 2, 2 },
	{ "sum-if", F_SUM_IF, 2, 2 },
};
#define NFUNCS (sizeof(funcs) / sizeof(funcs[0]))

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

/* ------------------------------------------------------------------ */
/* Numbers and dates as text.                                          */

/* Parse an optionally signed decimal "12", "-3.50", ".5" taking the whole
 * string; 1 on success. */
static int parse_number(const char *s, size_t len, double *out)
{
	size_t i = 0;
	int neg = 0, ndig = 0, frac = 0, seen_dot = 0;
	double mant = 0;

	if (i < len && (s[i] == '-' || s[i] == '+'))
		neg = s[i++] == '-';
	for (; i < len; i++) {
		if (s[i] >= '0' && s[i] <= '9') {
			mant = mant * 10 + (s[i] - '0');
			ndig++;
			if (seen_dot)
				frac++;
		} else if (s[i] == '.' && !seen_dot) {
			seen_dot = 1;
		} else {
			return 0;
		}
	}
	if (!ndig)
		return 0;
	/* Dividing by an exact power of ten rounds correctly for the digit
	 * counts forms use (mantissa below 2^53, up to 22 decimals). */
	*out = (neg ? -mant : mant) / pow(10, frac);
	return 1;
}

int expr_text_number(const char *s, double *out)
{
	return s && parse_number(s, strlen(s), out);
}

static int days_in_month(int y, int m)
{
	static const int d[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return d[m - 1];
}

int expr_date_parse(const char *s, int *y, int *m, int *d)
{
	int i;

	if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return 0;
	for (i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return 0;
	*y = atoi(s);
	*m = (s[5] - '0') * 10 + (s[6] - '0');
	*d = (s[8] - '0') * 10 + (s[9] - '0');
	if (*y < 1 || *m < 1 || *m > 12 || *d < 1 || *d > days_in_month(*y, *m))
		return 0;
	return 1;
}

/* ------------------------------------------------------------------ */
/* Tree.                                                               */

static expr *node_new(node_kind kind, int col)
{
	expr *e = util_calloc(1, sizeof(*e));

	e->kind = kind;
	e->col = col;
	e->depth = 1;
	return e;
}

void expr_free(expr *e)
{
	size_t i;

	if (!e)
		return;
	for (i = 0; i < e->nargs; i++)
		expr_free(e->args[i]);
	free(e->args);
	free(e->str);
	free(e);
}

static void node_add_arg(expr *e, expr *arg)
{
	e->args = util_realloc(e->args, (e->nargs + 1) * sizeof(*e->args));
	e->args[e->nargs++] = arg;
	if (arg->depth + 1 > e->depth)
		e->depth = arg->depth + 1;
}

/* ------------------------------------------------------------------ */
/* Lexer.                                                              */

typedef enum {
	T_EOF, T_NUM, T_STR, T_REF, T_DOT, T_NAME, T_LP, T_RP, T_COMMA,
	T_PLUS, T_MINUS, T_STAR, T_EQ, T_NE, T_LT, T_LE, T_GT, T_GE
} tok_type;

typedef struct parser {
	const char *src;
	size_t pos;
	tok_type tok;
	size_t tstart, tlen;  /* token text in src */
	int tcol;
	double tnum;
	char *tstr;           /* T_STR contents, T_REF / T_NAME name */
	fc_err *err;
	int failed;
	int nest;             /* parser recursion, capped like the tree */
} parser;

/* Column in characters, so a message points at the right place in a line
 * holding Chinese text. */
static int column_at(const char *s, size_t pos)
{
	int col = 1;
	size_t i;

	for (i = 0; i < pos; i++)
		if (((unsigned char)s[i] & 0xC0) != 0x80)
			col++;
	return col;
}

static int fail_at(parser *p, size_t pos, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail_at(parser *p, size_t pos, const char *fmt, ...)
{
	char msg[900];
	va_list ap;

	if (p->failed)
		return -1;
	p->failed = 1;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fc_err_set(p->err, FC_EINVALID, "column %d: %s", column_at(p->src, pos), msg);
	return -1;
}

static int is_name_start(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static int is_name_char(char c)
{
	return is_name_start(c) || (c >= '0' && c <= '9');
}

static int next_token(parser *p)
{
	const char *s = p->src;
	size_t i = p->pos;

	free(p->tstr);
	p->tstr = NULL;
	while (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')
		i++;
	p->tstart = i;
	p->tcol = column_at(s, i);
	if (!s[i]) {
		p->tok = T_EOF;
		p->tlen = 0;
		p->pos = i;
		return 0;
	}
	if ((s[i] >= '0' && s[i] <= '9') ||
	    (s[i] == '.' && s[i + 1] >= '0' && s[i + 1] <= '9')) {
		size_t j = i;

		while ((s[j] >= '0' && s[j] <= '9') || s[j] == '.')
			j++;
		if (!parse_number(s + i, j - i, &p->tnum))
			return fail_at(p, i, "bad number '%.*s'", (int)(j - i), s + i);
		p->tok = T_NUM;
		p->tlen = j - i;
	} else if (s[i] == '\'' || s[i] == '"') {
		char q = s[i];
		size_t j = i + 1;

		while (s[j] && s[j] != q)
			j++;
		if (!s[j])
			return fail_at(p, i, "unterminated string starting with %c", q);
		p->tok = T_STR;
		p->tstr = util_strndup(s + i + 1, j - i - 1);
		p->tlen = j + 1 - i;
	} else if (s[i] == '$') {
		size_t j = i + 2;

		if (s[i + 1] != '{')
			return fail_at(p, i, "unexpected '$' (a field is written ${name})");
		if (!is_name_start(s[j]))
			return fail_at(p, i, "bad field reference: expected a name after '${'");
		while (is_name_char(s[j]) || s[j] == '-' || s[j] == '.')
			j++;
		if (s[j] != '}')
			return fail_at(p, i, "unterminated field reference: missing '}'");
		p->tok = T_REF;
		p->tstr = util_strndup(s + i + 2, j - i - 2);
		p->tlen = j + 1 - i;
	} else if (is_name_start(s[i])) {
		size_t j = i;

		/* A hyphen belongs to the name only between letters, so that
		 * "count-selected" is one name but "3 mod-1" is not. */
		while (is_name_char(s[j]) ||
		       (s[j] == '-' && j > i && is_name_start(s[j + 1])))
			j++;
		p->tok = T_NAME;
		p->tstr = util_strndup(s + i, j - i);
		p->tlen = j - i;
	} else {
		p->tlen = 1;
		switch (s[i]) {
		case '.': p->tok = T_DOT; break;
		case '(': p->tok = T_LP; break;
		case ')': p->tok = T_RP; break;
		case ',': p->tok = T_COMMA; break;
		case '+': p->tok = T_PLUS; break;
		case '-': p->tok = T_MINUS; break;
		case '*': p->tok = T_STAR; break;
		case '=': p->tok = T_EQ; break;
		case '!':
			if (s[i + 1] != '=')
				return fail_at(p, i, "unexpected '!' (use not() or !=)");
			p->tok = T_NE;
			p->tlen = 2;
			break;
		case '<':
			p->tok = s[i + 1] == '=' ? T_LE : T_LT;
			p->tlen = s[i + 1] == '=' ? 2 : 1;
			break;
		case '>':
			p->tok = s[i + 1] == '=' ? T_GE : T_GT;
			p->tlen = s[i + 1] == '=' ? 2 : 1;
			break;
		default: {
			/* Show the whole (possibly multibyte) character. */
			char ch[8];
			size_t n = 1;

			while (n < 4 && (((unsigned char)s[i + n]) & 0xC0) == 0x80)
				n++;
			memcpy(ch, s + i, n);
			ch[n] = '\0';
			if (s[i] == '/')
				return fail_at(p, i, "unexpected '%s' (division is written div)", ch);
			return fail_at(p, i, "unexpected '%s'", ch);
		}
		}
	}
	p->pos = i + p->tlen;
	return 0;
}

static int tok_is_word(const parser *p, const char *w)
{
	return p->tok == T_NAME && strcmp(p->tstr, w) == 0;
}

static int unexpected(parser *p)
{
	if (p->tok == T_EOF)
		return fail_at(p, p->tstart, "unexpected end of expression");
	return fail_at(p, p->tstart, "unexpected '%.*s'", (int)p->tlen, p->src + p->tstart);
}

/* ------------------------------------------------------------------ */
/* Parser: or > and > equality > relational > additive > multiplicative
 * > unary > primary, all left-associative. */

static expr *parse_or(parser *p);

static int too_deep(parser *p)
{
	return fail_at(p, p->tstart, "expression nested too deeply (more than %d levels)",
		       EXPR_MAX_DEPTH);
}

static expr *check_depth(parser *p, expr *e)
{
	if (e && e->depth > EXPR_MAX_DEPTH) {
		too_deep(p);
		expr_free(e);
		return NULL;
	}
	return e;
}

static expr *make_bin(parser *p, bin_op op, int col, expr *l, expr *r)
{
	expr *e = node_new(N_BIN, col);

	e->op = op;
	node_add_arg(e, l);
	node_add_arg(e, r);
	return check_depth(p, e);
}

static void supported_list(char *out, size_t size)
{
	size_t i, n = 0;

	out[0] = '\0';
	for (i = 0; i < NFUNCS; i++) {
		int w = snprintf(out + n, size - n, "%s%s", i ? ", " : "", funcs[i].name);

		if (w < 0 || (size_t)w >= size - n)
			break;
		n += (size_t)w;
	}
}

static expr *parse_call(parser *p, char *name, size_t name_pos, int col)
{
	const struct func_def *fd = NULL;
	expr *e;
	size_t i;

	for (i = 0; i < NFUNCS; i++)
		if (strcmp(funcs[i].name, name) == 0)
			fd = &funcs[i];
	if (!fd) {
		char list[400];

		supported_list(list, sizeof(list));
		fail_at(p, name_pos, "unknown function '%.60s' (supported: %s)", name, list);
		return NULL;
	}
	e = node_new(N_CALL, col);
	e->fn = fd->id;
	e->fname = fd->name;
	if (next_token(p) < 0)  /* skip '(' */
		goto fail;
	if (p->tok != T_RP) {
		for (;;) {
			expr *a = parse_or(p);

			if (!a)
				goto fail;
			node_add_arg(e, a);
			if (p->tok == T_COMMA) {
				if (next_token(p) < 0)
					goto fail;
				continue;
			}
			if (p->tok != T_RP) {
				unexpected(p);
				goto fail;
			}
			break;
		}
	}
	if ((int)e->nargs < fd->min_args ||
	    (fd->max_args >= 0 && (int)e->nargs > fd->max_args)) {
		if (fd->min_args == fd->max_args)
			fail_at(p, name_pos, "%s() takes %d argument%s, got %zu",
				fd->name, fd->min_args, fd->min_args == 1 ? "" : "s", e->nargs);
		else if (fd->max_args < 0)
			fail_at(p, name_pos, "%s() takes at least %d argument%s, got %zu",
				fd->name, fd->min_args, fd->min_args == 1 ? "" : "s", e->nargs);
		else
			fail_at(p, name_pos, "%s() takes %d to %d arguments, got %zu",
				fd->name, fd->min_args, fd->max_args, e->nargs);
		goto fail;
	}
	if ((fd->id == F_COUNT_IF || fd->id == F_SUM_IF) && e->args[0]->kind != N_REF) {
		fail_at(p, name_pos, "%s() needs a ${field} or ${repeat} as its first argument",
			fd->name);
		goto fail;
	}
	if (fd->id == F_REGEX && e->args[1]->kind == N_STR) {
		/* A literal pattern is checked now, so form check reports it. */
		char *pat = util_asprintf("^(%s)$", e->args[1]->str);
		regex_t re;
		int rc = regcomp(&re, pat, REG_EXTENDED | REG_NOSUB);

		free(pat);
		if (rc != 0) {
			char why[200];

			regerror(rc, &re, why, sizeof(why));
			fail_at(p, name_pos, "bad regular expression '%.80s': %s",
				e->args[1]->str, why);
			goto fail;
		}
		regfree(&re);
	}
	if (next_token(p) < 0)  /* skip ')' */
		goto fail;
	return check_depth(p, e);
fail:
	expr_free(e);
	return NULL;
}

static expr *parse_primary(parser *p)
{
	expr *e = NULL;
	int col = p->tcol;

	switch (p->tok) {
	case T_NUM:
		e = node_new(N_NUM, col);
		e->num = p->tnum;
		break;
	case T_STR:
		/* An empty literal is NULL, the same as an empty field. */
		e = node_new(p->tstr[0] ? N_STR : N_NULL, col);
		if (p->tstr[0])
			e->str = util_strdup(p->tstr);
		break;
	case T_REF:
		e = node_new(N_REF, col);
		e->str = util_strdup(p->tstr);
		break;
	case T_DOT:
		e = node_new(N_SELF, col);
		break;
	case T_LP:
		if (next_token(p) < 0)
			return NULL;
		e = parse_or(p);
		if (!e)
			return NULL;
		if (p->tok != T_RP) {
			unexpected(p);
			expr_free(e);
			return NULL;
		}
		if (next_token(p) < 0) {
			expr_free(e);
			return NULL;
		}
		/* Parentheses count as a level: "((((...))))" is nesting too. */
		e->depth++;
		return check_depth(p, e);
	case T_NAME: {
		char *name = util_strdup(p->tstr);
		size_t name_pos = p->tstart;

		if (next_token(p) < 0) {
			free(name);
			return NULL;
		}
		if (p->tok != T_LP) {
			if (!strcmp(name, "and") || !strcmp(name, "or") ||
			    !strcmp(name, "div") || !strcmp(name, "mod"))
				fail_at(p, name_pos, "unexpected '%s'", name);
			else
				fail_at(p, name_pos, "unexpected name '%s' (a field is written ${name}, a function name(...))", name);
			free(name);
			return NULL;
		}
		e = parse_call(p, name, name_pos, col);
		free(name);
		return e;
	}
	default:
		unexpected(p);
		return NULL;
	}
	if (next_token(p) < 0) {
		expr_free(e);
		return NULL;
	}
	return e;
}

static expr *parse_unary(parser *p)
{
	if (p->tok == T_MINUS) {
		int col = p->tcol;
		expr *a, *e;

		if (next_token(p) < 0)
			return NULL;
		if (++p->nest > EXPR_MAX_DEPTH) {
			too_deep(p);
			return NULL;
		}
		a = parse_unary(p);
		p->nest--;
		if (!a)
			return NULL;
		e = node_new(N_NEG, col);
		node_add_arg(e, a);
		return check_depth(p, e);
	}
	return parse_primary(p);
}

static int mul_op(const parser *p, bin_op *op)
{
	if (p->tok == T_STAR)
		*op = OP_MUL;
	else if (tok_is_word(p, "div"))
		*op = OP_DIV;
	else if (tok_is_word(p, "mod"))
		*op = OP_MOD;
	else
		return 0;
	return 1;
}

static int add_op(const parser *p, bin_op *op)
{
	if (p->tok == T_PLUS)
		*op = OP_ADD;
	else if (p->tok == T_MINUS)
		*op = OP_SUB;
	else
		return 0;
	return 1;
}

static int rel_op(const parser *p, bin_op *op)
{
	switch (p->tok) {
	case T_LT: *op = OP_LT; return 1;
	case T_LE: *op = OP_LE; return 1;
	case T_GT: *op = OP_GT; return 1;
	case T_GE: *op = OP_GE; return 1;
	default: return 0;
	}
}

static int eq_op(const parser *p, bin_op *op)
{
	if (p->tok == T_EQ)
		*op = OP_EQ;
	else if (p->tok == T_NE)
		*op = OP_NE;
	else
		return 0;
	return 1;
}

static int and_op(const parser *p, bin_op *op)
{
	if (!tok_is_word(p, "and"))
		return 0;
	*op = OP_AND;
	return 1;
}

static int or_op(const parser *p, bin_op *op)
{
	if (!tok_is_word(p, "or"))
		return 0;
	*op = OP_OR;
	return 1;
}

/* One left-associative level: operand (op operand)*. */
static expr *parse_level(parser *p, expr *(*operand)(parser *),
			 int (*match)(const parser *, bin_op *))
{
	expr *l = operand(p);
	bin_op op;

	while (l && match(p, &op)) {
		int col = p->tcol;
		expr *r;

		if (next_token(p) < 0) {
			expr_free(l);
			return NULL;
		}
		r = operand(p);
		if (!r) {
			expr_free(l);
			return NULL;
		}
		l = make_bin(p, op, col, l, r);
	}
	return l;
}

static expr *parse_mul(parser *p) { return parse_level(p, parse_unary, mul_op); }
static expr *parse_add(parser *p) { return parse_level(p, parse_mul, add_op); }
static expr *parse_rel(parser *p) { return parse_level(p, parse_add, rel_op); }
static expr *parse_eq(parser *p) { return parse_level(p, parse_rel, eq_op); }
static expr *parse_and(parser *p) { return parse_level(p, parse_eq, and_op); }

/* Recursion guard for the parser itself: a run of "(((((" or "- - - -"
 * would otherwise recurse once per character before any node exists. */
static expr *parse_or(parser *p)
{
	expr *e;

	if (++p->nest > EXPR_MAX_DEPTH) {
		too_deep(p);
		p->nest--;
		return NULL;
	}
	e = parse_level(p, parse_and, or_op);
	p->nest--;
	return e;
}

int expr_parse(const char *src, expr **out, fc_err *err)
{
	parser p;
	expr *e = NULL;

	*out = NULL;
	memset(&p, 0, sizeof(p));
	p.src = src ? src : "";
	p.err = err;
	if (next_token(&p) < 0)
		goto fail;
	if (p.tok == T_EOF) {
		fail_at(&p, 0, "empty expression");
		goto fail;
	}
	e = parse_or(&p);
	if (!e)
		goto fail;
	if (p.tok != T_EOF) {
		unexpected(&p);
		goto fail;
	}
	free(p.tstr);
	*out = e;
	return 0;
fail:
	free(p.tstr);
	expr_free(e);
	if (!p.failed)
		fc_err_set(err, FC_EINVALID, "column 1: cannot parse expression");
	return FC_EINVALID;
}

int expr_each_ref(const expr *e, int (*cb)(const char *name, void *ud), void *ud)
{
	size_t i;
	int rc;

	if (!e)
		return 0;
	if (e->kind == N_REF && (rc = cb(e->str, ud)) != 0)
		return rc;
	for (i = 0; i < e->nargs; i++)
		if ((rc = expr_each_ref(e->args[i], cb, ud)) != 0)
			return rc;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Values.                                                             */

static expr_value v_null(void)
{
	expr_value v = { EV_NULL, 0, 0, NULL };

	return v;
}

static expr_value v_num(double d)
{
	expr_value v = { EV_NUM, d, 0, NULL };

	/* NaN and infinities have no text and no place in a record. */
	if (isnan(d) || isinf(d))
		v.type = EV_NULL, v.num = 0;
	return v;
}

static expr_value v_bool(int b)
{
	expr_value v = { EV_BOOL, 0, b ? 1 : 0, NULL };

	return v;
}

/* Takes ownership of s; "" becomes NULL. */
static expr_value v_str_own(char *s)
{
	expr_value v = { EV_STR, 0, 0, s };

	if (!s || !*s) {
		free(s);
		return v_null();
	}
	return v;
}

static expr_value v_str(const char *s)
{
	return v_str_own(s && *s ? util_strdup(s) : NULL);
}

void expr_value_clear(expr_value *v)
{
	if (!v)
		return;
	free(v->str);
	*v = v_null();
}

int expr_value_truthy(const expr_value *v)
{
	switch (v->type) {
	case EV_NUM: return v->num != 0;
	case EV_STR: return v->str && *v->str;
	case EV_BOOL: return v->b;
	default: return 0;
	}
}

static int to_number(const expr_value *v, double *d)
{
	switch (v->type) {
	case EV_NUM: *d = v->num; return 1;
	case EV_BOOL: *d = v->b; return 1;
	case EV_STR: return parse_number(v->str, strlen(v->str), d);
	default: return 0;
	}
}

/* Format without printf so the locale's decimal separator never leaks into
 * stored values: integers plain, else at most two decimals. */
static void format_number(double d, fc_buf *out)
{
	long long cents;
	int neg;

	if (isnan(d) || isinf(d))
		return;
	if (fabs(d) >= 9e13) {
		buf_printf(out, "%.0f", d);
		return;
	}
	cents = llround(d * 100);
	if (cents == 0) {
		buf_addc(out, '0');
		return;
	}
	neg = cents < 0;
	if (neg)
		cents = -cents;
	buf_printf(out, "%s%lld", neg ? "-" : "", cents / 100);
	if (cents % 100) {
		buf_printf(out, ".%lld", (cents % 100) / 10);
		if (cents % 10)
			buf_printf(out, "%lld", cents % 10);
	}
}

void expr_value_to_text(const expr_value *v, fc_buf *out)
{
	switch (v->type) {
	case EV_NUM: format_number(v->num, out); break;
	case EV_STR: buf_adds(out, v->str); break;
	case EV_BOOL: buf_adds(out, v->b ? "true" : "false"); break;
	default: break;
	}
}

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
	if (to_number(v, &d))
		a->sum += d;
	return 0;
}

static int minmax_cb(const expr_value *v, void *ud)
{
	agg *a = ud;
	double d;

	if (!to_number(v, &d))
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

			if (to_number(&fv, &d))
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

static int eval_call(const expr *e, const expr_ctx *ctx, expr_value *out, fc_err *err)
{
	expr_value a = v_null(), b = v_null();
	char today[11];
	double d, d2;
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
	case F_COUNT_SELECTED: {
		fc_buf t = FC_BUF_INIT, want = FC_BUF_INIT;
		char **parts, **pp;
		int n = 0, found = 0;

		if ((rc = eval(e->args[0], ctx, &a, err)) != 0)
			break;
		if (e->fn == F_SELECTED && (rc = eval(e->args[1], ctx, &b, err)) != 0)
			break;
		expr_value_to_text(&a, &t);
		expr_value_to_text(&b, &want);
		parts = util_split(buf_cstr(&t), ' ');
		for (pp = parts; pp && *pp; pp++) {
			if (!**pp)
				continue;
			n++;
			if (want.len && strcmp(*pp, buf_cstr(&want)) == 0)
				found = 1;
		}
		util_strv_free(parts);
		buf_free(&t);
		buf_free(&want);
		*out = e->fn == F_SELECTED ? v_bool(found) : v_num(n);
		break;
	}
	case F_STRING_LENGTH: {
		fc_buf t = FC_BUF_INIT;

		if ((rc = eval(e->args[0], ctx, &a, err)) != 0)
			break;
		expr_value_to_text(&a, &t);
		*out = v_num((double)utf8_chars(buf_cstr(&t)));
		buf_free(&t);
		break;
	}
	case F_REGEX: {
		fc_buf t = FC_BUF_INIT, pat = FC_BUF_INIT;
		regex_t re;
		int cr;

		if ((rc = eval(e->args[0], ctx, &a, err)) != 0 ||
		    (rc = eval(e->args[1], ctx, &b, err)) != 0)
			break;
		expr_value_to_text(&a, &t);
		/* XLSForm regex() must match the whole value. */
		buf_adds(&pat, "^(");
		expr_value_to_text(&b, &pat);
		buf_adds(&pat, ")$");
		cr = regcomp(&re, buf_cstr(&pat), REG_EXTENDED | REG_NOSUB);
		if (cr != 0) {
			char why[200];

			regerror(cr, &re, why, sizeof(why));
			rc = fc_err_set(err, FC_EINVALID, "column %d: bad regular expression: %s",
					e->col, why);
		} else {
			*out = v_bool(regexec(&re, buf_cstr(&t), 0, NULL, 0) == 0);
			regfree(&re);
		}
		buf_free(&t);
		buf_free(&pat);
		break;
	}
	case F_TODAY:
		if (ctx->today) {
			*out = v_str(ctx->today);
		} else {
			util_today(today);
			*out = v_str(today);
		}
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
		if ((rc = eval(e->args[0], ctx, &a, err)) == 0 && to_number(&a, &d))
			*out = v_num(trunc(d));
		break;
	case F_ROUND:
		if ((rc = eval(e->args[0], ctx, &a, err)) != 0)
			break;
		d2 = 0;
		if (e->nargs > 1) {
			if ((rc = eval(e->args[1], ctx, &b, err)) != 0)
				break;
			if (!to_number(&b, &d2))
				break;
		}
		if (to_number(&a, &d)) {
			double f = pow(10, trunc(d2));

			*out = v_num(round(d * f) / f);
		}
		break;
	case F_SUM: {
		agg g = { 0, 0, 0, 0 };

		if ((rc = each_value(e->args[0], ctx, sum_cb, &g, err)) == 0)
			*out = v_num(g.sum);
		break;
	}
	case F_COUNT: {
		list_ref lr;
		size_t i;
		int n = 0;

		if (e->args[0]->kind == N_REF && resolve_list(ctx, e->args[0]->str, &lr)) {
			for (i = 0; i < ctx->nchildren; i++)
				if (strcmp(ctx->children[i]->kind, lr.kind) == 0)
					n++;
		} else {
			/* Of an expression: the non-empty results, one per
			 * instance when it reads a repeat. */
			rc = each_value(e->args[0], ctx, count_cb, &n, err);
		}
		if (rc == 0)
			*out = v_num(n);
		break;
	}
	case F_MAX:
	case F_MIN: {
		agg g = { 0, 0, e->fn == F_MAX, 0 };
		size_t i;

		for (i = 0; i < e->nargs && rc == 0; i++)
			rc = each_value(e->args[i], ctx, minmax_cb, &g, err);
		if (rc == 0 && g.n)
			*out = v_num(g.best);
		break;
	}
	case F_COALESCE: {
		size_t i;

		for (i = 0; i < e->nargs; i++) {
			if ((rc = eval(e->args[i], ctx, out, err)) != 0 || out->type != EV_NULL)
				break;
		}
		break;
	}
	case F_CONCAT: {
		fc_buf t = FC_BUF_INIT;
		size_t i;

		for (i = 0; i < e->nargs && rc == 0; i++)
			rc = each_value(e->args[i], ctx, concat_cb, &t, err);
		if (rc == 0)
			*out = v_str_own(buf_detach(&t));
		buf_free(&t);
		break;
	}
	case F_AGE:
		if ((rc = eval(e->args[0], ctx, &a, err)) != 0)
			break;
		if (e->nargs > 1) {
			if ((rc = eval(e->args[1], ctx, &b, err)) != 0)
				break;
		} else {
			if (ctx->today)
				b = v_str(ctx->today);
			else {
				util_today(today);
				b = v_str(today);
			}
		}
		if (a.type == EV_STR && b.type == EV_STR)
			rc = eval_age(a.str, b.str, out);
		break;
	case F_COUNT_IF:
	case F_SUM_IF: {
		list_ref lr;

		if (!resolve_list(ctx, e->args[0]->str, &lr)) {
			/* Not at household level: there are no instances. */
			*out = v_num(0);
			break;
		}
		rc = eval_filtered(e, ctx, &lr, e->args[1], out, err);
		break;
	}
	case F_ANY: {
		find_list fl;

		memset(&fl, 0, sizeof(fl));
		fl.ctx = ctx;
		/* The repeat is the one the condition's first repeat field
		 * belongs to: any(${health} = 'disabled') runs over members. */
		if (expr_each_ref(e->args[0], find_list_cb, &fl)) {
			fl.lr.field = NULL;
			rc = eval_filtered(e, ctx, &fl.lr, e->args[0], out, err);
		} else if ((rc = eval(e->args[0], ctx, &a, err)) == 0) {
			*out = v_bool(expr_value_truthy(&a));
		}
		break;
	}
	}
	expr_value_clear(&a);
	expr_value_clear(&b);
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
	} else if (to_number(a, &x) && to_number(b, &y)) {
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
	} else if (to_number(&a, &x) && to_number(&b, &y)) {
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
		*out = to_number(&a, &d) ? v_num(-d) : v_null();
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
