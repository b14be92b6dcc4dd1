/* ui.h — the text UI (ncursesw): home, household list, card, form entry,
 * review, sync and help screens over the model API (app.h, store.h, form.h,
 * record.h, validate.h). The UI never speaks SQL or libgit2; sync is reached
 * through ui_sync_hook, which the sync module sets when it is linked in. */
#ifndef FIELDCARD_UI_H
#define FIELDCARD_UI_H

#include "fieldcard/app.h"
#include "fieldcard/err.h"

/* Progress lines from a running sync ("fetching villages/520101 ...").
 * The UI shows each on the sync screen as it arrives. */
typedef void (*ui_progress_fn)(void *ud, const char *line);

/* Run one sync of the open data directory (sign pending changes, fetch,
 * merge, push). Returns 0 or an FC_* code with err filled; the sync layer
 * records "last_sync_at" / "last_sync_result" in the store meta itself.
 * NULL (the default) means sync is not linked in: the sync screen then
 * says "sync not configured" and does nothing. */
typedef int (*ui_sync_fn)(fc_app *a, ui_progress_fn progress, void *ud, fc_err *err);
extern ui_sync_fn ui_sync_hook;

/* Set up gettext for the UI language: textdomain "fieldcard", catalogues in
 * $FIELDCARD_LOCALEDIR or FC_LOCALE_DIR; lang FC_LANG_ZH selects zh_CN even
 * when the system lacks that locale (LANGUAGE=zh_CN, LC_CTYPE kept UTF-8).
 * Called by ui_run; exposed for tests and the CLI. */
void ui_i18n_init(int lang);

/* The UI language for an open data directory: the store setting "lang"
 * ("zh" / "en") if set, else zh when the locale asks for Chinese
 * (util_locale_zh: LANGUAGE, LC_ALL, LC_MESSAGES, LANG), else en. */
int ui_lang(fc_app *a);

/* Run the text UI on an open data directory until the user quits. The
 * terminal is always restored before return. It refuses, saying why, a
 * TERM that is unset, unknown or cannot move the cursor (dumb). SIGHUP
 * (the SSH session dropped) and SIGTERM stop it as a quit does, the form's
 * draft saved first: then ui_run returns 0 and ui_stopped_by() names the
 * signal (0 otherwise). */
int ui_run(fc_app *a, fc_err *err);
int ui_stopped_by(void);

#endif
