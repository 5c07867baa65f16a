/* libFuzzer harness: the bounded demangler (analyze/demangle.c) on any
 * bytes, as a NUL-terminated name, into output buffers of several sizes:
 * it must stay in bounds, terminate, and write a NUL-terminated string no
 * longer than the buffer (or the empty string when it refuses). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "demangle.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t sizes[] = { 1, 8, 64, DEMANGLE_OUT_MAX, DEMANGLE_OUT_MAX * 2 };
	char *name = malloc(size + 3), *out;
	size_t i;

	if (!name)
		return 0;
	/* As it comes, and as a mangled name whatever it starts with. */
	memcpy(name, data, size);
	name[size] = '\0';
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		out = malloc(sizes[i]);
		if (!out)
			break;
		if (demangle(name, out, sizes[i]) == 0) {
			if (strlen(out) >= sizes[i] || !out[0])
				abort();
		} else if (out[0]) {
			abort();
		}
		free(out);
	}
	memcpy(name, "_Z", 2);
	memcpy(name + 2, data, size);
	name[size + 2] = '\0';
	out = demangle_dup(name);
	free(out);
	free(name);
	return 0;
}
