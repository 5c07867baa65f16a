/* libFuzzer harness: the netlink sock_diag parser, the /proc/net parser and
 * the BPF socket iterator's record parser over arbitrary bytes. */
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "sockets/procnet.h"
#include "sockets/sockdiag.h"
#include "sockets/sockiter.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct sockdiag_result r = SOCKDIAG_RESULT_INIT;
	char addr[64];
	size_t i;

	sockdiag_result_reset(&r);
	sockdiag_parse(data, size, &r);
	for (i = 0; i < r.n; i++) {
		sockdiag_addr_str(r.v[i].family, r.v[i].src, addr, sizeof(addr));
		sockdiag_state_name(r.v[i].state, r.v[i].proto);
	}
	sockdiag_result_reset(&r);
	procnet_parse((const char *)data, size, 6, AF_INET, &r);
	sockdiag_result_reset(&r);
	procnet_parse((const char *)data, size, 17, AF_INET6, &r);
	{
		unsigned bad = 0;
		sockdiag_result_reset(&r);
		sockiter_parse(data, size, &r, NULL, &bad);
	}
	return 0;
}
