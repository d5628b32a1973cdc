/* libFuzzer target: results_parse rejects bad input cleanly; what it accepts round-trips. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "analysis/diff.h"
#include "analysis/report-buf.h"
#include "analysis/report.h"
#include "analysis/results.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct results_doc doc;
	struct vb_error err;
	if (results_parse(&doc, (const char *)data, size, &err) == 0) {
		/* whatever parses must serialise to text that parses, and survive reports and diff */
		size_t len;
		char *text = results_to_json(&doc, &len);
		if (text) {
			struct results_doc again;
			if (results_parse(&again, text, len, &err) != 0)
				abort();
			results_free(&again);
			free(text);
		}
		struct report_run run = { .doc = &doc, .name = "fuzz" };
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
