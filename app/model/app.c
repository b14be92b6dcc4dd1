/* model.c — the model every front end uses (include/fieldcard/app.h): open a
 * data directory, load households, and save records the one way that
 * calculates, validates, serialises and audits them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fieldcard/app.h"
#include "fieldcard/buf.h"
#include "fieldcard/expr.h"
#include "fieldcard/fields.h"
#include "fieldcard/util.h"

#ifndef FC_FORMS_DIR
#define FC_FORMS_DIR "forms"
#endif

char *app_default_dir(const char *explicit_dir)
{
	const char *env = getenv("FIELDCARD_DIR"), *home = getenv("HOME");

	if (explicit_dir && *explicit_dir)
		return util_strdup(explicit_dir);
	if (env && *env)
		return util_strdup(env);
	return util_asprintf("%s/.local/share/fieldcard", home && *home ? home : ".");
}

const char *app_shipped_forms(void)
{
	const char *env = getenv("FIELDCARD_FORMS");

	return env && *env ? env : FC_FORMS_DIR;
}

const char *app_today(void)
{
	static char today[11];

	util_today(today);
	return today;
}

int app_open(const char *dir, fc_app **out, fc_err *err)
{
	fc_app *a = util_calloc(1, sizeof(*a));
	char *villages = NULL, *lang = NULL, *rules_path = NULL, *local_forms = NULL;
	int rc;

	*out = NULL;
	a->dir = util_strdup(dir);
	a->db_path = util_asprintf("%s/fieldcard.db", dir);
	a->ledger_path = util_asprintf("%s/ledger.git", dir);
	if (!util_file_exists(a->db_path)) {
		rc = fc_err_set(err, FC_ENOTFOUND,
				"no fieldcard data in %s: run `fieldcard --dir %s init --role cadre --name NAME --village CODE` "
				"or `fieldcard --dir %s demo` first", dir, dir, dir);
		goto fail;
	}
	if ((rc = store_open(a->db_path, &a->st, err)) != FC_OK)
		goto fail;
	/* Forms that came with the county repository win over the shipped ones. */
	local_forms = util_asprintf("%s/forms", dir);
	a->forms_dir = util_file_exists(local_forms) ? util_strdup(local_forms)
						     : util_strdup(app_shipped_forms());
	if ((rc = form_set_load(a->forms_dir, &a->forms, err)) != FC_OK)
		goto fail;
	rules_path = util_asprintf("%s/rules.csv", a->forms_dir);
	if (util_file_exists(rules_path) && (rc = rules_load(rules_path, &a->rules, err)) != FC_OK)
		goto fail;
	if ((rc = store_meta_get(a->st, "role", &a->role, err)) != FC_OK ||
	    (rc = store_meta_get(a->st, "principal", &a->principal, err)) != FC_OK ||
	    (rc = store_meta_get(a->st, "villages", &villages, err)) != FC_OK ||
	    (rc = store_meta_get(a->st, "lang", &lang, err)) != FC_OK)
		goto fail;
	if (!a->role)
		a->role = util_strdup("cadre");
	if (!a->principal)
		a->principal = util_strdup("unknown");
	a->villages = util_split(villages ? villages : "", ',');
	if (lang && *lang)
		a->lang = strncmp(lang, "zh", 2) == 0 ? FC_LANG_ZH : FC_LANG_EN;
	else
		a->lang = util_locale_zh() ? FC_LANG_ZH : FC_LANG_EN;
	free(villages);
	free(lang);
	free(rules_path);
	free(local_forms);
	*out = a;
	return FC_OK;
fail:
	free(villages);
	free(lang);
	free(rules_path);
	free(local_forms);
	app_close(a);
	return rc;
}

void app_close(fc_app *a)
{
	if (!a)
		return;
	if (a->st)
		store_close(a->st);
	if (a->forms)
		form_set_free(a->forms);
	if (a->rules)
		rules_free(a->rules);
	util_strv_free(a->villages);
	for (size_t i = 0; i < a->narrived; i++)
		free(a->arrived[i]);
	free(a->arrived);
	free(a->dir);
	free(a->db_path);
	free(a->ledger_path);
	free(a->forms_dir);
	free(a->role);
	free(a->principal);
	free(a);
}

const form *app_form(const fc_app *a, const char *kind)
{
	return kind ? form_set_kind(a->forms, kind) : NULL;
}

