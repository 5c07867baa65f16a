/* libFuzzer harness: what a Node inspector (or whoever holds its port)
 * answers, over arbitrary bytes: lib/jsonparse.c with every accessor, the
 * .cpuprofile parser, HTTP response heads and WebSocket frame headers. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "jsonparse.h"
#include "runtime/cpuprofile.h"
#include "runtime/wsproto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void walk(const struct jsonp *p, int i, int depth)
{
	char buf[64];
	int64_t v;
	double d;
	int k;

	if (depth > 8)
		return;
	jsonp_int(p, i, &v);
	jsonp_double(p, i, &d);
	jsonp_str(p, i, buf, sizeof(buf));
	jsonp_str(p, i, buf, 1);
	jsonp_streq(p, i, "nodes");
	jsonp_get(p, i, "id");
	for (k = jsonp_first(p, i); k >= 0; k = jsonp_next(p, k))
		walk(p, k, depth + 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	struct jsonp p;
	struct cpuprofile cp;
	struct http_head h;
	struct ws_frame f;
	char why[200], path[128], url[256];

	jsonp_init(&p, 4096, 32);
	if (jsonp_parse(&p, buf, size) == 0)
		walk(&p, 0, 0);
	jsonp_release(&p);
	if (cpuprofile_parse(buf, size, &cp, why, sizeof(why)) == 0)
		cpuprofile_release(&cp);
	http_head_parse(buf, size, 8192, &h);
	ws_frame_parse(data, size, &f);
	if (size < sizeof(url)) {
		memcpy(url, data, size);
		url[size] = '\0';
		ws_url_path(url, 9229, path, sizeof(path));
	}
	return 0;
}
