/* The table `run` and `compare` print: medians, intervals and ratios to the baseline. */
#ifndef VB_TABLE_H
#define VB_TABLE_H

#include <stdbool.h>
#include <stdio.h>

#include "analysis/results.h"

void table_print(FILE *out, const struct results_doc *doc, bool ratios);
/* compare: write the Markdown + HTML report for this run under dir (prints where). */
void table_write_report(const struct results_doc *doc, const char *dir);

#endif
