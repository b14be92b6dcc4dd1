/* demo.c — the demo village generator (see include/fieldcard/demo.h).
 *
 * A household is built whole in memory (members first, since the card's
 * causes, incomes and measures must agree with them), calculated and
 * validated like a saved form, then written with store_put inside the one
 * transaction of the run. Going through store_put rather than app_save per
 * record keeps 100,000 households to one pass: app_save would recompute
 * and rewrite the household after every member.
 *
 * All randomness comes from one seeded generator (splitmix64), ids included,
 * so a seed and a date always give the same village. Names are drawn from
 * common surnames and given-name characters: made up, never real people.
 *
 * This file makes the village, its members and visits and runs the whole;
 * demo_card.c fills each household's card from its members. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "demo_int.h"

#define MAX_MEMBERS 7
#define MAX_VISITS 4

/* ---- dates (proleptic Gregorian, days since 1970-01-01) ---- */

static long days_from_civil(int y, int m, int d)
{
	long era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (unsigned)((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1);
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (long)doe - 719468;
}

void demo_civil_from_days(long z, int *y, int *m, int *d)
{
	long era;
	unsigned doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yoe + era * 400 + (*m <= 2));
}

static void date_text(long days, char out[11])
{
	int y, m, d;

	demo_civil_from_days(days, &y, &m, &d);
	snprintf(out, 11, "%04u-%02u-%02u", (unsigned)y % 10000u, (unsigned)m % 100u,
		 (unsigned)d % 100u);
}

static int age_on(long birth, long today)
{
	int by, bm, bd, ty, tm, td, age;

	demo_civil_from_days(birth, &by, &bm, &bd);
	demo_civil_from_days(today, &ty, &tm, &td);
	age = ty - by;
	if (tm < bm || (tm == bm && td < bd))
		age--;
	return age;
}

/* ---- ID numbers ---- */

void demo_id_number(const char *area, const char *birth, int seq, char out[19])
{
	static const int w[17] = { 7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2 };
	static const char check[] = "10X98765432";
	int sum = 0;

	/* area (6) + YYYYMMDD (8) + sequence (3) + check digit */
	snprintf(out, 19, "%.6s%.4s%.2s%.2s%03d", area, birth, birth + 5, birth + 8,
		 seq % 1000);
	for (int i = 0; i < 17; i++)
		sum += (out[i] - '0') * w[i];
	out[17] = check[sum % 11];
	out[18] = '\0';
}

/* ---- names and places (made up) ---- */

static const char *const surnames[] = {
	"王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马",
	"朱", "胡", "郭", "何", "罗", "林", "高", "梁", "郑", "谢", "宋", "唐", "韩",
	"冯", "邓", "曹", "彭", "曾", "田", "袁", "潘", "蒋", "蔡", "余", "杜", "叶",
	"程", "魏", "吕", "丁", "任", "姚", "卢", "石", "龙", "韦", "莫", "覃", "雷",
	"陆", "熊", "蒙", "岑", "王", "杨", "吴", "罗", "陈", "李", "张", "刘",
};
static const char *const male_chars[] = {
	"伟", "强", "军", "勇", "明", "华", "建", "国", "平", "志", "文", "斌", "涛",
	"杰", "鹏", "林", "海", "波", "超", "刚", "辉", "峰", "磊", "龙", "成", "德",
	"福", "贵", "富", "荣", "顺", "兴", "发", "云", "飞", "宇", "浩", "俊", "宁",
	"安", "昌", "金", "山", "忠", "祥", "光",
};
static const char *const female_chars[] = {
	"芳", "秀", "英", "兰", "梅", "丽", "敏", "静", "霞", "燕", "娟", "艳", "玲",
	"琴", "红", "萍", "桂", "花", "凤", "珍", "莲", "翠", "玉", "婷", "雪", "慧",
	"娜", "晶", "倩", "欣", "悦", "怡", "佳", "琳", "月", "春", "菊", "香",
};
static const char *const place_first[] = {
	"坝", "岩", "河", "石", "龙", "平", "新", "高", "坪", "青", "沙", "松", "竹",
	"羊", "马", "水", "白", "黑", "田", "金",
};
static const char *const place_second[] = {
	"桥", "山", "寨", "坡", "头", "坝", "冲", "场", "湾", "塘", "岭", "脚", "口",
};
static const char *const migrant_places[] = {
	"广东省深圳市", "广东省东莞市", "浙江省宁波市", "浙江省义乌市", "福建省泉州市",
	"江苏省苏州市", "贵州省贵阳市", "上海市", "广东省佛山市", "本县工业园区",
};
static const char *const units[] = {
	"县农业农村局", "县教育局", "县卫生健康局", "县人力资源和社会保障局",
	"县交通运输局", "县水务局", "县财政局", "县林业局", "镇人民政府",
	"县供销合作社",
};

