/* Redaction: what is replaced, pseudonyms (64 bits, stable, never shared by
 * two values), the map file, packet frames and chunks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "pktcodec.h"
#include "pktdecode.h"
#include "redact_bundle.h"
#include "redactor.h"

static char out[4096];

static const char *apply(struct redactor *r, const char *s)
{
	redactor_apply(r, s, strlen(s), out, sizeof(out));
	return out;
}

static struct redactor *fixed_key(void)
{
	struct redactor *r = redactor_new();

	assert_non_null(r);
	redactor_set_key(r, "test-key", 8);
	return r;
}

static void assert_gone(const char *text, const char *secret)
{
	if (strstr(text, secret)) {
		print_error("'%s' still holds '%s'\n", text, secret);
		fail();
	}
}

static void test_redactor__replaces_what_it_should(void **state)
{
	struct redactor *r = fixed_key();
	static const char *const secrets[] = {
		"10.1.2.3", "2001:db8::7", "bob@example.com", "es-3.prod.example.com",
		"api.internal", "sk_live_4eC39HqLyjWDarjtT1zdp7dc", "hunter2", "eyJhbGciOiJIUzI1NiJ9.e30.abc123",
		"4f1c2a9e-1b2c-4d5e-8f90-123456789abc", "s3cr3t-val", "alice", "srv-1", "127.0.0.5", NULL,
	};
	const char *in =
		"connect 10.1.2.3:9243 and [2001:db8::7]:443 for bob@example.com via es-3.prod.example.com "
		"and api.internal key sk_live_4eC39HqLyjWDarjtT1zdp7dc password=hunter2 "
		"Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.e30.abc123 req 4f1c2a9e-1b2c-4d5e-8f90-123456789abc "
		"{\"client_secret\": \"s3cr3t-val\"} user=alice wrote /home/alice/srv-1/x.log from 127.0.0.5";
	int i;

	(void)state;
	apply(r, in);
	for (i = 0; secrets[i]; i++)
		assert_gone(out, secrets[i]);
	/* Ports and ordinary words survive: they carry the pattern. */
	assert_non_null(strstr(out, ":9243 and ["));
	assert_non_null(strstr(out, "]:443 for email-"));
	assert_non_null(strstr(out, "password=token-"));
	assert_non_null(strstr(out, "Bearer token-"));
	assert_non_null(strstr(out, "connect ip-"));
	assert_non_null(strstr(out, "user=user-"));
	assert_non_null(strstr(out, " /home/path-"));
	/* A file URL's path is a path (a Node script's URL in a .cpuprofile;
	 * the ASan CI's test directory casefile-e2e.y4yhk1 survived). */
	apply(r, "{\"url\":\"file:///tmp/casefile-e2e.y4yhk1/burn.js\"} FILE:///opt/acme-billing/run.js");
	assert_gone(out, "casefile-e2e.y4yhk1");
	assert_gone(out, "acme-billing");
	assert_non_null(strstr(out, "\"file:///tmp/path-"));
	redactor_free(r);
}

static void test_redactor__keeps_ordinary_text(void **state)
{
	struct redactor *r = fixed_key();
	static const char *const keep[] = {
		"user 42 not found in config.yaml at 12:00:00",
		"java.lang.IllegalStateException at com.example.Pool.take(Pool.java:88)",
		"version 1.2.3 of /usr/lib/x86_64-linux-gnu/libc.so.6",
		"took 250ms, retrying",
		/* loopback and unspecified addresses identify nothing */
		"listening on 127.0.0.1:8080 and [::1]:8080, bound 0.0.0.0",
		"see http://a/b and a/b",
		NULL,
	};
	int i;

	(void)state;
	for (i = 0; keep[i]; i++)
		assert_string_equal(apply(r, keep[i]), keep[i]);
	redactor_free(r);
}

static void test_redactor__twice_changes_nothing(void **state)
{
	struct redactor *r = fixed_key();
	char once[4096];

	(void)state;
	apply(r, "from 10.0.0.1:80 host db.prod.example.com path /srv/app/x.log token=abc user=bob");
	snprintf(once, sizeof(once), "%s", out);
	apply(r, once);
	assert_string_equal(out, once);
	redactor_path(r, "/srv/app/x.log", 14, out, sizeof(out));
	snprintf(once, sizeof(once), "%s", out);
	redactor_path(r, once, strlen(once), out, sizeof(out));
	assert_string_equal(out, once);
	redactor_free(r);
}

