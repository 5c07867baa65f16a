/* libFuzzer harness: the YAML rule-pack loader over arbitrary bytes. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "error.h"
#include "rulepack.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void quiet(const char *level, const char *msg)
{
	(void)level;
	(void)msg;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rulepack p;

	error_set_hook(quiet);
	memset(&p, 0, sizeof(p));
	if (rulepack_load_buffer(&p, "fuzz.yaml", (const char *)data, size) >= 0)
		rulepack_release(&p);
	return 0;
}