typedef struct province_name {
	const char *code, *name;
} province_name;
static const province_name provinces[] = {
	{ "11", "北京市" }, { "13", "河北省" }, { "14", "山西省" }, { "15", "内蒙古自治区" },
	{ "22", "吉林省" }, { "23", "黑龙江省" }, { "34", "安徽省" }, { "36", "江西省" },
	{ "41", "河南省" }, { "42", "湖北省" }, { "43", "湖南省" }, { "45", "广西壮族自治区" },
	{ "46", "海南省" }, { "50", "重庆市" }, { "51", "四川省" }, { "52", "贵州省" },
	{ "53", "云南省" }, { "54", "西藏自治区" }, { "61", "陕西省" }, { "62", "甘肃省" },
	{ "63", "青海省" }, { "64", "宁夏回族自治区" }, { "65", "新疆维吾尔自治区" },
};

static void person_name(rng *g, const char *surname, int male, char *out, size_t cap)
{
	const char *a = male ? PICK(g, male_chars) : PICK(g, female_chars);

	if (chance(g, 70)) {
		const char *b = male ? PICK(g, male_chars) : PICK(g, female_chars);

		snprintf(out, cap, "%s%s%s", surname, a, b);
	} else {
		snprintf(out, cap, "%s%s", surname, a);
	}
}

void demo_phone(rng *g, char out[12])
{
	static const char second[] = "35789";

	snprintf(out, 12, "1%c%09d", second[rnd(g, 5)], rnd(g, 1000000000));
}

/* ---- the generator ---- */

/* A ULID from the seeded generator: time part counts up from the run's
 * start so ids sort in creation order, random part from the seed. */