static void test_redactor__pseudonyms_64_bit_and_stable(void **state)
{
	struct redactor *r = fixed_key(), *other;
	char a[64], b[64];
	int i;

	(void)state;
	redactor_pseudonym(r, REDACT_IP, "10.0.0.1", 8, a, sizeof(a));
	assert_int_equal(strncmp(a, "ip-", 3), 0);
	assert_int_equal(strlen(a), 3 + 16);
	assert_true(redactor_is_pseudonym(a, strlen(a)));
	/* Stable across many other mappings (and the index growing). */
	for (i = 0; i < 5000; i++) {
		char v[32];

		snprintf(v, sizeof(v), "10.%d.%d.1", i / 256, i % 256);
		redactor_pseudonym(r, REDACT_IP, v, strlen(v), b, sizeof(b));
	}
	redactor_pseudonym(r, REDACT_IP, "10.0.0.1", 8, b, sizeof(b));
	assert_string_equal(a, b);
	assert_string_equal(redactor_original(r, a), "10.0.0.1");
	/* Text and column forms agree. */
	apply(r, "from 10.0.0.1:80");
	assert_non_null(strstr(out, a));
	redactor_addr(r, "10.0.0.1", b, sizeof(b));
	assert_string_equal(a, b);
	/* Another key gives other pseudonyms: bundles do not join. */
	other = redactor_new();
	assert_non_null(other);
	redactor_pseudonym(other, REDACT_IP, "10.0.0.1", 8, b, sizeof(b));
	assert_string_not_equal(a, b);
	redactor_free(other);
	redactor_free(r);
}

/* With 2 hex digits (256 pseudonyms) collisions are certain among 200
 * values: every value still gets its own, and keeps it. */
static void test_redactor__collisions_never_share(void **state)
{
	struct redactor *r = fixed_key();
	static char seen[200][64];
	char v[32], p[64];
	int i, j;

	(void)state;
	redactor_set_width(r, 2);
	for (i = 0; i < 200; i++) {
		snprintf(v, sizeof(v), "host%d", i);
		redactor_pseudonym(r, REDACT_HOST, v, strlen(v), seen[i], sizeof(seen[i]));
	}
	for (i = 0; i < 200; i++)
		for (j = i + 1; j < 200; j++)
			assert_string_not_equal(seen[i], seen[j]);
	for (i = 0; i < 200; i++) {
		snprintf(v, sizeof(v), "host%d", i);
		assert_string_equal(redactor_pseudonym(r, REDACT_HOST, v, strlen(v), p, sizeof(p)), seen[i]);
		assert_string_equal(redactor_original(r, seen[i]), v);
	}
	assert_int_equal(redactor_count(r), 200);
	redactor_free(r);
}

/* Past the values kept in memory, pseudonyms stay 64-bit HMACs: stable,
 * distinct, never a shared "overflow" name. */