/* A dynamic default (income_year: format-date(today(), '%Y')) as of the
 * day the record is made; one that gives nothing leaves the field empty. */
static void set_default_expr(const form *f, const form_field *fld, record *r)
{
	expr_ctx ctx = { .rec = r, .form = f, .schema = &form_expr_schema, .today = app_today() };
	expr_value v = { 0 };
	fc_err e;
	fc_buf b;

	buf_init(&b);
	fc_err_clear(&e);
	if (expr_eval(fld->default_expr, &ctx, &v, &e) == 0 && v.type != EV_NULL) {
		expr_value_to_text(&v, &b);
		record_set(r, fld->name, buf_cstr(&b));
	}
	expr_value_clear(&v);
	buf_free(&b);
}

record *app_record_new(const fc_app *a, const char *kind, const char *id, const char *parent,
		       const char *village)
{
	const form *f = app_form(a, kind);
	record *r;

	if (!f)
		return NULL;
	r = record_new(kind, id, parent);
	/* Calculated fields are app_save's to fill: a default on one would
	 * only show until the first calculation. */
	for (size_t i = 0; i < f->nfields; i++) {
		const form_field *fld = &f->fields[i];

		if (!form_field_has_value(fld) || fld->type == FT_CALCULATE || !fld->default_value ||
		    !*fld->default_value)
			continue;
		if (fld->default_expr)
			set_default_expr(f, fld, r);
		else
			record_set(r, fld->name, fld->default_value);
	}
	if (!strcmp(kind, K_HOUSEHOLD) && village && *village)
		record_set(r, F_VILLAGE_CODE, village);
	if (!strcmp(kind, K_MEMBER) && form_field_find(f, F_M_STATUS) &&
	    !*record_val(r, F_M_STATUS))
		record_set(r, F_M_STATUS, C_PRESENT);
	if (!strcmp(kind, K_VISIT)) {
		if (form_field_find(f, F_V_DATE) && !*record_val(r, F_V_DATE))
			record_set(r, F_V_DATE, app_today());
		if (form_field_find(f, F_V_VISITORS) && !*record_val(r, F_V_VISITORS) &&
		    a->principal)
			record_set(r, F_V_VISITORS, a->principal);
	}
	if (!strcmp(kind, K_FLAG) && form_field_find(f, F_FLAG_DATE) && !*record_val(r, F_FLAG_DATE))
		record_set(r, F_FLAG_DATE, app_today());
	if (f->version)
		record_set_version(r, f->version);
	return r;
}

/* Birth date and sex from one ID number, where they are empty. */
static int fill_from_id(const form *f, record *r, const char *v)
{
	char birth[11], sex;
	int n = 0;

	if (!val_id_valid(v))
		return 0;
	if (form_field_find(f, F_M_BIRTH) && !*record_val(r, F_M_BIRTH) &&
	    val_id_birth(v, birth) == 0) {
		record_set(r, F_M_BIRTH, birth);
		n++;
	}
	if (form_field_find(f, F_M_SEX) && !*record_val(r, F_M_SEX) && (sex = val_id_sex(v))) {
		record_set(r, F_M_SEX, sex == 'M' ? C_MALE : C_FEMALE);
		n++;
	}
	return n;
}

int app_autofill_id(const fc_app *a, record *r, const char *field)
{
	const form *f = app_form(a, r->kind);
	int n = 0;

	if (!f)
		return 0;
	for (size_t i = 0; i < f->nfields; i++) {
		const form_field *fld = &f->fields[i];

		if (fld->type != FT_ID_NUMBER || (field && strcmp(fld->name, field) != 0))
			continue;
		n += fill_from_id(f, r, record_val(r, fld->name));
	}
	return n;
}

int app_household_of(fc_app *a, const record *hh, app_household *out, fc_err *err)
{
	int rc;

	memset(out, 0, sizeof(*out));
	if (strcmp(hh->kind, K_HOUSEHOLD) != 0)
		return fc_err_set(err, FC_EINVALID, "record %s is a %s, not a household", hh->id,
				  hh->kind);
	out->hh = record_dup(hh);
	rc = store_children(a->st, hh->id, NULL, &out->children, &out->nchildren, err);
	if (rc != FC_OK) {
		record_free(out->hh);
		out->hh = NULL;
	}
	return rc;
}

