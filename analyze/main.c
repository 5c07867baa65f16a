/* casefile-analyze: offline analysis of capture bundles. */
#include "commands.h"
#include "error.h"
#include "exitcodes.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const struct command commands[] = {
	{ "summary", cmd_summary, "manifest, sources, targets, and one line per series" },
	{ "analyze", cmd_analyze, "run the rule packs; findings worst first (the default: casefile-analyze BUNDLE)" },
	{ "compare", cmd_compare, "BEFORE AFTER: what got better or worse, findings resolved/new/unchanged" },
	{ "rules", cmd_rules, "list, check or describe rule packs and detectors" },
	{ "export-pcap", cmd_export_pcap, "write the packets of a bundle as a .pcap for tcpdump and Wireshark" },
	{ "export-folded", cmd_export_folded, "write the CPU profile as folded stacks for flamegraph.pl and speedscope" },
	{ "extract", cmd_extract, "list the files attached to a bundle, or write one back" },
	{ "redact", cmd_redact, "a shareable copy of a bundle with pseudonyms for addresses, hosts, users, paths" },
	{ NULL, NULL, NULL },
};

static void usage(FILE *f)
{
	const struct command *c;

	fprintf(f,
		"usage: casefile-analyze COMMAND [OPTIONS] BUNDLE...\n"
		"\n"
		"Reads bundles written by casefile-capture (read-only; a bundle is never changed).\n"
		"\n"
		"Commands:\n");
	for (c = commands; c->name; c++)
		fprintf(f, "  %-12s %s\n", c->name, c->summary);
	fprintf(f,
		"\n"
		"Run 'casefile-analyze COMMAND --help' for a command's options.\n"
		"\n"
		"Examples:\n"
		"  casefile-analyze summary incident.db\n"
		"  sqlite3 incident.db 'SELECT * FROM process_cpu LIMIT 10'\n"
		"\n"
		"Exit codes: 0 ok, 1 findings at or above --fail-on, 2 usage, 3 not a bundle or\n"
		"damaged, 4 bundle from a newer casefile, 6 cannot write output, 7 bad rule pack.\n");
}

/* Whatever a command printed must have reached standard output: a full
 * disk or a closed pipe is an error, whatever the command's own result. */
static int finish(int rc)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		error_errno("cannot write to standard output");
		if (rc == CF_EXIT_OK || rc == CF_EXIT_FINDINGS)
			rc = CF_EXIT_IO;
	}
	return rc;
}

int main(int argc, char **argv)
{
	const struct command *c;

	error_set_prog("casefile-analyze");
	if (argc < 2) {
		usage(stderr);
		return CF_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return CF_EXIT_OK;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("casefile-analyze %s (bundle schema %d)\n", CASEFILE_VERSION, 1);
		return CF_EXIT_OK;
	}
	for (c = commands; c->name; c++)
		if (!strcmp(argv[1], c->name))
			return finish(c->run(argc - 1, argv + 1));
	/* No command word: "casefile-analyze BUNDLE [OPTIONS]" analyzes. */
	if (argv[1][0] == '-' || access(argv[1], F_OK) == 0 || strchr(argv[1], '/') || strchr(argv[1], '.'))
		return finish(cmd_analyze(argc, argv));
	error("unknown command '%s' (see 'casefile-analyze --help')", argv[1]);
	return CF_EXIT_USAGE;
}