static void make_ulid(gen *x, char out[UTIL_ULID_LEN + 1])
{
	static const char b32[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
	unsigned long long t = (unsigned long long)x->id_ms++;
	uint64_t r1 = rng_next(&x->g), r2 = rng_next(&x->g);

	for (int i = 9; i >= 0; i--) {
		out[i] = b32[t & 31];
		t >>= 5;
	}
	/* 80 random bits: 20 from r1, 60 from r2, every character a full 5
	 * bits (the last two name the household's ledger folders). */
	for (int i = 0; i < 16; i++) {
		unsigned v;

		if (i < 4)
			v = (unsigned)(r1 >> (5 * i)) & 31;
		else
			v = (unsigned)(r2 >> (5 * (i - 4))) & 31;
		out[10 + i] = b32[v];
	}
	out[UTIL_ULID_LEN] = '\0';
}

/* A fresh ID number for a birth day and sex, never handed out twice in the
 * run (two households with one ID number would be flagged as duplicates). */
static void id_for(gen *x, long birth, int male, char out[19])
{
	char b[11];
	long day = birth - days_from_civil(1900, 1, 1);
	int seq;

	date_text(birth, b);
	for (int tries = 0; tries < 2000; tries++) {
		seq = rnd(&x->g, 500) * 2 + (male ? 1 : 0);
		if (day >= 0 && day < x->id_days) {
			long bit = day * 1000 + seq;

			if (x->id_used[bit / 8] & (1u << (bit % 8)))
				continue;
			x->id_used[bit / 8] |= (unsigned char)(1u << (bit % 8));
		}
		break;
	}
	demo_id_number(x->area, b, seq, out);
}

static const char *education_for(gen *x, int age, int birth_year)
{
	static const char *const old[] = { "illiterate", "illiterate", "primary", "primary", "junior" };
	static const char *const mid[] = { "primary", "junior", "junior", "junior", "senior", "secondary_voc" };
	static const char *const young[] = { "junior", "junior", "senior", "secondary_voc",
					     "higher_voc", "college", "bachelor" };

	if (age < 6)
		return NULL;
	if (age <= 11)
		return "primary";
	if (age <= 14)
		return "junior";
	if (birth_year < 1960)
		return PICK(&x->g, old);
	if (birth_year < 1985)
		return PICK(&x->g, mid);
	return PICK(&x->g, young);
}

static const char *school_for(gen *x, int age, int *student)
{
	*student = 1;
	if (age < 3)
		return "preschool";
	if (age < 6)
		return "kindergarten";
	if (age <= 11)
		return "primary";
	if (age <= 14)
		return "junior";
	if (age <= 17)
		return chance(&x->g, 65) ? "senior" : "secondary_voc";
	if (age <= 22 && chance(&x->g, 35))
		return chance(&x->g, 50) ? "university" : "higher_voc";
	*student = 0;
	return "not_in_school";
}

/* One member: record and the facts the card must agree with. */
static void make_member(gen *x, record *hh, member_info *m, const char *rel,
			int male, int age, const char *surname, int monitored)
{
	const form *f = x->fm;
	char id[UTIL_ULID_LEN + 1], name[64], birth_s[11], idn[19];
	long birth = x->today - (long)age * 365 - rnd(&x->g, 365) - age / 4;
	int by, bm, bd, elderly;
	const char *school, *health, *labour;

	memset(m, 0, sizeof(*m));
	m->male = male;
	m->age = age_on(birth, x->today);
	m->present = 1;
	m->surname = surname;
	elderly = m->age >= 60;
	demo_civil_from_days(birth, &by, &bm, &bd);
	date_text(birth, birth_s);
	id_for(x, birth, male, idn);
	person_name(&x->g, surname, male, name, sizeof(name));
	make_ulid(x, id);
	m->r = record_new(K_MEMBER, id, hh->id);
	put(f, m->r, F_M_NAME, name);
	put(f, m->r, F_M_SEX, male ? C_MALE : C_FEMALE);
	put(f, m->r, F_M_ID_TYPE, "resident");
	put(f, m->r, F_M_ID, idn);
	put(f, m->r, "ethnicity", chance(&x->g, 55) ? "han" :
				   chance(&x->g, 60) ? "buyi" :
				   chance(&x->g, 80) ? "miao" : "other");
	put(f, m->r, F_M_BIRTH, birth_s);
	put(f, m->r, F_M_RELATION, rel);
	put(f, m->r, "education", education_for(x, m->age, by));
	school = school_for(x, m->age, &m->student);
	put(f, m->r, F_M_SCHOOL, school);

	/* Health: older people are more often chronically ill. */
	{
		int r = rnd(&x->g, 100), chronic = elderly ? 30 : m->age >= 40 ? 12 : 2;

		if (r < 3)
			health = "serious";
		else if (r < 3 + (m->age >= 18 ? 5 : 2))
			health = "disabled";
		else if (r < 3 + 5 + chronic)
			health = "chronic";
		else
			health = "healthy";
	}
	/* A monitored household more often has someone ill. */
	if (monitored && !strcmp(health, "healthy") && m->age >= 40 && chance(&x->g, 25))
		health = "chronic";
	put(f, m->r, F_M_HEALTH, health);
	m->ill = !strcmp(health, "chronic") || !strcmp(health, "serious");
	m->disabled = !strcmp(health, "disabled");
	if (m->disabled) {
		static const char *const grades[] = { "grade1", "grade2", "grade3", "grade4" };

		put(f, m->r, "disability_grade", PICK(&x->g, grades));
	}
	if (m->age < 16 || m->student)
		labour = "none";
	else if (!strcmp(health, "serious") || (m->disabled && chance(&x->g, 60)))
		labour = "lost";
	else if (m->age >= 75)
		labour = "none";
	else if (elderly || m->ill || m->disabled)
		labour = "weak";
	else
		labour = chance(&x->g, 20) ? "skilled" : "normal";
	put(f, m->r, F_M_LABOUR, labour);
	m->can_work = !strcmp(labour, "normal") || !strcmp(labour, "skilled");

	if (m->can_work && m->age <= 55 && chance(&x->g, monitored ? 15 : 50)) {
		int months = rnd_in(&x->g, monitored ? 3 : 6, monitored ? 6 : 12);
		int pay = rnd_in(&x->g, 28, 65) * 100;

		m->migrant = 1;
		m->migrant_income = (long)months * pay;
		put(f, m->r, "migrant_place", PICK(&x->g, migrant_places));
		put_int(f, m->r, "migrant_months", months);
		put_int(f, m->r, "migrant_pay", pay);
	} else if (!strcmp(labour, "weak") && m->age < 70 && chance(&x->g, 20)) {
		put_int(f, m->r, "welfare_job_months", 12);
	}
	put(f, m->r, F_M_MEDICAL, chance(&x->g, 98) ? C_YES : C_NO);
	put(f, m->r, "critical_insurance", chance(&x->g, 90) ? C_YES : C_NO);
	put(f, m->r, "pension_insurance", m->age >= 16 && chance(&x->g, 85) ? C_YES : C_NO);
	put(f, m->r, F_M_STATUS, C_PRESENT);
}

/* Mark a member as having left (deceased, married out), never deleted. */
static void member_leave(gen *x, member_info *m, const char *reason)
{
	char d[11];

	m->present = 0;
	m->migrant = 0;
	m->migrant_income = 0;
	put(x->fm, m->r, "migrant_place", "");
	put(x->fm, m->r, "migrant_months", "");
	put(x->fm, m->r, "migrant_pay", "");
	date_text(x->today - rnd_in(&x->g, 30, 700), d);
	put(x->fm, m->r, F_M_STATUS, C_LEFT);
	put(x->fm, m->r, F_M_LEFT_REASON, reason);
	put(x->fm, m->r, "left_date", d);
}

/* Household types (DOMAIN.md), how often they occur, and their status. */
static const hh_kind kinds[] = {
	{ "lifted_policy", "lifted", NULL, 52 },
	{ "dibao", "lifted", NULL, 13 },
	{ "dibao_poor", "lifted", NULL, 6 },
	{ "wubao", "lifted", NULL, 5 },
	{ "general", "lifted", NULL, 13 },
	/* About one household in ten is monitored: a few, as in a real village. */
	{ "unstable", "lifted", "unstable", 5 },
	{ "marginal", "not_lifted", "marginal", 3 },
	{ "sudden", "not_lifted", "sudden", 2 },
	{ "other", "returned", "unstable", 1 },
};

static const hh_kind *pick_kind(gen *x)
{
	int total = 0, r;

	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		total += kinds[i].weight;
	r = rnd(&x->g, total);
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		if (r < kinds[i].weight)
			return &kinds[i];
		r -= kinds[i].weight;
	}
	return &kinds[0];
}

