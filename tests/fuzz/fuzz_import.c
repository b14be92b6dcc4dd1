/* fuzz_import.c — CSV and JSON Lines import (app/report/xport_read.c,
 * xport_import.c, over app/core/csv.c and jansson): an input is a file
 * given to `fieldcard import`. Its first byte picks the format as the
 * command would be told it (0 csv, 1 jsonl, else found from the content)
 * and, by its next bit, the kind (none, or household); the rest is the
 * file, read from memory into a store of a scratch data directory through
 * xport_import_stream, so every row is validated and saved as the UI
 * would. When an input saved anything the store is put back as it was
 * made, so that the store stays small and every input meets the same. */
#include "fuzz.h"
#include "fieldcard/store.h"
#include "fieldcard/xport.h"

static fc_app *app;
static char dir[128], db[192], tmpl[192];

static void copy_file(const char *from, const char *to)
{
	char *data = NULL;
	size_t len = 0;

	if (util_read_file(from, &data, &len, NULL) != FC_OK)
		abort();
	fz_write(to, data, len, 0600);
	free(data);
}

static void open_app(void)
{
	char side[256];
	fc_err err;

	copy_file(tmpl, db);
	snprintf(side, sizeof(side), "%s-wal", db);
	unlink(side);
	snprintf(side, sizeof(side), "%s-shm", db);
	unlink(side);
	if (app_open(dir, &app, &err) != FC_OK) {
		fprintf(stderr, "fuzz_import: %s\n", err.msg);
		abort();
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	store *s = NULL;
	fc_err err;

	(void)argc;
	(void)argv;
	fz_env();
	fz_path(dir, sizeof(dir), "data");
	mkdir(dir, 0700);
	snprintf(db, sizeof(db), "%s/fieldcard.db", dir);
	fz_path(tmpl, sizeof(tmpl), "template.db");
	if (store_open(tmpl, &s, &err) != FC_OK ||
	    store_meta_set(s, "lang", "en", &err) != FC_OK ||
	    store_meta_set(s, "role", "cadre", &err) != FC_OK ||
	    store_meta_set(s, "principal", "cadre-li", &err) != FC_OK ||
	    store_meta_set(s, "villages", "522701105201", &err) != FC_OK) {
		fprintf(stderr, "fuzz_import: %s\n", err.msg);
		abort();
	}
	store_close(s);
	open_app();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const xport_format fmts[3] = { XPORT_CSV, XPORT_JSONL, XPORT_AUTO };
	xport_result res = { 0 };
	fc_buf report = FC_BUF_INIT;
	fc_err err;
	FILE *in;

	if (size < 1)
		return 0;
	in = fmemopen((void *)(data + 1), size - 1, "rb");
	if (!in)
		return 0;
	xport_import_stream(app, in, "fuzz.csv", (data[0] & 4) ? "household" : NULL,
			    fmts[(data[0] & 3) % 3], &res, &report, &err);
	fclose(in);
	buf_free(&report);
	if (res.added || res.updated) {
		app_close(app);
		open_app();
	}
	return 0;
}
