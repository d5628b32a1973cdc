/* Charts for reports: gnuplot run as a separate process, SVG text back. */
#include "analysis/report-chart.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "analysis/report-buf.h"
#include "common/clock.h"

/* gnuplot renders a chart in well under a second; this only guards against a hang. */
#define REPORT_CHART_TIMEOUT_MS 30000

static bool report_chart_find(char *path, size_t len)
{
	const char *env = getenv("VBENCH_GNUPLOT");
	if (env && *env) {
		snprintf(path, len, "%s", env);
		return access(path, X_OK) == 0;
	}
	const char *dirs = getenv("PATH");
	if (!dirs || !*dirs)
		dirs = "/usr/local/bin:/usr/bin:/bin";
	while (*dirs) {
		size_t n = strcspn(dirs, ":");
		if (n > 0 && (size_t)snprintf(path, len, "%.*s/gnuplot", (int)n, dirs) < len &&
		    access(path, X_OK) == 0)
			return true;
		dirs += n;
		if (*dirs == ':')
			dirs++;
	}
	snprintf(path, len, "gnuplot");
	return false;
}

bool report_chart_available(char *why, size_t len)
{
	char path[PATH_MAX];
	if (report_chart_find(path, sizeof(path)))
		return true;
	snprintf(why, len,
		 "charts are not included: %s was not found (install gnuplot, e.g. "
		 "apt-get install gnuplot-nox)",
		 path);
	return false;
}