/* Build the members of one household; returns how many. */
static int make_members(gen *x, record *hh, const hh_kind *k, member_info *mv)
{
	int n = 0, monitored = k->monitor != NULL;
	int head_male = chance(&x->g, 82);
	int head_age, wubao = !strcmp(k->type, "wubao");
	const char *head_surname = PICK(&x->g, surnames);
	const char *spouse_surname = PICK(&x->g, surnames);
	const char *child_surname;
	int spouse = 0, sons_married = 0;

	head_age = wubao ? rnd_in(&x->g, 62, 88) : rnd_in(&x->g, 28, 78);
	make_member(x, hh, &mv[n++], "head", head_male, head_age, head_surname, monitored);
	if (wubao) {
		/* 五保: elderly living alone or as a couple, no children at home. */
		if (chance(&x->g, 30))
			make_member(x, hh, &mv[n++], "spouse", !head_male,
				    head_age + rnd_in(&x->g, -4, 4), spouse_surname, monitored);
		return n;
	}
	if (head_male ? chance(&x->g, head_age < 70 ? 88 : 60) : chance(&x->g, 35)) {
		int sa = head_age + (head_male ? rnd_in(&x->g, -6, 2) : rnd_in(&x->g, -2, 6));

		make_member(x, hh, &mv[n++], "spouse", !head_male, sa < 20 ? 20 : sa,
			    head_male ? spouse_surname : PICK(&x->g, surnames), monitored);
		spouse = 1;
	}
	/* Children take the father's surname (a widow's late husband's). */
	child_surname = head_male ? head_surname : spouse ? mv[1].surname : PICK(&x->g, surnames);
	{
		int nchildren = rnd_in(&x->g, head_age > 60 ? 0 : 1, 3);

		for (int i = 0; i < nchildren && n < MAX_MEMBERS; i++) {
			int gap = rnd_in(&x->g, 21, 36), age = head_age - gap;
			int male = chance(&x->g, 52);

			if (age < 0)
				continue;
			make_member(x, hh, &mv[n++], male ? "son" : "daughter", male, age,
				    child_surname, monitored);
			/* A married son lives at home with his wife and children. */
			if (male && age >= 24 && !sons_married && n < MAX_MEMBERS && chance(&x->g, 60)) {
				int son_age = age;

				sons_married = 1;
				make_member(x, hh, &mv[n++], "daughter_in_law", 0,
					    son_age + rnd_in(&x->g, -4, 2), PICK(&x->g, surnames),
					    monitored);
				for (int gc = rnd_in(&x->g, 0, 2); gc > 0 && n < MAX_MEMBERS; gc--) {
					int gm = chance(&x->g, 52);
					int ga = rnd_in(&x->g, 0, son_age - 22 > 0 ? son_age - 22 : 0);

					make_member(x, hh, &mv[n++], gm ? "grandson" : "granddaughter",
						    gm, ga, child_surname, monitored);
				}
			}
		}
	}
	/* An old parent of the head. */
	if (head_age < 58 && n < MAX_MEMBERS && chance(&x->g, 30)) {
		int pm = chance(&x->g, 40);

		make_member(x, hh, &mv[n++], pm ? "father" : "mother", pm,
			    head_age + rnd_in(&x->g, 22, 34),
			    pm ? head_surname : PICK(&x->g, surnames), monitored);
		if (chance(&x->g, 12))
			member_leave(x, &mv[n - 1], "deceased");
	}
	/* A daughter who married out stays on the roster, marked. */
	for (int i = 1; i < n; i++)
		if (!strcmp(record_val(mv[i].r, F_M_RELATION), "daughter") && mv[i].age >= 22 &&
		    mv[i].present && chance(&x->g, 25)) {
			member_leave(x, &mv[i], "married_out");
			break;
		}
	return n;
}