int app_household_load(fc_app *a, const char *id, app_household *out, fc_err *err)
{
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = store_get(a->st, id, &out->hh, err)) != FC_OK)
		return rc;
	if (strcmp(out->hh->kind, K_HOUSEHOLD) != 0) {
		rc = fc_err_set(err, FC_EINVALID, "record %s is a %s, not a household", id,
				out->hh->kind);
		record_free(out->hh);
		out->hh = NULL;
		return rc;
	}
	rc = store_children(a->st, id, NULL, &out->children, &out->nchildren, err);
	if (rc != FC_OK) {
		record_free(out->hh);
		out->hh = NULL;
	}
	return rc;
}

void app_household_free(app_household *h)
{
	if (!h)
		return;
	record_free(h->hh);
	store_records_free(h->children, h->nchildren);
	memset(h, 0, sizeof(*h));
}

/* Serialise with its form and write. */
static int put_record(fc_app *a, record *r, const form *f, fc_err *err)
{
	fc_buf text = FC_BUF_INIT;
	int rc;

	record_set_version(r, f->version);
	form_record_serialise(f, r, &text);
	rc = store_put(a->st, r, buf_cstr(&text), a->principal, STORE_LOCAL, err);
	buf_free(&text);
	return rc;
}

/* First error of the report about record id (and field, unless NULL),
 * into err. */
static int first_error(const val_report *rep, const char *id, const char *field, fc_err *err)
{
	for (size_t i = 0; i < rep->n; i++) {
		const val_issue *v = &rep->items[i];

		if (v->severity != VAL_ERROR || !v->record_id || strcmp(v->record_id, id) != 0)
			continue;
		if (field && (!v->field || strcmp(v->field, field) != 0))
			continue;
		if (v->field)
			return fc_err_set(err, FC_EINVALID, "record %s field %s: %s", id, v->field,
					  v->message);
		return fc_err_set(err, FC_EINVALID, "record %s: %s", id, v->message);
	}
	return FC_OK;
}

/* The children list with r put in place of its stored version (or added). */
static const record **children_with(record **children, size_t n, const record *r, size_t *out_n)
{
	/* n + 2: room for r and a NULL at the end. */
	const record **v = util_calloc(n + 2, sizeof(*v));
	size_t k = 0;
	int placed = 0;

	for (size_t i = 0; i < n; i++) {
		if (!placed && strcmp(children[i]->id, r->id) == 0) {
			v[k++] = r;
			placed = 1;
		} else {
			v[k++] = children[i];
		}
	}
	if (!placed)
		v[k++] = r;
	*out_n = k;
	return v;
}

static size_t count_kids(const record **kids)
{
	size_t n = 0;

	while (kids && kids[n])
		n++;
	return n;
}

/* A cadre's change puts the card (back) in the first secretary's queue; a
 * returned card keeps its comment until the cadre resubmits it. */
static void mark_submitted(const fc_app *a, record *hh)
{
	const char *state = record_val(hh, F_REVIEW_STATE);

	if (a->keep_review && *state)
		return;
	if (!strcmp(a->role, "cadre") && strcmp(state, "submitted") && strcmp(state, "returned")) {
		char now[32];

		util_now_iso(now);
		record_set(hh, F_REVIEW_STATE, "submitted");
		record_set(hh, F_REVIEW_BY, a->principal);
		record_set(hh, F_REVIEW_AT, now);
	}
}

/* What app_save and app_check_typed share: r's household loaded from the
 * store (and r's siblings), r's calculated fields and its household's
 * aggregates recomputed, r validated the one way. The caller frees *h
 * (app_household_free) and *kids (free). Errors go to report, not rc. */
