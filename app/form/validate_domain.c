/* validate_domain.c — the consistency rules of DOMAIN.md over a household
 * and its members: ID numbers against birth date and sex, the same person
 * twice, relationship and sex, causes against members, school against age,
 * the income line, assistance measures, and the conditions of risk
 * clearing. Household indicators come from rules.c, so the form, `check`
 * and every report agree about what a card's checks say. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fieldcard/expr.h"
#include "fieldcard/fields.h"
#include "fieldcard/util.h"
#include "validate_int.h"


static const char *const male_relations[] = {
	"son", "son_in_law", "father", "grandson", "grandson_ext", "grandfather",
	"father_in_law", "father_in_law_h", "uncle", "nephew", NULL
};
static const char *const female_relations[] = {
	"daughter", "daughter_in_law", "mother", "granddaughter", "granddaughter_ext",
	"grandmother", "mother_in_law", "mother_in_law_h", "niece", NULL
};
static const char *const in_school[] = {
	"kindergarten", "primary", "junior", "senior", "secondary_voc", "higher_voc",
	"university", NULL
};

/* Plausible ages for each school status; outside them is a warning. */
static const struct school_ages {
	const char *status;
	int min, max;
} school_ages[] = {
	{ "preschool", 0, 7 },
	{ "kindergarten", 2, 7 },
	{ "primary", 5, 16 },
	{ "junior", 10, 20 },
	{ "senior", 13, 24 },
	{ "secondary_voc", 13, 26 },
	{ "higher_voc", 15, 40 },
	{ "university", 15, 45 },
};

int val_is_present(const record *m)
{
	return strcmp(m->kind, K_MEMBER) == 0 &&
	       strcmp(record_val(m, F_M_STATUS), C_LEFT) != 0;
}

/* The member's age today from the birth date field, else from the ID. */
static int member_age(const record *m, const char *today)
{
	char birth[11];
	const char *b = record_val(m, F_M_BIRTH);

	if (*b)
		return val_years_between(b, today);
	if (val_id_birth(record_val(m, F_M_ID), birth) == 0)
		return val_years_between(birth, today);
	return -1;
}

void val_member_rules(const form *f, const record *m, const char *today, int lang,
		      val_report *report)
{
	const char *id = record_val(m, F_M_ID);
	const char *birth = record_val(m, F_M_BIRTH);
	const char *sex = record_val(m, F_M_SEX);
	const char *rel = record_val(m, F_M_RELATION);
	const char *school = record_val(m, F_M_SCHOOL);
	const char *health = record_val(m, F_M_HEALTH);
	int id_ok = val_id_valid(id);
	char id_birth[11], id_sex = id_ok ? val_id_sex(id) : 0;
	const char *eff_sex = *sex ? sex : id_sex == 'M' ? C_MALE : id_sex == 'F' ? C_FEMALE : "";
	int age;
	size_t i;

	if (id_ok && *birth && val_id_birth(id, id_birth) == 0 && strcmp(id_birth, birth) != 0)
		val_report_add(report, VAL_WARNING, m, F_M_BIRTH, "id_birth",
			   ZE(lang, "出生日期 %s 与身份证号中的 %s 不一致",
			      "birth date %s differs from %s in the ID number"), birth, id_birth);
	if ((id_sex == 'M' && strcmp(sex, C_FEMALE) == 0) ||
	    (id_sex == 'F' && strcmp(sex, C_MALE) == 0))
		val_report_add(report, VAL_WARNING, m, F_M_SEX, "id_sex",
			   ZE(lang, "性别与身份证号（第 17 位）不一致",
			      "sex differs from the ID number (17th digit)"));
	if (*rel && *eff_sex &&
	    ((val_in_list(rel, male_relations) && strcmp(eff_sex, C_FEMALE) == 0) ||
	     (val_in_list(rel, female_relations) && strcmp(eff_sex, C_MALE) == 0)))
		val_report_add(report, VAL_WARNING, m, F_M_RELATION, "rel_sex",
			   ZE(lang, "与户主关系“%s”与性别“%s”不符",
			      "relationship '%s' does not fit sex '%s'"),
			   val_choice_label(f, F_M_RELATION, rel, lang),
			   val_choice_label(f, F_M_SEX, eff_sex, lang));
	age = member_age(m, today);
	if (age < 0 || !*school)
		return;
	if (age >= 6 && age <= 15 && strcmp(health, "healthy") == 0 &&
	    (strcmp(school, "dropout") == 0 || strcmp(school, "not_in_school") == 0)) {
		val_report_add(report, VAL_WARNING, m, F_M_SCHOOL, "school_age",
			   ZE(lang, "%d 岁、身体健康，属义务教育年龄，却“%s”",
			      "aged %d and healthy, of compulsory school age, but '%s'"),
			   age, val_choice_label(f, F_M_SCHOOL, school, lang));
		return;
	}
	for (i = 0; i < sizeof(school_ages) / sizeof(school_ages[0]); i++)
		if (strcmp(school, school_ages[i].status) == 0 &&
		    (age < school_ages[i].min || age > school_ages[i].max))
			val_report_add(report, VAL_WARNING, m, F_M_SCHOOL, "school_age",
				   ZE(lang, "年龄 %d 岁与在校情况“%s”不符",
				      "age %d does not fit school status '%s'"),
				   age, val_choice_label(f, F_M_SCHOOL, school, lang));
}

