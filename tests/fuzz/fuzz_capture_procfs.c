/* libFuzzer harness: every /proc text parser over arbitrary bytes. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "proc/procfs.h"

static void on_dev(const struct netdev_stats *s, void *arg)
{
	(void)s;
	(void)arg;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	struct proc_stat st;
	struct proc_status status;
	struct proc_statm statm;
	struct proc_io io;
	struct proc_smaps_rollup sr;
	struct proc_limits lim;
	char copy[4096];
	int bad;

	procfs_parse_stat(buf, size, &st);
	procfs_parse_status(buf, size, &status);
	procfs_parse_statm(buf, size, &statm);
	procfs_parse_io(buf, size, &io);
	procfs_parse_smaps_rollup(buf, size, &sr);
	if (procfs_parse_limits(buf, size, &lim) == 0)
		proc_limits_soft(&lim, "Max open files");
	procfs_parse_netdev(buf, size, on_dev, NULL, &bad);
	if (size < sizeof(copy)) {
		memcpy(copy, data, size);
		procfs_cmdline_clean(copy, size);
	}
	return 0;
}