static int prepare(fc_app *a, record *r, app_household *h, const record ***kids,
		   val_report *report, fc_err *err)
{
	const form *f = app_form(a, r->kind), *hf = app_form(a, K_HOUSEHOLD);
	const char *today = app_today();
	val_report hh_rep;
	size_t nkids = 0;
	int rc;

	memset(h, 0, sizeof(*h));
	*kids = NULL;
	if (!f || !hf)
		return fc_err_set(err, FC_EINVALID, "record %s: no form for kind '%s'", r->id, r->kind);
	if (strcmp(r->kind, K_HOUSEHOLD) == 0) {
		rc = store_children(a->st, r->id, NULL, &h->children, &h->nchildren, err);
		if (rc != FC_OK)
			return rc;
		if ((rc = val_calculate(f, r, NULL, (const record *const *)h->children, h->nchildren,
					today, err)) != FC_OK)
			return rc;
		return val_household(f, r, (const record *const *)h->children, h->nchildren, a->rules,
				     today, a->lang, report, err);
	}
	if (!r->parent || !*r->parent)
		return fc_err_set(err, FC_EINVALID, "record %s: a %s needs its household (parent)",
				  r->id, r->kind);
	rc = app_household_load(a, r->parent, h, err);
	if (rc == FC_ENOTFOUND)
		return fc_err_set(err, FC_EINVALID, "record %s: household %s does not exist", r->id,
				  r->parent);
	if (rc != FC_OK)
		return rc;
	*kids = children_with(h->children, h->nchildren, r, &nkids);
	if ((rc = val_calculate(f, r, h->hh, *kids, nkids, today, err)) != FC_OK)
		return rc;
	/* Household aggregates (member count, income per head) follow the child. */
	if ((rc = val_calculate(hf, h->hh, NULL, *kids, nkids, today, err)) != FC_OK)
		return rc;
	if ((rc = val_record(f, r, h->hh, *kids, nkids, a->rules, today, a->lang, report, err)) !=
	    FC_OK)
		return rc;
	/* The household's rules with this child in it (the same person twice,
	 * a spouse of the head's sex): what they say about this record. */
	val_report_init(&hh_rep);
	rc = val_record(hf, h->hh, NULL, *kids, nkids, a->rules, today, a->lang, &hh_rep, err);
	val_report_move(report, &hh_rep, r->id);
	return rc;
}

/* What the list shows of a household's checks: the codes of the failing
 * ones, "no_line" without an income line, then "suggest:KIND". */
int app_store_checks(fc_app *a, const record *hh, const record *const *kids, size_t n,
		     fc_err *err)
{
	rules_indicators ind;
	char marks[128] = "";

	rules_household(a->rules, hh, kids, n, app_today(), a->lang, NULL, &ind);
	for (int c = 0; c < RULES_NCHECKS; c++)
		if (ind.check[c].state == RULES_FAIL)
			snprintf(marks + strlen(marks), sizeof(marks) - strlen(marks), "%s%s",
				 *marks ? " " : "", rules_check_code(c));
	if (ind.no_line[0])
		snprintf(marks + strlen(marks), sizeof(marks) - strlen(marks), "%sno_line",
			 *marks ? " " : "");
	if (ind.suggest.kind)
		snprintf(marks + strlen(marks), sizeof(marks) - strlen(marks), "%ssuggest:%s",
			 *marks ? " " : "", ind.suggest.kind);
	return store_checks_set(a->st, hh->id, marks, err);
}

