/* demo_card.c — the household card of the demo: place, status and
 * monitoring, causes of poverty, incomes, housing, living conditions, land,
 * industry and assistance measures, each agreeing with the members (a
 * cause of illness needs someone ill, a monitored household stays under
 * the line). Part of the demo generator (demo.c, demo_int.h); the parts are
 * drawn in a fixed order so a seed keeps giving the same village. */
#include <stdlib.h>
#include <string.h>

#include "demo_int.h"

/* What a household sells online. */
static const char *const products[] = {
	"腊肉", "茶叶", "刺梨", "百香果", "蜂蜜", "土鸡蛋", "香菇", "折耳根", "辣椒",
	"猕猴桃", "核桃", "米酒",
};

/* Append a choice name to a space-separated list unless it is there. */
static void add_choice(char *list, size_t cap, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = list; (p = strstr(p, name)); p += n)
		if ((p == list || p[-1] == ' ') && (p[n] == ' ' || !p[n]))
			return;
	if (*list)
		strncat(list, " ", cap - strlen(list) - 1);
	strncat(list, name, cap - strlen(list) - 1);
}

typedef struct cause_w {
	const char *name;
	int weight;
} cause_w;

/* What a household's members add up to, and what the card has said so
 * far, so that later parts agree with earlier ones. */
typedef struct hh_tally {
	int present, ill, disabled, students, workers, migrants;
	long migrant;              /* the present members' migrant income */
	int monitored, relocated;
	long business;
	char measures[512];        /* assistance measures, space-separated */
} hh_tally;

static void tally_members(hh_tally *t, const member_info *mv, int n)
{
	for (int i = 0; i < n; i++) {
		if (!mv[i].present)
			continue;
		t->present++;
		t->ill += mv[i].ill;
		t->disabled += mv[i].disabled;
		t->students += mv[i].student && mv[i].age >= 6;
		t->workers += mv[i].can_work;
		t->migrants += mv[i].migrant;
		t->migrant += mv[i].migrant_income;
	}
}

/* Where the household is, its head and who collected the card. */
static void hh_place(gen *x, record *hh, const member_info *mv)
{
	const form *f = x->fh;
	char buf[256], ph[12];

	put(f, hh, F_PROVINCE, x->province);
	put(f, hh, "city", x->city);
	put(f, hh, "county", x->county);
	put(f, hh, "township", x->township);
	put(f, hh, "village", x->village_name);
	put(f, hh, F_VILLAGE_CODE, x->village);
	snprintf(buf, sizeof(buf), "第%d村民小组", rnd_in(&x->g, 1, 9));
	put(f, hh, F_VILLAGE_GROUP, buf);
	put(f, hh, F_HEAD_NAME, record_val(mv[0].r, F_M_NAME));
	put(f, hh, F_HEAD_ID, record_val(mv[0].r, F_M_ID));
	demo_phone(&x->g, ph);
	put(f, hh, "head_phone", ph);
	put(f, hh, "collector_name", x->cadre);
	put(f, hh, "collector_phone", x->cadre_phone);
}

/* Type, poverty status and, for a monitored household, its category,
 * date and risks (which must agree with the members). */
static void hh_status(gen *x, record *hh, const hh_kind *k, const hh_tally *t)
{
	const form *f = x->fh;

	if (strcmp(k->type, "marginal") && strcmp(k->type, "sudden")) {
		put(f, hh, "id_standard", "national");
		put_int(f, hh, F_ID_YEAR, rnd_in(&x->g, 2014, 2019));
	}
	put(f, hh, F_HOUSEHOLD_TYPE, k->type);
	put(f, hh, F_POVERTY_STATUS, k->status);
	if (k->monitor) {
		char ym[8], risks[128] = "";
		int y, m, d;

		demo_civil_from_days(x->today - rnd_in(&x->g, 60, 700), &y, &m, &d);
		snprintf(ym, sizeof(ym), "%04u%02u", (unsigned)(y < 2021 ? 2021 : y) % 10000u,
			 (unsigned)m % 100u);
		put(f, hh, F_MONITOR_CATEGORY, k->monitor);
		put(f, hh, F_MONITOR_DATE, ym);
		put(f, hh, F_RISK_CLEARED, C_NO);
		if (t->ill)
			add_choice(risks, sizeof(risks), "illness");
		if (t->disabled)
			add_choice(risks, sizeof(risks), "disability");
		if (t->students)
			add_choice(risks, sizeof(risks), "schooling");
		if (!t->workers)
			add_choice(risks, sizeof(risks), "labour");
		if (!strcmp(k->monitor, "sudden"))
			add_choice(risks, sizeof(risks), chance(&x->g, 50) ? "disaster" : "accident");
		if (!*risks)
			add_choice(risks, sizeof(risks), "unstable_work");
		put(f, hh, "risk_causes", risks);
	}
}