static int make_visits(gen *x, record *hh, const hh_kind *k, const member_info *mv,
		       int n, record **out)
{
	static const char *const purposes[] = { "regular", "regular", "regular", "delivery",
						"review", "identification" };
	static const char *const findings_ok[] = {
		"家中生活正常，收入稳定", "住房安全，饮水正常", "孩子按时上学，家庭和睦",
		"产业发展良好，养殖规模扩大", "外出务工成员按月寄回收入",
	};
	static const char *const needs[] = {
		"希望提供养殖技术培训", "希望帮助联系务工岗位", "希望协调小额信贷",
		"希望改善入户道路", "", "", "",
	};
	const char *ill_name = NULL;
	long dates[MAX_VISITS];
	int nv = rnd_in(&x->g, 1, MAX_VISITS);

	for (int i = 0; i < n; i++)
		if (mv[i].present && mv[i].ill) {
			ill_name = record_val(mv[i].r, F_M_NAME);
			break;
		}
	for (int i = 0; i < nv; i++)
		dates[i] = x->today - rnd_in(&x->g, 0, 364);
	for (int i = 1; i < nv; i++)
		for (int j = i; j > 0 && dates[j] < dates[j - 1]; j--) {
			long t = dates[j];

			dates[j] = dates[j - 1];
			dates[j - 1] = t;
		}
	for (int i = 0; i < nv; i++) {
		const form *f = x->fv;
		char id[UTIL_ULID_LEN + 1], d[11], buf[256];
		int last = i == nv - 1;
		record *v;

		make_ulid(x, id);
		v = record_new(K_VISIT, id, hh->id);
		date_text(dates[i], d);
		put(f, v, F_V_DATE, d);
		snprintf(buf, sizeof(buf), "%s、%s", record_val(hh, "helper_name"), x->cadre);
		put(f, v, F_V_VISITORS, buf);
		put(f, v, F_V_PURPOSE, k->monitor && (i == 0 || last) ? "monitoring" :
				       PICK(&x->g, purposes));
		if (!strcmp(k->type, "sudden") && last) {
			const char *ev = strstr(record_val(hh, "risk_causes"), "disaster") ?
					 "disaster" : "accident";

			put(f, v, F_V_EVENT, ev);
			put(f, v, "findings", !strcmp(ev, "disaster") ?
					      "暴雨造成房屋受损，部分农作物绝收" :
					      "户主务工时受伤住院，家庭收入骤减");
			put(f, v, "measures_agreed", "申请临时救助，纳入监测对象");
		} else {
			put(f, v, F_V_EVENT, "none");
			if (ill_name && chance(&x->g, 50)) {
				snprintf(buf, sizeof(buf), "%s患病，按时服药，已签约家庭医生", ill_name);
				put(f, v, "findings", buf);
			} else {
				put(f, v, "findings", PICK(&x->g, findings_ok));
			}
			if (chance(&x->g, 40))
				put(f, v, "measures_agreed", k->monitor ? "每月跟踪收入变化" :
								       "继续落实产业帮扶");
		}
		put(f, v, "needs", PICK(&x->g, needs));
		if (chance(&x->g, 50)) {
			date_text(dates[i] + rnd_in(&x->g, 30, 90), d);
			put(f, v, "follow_up_date", d);
		}
		if (chance(&x->g, 40)) {
			snprintf(buf, sizeof(buf), "%.4f,%.4f", 26.26 + rnd_in(&x->g, -500, 500) / 10000.0,
				 107.52 + rnd_in(&x->g, -500, 500) / 10000.0);
			put(f, v, "place_note", buf);
		}
		out[i] = v;
	}
	return nv;
}

