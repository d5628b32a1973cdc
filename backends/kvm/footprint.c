/* The VMM's host memory from /proc/self/smaps: the process's resident growth since before the VM, guest RAM excluded. */
#include "backends/kvm/footprint.h"

#include <inttypes.h>
#include <malloc.h>
#include <stdbool.h>
#include <string.h>

int footprint_parse_smaps(FILE *f, uint64_t guest_start, uint64_t guest_len, struct footprint *out,
			  struct vb_error *err)
{
	memset(out, 0, sizeof(*out));
	char line[512];
	bool in_guest = false, any = false;
	while (fgets(line, sizeof(line), f)) {
		uint64_t lo, hi, kib;
		char perms[5];
		/* A mapping's header, "lo-hi perms offset dev inode [path]", then its "Name: value" fields. */
		if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %4s", &lo, &hi, perms) == 3) {
			any = true;
			in_guest = guest_len && lo >= guest_start && hi >= lo &&
				   hi - guest_start <= guest_len;
		} else if (sscanf(line, "Rss: %" SCNu64 " kB", &kib) == 1) {
			out->rss_bytes += kib << 10;
			if (in_guest)
				out->guest_bytes += kib << 10;
		}
		/* A line longer than the buffer: drop its rest so it cannot pass for a header. */
		while (!strchr(line, '\n') && fgets(line, sizeof(line), f))
			;
	}
	if (!any)
		return error_set(err, "smaps lists no mapping");
	return 0;
}

int footprint_measure(uint64_t guest_start, uint64_t guest_len, struct footprint *out,
		      struct vb_error *err)
{
	malloc_trim(0);
	FILE *f = fopen("/proc/self/smaps", "r");
	if (!f)
		return error_set_errno(err, "open /proc/self/smaps");
	int rc = footprint_parse_smaps(f, guest_start, guest_len, out, err);
	fclose(f);
	return rc;
}

int footprint_measure_file(FILE *smaps, uint64_t guest_start, uint64_t guest_len,
			   struct footprint *out, struct vb_error *err)
{
	malloc_trim(0);
	rewind(smaps);
	return footprint_parse_smaps(smaps, guest_start, guest_len, out, err);
}

int footprint_page_table_bytes(FILE *status, uint64_t *out, struct vb_error *err)
{
	char line[256];
	uint64_t kib;
	rewind(status);
	while (fgets(line, sizeof(line), status))
		if (sscanf(line, "VmPTE: %" SCNu64 " kB", &kib) == 1) {
			*out = kib << 10;
			return 0;
		}
	return error_set(err, "status has no VmPTE line");
}

double footprint_vmm_bytes(const struct footprint *before, const struct footprint *now)
{
	uint64_t own = now->rss_bytes - now->guest_bytes;
	if (now->guest_bytes > now->rss_bytes || own < before->rss_bytes - before->guest_bytes)
		return -1;
	return (double)(own - (before->rss_bytes - before->guest_bytes));
}