/* The main cause of poverty and up to two others, weighted, and only
 * those the members bear out. */
static void hh_causes(gen *x, record *hh, const hh_tally *t)
{
	const form *f = x->fh;
	char others[64] = "";
	cause_w causes[16];
	int i, nc = 0, total = 0;
	const char *main_cause = NULL;

	/* Causes must agree with the members (因病 needs someone ill ...). */
	if (t->ill)
		causes[nc++] = (cause_w){ "illness", 30 };
	if (t->disabled)
		causes[nc++] = (cause_w){ "disability", 25 };
	if (t->students)
		causes[nc++] = (cause_w){ "schooling", 12 };
	if (t->workers <= 1)
		causes[nc++] = (cause_w){ "labour", 15 };
	causes[nc++] = (cause_w){ "funds", 10 };
	causes[nc++] = (cause_w){ "skills", 10 };
	causes[nc++] = (cause_w){ "land", 5 };
	causes[nc++] = (cause_w){ "transport", 4 };
	causes[nc++] = (cause_w){ "drive", 3 };
	causes[nc++] = (cause_w){ "water", 2 };
	causes[nc++] = (cause_w){ "disaster", 2 };
	for (i = 0; i < nc; i++)
		total += causes[i].weight;
	{
		int r = rnd(&x->g, total);

		for (i = 0; i < nc; i++) {
			if (r < causes[i].weight) {
				main_cause = causes[i].name;
				break;
			}
			r -= causes[i].weight;
		}
	}
	put(f, hh, F_MAIN_CAUSE, main_cause);
	for (int extra = rnd_in(&x->g, 0, 2), tries = 0; extra > 0 && tries < 10; tries++) {
		const char *c = causes[rnd(&x->g, nc)].name;

		if (!strcmp(c, main_cause) || strstr(others, c))
			continue;
		add_choice(others, sizeof(others), c);
		extra--;
	}
	put(f, hh, F_OTHER_CAUSES, others);
}

/* Income: monitored households under the line, the others well above,
 * so that the card and the monitoring flags agree. */
static void hh_income(gen *x, record *hh, const hh_kind *k, member_info *mv, int n,
		      hh_tally *t)
{
	const form *f = x->fh;
	long target, rest, costs, oop, wage, transfer, property;
	int i;

	if (t->monitored && t->migrant > (long)(x->line * t->present * 0.5)) {
		for (i = 0; i < n; i++) {
			if (!mv[i].migrant)
				continue;
			mv[i].migrant = 0;
			mv[i].migrant_income = 0;
			put(x->fm, mv[i].r, "migrant_place", "");
			put(x->fm, mv[i].r, "migrant_months", "");
			put(x->fm, mv[i].r, "migrant_pay", "");
		}
		t->migrant = 0;
		t->migrants = 0;
	}
	target = (long)(x->line * t->present *
			(t->monitored ? rnd_in(&x->g, 50, 85) : rnd_in(&x->g, 130, 300)) / 100.0);
	oop = t->ill ? rnd_in(&x->g, 8, 60) * 100 : rnd_in(&x->g, 0, 5) * 100;
	costs = rnd_in(&x->g, 3, 20) * 100;
	rest = target - t->migrant + costs + oop;
	if (rest < costs + oop)
		rest = costs + oop + rnd_in(&x->g, 5, 30) * 100;
	transfer = !strcmp(k->type, "dibao") || !strcmp(k->type, "dibao_poor") ||
		   !strcmp(k->type, "wubao") ? rest * rnd_in(&x->g, 40, 70) / 100 :
		   rest * rnd_in(&x->g, 8, 25) / 100;
	property = rest * rnd_in(&x->g, 0, 8) / 100;
	t->business = (rest - transfer - property) * rnd_in(&x->g, 30, 70) / 100;
	wage = rest - transfer - property - t->business;
	/* The demo's incomes are this year's. */
	put_int(f, hh, F_INCOME_YEAR, atoi(x->today_s));
	put_int(f, hh, "wage_income", wage);
	put_int(f, hh, "business_income", t->business);
	put_int(f, hh, "transfer_income", transfer);
	put_int(f, hh, "property_income", property);
	put_int(f, hh, "production_cost", costs);
	put_int(f, hh, "oop_spending", oop);
}

