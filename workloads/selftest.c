/*
 * Self-test workloads: they misbehave on purpose (crash, hang, corrupt the channel, decline)
 * so that tests can check how vbench copes. They never run unless named explicitly.
 */
#include <stdio.h>
#include <string.h>

#include "workloads/platform.h"
#include "workloads/workload.h"

static int selftest_crash(const struct workload_ctx *ctx, struct sample_out *out,
			  struct vb_error *err)
{
	(void)ctx;
	(void)out;
	(void)err;
	platform_crash();
	return -1;
}

static int selftest_hang(const struct workload_ctx *ctx, struct sample_out *out,
			 struct vb_error *err)
{
	(void)ctx;
	(void)out;
	(void)err;
	platform_hang();
	return -1;
}

/* Writes a line that is not the protocol onto the channel (stdout natively and in lxc). */
static int selftest_garbage(const struct workload_ctx *ctx, struct sample_out *out,
			    struct vb_error *err)
{
	(void)ctx;
	(void)out;
	static const char junk[] = "{\"type\":\"sample\",\"id\":\"oops\n";
	if (platform_write_channel(junk, sizeof(junk) - 1) < 0)
		return error_set_errno(err, "write");
	return error_set(err, "garbage written");
}

static int selftest_unsupported(const struct workload_ctx *ctx, struct sample_out *out,
				struct vb_error *err)
{
	(void)ctx;
	(void)out;
	error_set(err, "this workload is never supported (self-test)");
	return WORKLOAD_UNSUPPORTED;
}

static int selftest_ok(const struct workload_ctx *ctx, struct sample_out *out, struct vb_error *err)
{
	(void)err;
	workload_set_metric(out, ctx, "value", 1.0 + (double)(ctx->seed % 1000) / 1000.0);
	return 0;
}

/* Measures its first metric and never its second, saying why (tests unmeasured metrics). */
static int selftest_partial(const struct workload_ctx *ctx, struct sample_out *out,
			    struct vb_error *err)
{
	(void)err;
	workload_set_metric(out, ctx, "value", 1.0 + (double)(ctx->seed % 1000) / 1000.0);
	snprintf(out->note, sizeof(out->note), "never measured (self-test)");
	return 0;
}

static const struct workload selftest_partial_workload = {
	.id = "selftest.partial",
	.group = "selftest",
	.description = "measures one metric and never the other, saying why (tests notes)",
	.metrics = { { "value", "1", BETTER_HIGHER }, { "missing", "1", BETTER_HIGHER } },
	.run = selftest_partial,
	.only_when_named = true,
};

#define SELFTEST(name, fn, what)                                                                   \
	static const struct workload selftest_##name##_workload = {                                \
		.id = "selftest." #name,                                                           \
		.group = "selftest",                                                               \
		.description = what,                                                               \
		.metrics = { { "value", "1", BETTER_HIGHER } },                                    \
		.run = fn,                                                                         \
		.only_when_named = true,                                                           \
	}

SELFTEST(crash, selftest_crash, "kills the agent with SIGSEGV (tests recovery)");
SELFTEST(hang, selftest_hang, "never returns (tests the sample time-out)");
SELFTEST(garbage, selftest_garbage, "writes a malformed message (tests protocol errors)");
SELFTEST(unsupported, selftest_unsupported, "always unsupported (tests unsupported results)");
SELFTEST(ok, selftest_ok, "returns a value derived from the seed (tests the plumbing)");

const struct workload *const selftest_workloads[] = {
	&selftest_crash_workload,
	&selftest_hang_workload,
	&selftest_garbage_workload,
	&selftest_unsupported_workload,
	&selftest_ok_workload,
	&selftest_partial_workload,
	NULL,
};
