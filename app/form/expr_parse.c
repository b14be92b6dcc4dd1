/* expr_parse.c — reading an expression (expr_parse): the lexer, a
 * recursive-descent parser that builds the tree of expr_int.h and checks
 * function names, argument counts, literal regex patterns and depth as it
 * goes, so a form check reports every problem with its column. Part of the
 * expression engine (expr.c). */
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expr_int.h"

/* The functions an expression may call, with their argument counts. */
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
	{ "format-date", F_FORMAT_DATE, 2, 2 },
};
#define NFUNCS (sizeof(funcs) / sizeof(funcs[0]))

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
		if (!expr_scan_number(s + i, j - i, &p->tnum))
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
