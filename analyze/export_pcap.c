/* casefile-analyze export-pcap: the packets of a bundle as a standard .pcap
 * file for tcpdump, tshark and Wireshark, optionally through a BPF filter.
 *
 * The bundle keeps packets as chunks of pcap records (schema/bundle.sql,
 * packet_chunks), so export is a pcap global header followed by the records,
 * each checked before it is written: a bundle may come from anywhere. */
#include "bundle.h"
#include "commands.h"
#include "error.h"
#include "exitcodes.h"
#include "outfile.h"
#include "parse.h"
#include "pktcodec.h"

#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define REC_HDR 16
#define MAX_SNAPLEN 262144
/* The default --max-size. Packets are stored delta-encoded, so a small bundle
 * can expand a thousandfold: a cap keeps a hostile one from filling a disk. */
#define DEFAULT_MAX_SIZE (1024ULL * 1024 * 1024)
#define PCAP_FILE_HDR 24

static void usage(FILE *f)
{
	fprintf(f,
		"usage: casefile-analyze export-pcap BUNDLE OUT.pcap [--filter EXPR] [--max-size SIZE] [--force]\n"
		"       casefile-analyze export-pcap BUNDLE -o OUT.pcap [--filter EXPR] [--max-size SIZE] [--force]\n"
		"\n"
		"Writes the packets stored in BUNDLE as a pcap file (OUT.pcap or OUT.cap, or -\n"
		"for stdout) that tcpdump, tshark and Wireshark read. --filter keeps only the\n"
		"packets that match a BPF expression (tcpdump syntax). The file is written to a\n"
		"temp file and renamed; an existing OUT is replaced only with --force.\n"
		"--max-size (default 1G) bounds the output: an export that would pass it stops,\n"
		"leaves no file (stdout: ends at a whole packet) and exits 6.\n"
		"\n"
		"Examples:\n"
		"  casefile-analyze export-pcap incident.db incident.pcap\n"
		"  casefile-analyze export-pcap incident.db - --filter 'tcp port 9243' | tshark -r -\n");
}

struct out {
	pcap_dumper_t *dump;
	struct bpf_program *prog;        /* NULL: every packet */
	long long written;
	uint32_t snaplen;
	uint64_t bytes, max_bytes;       /* output so far, and its cap */
	int full;                        /* the cap was reached: write nothing more */
};

static int emit(void *arg, int64_t ts_us, uint32_t caplen, uint32_t wirelen, const uint8_t *bytes)
{
	struct out *o = arg;
	struct pcap_pkthdr h;

	if (caplen > o->snaplen || ts_us < 0)
		return 0; /* not a record we can write: skip it, keep going */
	h.ts.tv_sec = (time_t)(ts_us / 1000000);
	h.ts.tv_usec = (suseconds_t)(ts_us % 1000000);
	h.caplen = caplen;
	h.len = wirelen < caplen ? caplen : wirelen;
	if (o->full)
		return 1;
	if (!o->prog || pcap_offline_filter(o->prog, &h, bytes)) {
		if (o->bytes + REC_HDR + caplen > o->max_bytes) {
			o->full = 1;
			return 1;
		}
		o->bytes += REC_HDR + caplen;
		pcap_dump((u_char *)o->dump, &h, bytes);
		o->written++;
	}
	return 0;
}

static uint32_t get32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