static int save_one(gen *x, const form *f, record *r, fc_err *err)
{
	const char *who = x->a->principal ? x->a->principal : "demo";

	buf_reset(&x->canon);
	record_set_version(r, f->version);
	form_record_serialise(f, r, &x->canon);
	return store_put(x->a->st, r, buf_cstr(&x->canon), who, STORE_LOCAL, err);
}

/* Where each card stands in review, so the secretary's queue, the returned
 * cards on the cadre's home and the approved diffs all have something to
 * show: most submitted, a quarter approved, one in ten returned. */
static void review_state(gen *x, record *hh, long index)
{
	static const char *const comments[] = {
		"缺少户主联系电话，请补充",
		"外出务工收入与走访记录不一致，请核实",
		"住房安全等级请现场复核",
		"请补充帮扶措施",
	};
	char at[32];

	snprintf(at, sizeof(at), "%sT09:00:00Z", x->today_s);
	if (index % 10 == 3) {
		record_set(hh, F_REVIEW_STATE, "returned");
		record_set(hh, F_REVIEW_COMMENT, comments[(index / 10) % 4]);
		record_set(hh, F_REVIEW_BY, "sec-demo");
	} else if (index % 4 == 0) {
		record_set(hh, F_REVIEW_STATE, "approved");
		record_set(hh, F_REVIEW_BY, "sec-demo");
	} else {
		record_set(hh, F_REVIEW_STATE, "submitted");
		record_set(hh, F_REVIEW_BY, x->a->principal ? x->a->principal : "demo");
	}
	record_set(hh, F_REVIEW_AT, at);
}

