/* compare.h — comparison with other departments' lists (比对; issue 10):
 * `fieldcard compare FILE --source KIND` reads a department's list (an ID
 * number column plus whatever the department gives), matches every row
 * against every head and member of the county by ID number, and makes each
 * hit a flag on the household (flags.h), committed to main by the county
 * in one signed commit. Rows that match nobody are kept nowhere: not in the
 * store, not in the ledger, not in a message; only counts are told.
 *
 * What each KIND means lives in forms/compare.csv (COMPARE_FILE), never in
 * code: its labels, its effect (a hit counts against the household, or
 * confirms or contradicts one of the card's checks), the text the cadre
 * sees, and the headers its ID-number column may have. `form check`
 * checks that file too. */
#ifndef FIELDCARD_COMPARE_H
#define FIELDCARD_COMPARE_H

#include <stddef.h>
#include "fieldcard/app.h"
#include "fieldcard/buf.h"
#include "fieldcard/err.h"

#define COMPARE_FILE "compare.csv"

typedef enum compare_effect {
	COMPARE_AGAINST,      /* a hit counts against the household (a vehicle) */
	COMPARE_CONFIRMS,     /* a hit confirms a check (medical insurance) */
	COMPARE_CONTRADICTS   /* a hit contradicts a check (a death record) */
} compare_effect;

typedef struct compare_kind {
	char *name;                 /* vehicle, real_estate, ... */
	char *label[FC_NLANG];
	compare_effect effect;
	char *check;                /* the check confirmed or contradicted; "" for against */
	char *text[FC_NLANG];       /* what the cadre is asked to verify */
	char **id_columns;          /* headers the ID-number column may have */
	int line;                   /* in compare.csv */
} compare_kind;

typedef struct compare_kinds {
	char *path;
	compare_kind *v;
	size_t n;
} compare_kinds;

/* Load compare.csv (columns kind, label::zh, label::en, effect, check,
 * text::zh, text::en, id_columns, in any order; see forms/README.md). Every
 * problem is reported: the first in err as "FILE:LINE: message", all of
 * them in *report (may be NULL), one a line. FC_EINVALID on a bad file,
 * FC_ENOTFOUND if there is none. Free with compare_kinds_free. */
int compare_kinds_load(const char *path, compare_kinds **out, fc_buf *report, fc_err *err);
void compare_kinds_free(compare_kinds *k);
/* The kind of that name, or NULL. */
const compare_kind *compare_kind_find(const compare_kinds *k, const char *name);
const char *compare_effect_name(compare_effect e);
/* The check names a kind may confirm or contradict. */
extern const char *const compare_checks[];

/* ---- a list, read and checked whole before anything is written ---- */

typedef struct compare_list compare_list;

/* Read the list at path (CSV, UTF-8; the reader yields a header and rows
 * with their line numbers, so another format is one more source): the
 * ID-number column found by the kind's headers, every row's ID number
 * checked (check digit; a message masks it), identical rows refused. Every
 * problem goes to *report as "FILE:LINE: what is wrong" (the first in err);
 * FC_EINVALID if there is any (then nothing may be stored from the file).
 * The department's other columns are kept per row as "column: value;
 * column: value", for the hits' facts. Free with compare_list_free. */
int compare_list_read(const char *path, const compare_kind *k, int lang, compare_list **out,
		      fc_buf *report, fc_err *err);
void compare_list_free(compare_list *l);
size_t compare_list_rows(const compare_list *l);

/* One row of the list that matched a person of the store (strings borrowed
 * for the callback). */
typedef struct compare_hit {
	int line;                   /* the row's line in the list */
	const char *household;      /* household record id */
	const char *member;         /* member record id; "" = the head */
	const char *village;
	const char *facts;          /* the department's columns for that person */
} compare_hit;
typedef int (*compare_hit_cb)(const compare_hit *h, void *ud);

typedef struct compare_counts {
	size_t rows;                /* rows of the list */
	size_t hits;                /* persons matched (a row may match two households) */
	size_t nobody;              /* rows that matched nobody */
	size_t left_only;           /* rows that matched only members marked as left */
} compare_counts;

/* Match every row against every head and member of a's store by ID number
 * (the first 18 characters, so a 20-digit disability certificate number
 * matches its ID): one pass over the store, each person looked up in an
 * index of the list. A member marked as left is not matched (counted in
 * left_only). cb's nonzero stops and is returned. */
int compare_match(fc_app *a, compare_list *l, compare_hit_cb cb, void *ud, compare_counts *c,
		  fc_err *err);

/* ---- the whole `fieldcard compare` ---- */

typedef struct compare_result {
	compare_counts counts;
	size_t flags;               /* new flags committed */
	size_t already;             /* hits flagged before (same person, kind and facts) */
	size_t households;          /* households with a new flag */
	int villages_cut;
	char source[300];           /* what the flags name as their source */
} compare_result;

/* Compare the list at path with the county (county staff only; FC_EINVALID
 * for another role, or a kind not in compare.csv, naming the defined
 * kinds): read and check the whole list, fetch, match, and commit each new
 * hit as an open flag (kind, the kind's text as reason, the facts, source
 * "FILE LABEL", the member or "" for the head) to main in one signed
 * commit, the county store following and the villages cut; pushed. A hit
 * already flagged (same household, member, kind and facts) is counted, not
 * flagged again. report receives the problems of a bad list. */
int compare_run(fc_app *a, const char *path, const char *kind, compare_result *res,
		fc_buf *report, fc_err *err);

#endif
