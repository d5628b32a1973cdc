/* libFuzzer target: results_parse must reject any input cleanly, never crash or leak. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "harness/diff.h"
#include "harness/report-buf.h"
#include "harness/report.h"
#include "harness/results.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct results_doc doc;
	struct vb_error err;
	if (results_parse(&doc, (const char *)data, size, &err) == 0) {
		/* whatever parses must serialise again, and survive the report and diff code */
		size_t len;
		free(results_to_json(&doc, &len));
		struct report_run run = { &doc, "fuzz" };
		struct report_buf b;
		report_buf_init(&b);
		report_render_markdown(&run, 1, &b, &err);
		report_render_csv(&run, 1, &b, &err);
		report_buf_free(&b);
		struct diff_options o;
		struct diff_result d;
		diff_options_default(&o);
		if (diff_compare(&doc, &doc, &o, &d, &err) == 0) {
			report_buf_init(&b);
			diff_render_markdown(&d, "a", "b", &b);
			diff_render_junit(&d, &b);
			report_buf_free(&b);
		}
		diff_free(&d);
	}
	results_free(&doc);
	return 0;
}