/* Make, calculate, validate and store one household with its children. */
static int one_household(gen *x, long index, fc_err *err)
{
	member_info mv[MAX_MEMBERS];
	record *visits[MAX_VISITS], *all[MAX_MEMBERS + MAX_VISITS];
	char id[UTIL_ULID_LEN + 1], code[40];
	const hh_kind *k = pick_kind(x);
	record *hh;
	val_report rep;
	int n, nv, nall = 0, rc = 0;

	make_ulid(x, id);
	hh = record_new(K_HOUSEHOLD, id, NULL);
	n = make_members(x, hh, k, mv);
	demo_make_household(x, hh, k, mv, n);
	snprintf(code, sizeof(code), "%s%04ld", x->village, (index + 1) % 10000);
	put(x->fh, hh, F_HOUSEHOLD_CODE, code);
	nv = make_visits(x, hh, k, mv, n, visits);
	for (int i = 0; i < n; i++)
		all[nall++] = mv[i].r;
	for (int i = 0; i < nv; i++)
		all[nall++] = visits[i];

	val_report_init(&rep);
	for (int i = 0; i < nall && !rc; i++)
		rc = val_calculate(i < n ? x->fm : x->fv, all[i], hh, NULL, 0, x->today_s, err);
	if (!rc)
		rc = val_calculate(x->fh, hh, NULL, (const record *const *)all, (size_t)nall,
				   x->today_s, err);
	if (!rc)
		rc = val_household(x->fh, hh, (const record *const *)all, (size_t)nall,
				   x->a->rules, x->today_s, x->a->lang, &rep, err);
	if (!rc && rep.nerrors) {
		/* A generator bug, never the user's: say exactly what is wrong. */
		for (size_t i = 0; i < rep.n; i++) {
			if (rep.items[i].severity != VAL_ERROR)
				continue;
			rc = fc_err_set(err, FC_ERROR, "demo: generated record %s field %s: %s",
					rep.items[i].record_id ? rep.items[i].record_id : id,
					rep.items[i].field ? rep.items[i].field : "-",
					rep.items[i].message);
			break;
		}
	}
	x->st->warnings += rep.nwarnings;
	val_report_free(&rep);
	if (!rc)
		review_state(x, hh, index);
	if (!rc)
		rc = save_one(x, x->fh, hh, err);
	for (int i = 0; i < nall && !rc; i++)
		rc = save_one(x, i < n ? x->fm : x->fv, all[i], err);
	if (!rc)
		rc = app_store_checks(x->a, hh, (const record *const *)all, (size_t)nall, err);
	if (!rc) {
		x->st->households++;
		x->st->members += n;
		x->st->visits += nv;
		x->st->monitored += k->monitor != NULL;
	}
	for (int i = 0; i < nall; i++)
		record_free(all[i]);
	record_free(hh);
	return rc;
}

