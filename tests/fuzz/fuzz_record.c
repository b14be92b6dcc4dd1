/* fuzz_record.c — record text (app/form/record.c), the bytes every record
 * file in the ledger holds and every sync, merge and rebuild reads from a
 * remote: record_parse on the input, and for what parses the promise of
 * record.h checked, that the canonical text parses back to an equal record
 * and serialises to the same bytes again (abort otherwise). */
#include "fuzz.h"
#include "fieldcard/record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	record *r = NULL, *back = NULL;
	fc_buf one = FC_BUF_INIT, two = FC_BUF_INIT;
	fc_err err;

	if (record_parse((const char *)data, size, "fuzz", &r, &err) != FC_OK)
		return 0;
	record_serialise(r, NULL, NULL, 0, &one);
	if (record_parse(one.data, one.len, "fuzz-again", &back, &err) != FC_OK) {
		fprintf(stderr, "canonical text does not parse back: %s\n", err.msg);
		abort();
	}
	if (!record_equal(r, back)) {
		fprintf(stderr, "canonical text parses back to another record\n");
		abort();
	}
	record_serialise(back, NULL, NULL, 0, &two);
	if (one.len != two.len || memcmp(one.data, two.data, one.len) != 0) {
		fprintf(stderr, "canonical text is not stable\n");
		abort();
	}
	record_free(r);
	record_free(back);
	buf_free(&one);
	buf_free(&two);
	return 0;
}