/* The same person twice in one household: member against member (also an
 * ID against a disability certificate, by the 18-digit ID part), and a
 * member other than the head holding the head's ID number. */
static void same_person(const record *h, const record *const *children, size_t nchildren,
			int lang, val_report *report)
{
	const char *head_id = record_val(h, F_HEAD_ID);

	for (size_t i = 0; i < nchildren; i++) {
		const record *m = children[i];
		const char *id = record_val(m, F_M_ID);

		if (!val_is_present(m) || strlen(id) < 18)
			continue;
		if (strlen(head_id) >= 18 && !strncmp(id, head_id, 18) &&
		    strcmp(record_val(m, F_M_RELATION), "head")) {
			val_report_add(report, VAL_ERROR, m, F_M_ID, "dup_id",
				       ZE(lang, "身份证号与户主“%s”相同，但与户主关系不是户主",
					  "same ID number as the head '%s', but the relationship is not head"),
				       record_val(h, F_HEAD_NAME));
			continue;
		}
		for (size_t j = 0; j < i; j++) {
			const char *other = record_val(children[j], F_M_ID);

			if (val_is_present(children[j]) && strlen(other) >= 18 &&
			    strncmp(id, other, 18) == 0) {
				const char *name = record_val(children[j], F_M_NAME);

				val_report_add(report, VAL_ERROR, m, F_M_ID, "dup_id",
					       ZE(lang, "身份证号与本户成员“%s”相同",
						  "same ID number as member '%s' of this household"),
					       *name ? name : children[j]->id);
				break;
			}
		}
	}
}

/* A spouse of the head's own sex (the sex given, else the ID's). */
static void spouse_sex(const form *f, const record *const *children, size_t nchildren,
		       int lang, val_report *report)
{
	const record *head = NULL;
	const form *mf = f;
	const char *hs;

	/* The labels are the member form's. */
	for (size_t i = 0; f && i < f->nsubs; i++)
		if (!strcmp(f->subs[i]->id, K_MEMBER))
			mf = f->subs[i];

	for (size_t i = 0; i < nchildren && !head; i++)
		if (val_is_present(children[i]) && !strcmp(record_val(children[i], F_M_RELATION), "head"))
			head = children[i];
	if (!head || !*(hs = record_val(head, F_M_SEX)))
		return;
	for (size_t i = 0; i < nchildren; i++) {
		const record *m = children[i];

		if (val_is_present(m) && !strcmp(record_val(m, F_M_RELATION), "spouse") &&
		    !strcmp(record_val(m, F_M_SEX), hs))
			val_report_add(report, VAL_WARNING, m, F_M_RELATION, "rel_sex",
				       ZE(lang, "配偶与户主性别相同（%s）",
					  "the spouse has the head's sex (%s)"),
				       val_choice_label(mf, F_M_SEX, hs, lang));
	}
}

