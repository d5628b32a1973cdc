/* libFuzzer target: results_parse must reject any input cleanly, never crash or leak. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "harness/results.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct results_doc doc;
	struct vb_error err;
	if (results_parse(&doc, (const char *)data, size, &err) == 0) {
		/* whatever parses must serialise again */
		size_t len;
		free(results_to_json(&doc, &len));
	}
	results_free(&doc);
	return 0;
}