/* Feed the script and collect stdout and stderr together, so that no pipe can fill and stall. */
static int report_chart_exchange(int in, int out, int errfd, const char *script,
				 struct report_buf *svg, struct report_buf *msg)
{
	size_t off = 0, len = strlen(script);
	int64_t deadline = clock_deadline_ms(REPORT_CHART_TIMEOUT_MS);
	int open_outputs = 2;
	while (open_outputs > 0) {
		struct pollfd p[3] = { { out, POLLIN, 0 },
				       { errfd, POLLIN, 0 },
				       { in, POLLOUT, 0 } };
		nfds_t np = in >= 0 ? 3 : 2;
		int left = clock_ms_left(deadline);
		if (left == 0)
			return -1;
		int r = poll(p, np, left);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		for (int i = 0; i < 2; i++) {
			if (p[i].fd < 0 || !(p[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			char chunk[16384];
			ssize_t n = read(p[i].fd, chunk, sizeof(chunk));
			if (n > 0) {
				report_buf_put(i == 0 ? svg : msg, chunk, (size_t)n);
			} else if (n == 0 || errno != EINTR) {
				if (i == 0)
					out = -1;
				else
					errfd = -1;
				open_outputs--;
			}
		}
		if (np == 3 && (p[2].revents & (POLLOUT | POLLERR | POLLHUP))) {
			ssize_t n = write(in, script + off, len - off);
			if (n > 0)
				off += (size_t)n;
			if ((n < 0 && errno != EINTR && errno != EAGAIN) || off == len) {
				close(in);
				in = -1;
			}
		}
	}
	if (in >= 0)
		close(in);
	return 0;
}

/* gnuplot titles every plot element "gnuplot_plot_N": browsers show that as a tooltip. */
static void report_chart_drop_plot_titles(char *svg)
{
	static const char open[] = "<title>gnuplot_plot_";
	char *p;
	while ((p = strstr(svg, open))) {
		char *end = strstr(p, "</title>");
		if (!end)
			break;
		end += strlen("</title>");
		memmove(p, end, strlen(end) + 1);
	}
}

char *report_chart_run(const char *script, struct vb_error *err)
{
	char path[PATH_MAX];
	if (!report_chart_find(path, sizeof(path)))
		return error_set(err, "gnuplot: %s not found", path), NULL;
	int pin[2], pout[2], perr[2];
	if (pipe2(pin, O_CLOEXEC) < 0)
		return error_set_errno(err, "gnuplot: pipe"), NULL;
	if (pipe2(pout, O_CLOEXEC) < 0) {
		close(pin[0]), close(pin[1]);
		return error_set_errno(err, "gnuplot: pipe"), NULL;
	}
	if (pipe2(perr, O_CLOEXEC) < 0) {
		close(pin[0]), close(pin[1]), close(pout[0]), close(pout[1]);
		return error_set_errno(err, "gnuplot: pipe"), NULL;
	}
	/* a gnuplot that dies early must not take vbench down with SIGPIPE */
	sigset_t pipe_set, old_set;
	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe_set, &old_set);

	pid_t pid = fork();
	if (pid == 0) {
		dup2(pin[0], 0);
		dup2(pout[1], 1);
		dup2(perr[1], 2);
		sigprocmask(SIG_SETMASK, &old_set, NULL);
		execl(path, "gnuplot", (char *)NULL);
		_exit(127);
	}
	int saved = errno;
	close(pin[0]);
	close(pout[1]);
	close(perr[1]);
	struct report_buf svg, msg;
	report_buf_init(&svg);
	report_buf_init(&msg);
	char *result = NULL;
	if (pid < 0) {
		errno = saved;
		error_set_errno(err, "gnuplot: fork");
		close(pin[1]), close(pout[0]), close(perr[0]);
		goto out;
	}
	fcntl(pin[1], F_SETFL, O_NONBLOCK);
	bool timed_out = report_chart_exchange(pin[1], pout[0], perr[0], script, &svg, &msg) < 0;
	close(pout[0]);
	close(perr[0]);
	if (timed_out)
		kill(pid, SIGKILL);
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (timed_out) {
		error_set(err, "gnuplot: no answer within %d s", REPORT_CHART_TIMEOUT_MS / 1000);
	} else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || !svg.text) {
		/* gnuplot's first complaint is the useful one */
		const char *m = msg.text ? msg.text : "no output";
		while (*m == '\n' || *m == ' ')
			m++;
		error_set(err, "gnuplot failed (status %d): %.300s",
			  WIFEXITED(status) ? WEXITSTATUS(status) : -1, m);
	} else if (svg.failed) {
		error_set(err, "gnuplot: out of memory");
	} else {
		const char *start = strstr(svg.text, "<svg");
		if (!start)
			error_set(err, "gnuplot produced no SVG");
		else if ((result = strdup(start)))
			report_chart_drop_plot_titles(result);
	}
out:
	report_buf_free(&svg);
	report_buf_free(&msg);
	/* swallow a SIGPIPE raised while the signal was blocked, then restore the mask */
	struct timespec zero = { 0, 0 };
	while (sigtimedwait(&pipe_set, NULL, &zero) > 0)
		;
	pthread_sigmask(SIG_SETMASK, &old_set, NULL);
	return result;
}

/* A gnuplot string literal: single-quoted, where only '' needs escaping. */
static void report_chart_str(struct report_buf *b, const char *s)
{
	report_buf_puts(b, "'");
	for (; s && *s; s++) {
		if (*s == '\'')
			report_buf_puts(b, "''");
		else if (*s != '\n' && *s != '\r')
			report_buf_put(b, s, 1);
	}
	report_buf_puts(b, "'");
}

/* A value in a datablock; '?' is declared missing so gaps do not break the plot. */
static void report_chart_num(struct report_buf *b, double v)
{
	if (isfinite(v))
		report_buf_printf(b, " %.10g", v);
	else
		report_buf_puts(b, " ?");
}

/* A datablock label: double-quoted, with characters that would end it replaced. */
static void report_chart_label(struct report_buf *b, const char *s)
{
	report_buf_puts(b, "\"");
	for (; s && *s; s++)
		report_buf_put(b, (*s == '"' || *s == '\\' || *s == '\n') ? "'" : s, 1);
	report_buf_puts(b, "\"");
}

/* Long tic labels are rotated so that neighbours do not overlap. */
static bool report_chart_long_labels(const char *const *labels, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (labels[i] && strlen(labels[i]) > 10)
			return true;
	return false;
}

static void report_chart_header(struct report_buf *b, const char *title, const char *xlabel,
				const char *ylabel, int width, int height)
{
	/* noenhanced: metric names like lat_4KiB must not turn into subscripts */
	report_buf_printf(
		b, "set terminal svg size %d,%d noenhanced font 'sans,11' background rgb 'white'\n",
		width, height);
	report_buf_puts(b, "set datafile missing '?'\nset key outside right top\nset grid ytics\n");
	report_buf_puts(b, "set title ");
	report_chart_str(b, title);
	report_buf_puts(b, "\nset xlabel ");
	report_chart_str(b, xlabel);
	report_buf_puts(b, "\nset ylabel ");
	report_chart_str(b, ylabel);
	report_buf_puts(b, "\n");
}

static char *report_chart_finish(struct report_buf *b, struct vb_error *err)
{
	if (b->failed) {
		report_buf_free(b);
		return error_set(err, "out of memory building a chart"), NULL;
	}
	char *svg = report_chart_run(b->text, err);
	report_buf_free(b);
	return svg;
}

char *report_chart_bars(const struct report_chart_bars *c, struct vb_error *err)
{
	struct report_buf b;
	report_buf_init(&b);
	int width = 640 + (int)(c->ncats * c->nseries) * 18;
	int height = c->ncats > 6 && report_chart_long_labels(c->cats, c->ncats) ? 560 : 420;
	report_chart_header(&b, c->title, c->xlabel, c->ylabel, width > 1100 ? 1100 : width,
			    height);
	report_buf_puts(&b, "$data << EOD\n");
	for (size_t k = 0; k < c->ncats; k++) {
		report_chart_label(&b, c->cats[k]);
		for (size_t s = 0; s < c->nseries; s++) {
			size_t i = s * c->ncats + k;
			report_chart_num(&b, c->val[i]);
			if (c->lo) {
				report_chart_num(&b, c->lo[i]);
				report_chart_num(&b, c->hi[i]);
			}
		}
		report_buf_puts(&b, "\n");
	}
	report_buf_puts(&b, "EOD\n");
	report_buf_printf(&b, "set style data histograms\nset style histogram %s gap 1\n",
			  c->lo ? "errorbars lw 1" : "clustered");
	report_buf_puts(&b, "set style fill solid 0.7 border -1\nset boxwidth 0.9\n");
	/* many long labels stand upright so that neighbours never overlap */
	if (!report_chart_long_labels(c->cats, c->ncats))
		report_buf_puts(&b, "set xtics nomirror\n");
	else if (c->ncats <= 6)
		report_buf_puts(&b, "set xtics rotate by 30 right nomirror\n");
	else
		report_buf_puts(&b, "set xtics rotate by 90 right nomirror\n");
	/* one wild interval must not flatten every bar: clip error bars beyond twice the tallest bar */
	double maxval = 0, maxhi = 0;
	for (size_t i = 0; i < c->ncats * c->nseries; i++) {
		if (isfinite(c->val[i]) && c->val[i] > maxval)
			maxval = c->val[i];
		if (c->hi && isfinite(c->hi[i]) && c->hi[i] > maxhi)
			maxhi = c->hi[i];
	}
	if (c->hi && maxval > 0 && maxhi > 2 * maxval)
		report_buf_printf(&b, "set yrange [0:%.6g]\n", 2 * maxval);
	else /* headroom: the tallest bar's error bar must not run into the frame */
		report_buf_puts(&b, "set yrange [0:*]\nset offsets 0, 0, graph 0.08, 0\n");
	if (c->nseries == 1 && !c->reference_one)
		report_buf_puts(&b, "set key off\n");
	if (c->logy)
		report_buf_puts(&b, "set logscale y\nset yrange [*:*]\n");
	if (c->reference_one) {
		/* an arrow, not a plotted function: it spans the plot whatever the histogram's x range */
		report_buf_puts(
			&b, "set arrow from graph 0, first 1 to graph 1, first 1 nohead dashtype 2 "
			    "linewidth 1.5 linecolor rgb 'black' front\n");
		report_buf_puts(&b, "set label ");
		report_chart_str(&b, c->reference_label ? c->reference_label : "baseline");
		report_buf_puts(&b, " at graph 1, first 1 offset 0.5, 0 left front\n");
	}
	report_buf_puts(&b, "plot ");
	int per = c->lo ? 3 : 1;
	for (size_t s = 0; s < c->nseries; s++) {
		int col = 2 + (int)s * per;
		if (s > 0)
			report_buf_puts(&b, ", ");
		if (c->lo)
			report_buf_printf(&b, "$data using %d:%d:%d%s title ", col, col + 1,
					  col + 2, s == 0 ? ":xtic(1)" : "");
		else
			report_buf_printf(&b, "$data using %d%s title ", col,
					  s == 0 ? ":xtic(1)" : "");
		report_chart_str(&b, c->series[s]);
		/* a single series has bars per backend: a neutral colour, not the one a backend has elsewhere */
		if (c->nseries == 1)
			/* the value written at the foot of its bar: clear of error bars, and a bar too short
			 * to see still says what it is */
			report_buf_printf(&b,
					  " linecolor rgb '#7f93ab', $data using "
					  "0:(0):(sprintf('%%.3g', $%d)) "
					  "with labels offset 0, 0.8 notitle",
					  col);
	}
	report_buf_puts(&b, "\n");
	return report_chart_finish(&b, err);
}

/* Tics at powers of two (ratios) or ten (absolute values) covering [lo, hi], labelled plainly. */
static void report_chart_log_tics(struct report_buf *b, double lo, double hi, bool ratio)
{
	double base = ratio ? 2 : 10;
	double t = pow(base, floor(log(lo) / log(base)));
	/* within two decades, 2 and 5 times each power of ten as well: two tics alone say little */
	bool fine = !ratio && hi / lo <= 100.0001;
	report_buf_puts(b, "set xtics (");
	bool any = false;
	for (int n = 0, k = 0; t <= hi * 1.0001 && n < 40;
	     t *= fine ? (k % 3 == 1 ? 2.5 : 2) : base, n++, k++) {
		if (t < lo / 1.0001)
			continue;
		char label[32];
		if (ratio && t < 1)
			snprintf(label, sizeof(label), "1/%.0f", 1 / t);
		else
			snprintf(label, sizeof(label), "%g", t);
		report_buf_printf(b, "%s'%s%s' %.10g", any ? ", " : "", label, ratio ? "x" : "", t);
		any = true;
	}
	report_buf_puts(b, ")\n");
}

double report_chart_ratio_span(const double *v, size_t n)
{
	/* symmetric around 1 so that "twice as fast" and "half as fast" look alike; a wild interval
	 * (a noisy p99) is cut at 16x rather than squeezing every other row */
	double span = 1.25;
	for (size_t i = 0; i < n; i++)
		if (isfinite(v[i]) && v[i] > 0)
			span = fmax(span, fmax(v[i], 1 / v[i]));
	/* room beyond the outermost interval end, so that no marker sits on the frame */
	return fmin(pow(2, ceil(log2(span * 1.1))), 16);
}

char *report_chart_dots(const struct report_chart_dots *c, struct vb_error *err)
{
	struct report_buf b;
	report_buf_init(&b);
	size_t n = c->ncats * c->nseries;
	double lo = INFINITY, hi = -INFINITY;
	for (size_t i = 0; i < n; i++) {
		double v[3] = { c->val[i], c->lo ? c->lo[i] : NAN, c->hi ? c->hi[i] : NAN };
		for (int k = 0; k < 3; k++)
			if (isfinite(v[k]) && (!c->logx || v[k] > 0)) {
				lo = fmin(lo, v[k]);
				hi = fmax(hi, v[k]);
			}
	}
	if (!(lo <= hi))
		lo = 0.5, hi = 2;
	if (c->logx && c->reference_one) {
		double span = c->span > 1 ? c->span
					  : report_chart_ratio_span((const double[]){ lo, hi }, 2);
		lo = 1 / span, hi = span;
	} else if (c->logx) {
		lo = pow(10, floor(log10(lo))), hi = pow(10, ceil(log10(hi)));
		if (hi <= lo)
			hi = lo * 10;
	}
	bool clipped = false;
	for (size_t i = 0; i < n; i++)
		clipped |= (c->lo && isfinite(c->lo[i]) && c->lo[i] < lo) ||
			   (c->hi && isfinite(c->hi[i]) && c->hi[i] > hi);
	char xlabel[320];
	snprintf(xlabel, sizeof(xlabel), "%s%s", c->xlabel,
		 clipped ? "; intervals cut at the edges" : "");
	int row_px = 10 + 9 * (int)c->nseries;
	int height = 110 + (int)c->ncats * row_px;
	report_chart_header(&b, c->title, xlabel, "", 960, height < 220 ? 220 : height);
	/* the legend beside the plot: it never covers a marker */
	report_buf_puts(&b, "set key outside right top vertical\nunset grid\nset grid xtics\n");
	/* fixed margins, so that the charts of one page share their axis position (the line at 1
	 * falls in one place on every chart) unless a label is too long for the usual room */
	size_t longest = 0;
	for (size_t k = 0; k < c->ncats; k++)
		longest = c->cats[k] && strlen(c->cats[k]) > longest ? strlen(c->cats[k]) : longest;
	double left = fmin(0.5, fmax(0.25, (double)(longest * 7 + 24) / 960.0));
	report_buf_printf(&b, "set lmargin at screen %.3f\nset rmargin at screen 0.86\n", left);
	report_buf_puts(&b, "$data << EOD\n");
	for (size_t k = 0; k < c->ncats; k++) {
		report_buf_printf(&b, "%zu ", k);
		report_chart_label(&b, c->cats[k]);
		for (size_t s = 0; s < c->nseries; s++) {
			size_t i = s * c->ncats + k;
			bool clipped_lo = c->lo && isfinite(c->lo[i]) && c->lo[i] < lo;
			bool clipped_hi = c->hi && isfinite(c->hi[i]) && c->hi[i] > hi;
			report_chart_num(&b, c->val[i]);
			report_chart_num(&b, c->lo ? (clipped_lo ? lo : c->lo[i]) : c->val[i]);
			report_chart_num(&b, c->hi ? (clipped_hi ? hi : c->hi[i]) : c->val[i]);
			report_buf_printf(&b, " %d", !c->sig || c->sig[i]);
		}
		report_buf_puts(&b, "\n");
	}
	report_buf_puts(&b, "EOD\n");
	if (c->logx) {
		report_buf_puts(&b, "set logscale x 2\n");
		report_chart_log_tics(&b, lo, hi, c->reference_one);
	}
	/* a hair wider than the outer tics: gnuplot drops a tic that lands exactly on a log-scale edge */
	report_buf_printf(&b, "set xrange [%.10g:%.10g]\n", lo / 1.001, hi * 1.001);
	/* the first category on top, as in the tables */
	report_buf_printf(
		&b, "set yrange [%.1f:-0.6]\nset ytics nomirror scale 0\nset xtics nomirror\n",
		(double)c->ncats - 0.4);
	/* faint bands mark each row so that a marker is read against the right label */
	for (size_t k = 1; k < c->ncats; k += 2)
		report_buf_printf(
			&b,
			"set object rectangle from graph 0, first %.1f to graph 1, first %.1f "
			"behind fillcolor rgb '#f2f2f2' fillstyle solid noborder\n",
			(double)k - 0.5, (double)k + 0.5);
	if (c->reference_one) {
		report_buf_puts(
			&b, "set arrow from first 1, graph 0 to first 1, graph 1 nohead dashtype 2 "
			    "linewidth 1.5 linecolor rgb 'black' front\n");
		report_buf_puts(&b, "set label ");
		report_chart_str(&b, c->reference_label ? c->reference_label : "baseline");
		report_buf_puts(&b, " at first 1, graph 1 offset 0, 0.6 center front\n");
	}
	report_buf_puts(&b, "plot ");
	int color = c->first_color > 0 ? c->first_color : 1;
	for (size_t s = 0; s < c->nseries; s++) {
		int col = 3 + (int)s * 4;
		double off = c->nseries > 1 ? ((double)s - (double)(c->nseries - 1) / 2) *
						      (0.7 / (double)c->nseries)
					    : 0;
		report_buf_printf(
			&b,
			"%s$data using %d:($1%+.3f):%d:%d%s with xerrorbars linecolor %zu "
			"pointtype 6 pointsize 0.9 notitle, ",
			s ? ", " : "", col, off, col + 1, col + 2, s == 0 ? ":ytic(2)" : "",
			color + s);
		/* the same markers filled where significant; this clause carries the legend */
		report_buf_printf(
			&b,
			"$data using ($%d > 0.5 ? $%d : NaN):($1%+.3f) with points linecolor %zu "
			"pointtype 7 pointsize 0.9 title ",
			col + 3, col, off, color + s);
		report_chart_str(&b, c->series[s]);
	}
	report_buf_puts(&b, "\n");
	return report_chart_finish(&b, err);
}

char *report_chart_lines(const struct report_chart_lines *c, struct vb_error *err)
{
	struct report_buf b;
	report_buf_init(&b);
	report_chart_header(&b, c->title, c->xlabel, c->ylabel, 760, 420);
	report_buf_puts(&b, "$data << EOD\n");
	for (size_t i = 0; i < c->npoints; i++) {
		report_chart_num(&b, c->x[i]);
		report_buf_puts(&b, " ");
		report_chart_label(&b, c->xlabels ? c->xlabels[i] : "");
		for (size_t s = 0; s < c->nseries; s++) {
			size_t k = s * c->npoints + i;
			report_chart_num(&b, c->val[k]);
			report_chart_num(&b, c->lo ? c->lo[k] : c->val[k]);
			report_chart_num(&b, c->hi ? c->hi[k] : c->val[k]);
		}
		report_buf_puts(&b, "\n");
	}
	report_buf_puts(&b, "EOD\n");
	if (c->logx)
		report_buf_puts(&b, "set logscale x 2\n");
	if (c->logy)
		report_buf_puts(&b, "set logscale y\n");
	report_buf_puts(&b, c->xlabels && report_chart_long_labels(c->xlabels, c->npoints)
				    ? "set xtics rotate by 30 right nomirror\n"
				    : "set xtics nomirror\n");
	/* room on both sides so that the first and last points and their labels are not clipped */
	double xmin = INFINITY, xmax = -INFINITY;
	for (size_t i = 0; i < c->npoints; i++) {
		if (isfinite(c->x[i]) && c->x[i] < xmin)
			xmin = c->x[i];
		if (isfinite(c->x[i]) && c->x[i] > xmax)
			xmax = c->x[i];
	}
	if (xmin <= xmax && c->logx && xmin > 0)
		report_buf_printf(&b, "set xrange [%.10g:%.10g]\n", xmin / 1.6, xmax * 1.6);
	else if (xmin <= xmax && !c->logx)
		report_buf_printf(&b, "set xrange [%.10g:%.10g]\n",
				  xmin - 0.5 - (xmax - xmin) * 0.05,
				  xmax + 0.5 + (xmax - xmin) * 0.05);
	report_buf_puts(&b, "set lmargin 12\n");
	report_buf_puts(&b, "plot ");
	for (size_t s = 0; s < c->nseries; s++) {
		int col = 3 + (int)s * 3;
		if (s > 0)
			report_buf_puts(&b, ", ");
		report_buf_printf(
			&b,
			"$data using 1:%d:%d:%d%s with yerrorlines linecolor %zu pointtype 7 "
			"title ",
			col, col + 1, col + 2, c->xlabels && s == 0 ? ":xtic(2)" : "",
			(size_t)(c->first_color > 0 ? c->first_color : 1) + s);
		report_chart_str(&b, c->series[s]);
	}
	report_buf_puts(&b, "\n");
	return report_chart_finish(&b, err);
}
