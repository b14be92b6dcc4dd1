/* form_query.c — finding forms and what is in them: the form sets of a
 * forms folder, field and choice lookups, labels, a record's canonical text
 * in its form's order, and the expr_schema through which expressions read
 * a form. Part of the form module (form.c loads). */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fieldcard/expr.h"
#include "fieldcard/form.h"
#include "fieldcard/record.h"
#include "fieldcard/util.h"

/* ---- form sets ---- */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int form_folders(const char *dir, char ***out, fc_err *err)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char **names = util_calloc(1, sizeof(*names));
	size_t n = 0;

	*out = NULL;
	if (!d) {
		free(names);
		return fc_err_set(err, FC_ENOTFOUND, "%s: cannot open forms folder: %s", dir,
				  strerror(errno));
	}
	while ((de = readdir(d))) {
		char *p;
		struct stat st;

		if (de->d_name[0] == '.')
			continue;
		p = util_asprintf("%s/%s", dir, de->d_name);
		if (stat(p, &st) == 0 && S_ISDIR(st.st_mode)) {
			names = util_realloc(names, (n + 2) * sizeof(*names));
			names[n++] = p;
		} else {
			free(p);
		}
	}
	closedir(d);
	names[n] = NULL;
	qsort(names, n, sizeof(*names), cmp_str);
	*out = names;
	return 0;
}

int form_set_load(const char *dir, form_set **out, fc_err *err)
{
	form_set *s = util_calloc(1, sizeof(*s));
	char **names = NULL;
	size_t nnames = 0;
	int rc = 0;

	*out = NULL;
	s->dir = util_strdup(dir);
	if ((rc = form_folders(dir, &names, err)))
		goto cleanup;
	nnames = util_strv_len(names);
	for (size_t i = 0; i < nnames; i++) {
		form *f;

		rc = form_load(names[i], &f, NULL, err);
		if (rc)
			goto cleanup;
		s->forms = util_realloc(s->forms, (s->n + 1) * sizeof(*s->forms));
		s->forms[s->n++] = f;
	}
	if (!s->n) {
		rc = fc_err_set(err, FC_ENOTFOUND, "%s: no forms (expected a folder such as household/)", dir);
		goto cleanup;
	}
cleanup:
	util_strv_free(names);
	if (rc) {
		form_set_free(s);
		return rc;
	}
	*out = s;
	return 0;
}

void form_set_free(form_set *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++)
		form_free(s->forms[i]);
	free(s->forms);
	free(s->dir);
	free(s);
}

const form *form_set_kind(const form_set *s, const char *kind)
{
	if (!s || !kind)
		return NULL;
	for (size_t i = 0; i < s->n; i++) {
		const form *f = s->forms[i];

		if (!strcmp(f->id, kind))
			return f;
		for (size_t j = 0; j < f->nsubs; j++)
			if (!strcmp(f->subs[j]->id, kind))
				return f->subs[j];
	}
	return NULL;
}

/* ---- queries ---- */

const form_field *form_field_find(const form *f, const char *name)
{
	if (!f || !name)
		return NULL;
	for (size_t i = 0; i < f->nfields; i++)
		if (f->fields[i].type != FT_END_GROUP && !strcmp(f->fields[i].name, name))
			return &f->fields[i];
	return NULL;
}

int form_field_has_value(const form_field *fld)
{
	switch (fld->type) {
	case FT_NOTE:
	case FT_BEGIN_GROUP:
	case FT_END_GROUP:
	case FT_BEGIN_REPEAT:
	case FT_END_REPEAT:
		return 0;
	default:
		return 1;
	}
}

void form_record_serialise(const form *f, const record *r, fc_buf *out)
{
	const char **order;
	size_t n = 0;

	if (!f) {
		record_serialise(r, NULL, NULL, 0, out);
		return;
	}
	order = util_malloc((f->nfields ? f->nfields : 1) * sizeof(*order));
	for (size_t i = 0; i < f->nfields; i++)
		if (form_field_has_value(&f->fields[i]))
			order[n++] = f->fields[i].name;
	record_serialise(r, f->version, order, n, out);
	free(order);
}

/* ---- what expressions ask of a form (expr_schema) ---- */

static int schema_has_field(const form *f, const char *name)
{
	/* Only fields holding a value: a begin_repeat placeholder named
	 * "member" must not hide the repeat from count(${member}). */
	for (size_t i = 0; i < f->nfields; i++)
		if (form_field_has_value(&f->fields[i]) && f->fields[i].name &&
		    !strcmp(f->fields[i].name, name))
			return 1;
	return 0;
}

static const form *schema_repeat(const form *f, size_t i, const char **kind)
{
	if (i >= f->nsubs)
		return NULL;
	*kind = f->subs[i]->id;
	return f->subs[i];
}

const expr_schema form_expr_schema = { schema_has_field, schema_repeat };

const form_choice *form_choice_find(const form_list *l, const char *name)
{
	if (!l || !name)
		return NULL;
	for (size_t i = 0; i < l->nchoices; i++)
		if (!strcmp(l->choices[i].name, name))
			return &l->choices[i];
	return NULL;
}

/* A label in lang, else in the other language, else the name. */
static const char *label_in(char *const label[FC_NLANG], int lang, const char *name)
{
	int other = lang == FC_LANG_ZH ? FC_LANG_EN : FC_LANG_ZH;

	if (lang >= 0 && lang < FC_NLANG && label[lang])
		return label[lang];
	if (label[other])
		return label[other];
	return name;
}

const char *form_label(const form_field *fld, int lang)
{
	return label_in(fld->label, lang, fld->name);
}

const char *form_choice_label(const form_choice *c, int lang)
{
	return label_in(c->label, lang, c->name);
}
