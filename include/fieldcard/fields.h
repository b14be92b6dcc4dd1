/* fields.h — the field and choice names of the shipped forms that C code
 * relies on (lists, search, rules, demo). Everything else about a form lives
 * in forms/; a county may add fields freely, but must keep these names.
 * form check warns if a household form lacks one. */
#ifndef FIELDCARD_FIELDS_H
#define FIELDCARD_FIELDS_H

/* Record kinds: the household form id and its repeats. */
#define K_HOUSEHOLD "household"
#define K_MEMBER "member"
#define K_VISIT "visit"
#define K_FLAG "flag"                        /* a flag to verify (flags.h) */

/* Household card. */
#define F_PROVINCE "province"
#define F_VILLAGE_CODE "village_code"        /* the ledger path key */
#define F_VILLAGE_GROUP "village_group"
#define F_HOUSEHOLD_CODE "household_code"
#define F_HEAD_NAME "head_name"
#define F_HEAD_ID "head_id_number"
#define F_HOUSEHOLD_TYPE "household_type"
#define F_POVERTY_STATUS "poverty_status"    /* not_lifted, lifted, returned */
#define F_MONITOR_CATEGORY "monitor_category" /* "", unstable, marginal, sudden */
#define F_MONITOR_DATE "monitor_date"        /* YYYYMM */
#define F_RISK_CLEARED "risk_cleared"
#define F_RISK_CLEARED_DATE "risk_cleared_date"
#define F_INCOME_YEAR "income_year"          /* the year the income is for */
#define F_OOP "oop_spending"                 /* compliant out-of-pocket spending */
#define F_ID_YEAR "id_year"
#define F_MAIN_CAUSE "main_cause"
#define F_OTHER_CAUSES "other_causes"
#define F_NET_INCOME "net_income"            /* calculated */
#define F_MEMBER_COUNT "member_count"        /* calculated: members present */
#define F_INCOME_PER_HEAD "income_per_head"  /* calculated */
#define F_HOUSING_GRADE "housing_grade"      /* A B C D */
#define F_RELOCATED "relocated"              /* yes no */
#define F_SAFE_WATER "safe_water"            /* yes no */
#define F_MEASURES "measures"                /* select_multiple */
/* Review (DOMAIN.md workflows): set by app_review and app_save, read-only
 * in the form, carried in the household file so decisions sync signed. */
#define F_REVIEW_STATE "review_state"        /* submitted approved returned merged */
#define F_REVIEW_COMMENT "review_comment"    /* why a card was returned */
#define F_REVIEW_BY "review_by"              /* principal of the last decision */
#define F_REVIEW_AT "review_at"              /* ISO time of it */

/* Member. */
#define F_M_NAME "name"
#define F_M_SEX "sex"                        /* male female */
#define F_M_ID_TYPE "id_type"                /* resident, disability */
#define F_M_ID "id_number"
#define F_M_BIRTH "birth_date"
#define F_M_AGE "age"                        /* calculated */
#define F_M_RELATION "relationship"
#define F_M_SCHOOL "school_status"
#define F_M_OOS_REASON "out_of_school_reason"
#define F_M_HEALTH "health"                  /* healthy chronic serious disabled */
#define F_M_LABOUR "labour_ability"
#define F_M_MEDICAL "medical_insurance"      /* yes no */
#define F_M_STATUS "member_status"           /* present left */
#define F_M_LEFT_REASON "left_reason"        /* deceased married_out moved duplicate */
#define F_M_INCOME "member_income"           /* calculated: migrant pay × months */

/* Visit. */
#define F_V_DATE "visit_date"
#define F_V_VISITORS "visitors"
#define F_V_PURPOSE "purpose"
#define F_V_EVENT "sudden_event"             /* none illness disaster accident */
#define F_V_FOLLOW_UP "follow_up_date"

/* Flag (flags.h): raised by `compare` or a rule, decided by a person;
 * every field read-only in the form, written by the program. */
#define F_FLAG_KIND "flag_kind"              /* compare KIND, or a rule's kind */
#define F_FLAG_MEMBER "flag_member"          /* member record id; "" = the household */
#define F_FLAG_REASON "flag_reason"          /* the text shown to the cadre */
#define F_FLAG_FACTS "flag_facts"            /* "column: value; column: value" */
#define F_FLAG_SOURCE "flag_source"          /* list file and KIND label, or "rules" */
#define F_FLAG_DATE "flag_date"              /* YYYY-MM-DD raised */
#define F_FLAG_STATE "flag_state"            /* open confirmed dismissed */
#define F_FLAG_NOTE "flag_note"              /* the decision's note or reason */
#define F_FLAG_BY "flag_by"                  /* principal of the decision */
#define F_FLAG_AT "flag_at"                  /* ISO time of it */

/* Choice names the rules use. */
#define C_YES "yes"
#define C_NO "no"
#define C_MALE "male"
#define C_FEMALE "female"
#define C_LIFTED "lifted"
#define C_PRESENT "present"
#define C_LEFT "left"
#define C_FLAG_OPEN "open"
#define C_FLAG_CONFIRMED "confirmed"
#define C_FLAG_DISMISSED "dismissed"

#endif
