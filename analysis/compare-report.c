/* compare writes a Markdown + HTML report after its table. */
#include <stdio.h>

#include "analysis/report.h"
#include "analysis/table.h"

void table_write_report(const struct results_doc *doc, const char *dir)
{
	char path[4096];
	struct vb_error err;
	if (report_write_default(doc, dir, path, sizeof(path), &err) < 0)
		fprintf(stderr, "vbench: report not written: %s\n", err.message);
	else
		printf("report:  %s\n", path);
}
