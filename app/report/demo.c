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
 * common surnames and given-name characters: made up, never real people. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fieldcard/demo.h"
#include "fieldcard/fields.h"
#include "fieldcard/util.h"

#define MAX_MEMBERS 7
#define MAX_VISITS 4

typedef struct rng {
	uint64_t s;
} rng;

static uint64_t rng_next(rng *g)
{
	uint64_t z = (g->s += 0x9E3779B97F4A7C15ULL);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

/* 0 <= r < n */
static int rnd(rng *g, int n)
{
	return n <= 1 ? 0 : (int)(rng_next(g) % (uint64_t)n);
}

/* lo <= r <= hi */
static int rnd_in(rng *g, int lo, int hi)
{
	return lo + rnd(g, hi - lo + 1);
}

static int chance(rng *g, int percent)
{
	return rnd(g, 100) < percent;
}

#define PICK(g, arr) ((arr)[rnd((g), (int)(sizeof(arr) / sizeof((arr)[0])))])

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

static void civil_from_days(long z, int *y, int *m, int *d)
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

	civil_from_days(days, &y, &m, &d);
	snprintf(out, 11, "%04u-%02u-%02u", (unsigned)y % 10000u, (unsigned)m % 100u,
		 (unsigned)d % 100u);
}

static int age_on(long birth, long today)
{
	int by, bm, bd, ty, tm, td, age;

	civil_from_days(birth, &by, &bm, &bd);
	civil_from_days(today, &ty, &tm, &td);
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
static const char *const products[] = {
	"腊肉", "茶叶", "刺梨", "百香果", "蜂蜜", "土鸡蛋", "香菇", "折耳根", "辣椒",
	"猕猴桃", "核桃", "米酒",
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

static void phone(rng *g, char out[12])
{
	static const char second[] = "35789";

	snprintf(out, 12, "1%c%09d", second[rnd(g, 5)], rnd(g, 1000000000));
}

/* ---- the generator ---- */

typedef struct gen {
	fc_app *a;
	rng g;
	const form *fh, *fm, *fv;
	const char *village;
	char area[7];
	const char *province, *city, *county;
	char township[32], village_name[32];
	char cadre[32], cadre_phone[12];
	char helpers[6][32], helper_phones[6][12];
	const char *helper_units[6];
	long today;
	char today_s[11];
	double line;                /* monitoring line, yuan per head */
	long long id_ms;            /* time part of the next ULID */
	unsigned char *id_used;     /* ID numbers handed out: day × sequence */
	long id_days;
	demo_stats *st;
	fc_buf canon;
} gen;

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

/* Set a field only if this form has it, so a county's own form (fewer
 * fields) still gets a demo. */
static void put(const form *f, record *r, const char *name, const char *value)
{
	if (value && form_field_find(f, name))
		record_set(r, name, value);
}

static void put_int(const form *f, record *r, const char *name, long v)
{
	char b[32];

	snprintf(b, sizeof(b), "%ld", v);
	put(f, r, name, b);
}

typedef struct member_info {
	record *r;
	int male, age, present;
	int student;                /* in school or university */
	int ill, disabled;          /* chronic/serious; disabled */
	int can_work;               /* ordinary or skilled labour */
	int migrant;
	long migrant_income;
	const char *surname;
} member_info;

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
	civil_from_days(birth, &by, &bm, &bd);
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
typedef struct hh_kind {
	const char *type, *status, *monitor;
	int weight;
} hh_kind;
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
	phone(&x->g, ph);
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

		civil_from_days(x->today - rnd_in(&x->g, 60, 700), &y, &m, &d);
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

static void make_household(gen *x, record *hh, const hh_kind *k, member_info *mv, int n)
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
	make_household(x, hh, k, mv, n);
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
	phone(&x.g, x.cadre_phone);
	for (int i = 0; i < 6; i++) {
		person_name(&x.g, PICK(&x.g, surnames), chance(&x.g, 60), x.helpers[i],
			    sizeof(x.helpers[i]));
		phone(&x.g, x.helper_phones[i]);
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
