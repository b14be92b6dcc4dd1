/* fuzz_rules.c — the rules file (forms/rules.csv, app/form/rules.c): an
 * input is a whole rules.csv, loaded with rules_load from a scratch file;
 * what loads is looked up and applied to a household as the checks are,
 * so that every threshold read from the file is used. */
#include "fuzz.h"
#include "fieldcard/fields.h"
#include "fieldcard/record.h"
#include "fieldcard/rules.h"

static record *hh, *kids[2];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fz_env();
	hh = record_new(K_HOUSEHOLD, "01KAC000000000000000000001", NULL);
	record_set(hh, F_PROVINCE, "贵州省");
	record_set(hh, F_INCOME_YEAR, "2026");
	record_set(hh, F_NET_INCOME, "9000");
	record_set(hh, F_MEMBER_COUNT, "2");
	record_set(hh, F_INCOME_PER_HEAD, "4500");
	record_set(hh, F_OOP, "3000");
	record_set(hh, F_HOUSING_GRADE, "C");
	record_set(hh, F_SAFE_WATER, "yes");
	record_set(hh, F_MONITOR_CATEGORY, "unstable");
	record_set(hh, F_MONITOR_DATE, "202601");
	record_set(hh, F_RISK_CLEARED, "yes");
	kids[0] = record_new(K_MEMBER, "01KAC000000000000000000002", hh->id);
	record_set(kids[0], F_M_BIRTH, "2012-02-29");
	record_set(kids[0], F_M_STATUS, "present");
	record_set(kids[0], F_M_SCHOOL, "out_of_school");
	kids[1] = record_new(K_VISIT, "01KAC000000000000000000003", hh->id);
	record_set(kids[1], F_V_DATE, "2025-01-01");
	record_set(kids[1], F_V_FOLLOW_UP, "2026-01-01");
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[128], why[512];
	rules *r = NULL;
	rules_indicators ind;
	rules_past past = { 2025, 9000 };
	fc_err err;

	fz_path(path, sizeof(path), "rules.csv");
	fz_write(path, data, size, 0600);
	if (rules_load(path, &r, &err) != FC_OK)
		return 0;
	rules_examples(r);
	rules_find(r, "贵州省", 2026);
	rules_find(r, "*", 2020);
	for (int lang = 0; lang < FC_NLANG; lang++) {
		rules_household(r, hh, (const record *const *)kids, 2, "2026-11-23", lang, &past, &ind);
		rules_clear_problems(r, hh, (const record *const *)kids, 2, "2026-11-23", lang, &ind,
				     why, sizeof(why));
	}
	rules_free(r);
	return 0;
}