/* Housing: a relocated household lives in a new flat. */
static void hh_housing(gen *x, record *hh, hh_tally *t)
{
	const form *f = x->fh;

	t->relocated = chance(&x->g, 8);
	if (t->relocated) {
		put_int(f, hh, "floor_area", rnd_in(&x->g, 20, 25) * t->present);
		put(f, hh, "house_structure", "reinforced_concrete");
		put_int(f, hh, "house_year", rnd_in(&x->g, 2017, 2020));
		put(f, hh, F_HOUSING_GRADE, "A");
	} else {
		static const char *const structures[] = {
			"brick_concrete", "brick_concrete", "brick_concrete", "brick_wood",
			"brick_wood", "earth_wood", "stone", "reinforced_concrete",
		};
		put_int(f, hh, "floor_area", rnd_in(&x->g, 60, 200));
		put(f, hh, "house_structure", PICK(&x->g, structures));
		put_int(f, hh, "house_year", rnd_in(&x->g, 1982, 2023));
		put(f, hh, F_HOUSING_GRADE, t->monitored && chance(&x->g, 8) ? "C" :
					    chance(&x->g, 55) ? "A" : "B");
	}
	put(f, hh, F_RELOCATED, t->relocated ? C_YES : C_NO);
}

/* Water, power, fuel, toilet and road. */
static void hh_living(gen *x, record *hh, const hh_tally *t)
{
	const form *f = x->fh;
	char buf[256];
	int safe = chance(&x->g, t->monitored ? 92 : 99);
	static const char *const fuels[] = { "firewood", "electricity", "electricity",
					     "gas", "coal", "firewood" };
	static const char *const roads[] = { "cement", "cement", "cement", "cement",
					     "asphalt", "gravel" };

	put(f, hh, F_SAFE_WATER, safe ? C_YES : C_NO);
	put(f, hh, "water_source", safe ? (chance(&x->g, 82) ? "tap" : "protected_well") :
					  (chance(&x->g, 60) ? "unprotected_well" : "rainwater"));
	put(f, hh, "power", C_YES);
	put(f, hh, "fuel", PICK(&x->g, fuels));
	put(f, hh, "sanitary_toilet", chance(&x->g, 80) ? C_YES : C_NO);
	if (chance(&x->g, 90)) {
		put(f, hh, "hardened_road", C_YES);
		put(f, hh, "road_type", PICK(&x->g, roads));
	} else {
		put(f, hh, "hardened_road", C_NO);
		put(f, hh, "road_type", chance(&x->g, 50) ? "dirt" : "gravel");
	}
	snprintf(buf, sizeof(buf), "%.1f", rnd_in(&x->g, 0, 30) / 10.0);
	put(f, hh, "road_distance", buf);
}

/* Land, in mu (Guizhou holdings are small). */
static void hh_land(gen *x, record *hh, const hh_tally *t)
{
	const form *f = x->fh;
	char buf[256];

	snprintf(buf, sizeof(buf), "%.1f", t->relocated ? 0.0 : rnd_in(&x->g, 5, 60) / 10.0);
	put(f, hh, "land_arable", buf);
	snprintf(buf, sizeof(buf), "%.1f", rnd_in(&x->g, 0, 100) / 10.0);
	put(f, hh, "land_forest", buf);
	snprintf(buf, sizeof(buf), "%.1f", chance(&x->g, 40) ? rnd_in(&x->g, 1, 30) / 10.0 : 0.0);
	put(f, hh, "land_orchard", buf);
	snprintf(buf, sizeof(buf), "%.1f", chance(&x->g, 30) ? rnd_in(&x->g, 1, 40) / 10.0 : 0.0);
	put(f, hh, "land_returned", buf);
	put(f, hh, "land_pasture", "0");
	put(f, hh, "land_water", chance(&x->g, 5) ? "0.5" : "0");
}