static void causes(const record *h, const record *const *children, size_t nchildren,
		   int lang, val_report *report)
{
	const char *cause = record_val(h, F_MAIN_CAUSE);
	int heads = 0, disabled = 0, schooling = 0, ill = 0;

	for (size_t i = 0; i < nchildren; i++) {
		const record *m = children[i];
		const char *health = record_val(m, F_M_HEALTH);

		if (!val_is_present(m))
			continue;
		heads += strcmp(record_val(m, F_M_RELATION), "head") == 0;
		disabled += strcmp(health, "disabled") == 0;
		ill += strcmp(health, "chronic") == 0 || strcmp(health, "serious") == 0;
		schooling += val_in_list(record_val(m, F_M_SCHOOL), in_school);
	}
	if (heads != 1)
		val_report_add(report, VAL_WARNING, h, F_M_RELATION, "head_count",
			       ZE(lang, "本户应有且只有一位户主（现有 %d 位）",
				  "a household needs exactly one head (it has %d)"), heads);
	if (strcmp(cause, "disability") == 0 && !disabled)
		val_report_add(report, VAL_WARNING, h, F_MAIN_CAUSE, "cause_disabled",
			       ZE(lang, "主要致贫原因为因残，但没有残疾成员",
				  "main cause is disability, but no member is disabled"));
	if (strcmp(cause, "schooling") == 0 && !schooling)
		val_report_add(report, VAL_WARNING, h, F_MAIN_CAUSE, "cause_school",
			       ZE(lang, "主要致贫原因为因学，但没有在校成员",
				  "main cause is schooling, but no member is in school"));
	if (strcmp(cause, "illness") == 0 && !ill)
		val_report_add(report, VAL_WARNING, h, F_MAIN_CAUSE, "cause_ill",
			       ZE(lang, "主要致贫原因为因病，但没有患慢性病或大病的成员",
				  "main cause is illness, but no member is chronically or seriously ill"));
}

/* Identification (or monitoring) period as a month index y*12+m-1; the
 * latest of id_year (its December) and monitor_date (YYYYMM); -1 if none. */
static int ident_month(const record *h)
{
	const char *y = record_val(h, F_ID_YEAR);
	const char *md = record_val(h, F_MONITOR_DATE);
	int best = -1;

	if (strlen(y) == 4 && val_all_digits(y, 4))
		best = val_num_at(y, 4) * 12 + 11;
	if (*record_val(h, F_MONITOR_CATEGORY) && strlen(md) == 6 && val_all_digits(md, 6)) {
		int m = val_num_at(md + 4, 2);

		if (m >= 1 && m <= 12 && val_num_at(md, 4) * 12 + m - 1 > best)
			best = val_num_at(md, 4) * 12 + m - 1;
	}
	return best;
}

/* The income line, measures and risk clearing, from rules.c's indicators. */
static void decisions(const record *h, const record *const *children, size_t nchildren,
		      const rules *rules, const char *today, int lang, val_report *report)
{
	rules_indicators ind;
	const char *cat = record_val(h, F_MONITOR_CATEGORY);
	int ident, now;

	rules_household(rules, h, children, nchildren, today, lang, NULL, &ind);
	if (ind.no_line[0])
		val_report_add(report, VAL_WARNING, h, F_INCOME_YEAR, "no_income_line", "%s",
			       ind.no_line);
	if (ind.line && ind.line->monitor_line > 0 && ind.has_income &&
	    ind.income_per_head < ind.line->monitor_line && !*cat)
		val_report_add(report, VAL_WARNING, h, F_MONITOR_CATEGORY, "monitor_missing",
			       ZE(lang, "人均纯收入 %.2f 元低于 %d 年监测线 %.0f 元，但未填写监测类型",
				  "income per head %.2f yuan is under the %d monitoring line %.0f, but no monitoring category is set"),
			       ind.income_per_head, ind.income_year, ind.line->monitor_line);
	ident = ident_month(h);
	now = val_num_at(today, 4) * 12 + val_num_at(today + 5, 2) - 1;
	if (ident >= 0 && now - ident >= 2 && !*record_val(h, F_MEASURES))
		val_report_add(report, VAL_WARNING, h, F_MEASURES, "no_measures",
			       ZE(lang, "识别已超过一个月，但没有帮扶措施",
				  "identified more than a month ago, but no assistance measure is recorded"));
	if (!strcmp(record_val(h, F_RISK_CLEARED), C_YES)) {
		char why[1024];

		if (rules_clear_problems(rules, h, children, nchildren, today, lang, &ind, why,
					 sizeof(why)) > 0)
			val_report_add(report, VAL_ERROR, h, F_RISK_CLEARED, "risk_clear",
				       ZE(lang, "风险消除条件不满足：%s", "risk cannot be cleared: %s"),
				       why);
	}
}

void val_household_rules(const form *f, const record *h, const record *const *children,
			 size_t nchildren, const rules *rules, const char *today, int lang,
			 val_report *report)
{
	same_person(h, children, nchildren, lang, report);
	spouse_sex(f, children, nchildren, lang, report);
	causes(h, children, nchildren, lang, report);
	decisions(h, children, nchildren, rules, today, lang, report);
}
