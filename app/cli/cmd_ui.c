/* cmd_ui.c — `fieldcard` with no command: open the data directory and run
 * the text UI on it. Refuses politely when stdin/stdout are not a terminal
 * or the directory is not initialised. */
#include <stdio.h>
#include <unistd.h>

#include "fieldcard/app.h"
#include "fieldcard/cli.h"
#include "fieldcard/sync.h"
#include "fieldcard/ui.h"

int cmd_ui(const cli_ctx *c, int argc, char **argv)
{
	fc_app *a = NULL;
	fc_err err = { 0 };
	int rc;

	(void)argc;
	(void)argv;
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		fprintf(stderr, "fieldcard: the text UI needs a terminal; "
				"see `fieldcard --help` for commands\n");
		return 2;
	}
	if (app_open(c->dir, &a, &err) != 0) {
		fprintf(stderr, "fieldcard: %s\n", err.msg);
		return fc_err_exit_code(err.code);
	}
	ui_sync_hook = sync_run_lines;
	rc = ui_run(a, &err);
	app_close(a);
	if (rc != 0) {
		fprintf(stderr, "fieldcard: %s\n", err.msg);
		return fc_err_exit_code(rc);
	}
	if (ui_stopped_by()) {
		/* The terminal may be gone (SIGHUP): the message is for a log. */
		fprintf(stderr, "fieldcard: stopped by signal %d; what was typed is kept as a draft\n",
			ui_stopped_by());
		return 128 + ui_stopped_by();
	}
	return 0;
}
