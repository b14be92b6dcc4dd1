/* flags.c — flags on households (include/fieldcard/flags.h): list them with
 * the person each is about, raise one, decide one. Every write is a flag
 * record saved through app_save, the one door, so a decision is audited
 * and travels signed like any edit. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fieldcard/fields.h"
#include "fieldcard/flags.h"
#include "fieldcard/util.h"

/* ---- listing ---- */

typedef struct walk {
	fc_app *a;
	int open_only;
	flags_cb cb;
	void *ud;
	record *hh;        /* the household of the last flag (flags come by household) */
	fc_err *err;
	int rc;            /* a store error met on the way */
} walk;

static const char *nz(const char *s)
{
	return s ? s : "";
}

static int on_flag(const record *r, void *ud)
{
	walk *w = ud;
	record *m = NULL;
	const char *member = record_val(r, F_FLAG_MEMBER);
	flags_flag f;
	int rc;

	if (w->open_only && strcmp(record_val(r, F_FLAG_STATE), C_FLAG_OPEN) != 0)
		return 0;
	if (!w->hh || strcmp(w->hh->id, r->parent) != 0) {
		record_free(w->hh);
		w->hh = NULL;
		rc = store_get(w->a->st, r->parent, &w->hh, w->err);
		if (rc && rc != FC_ENOTFOUND)
			return w->rc = rc;
		fc_err_clear(w->err);
	}
	if (*member && store_get(w->a->st, member, &m, NULL) != FC_OK)
		m = NULL;
	memset(&f, 0, sizeof(f));
	f.household = r->parent;
	f.village = w->hh ? record_val(w->hh, F_VILLAGE_CODE) : "";
	f.id = r->id;
	f.kind = record_val(r, F_FLAG_KIND);
	f.state = record_val(r, F_FLAG_STATE);
	f.member = member;
	f.person_name = m ? record_val(m, F_M_NAME) : w->hh ? record_val(w->hh, F_HEAD_NAME) : "";
	f.person_id = m ? record_val(m, F_M_ID) : w->hh ? record_val(w->hh, F_HEAD_ID) : "";
	f.reason = record_val(r, F_FLAG_REASON);
	f.facts = record_val(r, F_FLAG_FACTS);
	f.source = record_val(r, F_FLAG_SOURCE);
	f.date = record_val(r, F_FLAG_DATE);
	f.note = record_val(r, F_FLAG_NOTE);
	f.by = record_val(r, F_FLAG_BY);
	f.at = record_val(r, F_FLAG_AT);
	rc = w->cb(&f, w->ud);
	record_free(m);
	return rc;
}

/* Is village one this data directory may list? The county's store holds
 * the whole county: any village it has households of. A device: its own. */
static int village_allowed(fc_app *a, const char *village, fc_err *err)
{
	fc_buf list = FC_BUF_INIT;
	int rc;

	if (a->role && strcmp(a->role, "county") == 0) {
		store_query q;
		int n = 0;

		memset(&q, 0, sizeof(q));
		q.village = village;
		if ((rc = store_count(a->st, &q, &n, err)))
			return rc;
		return n ? FC_OK : fc_err_set(err, FC_EINVALID,
					      "village %s: no household of it in the county's store",
					      village);
	}
	for (size_t i = 0; a->villages && a->villages[i]; i++) {
		if (strcmp(a->villages[i], village) == 0)
			return FC_OK;
		buf_printf(&list, "%s%s", i ? ", " : "", a->villages[i]);
	}
	rc = fc_err_set(err, FC_EINVALID,
			"village %s is not one of this device's villages (%s); its flags are not here",
			village, list.len ? buf_cstr(&list) : "none");
	buf_free(&list);
	return rc;
}

static int list_children(fc_app *a, const char *village, const char *parent, int open_only,
			 flags_cb cb, void *ud, fc_err *err)
{
	walk w = { a, open_only, cb, ud, NULL, err, 0 };
	int rc;

	rc = store_each_child(a->st, K_FLAG, village, parent, on_flag, &w, err);
	record_free(w.hh);
	return w.rc ? w.rc : rc;
}

int flags_list(fc_app *a, const char *village, int open_only, flags_cb cb, void *ud,
	       fc_err *err)
{
	int rc;

	if (village && *village && (rc = village_allowed(a, village, err)))
		return rc;
	return list_children(a, village && *village ? village : NULL, NULL, open_only, cb, ud,
			     err);
}

int flags_of_household(fc_app *a, const char *household_id, flags_cb cb, void *ud,
		       fc_err *err)
{
	return list_children(a, NULL, household_id, 0, cb, ud, err);
}

