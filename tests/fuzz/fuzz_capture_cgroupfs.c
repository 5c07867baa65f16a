/* libFuzzer harness: cgroup v1/v2 parsers over arbitrary bytes. */
#include <stddef.h>
#include <stdint.h>

#include "proc/cgroupfs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	static struct cgroup_membership m;
	struct cgroup_cpu cpu;
	int64_t a, b;

	cgroup_parse_membership(buf, size, &m);
	cgroup_parse_cpu_stat(buf, size, &cpu);
	cgroup_parse_cpuacct_stat(buf, size, 100, &cpu);
	cgroup_parse_cpu_max(buf, size, &a, &b);
	cgroup_parse_value(buf, size, &a);
	cgroup_parse_memory_events(buf, size, &a, &b);
	return 0;
}
