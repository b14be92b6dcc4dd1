/* crash.h — crash points: where the kill -9 tests stop a process that
 * writes (tests/integration/crash_points.sh; docs/DESIGN.md, "Hardening").
 *
 * FC_CRASH_POINT("store.commit") marks a moment between two durable steps
 * of a write: before a store transaction commits, before and after a ref
 * moves, before a file is renamed into place, before and after a push. In
 * a test build (MODE=asan or debug, -DFC_CRASHPOINTS) each point reads
 * the environment once:
 *
 *   FIELDCARD_CRASH_AT=NAME:N   SIGKILL this process at the N-th pass of
 *                               point NAME ("*" counts every point)
 *   FIELDCARD_CRASH_LOG=FILE    append each point's name as it is passed
 *                               (how many an operation passes, for the
 *                               harness to draw one)
 *
 * Unset, a point does nothing. In the release build the macro is empty and
 * crash.c compiles to nothing: no cost, no behaviour. */
#ifndef FIELDCARD_CRASH_H
#define FIELDCARD_CRASH_H

#ifdef FC_CRASHPOINTS
void crash_point(const char *name);
#define FC_CRASH_POINT(name) crash_point(name)
#else
#define FC_CRASH_POINT(name) ((void)0)
#endif

#endif
