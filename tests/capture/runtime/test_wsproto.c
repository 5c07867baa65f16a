/* Unit tests of capture/runtime/wsproto.c: HTTP response heads and
 * WebSocket frame headers as a hostile inspector (or whoever holds its
 * port) could send them, and the client's frames and URL check. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "runtime/wsproto.h"

static void test_wsproto__http_head(void **state)
{
	const char *ok = "HTTP/1.0 200 OK\r\nContent-Type: application/json; charset=UTF-8\r\n"
			 "Content-Length: 573\r\n\r\n[{...";
	const char *up = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: WebSocket\r\nConnection: Upgrade\r\n\r\n";
	struct http_head h;
	size_t k;

	(void)state;
	assert_int_equal(http_head_parse(ok, strlen(ok), 8192, &h), 1);
	assert_int_equal(h.status, 200);
	assert_int_equal(h.content_length, 573);
	assert_int_equal(h.head_len, strlen(ok) - 5);
	assert_int_equal(http_head_parse(up, strlen(up), 8192, &h), 1);
	assert_int_equal(h.status, 101);
	assert_true(h.upgrade_websocket);
	assert_int_equal(h.content_length, -1);
	/* Every cut before the blank line wants more. */
	for (k = 0; k < strlen(up); k++)
		assert_int_equal(http_head_parse(up, k, 8192, &h), 0);
}

static void test_wsproto__http_hostile(void **state)
{
	static const char *const bad[] = {
		"SSH-2.0-OpenSSH_9.6\r\n\r\n",
		"HTTP/1.1 2x0 OK\r\n\r\n",
		"HTTP/2 200 OK\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: -5\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n",
		"HTTP/1.1 200 OK\r\nno colon here\r\n\r\n",
	};
	char big[9000];
	struct http_head h;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(http_head_parse(bad[i], strlen(bad[i]), 8192, &h), -1);
	/* A head that never ends is refused at the bound. */
	memcpy(big, "HTTP/1.1 200 OK\r\nX: ", 20);
	memset(big + 20, 'a', sizeof(big) - 20);
	assert_int_equal(http_head_parse(big, sizeof(big), 8192, &h), -1);
	assert_int_equal(http_head_parse(big, 100, 8192, &h), 0);
}

static void test_wsproto__frames(void **state)
{
	const unsigned char small[] = { 0x81, 0x05, 'h', 'e', 'l', 'l', 'o' };
	const unsigned char mid[] = { 0x81, 126, 0x01, 0x00 };
	const unsigned char big[] = { 0x01, 127, 0, 0, 0, 0, 0, 1, 0, 0 };
	struct ws_frame f;

	(void)state;
	assert_int_equal(ws_frame_parse(small, sizeof(small), &f), 1);
	assert_true(f.fin);
	assert_int_equal(f.opcode, WS_TEXT);
	assert_int_equal(f.header_len, 2);
	assert_int_equal(f.payload_len, 5);
	assert_int_equal(ws_frame_parse(mid, sizeof(mid), &f), 1);
	assert_int_equal(f.payload_len, 256);
	assert_int_equal(ws_frame_parse(mid, 3, &f), 0);
	assert_int_equal(ws_frame_parse(big, sizeof(big), &f), 1);
	assert_false(f.fin);
	assert_int_equal(f.payload_len, 65536);
	assert_int_equal(ws_frame_parse(big, 9, &f), 0);
	assert_int_equal(ws_frame_parse(small, 1, &f), 0);
}

static void test_wsproto__frames_hostile(void **state)
{
	static const unsigned char masked[] = { 0x81, 0x85, 1, 2, 3, 4 };
	static const unsigned char rsv[] = { 0xc1, 0x01 };
	static const unsigned char opcode[] = { 0x83, 0x01 };
	static const unsigned char long_ping[] = { 0x89, 126, 0x01, 0x00 };
	static const unsigned char frag_close[] = { 0x08, 0x00 };
	static const unsigned char short16[] = { 0x81, 126, 0x00, 0x10 };
	static const unsigned char short64[] = { 0x81, 127, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	static const unsigned char top_bit[] = { 0x81, 127, 0x80, 0, 0, 0, 0, 0, 0, 0 };
	const unsigned char *bad[] = { masked, rsv, opcode, long_ping, frag_close, short16, short64, top_bit };
	const size_t len[] = { sizeof(masked), sizeof(rsv), sizeof(opcode), sizeof(long_ping), sizeof(frag_close),
			       sizeof(short16), sizeof(short64), sizeof(top_bit) };
	struct ws_frame f;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(ws_frame_parse(bad[i], len[i], &f), -1);
}

static void test_wsproto__build_and_url(void **state)
{
	const unsigned char mask[4] = { 1, 2, 3, 4 };
	unsigned char out[300];
	char payload[200], path[128];
	size_t n;

	(void)state;
	n = ws_frame_build(out, "ab", 2, mask);
	assert_int_equal(n, 8);
	assert_int_equal(out[0], 0x81);
	assert_int_equal(out[1], 0x82);
	assert_int_equal(out[6], 'a' ^ 1);
	assert_int_equal(out[7], 'b' ^ 2);
	memset(payload, 'x', sizeof(payload));
	n = ws_frame_build(out, payload, sizeof(payload), mask);
	assert_int_equal(n, 4 + 4 + sizeof(payload));
	assert_int_equal(out[1], 0x80 | 126);
	assert_int_equal(ws_url_path("ws://127.0.0.1:9229/d367746c-a1ab-46d5-96cd-fa7f7ba45b27", 9229, path,
				     sizeof(path)), 0);
	assert_string_equal(path, "/d367746c-a1ab-46d5-96cd-fa7f7ba45b27");
	assert_int_equal(ws_url_path("ws://127.0.0.1:9230/abc", 9229, path, sizeof(path)), -1);
	assert_int_equal(ws_url_path("ws://evil.example:9229/abc", 9229, path, sizeof(path)), -1);
	assert_int_equal(ws_url_path("ws://127.0.0.1:9229/a b\r\nX: y", 9229, path, sizeof(path)), -1);
	assert_int_equal(ws_url_path("ws://127.0.0.1:9229/", 9229, path, sizeof(path)), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wsproto__http_head),
		cmocka_unit_test(test_wsproto__http_hostile),
		cmocka_unit_test(test_wsproto__frames),
		cmocka_unit_test(test_wsproto__frames_hostile),
		cmocka_unit_test(test_wsproto__build_and_url),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