/* ---- raising and deciding ---- */

record *flags_record_new(const fc_app *a, const char *household_id, const char *kind,
			 const char *member_id, const char *reason, const char *facts,
			 const char *source)
{
	record *r = app_record_new(a, K_FLAG, NULL, household_id, NULL);

	if (!r)
		return NULL;
	record_set(r, F_FLAG_KIND, kind);
	record_set(r, F_FLAG_MEMBER, nz(member_id));
	record_set(r, F_FLAG_REASON, reason);
	record_set(r, F_FLAG_FACTS, facts);
	record_set(r, F_FLAG_SOURCE, source);
	record_set(r, F_FLAG_STATE, C_FLAG_OPEN);
	return r;
}

/* A decision's state and note, before anything is read. */
static int decision_ok(const char *what, const char *state, const char *note, fc_err *err)
{
	if (!state || (strcmp(state, C_FLAG_CONFIRMED) && strcmp(state, C_FLAG_DISMISSED)))
		return fc_err_set(err, FC_EINVALID, "flag %s: decide '%s' or '%s', not '%s'", what,
				  C_FLAG_CONFIRMED, C_FLAG_DISMISSED, nz(state));
	if (!note || !note[strspn(note, " \t\r\n")])
		return fc_err_set(err, FC_EINVALID,
				  "flag %s: a note is needed: what was found (confirm) or why it "
				  "does not hold (dismiss)", what);
	return FC_OK;
}

static void set_decision(const fc_app *a, record *r, const char *state, const char *note)
{
	char now[32];

	util_now_iso(now);
	record_set(r, F_FLAG_STATE, state);
	record_set(r, F_FLAG_NOTE, note);
	record_set(r, F_FLAG_BY, a->principal);
	record_set(r, F_FLAG_AT, now);
}

int flags_raise(fc_app *a, const char *household_id, const char *kind, const char *member_id,
		const char *reason, const char *facts, const char *source, const char *state,
		const char *note, char **flag_id_out, fc_err *err)
{
	record *r = NULL, *m = NULL;
	int rc, decided = state && *state && strcmp(state, C_FLAG_OPEN) != 0;

	if (flag_id_out)
		*flag_id_out = NULL;
	if (!kind || !*kind)
		return fc_err_set(err, FC_EINVALID, "household %s: a flag needs a kind", nz(household_id));
	if (decided && (rc = decision_ok("(new)", state, note, err)))
		return rc;
	if (member_id && *member_id) {
		rc = store_get(a->st, member_id, &m, err);
		if (rc == FC_ENOTFOUND || (rc == FC_OK && (strcmp(m->kind, K_MEMBER) ||
							  !m->parent || strcmp(m->parent, household_id))))
			rc = fc_err_set(err, FC_EINVALID, "household %s: %s is not one of its members",
					nz(household_id), member_id);
		record_free(m);
		if (rc)
			return rc;
	}
	if (!(r = flags_record_new(a, household_id, kind, member_id, reason, facts, source)))
		return fc_err_set(err, FC_EINVALID, "the forms in use have no flag repeat");
	if (decided)
		set_decision(a, r, state, note);
	if ((rc = app_save(a, r, NULL, err)) == FC_OK && flag_id_out)
		*flag_id_out = util_strdup(r->id);
	record_free(r);
	return rc;
}

int flags_decided(fc_app *a, const char *flag_id, const char *state, const char *note,
		  record **out, fc_err *err)
{
	record *r = NULL;
	int rc;

	*out = NULL;
	if ((rc = decision_ok(nz(flag_id), state, note, err)))
		return rc;
	rc = store_get(a->st, flag_id, &r, err);
	if (rc == FC_ENOTFOUND || (rc == FC_OK && strcmp(r->kind, K_FLAG) != 0))
		rc = fc_err_set(err, FC_EINVALID, "no flag %s here (see `fieldcard flags`)", flag_id);
	if (rc == FC_OK) {
		set_decision(a, r, state, note);
		rc = app_check_typed(a, r, NULL, NULL, err);
	}
	if (rc == FC_OK)
		*out = r;
	else
		record_free(r);
	return rc;
}

int flags_decide(fc_app *a, const char *flag_id, const char *state, const char *note,
		 fc_err *err)
{
	record *r = NULL;
	int rc;

	if ((rc = flags_decided(a, flag_id, state, note, &r, err)) == FC_OK)
		rc = app_save(a, r, NULL, err);
	record_free(r);
	return rc;
}