int cmd_export_pcap(int argc, char **argv)
{
	const char *bundle = NULL, *out = NULL, *filter = NULL;
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	pcap_t *dead = NULL;
	pcap_dumper_t *dump = NULL;
	struct bpf_program prog;
	struct outfile of = OUTFILE_INIT;
	int have_prog = 0, rc = CF_EXIT_INTERNAL, status, force = 0;
	long long linktype, snaplen, nlinks, skipped_damaged = 0;
	uint64_t max_size = DEFAULT_MAX_SIZE;
	struct out o = { NULL, NULL, 0, 0, 0, 0, 0 };
	const char *ext;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout);
			return CF_EXIT_OK;
		} else if (!strcmp(argv[i], "--filter") || !strcmp(argv[i], "-f")) {
			if (++i >= argc) {
				error("option '--filter' needs a BPF expression");
				return CF_EXIT_USAGE;
			}
			filter = argv[i];
		} else if (!strncmp(argv[i], "--filter=", 9)) {
			filter = argv[i] + 9;
		} else if (!strcmp(argv[i], "--force")) {
			force = 1;
		} else if (!strcmp(argv[i], "--max-size") || !strncmp(argv[i], "--max-size=", 11)) {
			const char *v = argv[i][10] == '=' ? argv[i] + 11 : (i + 1 < argc ? argv[++i] : NULL);

			if (!v || parse_size(v, &max_size) < 0 || max_size < PCAP_FILE_HDR + REC_HDR) {
				error("--max-size: expected a size such as 100M or 2G, got '%s'", v ? v : "");
				return CF_EXIT_USAGE;
			}
		} else if (!strcmp(argv[i], "-o") || !strcmp(argv[i], "--output")) {
			/* -o as in the other commands; the same as the positional OUT. */
			if (++i >= argc) {
				error("option '%s' needs a file name (or - for stdout)", argv[i - 1]);
				return CF_EXIT_USAGE;
			}
			if (out) {
				error("the output is given twice ('%s' and '%s')", out, argv[i]);
				return CF_EXIT_USAGE;
			}
			out = argv[i];
		} else if (argv[i][0] == '-' && argv[i][1]) {
			error("unknown option '%s' (see 'casefile-analyze export-pcap --help')", argv[i]);
			return CF_EXIT_USAGE;
		} else if (!bundle) {
			bundle = argv[i];
		} else if (!out) {
			out = argv[i];
		} else {
			error("too many arguments (see 'casefile-analyze export-pcap --help')");
			return CF_EXIT_USAGE;
		}
	}
	if (!bundle || !out) {
		usage(stderr);
		return CF_EXIT_USAGE;
	}
	outfile_add_input(bundle);
	if (outfile_check(out, force) < 0)
		return CF_EXIT_IO;
	ext = strrchr(out, '.');
	if (strcmp(out, "-") && (!ext || strchr(ext, '/') || (strcmp(ext, ".pcap") && strcmp(ext, ".cap")))) {
		error("'%s': the output of export-pcap must end in .pcap or .cap (or be - for stdout)", out);
		return CF_EXIT_USAGE;
	}
	status = bundle_open_readonly(bundle, &db, NULL);
	if (status < 0)
		return bundle_status_exit_code(status);
	if (!bundle_has_table(db, "packet_chunks")) {
		error("'%s' holds no packets: it was written without the packets source", bundle);
		rc = CF_EXIT_BAD_BUNDLE;
		goto cleanup;
	}
	nlinks = bundle_query_int(db, "SELECT COUNT(DISTINCT linktype) FROM packet_chunks", 0);
	/* The most used link type; a pcap file holds one. */
	linktype = bundle_query_int(db, "SELECT linktype FROM packet_chunks GROUP BY linktype "
				    "ORDER BY SUM(packets) DESC LIMIT 1", 1);
	snaplen = bundle_query_int(db, "SELECT MAX(snaplen) FROM packet_chunks", 262144);
	if (nlinks > 1)
		warning("'%s' holds packets of %lld link types; exporting link type %lld only",
			bundle, nlinks, linktype);
	if (linktype < 0 || linktype > 0xffff)
		linktype = 1;
	if (snaplen <= 0 || snaplen > MAX_SNAPLEN)
		snaplen = MAX_SNAPLEN;

	dead = pcap_open_dead((int)linktype, (int)snaplen);
	if (!dead) {
		error("cannot prepare a pcap handle for link type %lld", linktype);
		goto cleanup;
	}
	if (filter) {
		if (pcap_compile(dead, &prog, filter, 1, PCAP_NETMASK_UNKNOWN) < 0) {
			error("bad filter '%s': %s", filter, pcap_geterr(dead));
			rc = CF_EXIT_USAGE;
			goto cleanup;
		}
		have_prog = 1;
	}
	if (outfile_open(&of, out, force, 0600) < 0) {
		rc = CF_EXIT_IO;
		goto cleanup;
	}
	/* The dumper writes to our temp file (stdout for -); outfile_commit
	 * closes it, so pcap_dump_close() is never called on it. */
	dump = pcap_dump_fopen(dead, of.f);
	if (!dump) {
		error("cannot write '%s': %s", out, pcap_geterr(dead));
		rc = CF_EXIT_IO;
		goto cleanup;
	}
	o.bytes = PCAP_FILE_HDR;
	o.max_bytes = max_size;
	o.dump = dump;
	o.prog = have_prog ? &prog : NULL;
	o.snaplen = (uint32_t)snaplen;
	if (sqlite3_prepare_v2(db, "SELECT id, records, encoding FROM packet_chunks WHERE linktype = ? ORDER BY id",
			       -1, &st, NULL) != SQLITE_OK) {
		error("cannot read packets from '%s': %s", bundle, sqlite3_errmsg(db));
		rc = CF_EXIT_BAD_BUNDLE;
		goto cleanup;
	}
	sqlite3_bind_int64(st, 1, linktype);
	while (!o.full && (status = sqlite3_step(st)) == SQLITE_ROW) {
		const unsigned char *b = sqlite3_column_blob(st, 1);
		size_t len = (size_t)sqlite3_column_bytes(st, 1), off = 0;

		if (sqlite3_column_int(st, 2) == PKTCODEC_DELTA) {
			if (b && pktcodec_decode(b, len, emit, &o) < 0)
				skipped_damaged++;
			continue;
		}
		if (sqlite3_column_int(st, 2) != PKTCODEC_RAW) {
			skipped_damaged++;
			continue;
		}
		while (b && len - off >= REC_HDR) {
			uint32_t sec = get32(b + off), usec = get32(b + off + 4), cl = get32(b + off + 8);

			if (usec >= 1000000 || cl > len - off - REC_HDR) {
				off = len + 1;
				break;
			}
			emit(&o, (int64_t)sec * 1000000 + usec, cl, get32(b + off + 12), b + off + REC_HDR);
			off += REC_HDR + cl;
		}
		if (b && off != len)
			skipped_damaged++;
	}
	if (o.full) {
		char sz[32];

		error("'%s' stopped at --max-size %s after %lld packets; nothing written%s (raise --max-size or narrow with --filter)",
		      out, format_size(max_size, sz, sizeof(sz)), o.written,
		      outfile_is_stdout(out) ? " past the last whole packet" : "");
		rc = CF_EXIT_IO;
		goto cleanup;
	}
	if (status != SQLITE_DONE) {
		error("cannot read packets from '%s': %s", bundle, sqlite3_errmsg(db));
		rc = CF_EXIT_BAD_BUNDLE;
		goto cleanup;
	}
	if (pcap_dump_flush(dump) || ferror(of.f) || outfile_commit(&of) < 0) {
		if (of.f)
			error_errno("cannot write '%s'", out);
		rc = CF_EXIT_IO;
		goto cleanup;
	}
	if (skipped_damaged)
		warning("'%s': %lld damaged packet chunks were cut short", bundle, skipped_damaged);
	if (strcmp(out, "-"))
		printf("%lld packets written to %s (link type %lld)\n", o.written, out, linktype);
	rc = CF_EXIT_OK;
cleanup:
	if (st)
		sqlite3_finalize(st);
	outfile_abort(&of);
	if (have_prog)
		pcap_freecode(&prog);
	if (dead)
		pcap_close(dead);
	if (db)
		sqlite3_close(db);
	return rc;
}