static int cmp_str(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

int app_commit(fc_app *a, fc_err *err)
{
	int rc = FC_OK;

	if (a->narrived)
		qsort(a->arrived, a->narrived, sizeof(*a->arrived), cmp_str);
	for (size_t i = 0; i < a->narrived && rc == FC_OK; i++) {
		app_household h;

		if (i && !strcmp(a->arrived[i], a->arrived[i - 1]))
			continue;
		rc = app_household_load(a, a->arrived[i], &h, err);
		if (rc == FC_ENOTFOUND) {
			/* A member whose household has not arrived (yet): nothing
			 * to mark. */
			rc = FC_OK;
			fc_err_clear(err);
			continue;
		}
		if (rc == FC_OK)
			rc = app_store_checks(a, h.hh, (const record *const *)h.children, h.nchildren, err);
		app_household_free(&h);
	}
	for (size_t i = 0; i < a->narrived; i++)
		free(a->arrived[i]);
	a->narrived = 0;
	if (rc != FC_OK)
		return rc;
	return store_commit(a->st, err);
}

static void note_arrived(fc_app *a, const record *r)
{
	const char *hh = !strcmp(r->kind, K_HOUSEHOLD) ? r->id : r->parent;

	if (!hh || !*hh || (a->narrived && !strcmp(a->arrived[a->narrived - 1], hh)))
		return;
	if (a->narrived == a->arrived_cap) {
		a->arrived_cap = a->arrived_cap ? a->arrived_cap * 2 : 64;
		a->arrived = util_realloc(a->arrived, a->arrived_cap * sizeof(*a->arrived));
	}
	a->arrived[a->narrived++] = util_strdup(hh);
}

/* An ID number of r already held in another household of this device's
 * store: a warning naming that household, the number masked. */
static int id_elsewhere(fc_app *a, const record *r, val_report *report, fc_err *err)
{
	const char *field = !strcmp(r->kind, K_HOUSEHOLD) ? F_HEAD_ID :
			    !strcmp(r->kind, K_MEMBER) ? F_M_ID : NULL;
	const char *id = field ? record_val(r, field) : "";
	const char *hh = !strcmp(r->kind, K_HOUSEHOLD) ? r->id : r->parent;
	char *other = NULL, *masked;
	record *o = NULL;
	int rc;

	if (strlen(id) < 18 || (!strcmp(r->kind, K_MEMBER) && !strcmp(record_val(r, F_M_STATUS), C_LEFT)))
		return FC_OK;
	if ((rc = store_id_elsewhere(a->st, id, hh, &other, err)) != FC_OK || !other)
		return rc;
	masked = util_mask_id(id);
	if (store_get(a->st, other, &o, err) != FC_OK)
		fc_err_clear(err);
	val_report_add(report, VAL_WARNING, r, field, "id_elsewhere",
		       a->lang == FC_LANG_EN ? "ID number %s is already in household %s (%s, head %s)"
					     : "身份证号 %s 已在另一户 %s（户编号 %s，户主 %s）",
		       masked, other, o && *record_val(o, F_HOUSEHOLD_CODE) ? record_val(o, F_HOUSEHOLD_CODE) : "-",
		       o ? record_val(o, F_HEAD_NAME) : "-");
	record_free(o);
	free(masked);
	free(other);
	return FC_OK;
}

int app_save(fc_app *a, record *r, val_report *report, fc_err *err)
{
	val_report local;
	app_household h;
	const record **kids = NULL;
	int rc, began = 0;

	if (!report) {
		val_report_init(&local);
		report = &local;
	}
	if ((rc = prepare(a, r, &h, &kids, report, err)) != FC_OK ||
	    (rc = first_error(report, r->id, NULL, err)) != FC_OK ||
	    (rc = id_elsewhere(a, r, report, err)) != FC_OK)
		goto out;
	if ((rc = store_begin(a->st, err)) != FC_OK)
		goto out;
	began = 1;
	if (strcmp(r->kind, K_HOUSEHOLD) == 0) {
		mark_submitted(a, r);
		if ((rc = put_record(a, r, app_form(a, r->kind), err)) == FC_OK)
			rc = app_store_checks(a, r, (const record *const *)h.children, h.nchildren, err);
	} else {
		mark_submitted(a, h.hh);
		if ((rc = put_record(a, r, app_form(a, r->kind), err)) == FC_OK &&
		    (rc = put_record(a, h.hh, app_form(a, K_HOUSEHOLD), err)) == FC_OK)
			rc = app_store_checks(a, h.hh, kids, count_kids(kids), err);
	}
	if (rc != FC_OK)
		goto out;
	rc = store_commit(a->st, err);
	began = 0;
out:
	if (began)
		store_rollback(a->st);
	free(kids);
	app_household_free(&h);
	if (report == &local)
		val_report_free(&local);
	return rc;
}

int app_check_typed(fc_app *a, const record *r, const char *field, val_report *report,
		    fc_err *err)
{
	record *copy = record_dup(r);
	val_report local;
	app_household h;
	const record **kids = NULL;
	int rc;

	if (!report) {
		val_report_init(&local);
		report = &local;
	}
	rc = prepare(a, copy, &h, &kids, report, err);
	if (rc == FC_EINVALID && copy->parent && !h.hh && app_form(a, copy->kind)) {
		/* A store that never held the household (a county desk that only
		 * fetched): the record's own rules still say what is wrong. */
		fc_err_clear(err);
		rc = val_record(app_form(a, copy->kind), copy, NULL, NULL, 0, a->rules, app_today(),
				a->lang, report, err);
	}
	if (rc == FC_OK)
		rc = first_error(report, copy->id, field, err);
	free(kids);
	app_household_free(&h);
	record_free(copy);
	if (report == &local)
		val_report_free(&local);
	return rc;
}

int app_put_arrived(fc_app *a, const char *path, const char *text, size_t len,
		    const char *who, store_origin origin, record **out, fc_err *err)
{
	record *r = NULL;
	char *canon = NULL;
	int rc;

	if (out)
		*out = NULL;
	if ((rc = record_parse(text ? text : "", len, path, &r, err)) != FC_OK)
		return rc;
	/* store_put keeps the text it is given: the signed bytes, unchanged. */
	canon = util_strndup(text ? text : "", len);
	rc = store_put(a->st, r, canon, who, origin, err);
	if (rc != FC_OK)
		fc_err_prefix(err, "%s: ", path);
	else
		note_arrived(a, r);
	free(canon);
	if (rc == FC_OK && out)
		*out = r;
	else
		record_free(r);
	return rc;
}

int app_review(fc_app *a, const char *household_id, const char *state,
	       const char *comment, fc_err *err)
{
	const form *hf = app_form(a, K_HOUSEHOLD);
	val_report rep;
	record *r = NULL;
	char now[32];
	int rc;

	if (strcmp(state, "approved") && strcmp(state, "returned") && strcmp(state, "submitted"))
		return fc_err_set(err, FC_EINVALID, "unknown review decision '%s'", state);
	if (!strcmp(state, "returned") && (!comment || !*comment))
		return fc_err_set(err, FC_EINVALID,
				  "household %s: returning a card needs a comment saying what to fix",
				  household_id);
	if ((rc = store_get(a->st, household_id, &r, err)) != FC_OK) {
		if (rc == FC_ENOTFOUND)
			rc = fc_err_set(err, FC_EINVALID, "record %s does not exist", household_id);
		return rc;
	}
	if (strcmp(r->kind, K_HOUSEHOLD)) {
		rc = fc_err_set(err, FC_EINVALID, "record %s is a %s; review whole household cards",
				household_id, r->kind);
		goto out;
	}
	util_now_iso(now);
	record_set(r, F_REVIEW_STATE, state);
	record_set(r, F_REVIEW_COMMENT, !strcmp(state, "returned") ? comment : "");
	record_set(r, F_REVIEW_BY, a->principal);
	record_set(r, F_REVIEW_AT, now);
	/* The decision is saved even if the card has errors: returning a card
	 * with errors is exactly what a secretary must be able to do. */
	val_report_init(&rep);
	rc = put_record(a, r, hf, err);
	val_report_free(&rep);
out:
	record_free(r);
	return rc;
}

int app_set_fields(fc_app *a, const char *id, char *const *assignments, size_t n,
		   val_report *report, fc_err *err)
{
	record *r = NULL;
	const form *f;
	int rc;

	if ((rc = store_get(a->st, id, &r, err)) != FC_OK) {
		if (rc == FC_ENOTFOUND)
			rc = fc_err_set(err, FC_EINVALID, "record %s does not exist", id);
		return rc;
	}
	f = app_form(a, r->kind);
	if (!f) {
		rc = fc_err_set(err, FC_EINVALID, "record %s: no form for kind '%s'", id, r->kind);
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		const char *eq = strchr(assignments[i], '=');
		char *name;
		const form_field *fld;

		if (!eq || eq == assignments[i]) {
			rc = fc_err_set(err, FC_EUSAGE, "'%s': expected FIELD=VALUE", assignments[i]);
			goto out;
		}
		name = util_strndup(assignments[i], (size_t)(eq - assignments[i]));
		fld = form_field_find(f, name);
		if (!fld || !form_field_has_value(fld)) {
			rc = fc_err_set(err, FC_EINVALID, "record %s: unknown field '%s' in form %s",
					id, name, f->id);
			free(name);
			goto out;
		}
		if (fld->read_only && fld->type != FT_CALCULATE) {
			rc = fc_err_set(err, FC_EINVALID,
					"record %s field %s: read-only (set by %s)", id, name,
					!strncmp(name, "review_", 7) ? "`fieldcard review`"
					: !strncmp(name, "flag_", 5) ? "`fieldcard flags confirm|dismiss`"
								     : "the program");
			free(name);
			goto out;
		}
		if (fld->type == FT_CALCULATE) {
			rc = fc_err_set(err, FC_EINVALID,
					"record %s field %s: calculated from other fields, never typed",
					id, name);
			free(name);
			goto out;
		}
		record_set(r, name, eq + 1);
		free(name);
	}
	rc = app_save(a, r, report, err);
out:
	record_free(r);
	return rc;
}