static void place_names(gen *x)
{
	const char *p = "贵州省";

	for (size_t i = 0; i < sizeof(provinces) / sizeof(provinces[0]); i++)
		if (!strncmp(x->village, provinces[i].code, 2))
			p = provinces[i].name;
	x->province = p;
	/* 5227 is Qiannan prefecture, 522701 its seat Duyun: the shipped demo
	 * code. Other codes get no made-up city or county names. */
	x->city = !strncmp(x->village, "5227", 4) ? "黔南布依族苗族自治州" : NULL;
	x->county = !strncmp(x->village, "522701", 6) ? "都匀市" : NULL;
	snprintf(x->township, sizeof(x->township), "%s%s镇", PICK(&x->g, place_first),
		 PICK(&x->g, place_second));
	snprintf(x->village_name, sizeof(x->village_name), "%s%s村", PICK(&x->g, place_first),
		 PICK(&x->g, place_second));
}

int demo_generate_stats(fc_app *a, const char *village_code, int households,
			unsigned seed, demo_stats *stats, fc_err *err)
{
	demo_stats local;
	gen x;
	int rc = 0, y, m, d;
	const rules_line *rl;
	size_t vl = village_code ? strlen(village_code) : 0;

	if (vl < 6 || vl > 12 || strspn(village_code, "0123456789") != vl)
		return fc_err_set(err, FC_EINVALID,
				  "demo: village code '%s' must be 6 to 12 digits (e.g. 522701105201)",
				  village_code ? village_code : "");
	if (households <= 0)
		households = DEMO_DEFAULT_HOUSEHOLDS;
	memset(&x, 0, sizeof(x));
	memset(&local, 0, sizeof(local));
	x.st = stats ? stats : &local;
	memset(x.st, 0, sizeof(*x.st));
	x.a = a;
	x.g.s = 0x5EED0000ULL ^ ((uint64_t)seed * 0x100000001B3ULL);
	x.village = village_code;
	memcpy(x.area, village_code, 6);
	x.area[6] = '\0';
	x.fh = app_form(a, K_HOUSEHOLD);
	x.fm = app_form(a, K_MEMBER);
	x.fv = app_form(a, K_VISIT);
	if (!x.fh || !x.fm || !x.fv)
		return fc_err_set(err, FC_ERROR,
				  "demo: the forms in use lack a household, member or visit form");
	snprintf(x.today_s, sizeof(x.today_s), "%s", app_today());
	if (sscanf(x.today_s, "%d-%d-%d", &y, &m, &d) != 3)
		return fc_err_set(err, FC_ERROR, "demo: today's date '%s' is not YYYY-MM-DD",
				  x.today_s);
	x.today = days_from_civil(y, m, d);
	place_names(&x);
	rl = a->rules ? rules_find(a->rules, x.province, y) : NULL;
	x.line = rl && rl->monitor_line > 0 ? rl->monitor_line : 7500;
	x.id_ms = util_now() * 1000LL - (long long)households * 20;
	x.id_days = x.today - days_from_civil(1900, 1, 1) + 1;
	x.id_used = util_calloc((size_t)x.id_days * 1000 / 8 + 1, 1);
	person_name(&x.g, PICK(&x.g, surnames), 1, x.cadre, sizeof(x.cadre));
	demo_phone(&x.g, x.cadre_phone);
	for (int i = 0; i < 6; i++) {
		person_name(&x.g, PICK(&x.g, surnames), chance(&x.g, 60), x.helpers[i],
			    sizeof(x.helpers[i]));
		demo_phone(&x.g, x.helper_phones[i]);
		x.helper_units[i] = PICK(&x.g, units);
	}
	if ((rc = store_begin(a->st, err)))
		goto out;
	for (long i = 0; i < households && !rc; i++)
		rc = one_household(&x, i, err);
	if (!rc)
		rc = store_commit(a->st, err);
	if (rc)
		store_rollback(a->st);
out:
	free(x.id_used);
	buf_free(&x.canon);
	return rc;
}

int demo_generate(fc_app *a, const char *village_code, int households,
		  unsigned seed, fc_err *err)
{
	return demo_generate_stats(a, village_code, households, seed, NULL, err);
}
