#include "privs.h"

#include "error.h"

#include <errno.h>
#include <linux/capability.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif
#ifndef CAP_BPF
#define CAP_BPF 39
#endif
#define PRIVS_CAP_MAX 64

const struct privs_kept privs_kept[] = {
	{ CAP_DAC_READ_SEARCH, "dac_read_search", "read /proc files and logs of targets run by other users" },
	{ CAP_SYS_PTRACE, "sys_ptrace", "read /proc/PID/fd, io, syscall of another user's target; --syscalls=ptrace" },
	{ CAP_SYS_ADMIN, "sys_admin", "enter a target's new network namespace (setns); perf and bpf on older kernels" },
	{ CAP_NET_ADMIN, "net_admin", "sock_diag dumps in a target's namespace" },
	{ CAP_NET_RAW, "net_raw", "reopen the packet capture when the target changes network namespace" },
	{ CAP_PERFMON, "perfmon", "perf events for threads and children born during the capture" },
	{ CAP_BPF, "bpf", "read the in-kernel syscall counts" },
	{ CAP_IPC_LOCK, "ipc_lock", "perf rings of new threads are locked memory" },
	{ CAP_DAC_OVERRIDE, "dac_override", "only when the bundle's directory belongs to another user: "
	  "SQLite creates and removes its -wal and -shm files there" },
	{ 0, NULL, NULL },
};

/* Keeps KEEP (a mask of CAP_* bits, cut to what is held) in the calling
 * thread and drops the rest from every set. */
static int drop_to(uint64_t keep)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[2];
	int i;

	memset(data, 0, sizeof(data));
	if (syscall(SYS_capget, &hdr, data) < 0)
		return error_errno("cannot read the capture's capabilities");
	keep &= (uint64_t)data[0].permitted | (uint64_t)data[1].permitted << 32;
	/* The bounding set first: dropping from it needs CAP_SETPCAP, which
	 * the capset below takes away. Caps the kernel does not know fail
	 * with EINVAL: the end of the list. */
	for (i = 0; i < PRIVS_CAP_MAX; i++) {
		if (keep & (1ULL << i))
			continue;
		if (prctl(PR_CAPBSET_READ, i, 0, 0, 0) == 1 && prctl(PR_CAPBSET_DROP, i, 0, 0, 0) < 0 &&
		    errno != EPERM && errno != EINVAL)
			return error_errno("cannot drop capability %d from the bounding set", i);
	}
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	data[0].effective = data[0].permitted = (uint32_t)keep;
	data[1].effective = data[1].permitted = (uint32_t)(keep >> 32);
	data[0].inheritable = data[1].inheritable = 0;
	if (syscall(SYS_capset, &hdr, data) < 0)
		return error_errno("cannot drop the capture's capabilities");
	/* Nothing we run later can gain privileges by exec (we exec nothing;
	 * this makes it so). */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return error_errno("cannot set no_new_privs");
	return 0;
}

int privs_limit_thread(const int *caps, int n)
{
	uint64_t keep = 0;
	int i;

	for (i = 0; i < n; i++)
		if (caps[i] >= 0 && caps[i] < PRIVS_CAP_MAX)
			keep |= 1ULL << caps[i];
	return drop_to(keep);
}

int privs_drop(int keep_dac_override, char *kept, size_t len)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[2];
	uint64_t perm, keep = 0;
	size_t n = 0;
	int i;

	kept[0] = '\0';
	memset(data, 0, sizeof(data));
	if (syscall(SYS_capget, &hdr, data) < 0)
		return error_errno("cannot read the capture's capabilities");
	perm = (uint64_t)data[0].permitted | (uint64_t)data[1].permitted << 32;
	for (i = 0; privs_kept[i].name; i++) {
		if (privs_kept[i].cap == CAP_DAC_OVERRIDE && !keep_dac_override)
			continue;
		if (perm & (1ULL << privs_kept[i].cap)) {
			keep |= 1ULL << privs_kept[i].cap;
			n += (size_t)snprintf(kept + n, n < len ? len - n : 0, "%s%s", n ? ", " : "",
					      privs_kept[i].name);
		}
	}
	if (!kept[0])
		snprintf(kept, len, "none");
	return drop_to(keep);
}
