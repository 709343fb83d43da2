/* How much memory the CPU backend's buffers can still take: the kernel's
 * MemAvailable estimate (free memory plus what the page cache and
 * reclaimable slabs would give back), lowered to what is left under the
 * cgroup's memory.max when the process runs in a limited container. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cpu_internal.h"

/* The first number of a one-line file; -1 if absent or not a number
 * ("max" in memory.max). */
static int read_number(const char *path, uint64_t *v)
{
	FILE *f = fopen(path, "r");
	int ok = f && fscanf(f, "%" SCNu64, v) == 1;
	if (f)
		fclose(f);
	return ok ? 0 : -1;
}

static int meminfo_available(uint64_t *bytes)
{
	char line[256];
	uint64_t kib;
	int found = 0;
	FILE *f = fopen("/proc/meminfo", "r");
	while (f && !found && fgets(line, sizeof line, f))
		found = sscanf(line, "MemAvailable: %" SCNu64 " kB", &kib) == 1;
	if (f)
		fclose(f);
	if (found) {
		*bytes = kib * 1024;
		return 0;
	}
	long pages = sysconf(_SC_AVPHYS_PAGES), size = sysconf(_SC_PAGESIZE);
	if (pages <= 0 || size <= 0)
		return -1;
	*bytes = (uint64_t)pages * (uint64_t)size;
	return 0;
}

int cpu_mem_available(uint64_t *bytes)
{
	uint64_t limit, used;
	if (meminfo_available(bytes) != 0)
		return -1;
	if (read_number("/sys/fs/cgroup/memory.max", &limit) == 0 &&
	    read_number("/sys/fs/cgroup/memory.current", &used) == 0) {
		uint64_t left = limit > used ? limit - used : 0;
		if (left < *bytes)
			*bytes = left;
	}
	return 0;
}