/* Industry and e-commerce; selling online is an assistance measure too. */
static void hh_industry(gen *x, record *hh, hh_tally *t)
{
	const form *f = x->fh;
	char buf[256];
	static const char *const industries[] = { "crops", "livestock", "crops livestock",
						  "forestry", "processing", "tourism",
						  "handicraft", "crops" };
	static const char *const channels[] = { "village_station", "cooperative",
						"live_stream", "platform_store", "own_shop",
						"village_station live_stream" };
	int sells = t->workers > 0 && chance(&x->g, 15);

	if (chance(&x->g, 55))
		put(f, hh, "organisations", chance(&x->g, 80) ? "cooperative" :
					     "cooperative enterprise");
	put(f, hh, "industry_type", PICK(&x->g, industries));
	put_int(f, hh, "industry_income", t->business * rnd_in(&x->g, 40, 100) / 100);
	put(f, hh, "sells_online", sells ? C_YES : C_NO);
	if (sells) {
		const char *p1 = PICK(&x->g, products), *p2 = PICK(&x->g, products);

		put(f, hh, "ecom_channel", PICK(&x->g, channels));
		if (strcmp(p1, p2))
			snprintf(buf, sizeof(buf), "%s、%s", p1, p2);
		else
			snprintf(buf, sizeof(buf), "%s", p1);
		put(f, hh, "ecom_products", buf);
		put_int(f, hh, "ecom_income", rnd_in(&x->g, 5, 120) * 100);
		put(f, hh, "ecom_training", chance(&x->g, 60) ? C_YES : C_NO);
		add_choice(t->measures, sizeof(t->measures), "ecommerce");
	}
}

/* Assistance measures, consistent with the members and the card, and
 * each member's dibao and tekun. */
static void hh_measures(gen *x, record *hh, const hh_kind *k, member_info *mv, int n,
			hh_tally *t)
{
	const form *f = x->fh;
	int i;

	if (chance(&x->g, 75))
		add_choice(t->measures, sizeof(t->measures), "industry");
	if (t->migrants) {
		add_choice(t->measures, sizeof(t->measures), "labour_export");
		if (chance(&x->g, 40))
			add_choice(t->measures, sizeof(t->measures), "migrant_subsidy");
	}
	for (i = 0; i < n; i++)
		if (mv[i].present && *record_val(mv[i].r, "welfare_job_months"))
			add_choice(t->measures, sizeof(t->measures), "welfare_job");
	if (t->workers && chance(&x->g, 30))
		add_choice(t->measures, sizeof(t->measures), "skills_training");
	if (chance(&x->g, 20))
		add_choice(t->measures, sizeof(t->measures), "microcredit");
	if (t->ill)
		add_choice(t->measures, sizeof(t->measures), "health");
	if (t->students) {
		add_choice(t->measures, sizeof(t->measures), "compulsory_education");
		if (chance(&x->g, 50))
			add_choice(t->measures, sizeof(t->measures), "education");
	}
	if (t->disabled)
		add_choice(t->measures, sizeof(t->measures), "disability_allowance");
	if (t->relocated)
		add_choice(t->measures, sizeof(t->measures), "relocation");
	if (!strcmp(k->type, "dibao") || !strcmp(k->type, "dibao_poor"))
		add_choice(t->measures, sizeof(t->measures), "dibao");
	if (!strcmp(k->type, "wubao"))
		add_choice(t->measures, sizeof(t->measures), "tekun");
	if (chance(&x->g, 10))
		add_choice(t->measures, sizeof(t->measures), "housing");
	if (!*t->measures || chance(&x->g, 10))
		add_choice(t->measures, sizeof(t->measures), "social_help");
	put(f, hh, F_MEASURES, t->measures);
	for (i = 0; i < n; i++) {
		put(x->fm, mv[i].r, "dibao", strstr(t->measures, "dibao") ? C_YES : C_NO);
		put(x->fm, mv[i].r, "tekun", strstr(t->measures, "tekun") ? C_YES : C_NO);
	}
	if (t->monitored)
		put(f, hh, "measures_note", t->ill ? "落实健康帮扶，家庭医生签约服务" :
					     "落实产业和就业帮扶，定期监测收入");
}

void demo_make_household(gen *x, record *hh, const hh_kind *k, member_info *mv, int n)
{
	const form *f = x->fh;
	hh_tally t;
	int h;

	memset(&t, 0, sizeof(t));
	t.monitored = k->monitor != NULL;
	tally_members(&t, mv, n);
	/* In this order: each part draws from the one generator, so the same
	 * seed keeps giving the same village. */
	hh_place(x, hh, mv);
	hh_status(x, hh, k, &t);
	hh_causes(x, hh, &t);
	hh_income(x, hh, k, mv, n, &t);
	hh_housing(x, hh, &t);
	hh_living(x, hh, &t);
	hh_land(x, hh, &t);
	hh_industry(x, hh, &t);
	hh_measures(x, hh, k, mv, n, &t);

	/* The helper cadre, last. */
	h = rnd(&x->g, 6);
	put(f, hh, "helper_name", x->helpers[h]);
	put(f, hh, "helper_unit", x->helper_units[h]);
	put(f, hh, "helper_phone", x->helper_phones[h]);
	put(f, hh, "work_team", "驻村工作队");
}
