/* cli.h — the commands of CLI.md. main.c parses global options and
 * dispatches; each cmd_* lives in app/cmd_*.c (or sync/cmd_*.c) and returns
 * a CLI.md exit code (0 done, 1 bad input, 2 usage, 3 conflict/verification,
 * 4 offline), printing its own messages to stderr. */
#ifndef FIELDCARD_CLI_H
#define FIELDCARD_CLI_H

#include <stdio.h>

typedef struct cli_ctx {
	const char *dir;        /* data directory (resolved --dir) */
	const char *forms_dir;  /* shipped forms (FIELDCARD_FORMS or built-in path) */
} cli_ctx;

typedef int (*cli_cmd_fn)(const cli_ctx *c, int argc, char **argv);

int cmd_init(const cli_ctx *c, int argc, char **argv);
int cmd_init_county(const cli_ctx *c, int argc, char **argv);
int cmd_enroll(const cli_ctx *c, int argc, char **argv);
int cmd_demo(const cli_ctx *c, int argc, char **argv);
int cmd_import(const cli_ctx *c, int argc, char **argv);
int cmd_export(const cli_ctx *c, int argc, char **argv);
int cmd_show(const cli_ctx *c, int argc, char **argv);
int cmd_set(const cli_ctx *c, int argc, char **argv);
int cmd_sync(const cli_ctx *c, int argc, char **argv);
int cmd_batches(const cli_ctx *c, int argc, char **argv);
int cmd_merge(const cli_ctx *c, int argc, char **argv);
int cmd_conflicts(const cli_ctx *c, int argc, char **argv);
int cmd_resolve(const cli_ctx *c, int argc, char **argv);
int cmd_review(const cli_ctx *c, int argc, char **argv);
int cmd_verify(const cli_ctx *c, int argc, char **argv);
int cmd_report(const cli_ctx *c, int argc, char **argv);
int cmd_check(const cli_ctx *c, int argc, char **argv);
int cmd_form(const cli_ctx *c, int argc, char **argv);
int cmd_ui(const cli_ctx *c, int argc, char **argv);
int cmd_flags(const cli_ctx *c, int argc, char **argv);
int cmd_compare(const cli_ctx *c, int argc, char **argv);

/* One flag a line, as `flags` lists it: household, flag id ("-" for a
 * computed flag with no record), kind, state, the person (masked ID number
 * and name), reason (cmd_flags.c). */
struct flags_flag;
struct fc_app;
void cmd_flags_print(FILE *out, const struct flags_flag *f);
/* The flags section `show` prints under a household (cmd_flags.c);
 * returns an exit code. */
int cmd_flags_section(struct fc_app *a, const char *household_id);

#endif
