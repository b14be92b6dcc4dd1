/* fuzz_form.c — form definitions (app/form/form.c): an input is the three
 * sheets of a form folder, survey.csv NUL choices.csv NUL settings.csv,
 * written to a scratch folder and loaded with form_load as `form check`
 * and every command load a form. A form that loads is then used as a
 * card would be: an empty record of it and of each repeat is calculated,
 * validated and serialised, so that expressions compiled from the sheets
 * run too. */
#include "fuzz.h"
#include "fieldcard/form.h"
#include "fieldcard/record.h"
#include "fieldcard/validate.h"

static void use_form(const form *f, const record *parent)
{
	record *r = record_new(f->id, "01KAC000000000000000000001", parent ? parent->id : NULL);
	val_report rep;
	fc_buf text = FC_BUF_INIT;
	fc_err err;

	memset(&rep, 0, sizeof(rep));
	for (size_t i = 0; i < f->nfields; i++)
		if (form_field_has_value(&f->fields[i]) && f->fields[i].default_value &&
		    !f->fields[i].default_expr)
			record_set(r, f->fields[i].name, f->fields[i].default_value);
	val_calculate(f, r, parent, NULL, 0, "2026-11-23", &err);
	val_record(f, r, parent, NULL, 0, NULL, "2026-11-23", FC_LANG_EN, &rep, &err);
	form_record_serialise(f, r, &text);
	if (!parent)
		for (size_t i = 0; i < f->nsubs; i++)
			use_form(f->subs[i], r);
	val_report_free(&rep);
	buf_free(&text);
	record_free(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *names[3] = { "survey.csv", "choices.csv", "settings.csv" };
	const uint8_t *part[3];
	size_t len[3];
	char dir[128], path[192];
	fc_buf report = FC_BUF_INIT;
	form *f = NULL;
	fc_err err;

	fz_path(dir, sizeof(dir), "form");
	mkdir(dir, 0700);
	fz_split(data, size, part, len, 3);
	for (int i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		fz_write(path, part[i], len[i], 0600);
	}
	if (form_load(dir, &f, &report, &err) == FC_OK)
		use_form(f, NULL);
	form_free(f);
	buf_free(&report);
	return 0;
}
