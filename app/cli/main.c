/* main.c — command dispatch (CLI.md): global options, then one command; no
 * command opens the text UI. */
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fieldcard/app.h"
#include "fieldcard/cli.h"
#include "fieldcard/util.h"

static const struct {
	const char *name;
	cli_cmd_fn fn;
	const char *usage;
} commands[] = {
	/* Keep in CLI.md order. */
	{ "init", cmd_init, "init --role cadre|secretary|county --name NAME --village CODE[,CODE...] [--remote URL] [--lang zh|en] [--passphrase-file F]" },
	{ "init-county", cmd_init_county, "init-county PATH --name NAME --county CODE" },
	{ "enroll", cmd_enroll, "enroll PUBKEY-FILE --principal P --role ROLE --village CODE[,CODE...]" },
	{ "demo", cmd_demo, "demo [--households N] [--lang zh|en]" },
	{ "import", cmd_import, "import FILE [--form NAME]" },
	{ "export", cmd_export, "export [--form NAME] [--format csv|jsonl|xlsx] [-o FILE]" },
	{ "show", cmd_show, "show ID" },
	{ "set", cmd_set, "set ID FIELD=VALUE..." },
	{ "sync", cmd_sync, "sync [--remote URL]" },
	{ "batches", cmd_batches, "batches" },
	{ "merge", cmd_merge, "merge [--all | BATCH...]" },
	{ "conflicts", cmd_conflicts, "conflicts" },
	{ "resolve", cmd_resolve, "resolve ID FIELD (--ours | --theirs | --value V);  resolve ID id_number (--duplicate-of OTHER | --clear)" },
	{ "review", cmd_review, "review ID (--approve | --return --comment TEXT | --submit)" },
	{ "flags", cmd_flags, "flags [--village CODE] [--open];  flags confirm FLAG-ID --note TEXT;  flags dismiss FLAG-ID --reason TEXT" },
	{ "compare", cmd_compare, "compare FILE --source KIND" },
	{ "verify", cmd_verify, "verify [REV]" },
	{ "report", cmd_report, "report village|monitor|notice [--village CODE] [--format text|csv]" },
	{ "check", cmd_check, "check [--rebuild]" },
	{ "form", cmd_form, "form check PATH" },
};

static void usage(FILE *f)
{
	fprintf(f, "usage: fieldcard [--dir DIR] [COMMAND [ARGS...]]\n"
		   "With no command, opens the text UI.\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %s\n", commands[i].usage);
}

int main(int argc, char **argv)
{
	const char *dir_opt = NULL;
	cli_ctx ctx;
	char *dir;
	int i = 1, rc;

	setlocale(LC_ALL, "");
	while (i < argc && argv[i][0] == '-') {
		if (!strcmp(argv[i], "--dir") && i + 1 < argc) {
			dir_opt = argv[i + 1];
			i += 2;
		} else if (!strncmp(argv[i], "--dir=", 6)) {
			dir_opt = argv[i] + 6;
			i++;
		} else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout);
			return 0;
		} else {
			fprintf(stderr, "fieldcard: unknown option %s\n", argv[i]);
			usage(stderr);
			return 2;
		}
	}
	dir = app_default_dir(dir_opt);
	ctx.dir = dir;
	ctx.forms_dir = app_shipped_forms();
	if (i >= argc) {
		rc = cmd_ui(&ctx, 0, argv + argc);
		free(dir);
		return rc;
	}
	for (size_t k = 0; k < sizeof(commands) / sizeof(commands[0]); k++) {
		if (!strcmp(argv[i], commands[k].name)) {
			rc = commands[k].fn(&ctx, argc - i, argv + i);
			free(dir);
			return rc;
		}
	}
	fprintf(stderr, "fieldcard: unknown command '%s'\n", argv[i]);
	usage(stderr);
	free(dir);
	return 2;
}