static void test_redactor__past_the_bound(void **state)
{
	struct redactor *r = fixed_key();
	char v[32], a[64], b[64], c[64];
	int i;

	(void)state;
	for (i = 0; i < 270000; i++) {
		snprintf(v, sizeof(v), "tok%d", i);
		redactor_pseudonym(r, REDACT_TOKEN, v, strlen(v), a, sizeof(a));
	}
	assert_true(redactor_count(r) < 270000);
	redactor_pseudonym(r, REDACT_TOKEN, "tok269999", 9, b, sizeof(b));
	assert_string_equal(a, b);
	assert_true(redactor_is_pseudonym(b, strlen(b)));
	redactor_pseudonym(r, REDACT_TOKEN, "tok269998", 9, c, sizeof(c));
	assert_string_not_equal(b, c);
	redactor_free(r);
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* IPv4 packet pseudonyms have 28 bits: 30,000 addresses collide by the
 * birthday bound, and must still map one to one. */
static void test_redactor__packet_addresses_one_to_one(void **state)
{
	struct redactor *r = fixed_key();
	enum { N = 30000 };
	uint32_t *got = malloc(N * sizeof(*got));
	uint8_t a[4], lo[4] = { 127, 0, 0, 1 };
	int i;

	(void)state;
	assert_non_null(got);
	for (i = 0; i < N; i++) {
		a[0] = 10; a[1] = (uint8_t)(i >> 16); a[2] = (uint8_t)(i >> 8); a[3] = (uint8_t)i;
		assert_int_equal(redactor_addr_bytes(r, a, 4), 1);
		assert_int_equal(a[0] & 0xf0, 240);
		got[i] = (uint32_t)a[0] << 24 | (uint32_t)a[1] << 16 | (uint32_t)a[2] << 8 | a[3];
	}
	qsort(got, N, sizeof(*got), cmp_u32);
	for (i = 1; i < N; i++)
		if (got[i - 1] == got[i])
			fail_msg("two addresses share %08x", got[i]);
	/* a pseudonym stays as it is: redacting twice changes nothing */
	a[0] = 241; a[1] = 2; a[2] = 3; a[3] = 4;
	assert_int_equal(redactor_addr_bytes(r, a, 4), 0);
	assert_int_equal(a[0], 241);
	assert_int_equal(redactor_addr_bytes(r, lo, 4), 0);
	assert_int_equal(lo[0], 127);
	free(got);
	redactor_free(r);
}

static char *temp_path(char *buf, size_t len)
{
	int fd;

	snprintf(buf, len, "/tmp/casefile-test-redact-XXXXXX");
	fd = mkstemp(buf);
	assert_true(fd >= 0);
	close(fd);
	unlink(buf);
	return buf;
}

static void test_redactor__map_file(void **state)
{
	char map[64], line[512];
	struct redactor *r;
	struct stat st;
	FILE *f;
	int found = 0, keyline = 0, n = 0;

	(void)state;
	temp_path(map, sizeof(map));
	r = fixed_key();
	apply(r, "a 10.9.8.7 b 10.9.8.7");          /* before the map: written when it opens */
	assert_int_equal(redactor_open_map(r, map), 0);
	apply(r, "c bob@example.com again 10.9.8.7 and tab\there.example.com");
	assert_int_equal(redactor_count(r), 3);
	redactor_free(r);
	assert_int_equal(stat(map, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	f = fopen(map, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		if (line[0] == '#') {
			keyline += !!strstr(line, "# key ");
			continue;
		}
		n++;
		if (!strncmp(line, "ip\tip-", 6) && strstr(line, "\t10.9.8.7\n"))
			found++;
	}
	fclose(f);
	unlink(map);
	assert_int_equal(keyline, 1);
	assert_int_equal(n, 3);       /* each mapping once */
	assert_int_equal(found, 1);
}

/* A map someone prepared (a file, a symlink) is refused and left alone. */
static void test_redactor__map_never_reused(void **state)
{
	char map[64], link[80], buf[64];
	struct redactor *r = fixed_key();
	FILE *f;

	(void)state;
	temp_path(map, sizeof(map));
	f = fopen(map, "w");
	assert_non_null(f);
	fputs("planted\n", f);
	fclose(f);
	assert_int_equal(redactor_open_map(r, map), -1);
	f = fopen(map, "r");
	assert_non_null(fgets(buf, sizeof(buf), f));
	fclose(f);
	assert_string_equal(buf, "planted\n");
	snprintf(link, sizeof(link), "%s.link", map);
	assert_int_equal(symlink(map, link), 0);
	assert_int_equal(redactor_open_map(r, link), -1);
	assert_null(redactor_map_path(r));
	unlink(link);
	unlink(map);
	redactor_free(r);
}

static void test_redactor__bounded_and_literal(void **state)
{
	struct redactor *r = fixed_key();
	char small[16];
	size_t n = 1 << 20, i;
	char *big = malloc(n);

	(void)state;
	assert_int_equal(redactor_add_literal(r, REDACT_HOST, "web-7f9c"), 0);
	apply(r, "on web-7f9c now, in casefile-web-7f9c-app.db");
	assert_non_null(strstr(out, "on host-"));
	assert_null(strstr(out, "web-7f9c"));
	assert_true(redactor_apply(r, "10.1.1.1 10.2.2.2 10.3.3.3", 26, small, sizeof(small)) <= 15);
	for (i = 0; i < n; i++)
		big[i] = (char)(i * 7 + 3);
	redactor_apply(r, big, n, out, sizeof(out));
	assert_true(strlen(out) < sizeof(out));
	free(big);
	redactor_free(r);
}

static void test_redactor__cmdline_and_paths(void **state)
{
	struct redactor *r = fixed_key();

	(void)state;
	redactor_cmdline(r, "casefile-capture --duration 10s --max-size=100M -o b.db", 55, out, sizeof(out));
	assert_non_null(strstr(out, "casefile-capture --duration 10s --max-size=100M -o token-"));
	redactor_cmdline(r, "nc 10.1.2.3 80", 14, out, sizeof(out));
	assert_int_equal(strncmp(out, "nc ip-", 6), 0);
	assert_non_null(strstr(out, " 80"));
	redactor_cmdline(r, "python3 /srv/acme/app.py --port 8080 --db=orders prodbox -v", 59, out, sizeof(out));
	assert_gone(out, "acme");
	assert_gone(out, "orders");
	assert_gone(out, "prodbox");
	assert_non_null(strstr(out, "python3 /srv/path-"));
	assert_non_null(strstr(out, " --port 8080 --db=token-"));
	assert_non_null(strstr(out, " -v"));
	redactor_path(r, "/usr/bin/python3.11", 19, out, sizeof(out));
	assert_string_equal(out, "/usr/bin/python3.11");
	redactor_path(r, "/kubepods/burstable/pod1234/abcdef", 34, out, sizeof(out));
	assert_int_equal(strncmp(out, "/kubepods/burstable/path-", 25), 0);
	assert_gone(out, "pod1234");
	assert_gone(out, "abcdef");
	redactor_free(r);
}

/* One's-complement sum over b[0..n) plus an initial value. */
static uint32_t sum16(const uint8_t *b, size_t n, uint32_t s)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(b[i] << 8 | b[i + 1]);
	if (n & 1)
		s += (uint32_t)b[n - 1] << 8;
	return s;
}

static uint16_t fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

/* Whether the IPv4 header and the TCP checksum (pseudo-header) of a raw
 * IPv4 packet of LEN bytes verify. */
static int v4_tcp_ok(const uint8_t *p, size_t len)
{
	size_t ihl = (size_t)(p[0] & 15) * 4;
	uint32_t s;

	if (fold(sum16(p, ihl, 0)) != 0xffff)
		return 0;
	s = sum16(p + 12, 8, 0) + 6 + (uint32_t)(len - ihl);
	return fold(sum16(p + ihl, len - ihl, s)) == 0xffff;
}

static void set_csum(uint8_t *at, uint16_t v)
{
	at[0] = (uint8_t)(v >> 8);
	at[1] = (uint8_t)v;
}

/* IPv4 with a 4-byte option, TCP with 12 bytes of options, 10 bytes of
 * payload; checksums valid. Returns its length. */
static size_t v4_tcp_packet(uint8_t *p)
{
	static const uint8_t hdr[] = {
		0x46, 0, 0, 0, 0x12, 0x34, 0x40, 0, 64, 6, 0, 0, 10, 1, 2, 3, 10, 4, 5, 6,
		1, 1, 1, 0,                                                   /* options: NOP NOP NOP EOL */
		0x30, 0x39, 0x1f, 0x90, 0, 0, 0, 1, 0, 0, 0, 0, 0x80, 0x18, 0xff, 0xff, 0, 0, 0, 0,
		1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2,                          /* NOP NOP TS */
	};
	size_t len = sizeof(hdr) + 10;
	uint32_t s;

	memcpy(p, hdr, sizeof(hdr));
	memcpy(p + sizeof(hdr), "password=x", 10);
	p[2] = (uint8_t)(len >> 8);
	p[3] = (uint8_t)len;
	set_csum(p + 10, (uint16_t)~fold(sum16(p, 24, 0)));
	s = sum16(p + 12, 8, 0) + 6 + (uint32_t)(len - 24);
	set_csum(p + 24 + 16, (uint16_t)~fold(sum16(p + 24, len - 24, s)));
	return len;
}

static void test_redactor__frame_v4(void **state)
{
	struct redactor *r = fixed_key();
	uint8_t p[128];
	size_t len = v4_tcp_packet(p);
	uint32_t hl;

	(void)state;
	assert_true(v4_tcp_ok(p, len));
	hl = redactor_frame(r, PKT_LINK_RAW, p, (uint32_t)len, (uint32_t)len);
	assert_int_equal(hl, 24 + 32);            /* IP with options + TCP with options */
	assert_int_equal(p[12] & 0xf0, 240);
	assert_int_equal(p[16] & 0xf0, 240);
	assert_true(v4_tcp_ok(p, len));           /* both checksums still verify */
	redactor_free(r);
}

static void test_redactor__frame_v6_and_cut(void **state)
{
	struct redactor *r = fixed_key();
	uint8_t p[20 + 40 + 8 + 8 + 4], lo[16] = { [15] = 1 };
	static const uint8_t src[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 7 };
	uint32_t hl;

	(void)state;
	memset(p, 0, sizeof(p));
	p[0] = 0x86; p[1] = 0xdd;                     /* SLL2: protocol IPv6 */
	p[20] = 0x60;
	p[20 + 5] = 8 + 8 + 4;                        /* payload length */
	p[20 + 6] = 0;                                /* hop-by-hop follows */
	p[20 + 7] = 64;
	memcpy(p + 20 + 8, src, 16);
	memcpy(p + 20 + 24, lo, 16);
	p[60] = 17;                                   /* hop-by-hop: next UDP, 8 bytes */
	p[68] = 0x30; p[70] = 0x00; p[71] = 53;       /* UDP ports */
	p[73] = 12;
	p[74] = 0x12; p[75] = 0x34;                   /* a checksum */
	memcpy(p + 76, "data", 4);
	hl = redactor_frame(r, PKT_LINK_LINUX_SLL2, p, sizeof(p), sizeof(p));
	assert_int_equal(hl, 20 + 40 + 8 + 8);
	assert_int_equal(p[28], 0x01);                /* 100::/64 */
	assert_int_equal(p[29], 0x00);
	assert_memory_equal(p + 44, lo, 16);          /* ::1 stays */
	/* Cut inside the IPv6 header: nothing of it is kept. */
	memcpy(p + 20 + 8, src, 16);
	assert_int_equal(redactor_frame(r, PKT_LINK_LINUX_SLL2, p, 20 + 30, sizeof(p)), 20);
	redactor_free(r);
}

static int count_rec(void *arg, int64_t ts, uint32_t caplen, uint32_t wirelen, const uint8_t *b)
{
	uint32_t *lens = arg;

	(void)ts;
	(void)b;
	lens[lens[0] + 1] = caplen;
	lens[lens[0] + 2] = wirelen;
	lens[0] += 2;
	return 0;
}

static void test_redactor__chunk(void **state)
{
	struct redactor *r = fixed_key();
	struct pktcodec_enc *e = malloc(sizeof(*e));
	uint8_t p[128], buf[1024], *red = NULL;
	size_t len = v4_tcp_packet(p), n = 0, rlen = 0;
	uint32_t rec, lens[16] = { 0 };

	(void)state;
	pktcodec_enc_reset(e);
	n += pktcodec_encode(e, buf + n, 1000, (uint32_t)len, (uint32_t)len, p, UINT32_MAX, &rec);
	n += pktcodec_encode(e, buf + n, 2000, (uint32_t)len, (uint32_t)len, p, rec, &rec);
	assert_int_equal(redact_chunk(r, PKT_LINK_RAW, PKTCODEC_DELTA, buf, n, &red, &rlen), 2);
	assert_int_equal(pktcodec_decode(red, rlen, count_rec, lens), 2);
	assert_int_equal(lens[1], 56);                /* headers only */
	assert_int_equal(lens[2], len);               /* the wire length stays */
	assert_null(memmem(red, rlen, "password", 8));
	free(red);
	free(e);
	redactor_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_redactor__replaces_what_it_should),
		cmocka_unit_test(test_redactor__keeps_ordinary_text),
		cmocka_unit_test(test_redactor__twice_changes_nothing),
		cmocka_unit_test(test_redactor__pseudonyms_64_bit_and_stable),
		cmocka_unit_test(test_redactor__collisions_never_share),
		cmocka_unit_test(test_redactor__packet_addresses_one_to_one),
		cmocka_unit_test(test_redactor__past_the_bound),
		cmocka_unit_test(test_redactor__map_file),
		cmocka_unit_test(test_redactor__map_never_reused),
		cmocka_unit_test(test_redactor__bounded_and_literal),
		cmocka_unit_test(test_redactor__cmdline_and_paths),
		cmocka_unit_test(test_redactor__frame_v4),
		cmocka_unit_test(test_redactor__frame_v6_and_cut),
		cmocka_unit_test(test_redactor__chunk),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
