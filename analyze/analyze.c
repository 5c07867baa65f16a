/* casefile-analyze BUNDLE (the default command), "rules" and "compare":
 * option parsing and exit codes around analysis_run / comparison_run. */
#include "commands.h"
#include "compare.h"
#include "findings.h"
#include "report.h"
#include "rulepack.h"

#include "bundle.h"
#include "error.h"
#include "exitcodes.h"
#include "outfile.h"
#include "parse.h"
#include "term.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_PACKS 32
#define MAX_OUTPUTS 8

struct analyze_opts {
	const char *rules[MAX_PACKS];
	int nrules;
	int no_builtin;
	int fail_on;                  /* severity, or -1 */
	const char *format;           /* NULL: by -o extension, else text */
	const char *outputs[MAX_OUTPUTS]; /* none: stdout */
	int noutputs;
	int force;                    /* replace existing outputs */
};

enum { OPT_RULES = 256, OPT_FAIL_ON, OPT_FORMAT, OPT_NO_BUILTIN, OPT_FORCE, OPT_RULE_TIMEOUT };

static const struct option long_opts[] = {
	{ "rules", required_argument, NULL, OPT_RULES },
	{ "fail-on", required_argument, NULL, OPT_FAIL_ON },
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ "no-builtin", no_argument, NULL, OPT_NO_BUILTIN },
	{ "force", no_argument, NULL, OPT_FORCE },
	{ "rule-timeout", required_argument, NULL, OPT_RULE_TIMEOUT },
	{ "output", required_argument, NULL, 'o' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static void analyze_usage(FILE *f)
{
	char names[256], exts[256];

	report_format_list(names, sizeof(names), 0);
	report_format_list(exts, sizeof(exts), 1);
	fprintf(f,
		"usage: casefile-analyze [analyze] BUNDLE [OPTIONS]\n"
		"       casefile-analyze compare BEFORE AFTER [OPTIONS]\n"
		"\n"
		"Runs the rule packs over a bundle and reports findings, worst first, with their\n"
		"evidence, next step and SQL; data-quality notes (skipped sources, drops, rules\n"
		"not evaluated) are listed apart and next to the findings they weaken.\n"
		"\n"
		"Options:\n"
		"  --rules FILE        add a rule pack (repeatable); a rule with a built-in id replaces it\n"
		"  --no-builtin        do not run the built-in pack\n"
		"  --fail-on SEVERITY  exit 1 when a finding is at or above SEVERITY\n"
		"                      (info, low, medium, high, critical); for compare: a new finding\n"
		"  --format FORMAT     %s (default: text)\n"
		"  -o, --output FILE   write the report to FILE, repeatable: one run writes several\n"
		"                      formats, each from its extension (%s);\n"
		"                      with a single -o, --format wins over the extension; another\n"
		"                      extension is an error. Written to a temp file, then renamed;\n"
		"                      never over an input\n"
		"  --force             replace an existing output file\n"
		"  --rule-timeout TIME stop a rule whose queries run longer (default 30s; 0: none);\n"
		"                      a note says which, the other rules still run\n"
		"\n"
		"Examples:\n"
		"  casefile-analyze incident.db\n"
		"  casefile-analyze incident.db --format json --fail-on high > findings.json\n"
		"  casefile-analyze incident.db -o report.html -o report.md\n"
		"  casefile-analyze incident.db --rules team-rules.yaml\n"
		"  casefile-analyze compare before.db after.db\n"
		"\n"
		"Exit codes: 0 ok, 1 findings at or above --fail-on, 2 usage, 3 not a bundle,\n"
		"4 newer bundle, 6 cannot write output, 7 a rule pack has errors (other rules ran).\n",
		names, exts);
}

static int parse_opts(int argc, char **argv, struct analyze_opts *o, int *first_arg)
{
	enum severity sev;
	int c;

	memset(o, 0, sizeof(*o));
	o->fail_on = -1;
	optind = 0;
	while ((c = getopt_long(argc, argv, "+o:h", long_opts, NULL)) != -1) {
		switch (c) {
		case OPT_RULES:
			if (o->nrules == MAX_PACKS)
				return error("at most %d --rules packs", MAX_PACKS);
			o->rules[o->nrules++] = optarg;
			break;
		case OPT_FAIL_ON:
			if (severity_parse(optarg, &sev) < 0)
				return error("--fail-on: unknown severity '%s' (info, low, medium, high, critical)", optarg);
			o->fail_on = (int)sev;
			break;
		case OPT_FORMAT:
			if (!report_format_find(optarg)) {
				char names[256];

				report_format_list(names, sizeof(names), 0);
				return error("--format: unknown format '%s' (%s)", optarg, names);
			}
			o->format = optarg;
			break;
		case OPT_NO_BUILTIN:
			o->no_builtin = 1;
			break;
		case OPT_FORCE:
			o->force = 1;
			break;
		case OPT_RULE_TIMEOUT: {
			int64_t us = 0;

			if (strcmp(optarg, "0") && (parse_duration_us(optarg, &us) < 0 || us > 86400LL * 1000000))
				return error("--rule-timeout: expected a duration such as 10s or 2m (0: none), got '%s'",
					     optarg);
			analysis_set_rule_timeout(us);
			break;
		}
		case 'o':
			if (o->noutputs == MAX_OUTPUTS)
				return error("at most %d -o outputs", MAX_OUTPUTS);
			o->outputs[o->noutputs++] = optarg;
			break;
		case 'h':
			analyze_usage(stdout);
			exit(CF_EXIT_OK);
		default:
			return -1;
		}
	}
	*first_arg = optind;
	return 0;
}

/* getopt with "+" stops at the first non-option; gather the positionals and
 * re-parse what follows them, so options can come before or after. */
static int parse_all(int argc, char **argv, struct analyze_opts *o, const char **pos, int maxpos, int *npos)
{
	char **args = calloc((size_t)argc + 1, sizeof(char *));
	int i, n = 1, first = 1;

	*npos = 0;
	if (!args)
		return error("out of memory");
	args[0] = argv[0];
	for (i = 1; i < argc; i++) {
		if (argv[i][0] != '-' || !argv[i][1]) {
			if (*npos == maxpos) {
				free(args);
				return error("unexpected argument '%s'", argv[i]);
			}
			pos[(*npos)++] = argv[i];
			continue;
		}
		args[n++] = argv[i];
		if (i + 1 < argc && (!strcmp(argv[i], "--rules") || !strcmp(argv[i], "--fail-on") ||
				     !strcmp(argv[i], "--format") || !strcmp(argv[i], "-o") ||
				     !strcmp(argv[i], "--rule-timeout") ||
				     !strcmp(argv[i], "--output")))
			args[n++] = argv[++i];
	}
	i = parse_opts(n, args, o, &first);
	if (i == 0 && first < n)
		i = error("unexpected argument '%s'", args[first]);
	free(args);
	return i;
}

/* Loads the built-in pack and the user's; pack errors are printed here and
 * also become notes in the analysis. Returns the number of packs, or -1. */
static int load_packs(const struct analyze_opts *o, struct rulepack *packs, int *nerrors)
{
	int n = 0, i, j;

	*nerrors = 0;
	if (!o->no_builtin) {
		if (rulepack_load_builtin(&packs[n]) < 0)
			return error("out of memory loading the built-in rules");
		n++;
	}
	for (i = 0; i < o->nrules; i++) {
		if (rulepack_load_file(&packs[n], o->rules[i]) < 0)
			return error("out of memory loading '%s'", o->rules[i]);
		n++;
	}
	for (i = 0; i < n; i++) {
		for (j = 0; j < packs[i].nerrors; j++)
			error("%s", packs[i].errors[j]);
		*nerrors += packs[i].nerrors;
	}
	return n;
}

static void release_packs(struct rulepack *packs, int n)
{
	int i;

	for (i = 0; i < n; i++)
		rulepack_release(&packs[i]);
}

/* The format of one output: with a single -o, --format wins (then the
 * extension); with several, each file's extension (then --format); text
 * when neither tells. PATH NULL is stdout. */
static const struct report_format *output_format(const struct analyze_opts *o, const char *path)
{
	const struct report_format *fmt = NULL;

	if (o->format && o->noutputs <= 1)
		fmt = report_format_find(o->format);
	if (!fmt && path)
		fmt = report_format_for_path(path);
	if (!fmt && o->format)
		fmt = report_format_find(o->format);
	if (!fmt && path)
		return NULL; /* an extension we do not know, and no --format */
	return fmt ? fmt : report_format_find("text");
}

/* 1 when a requested format draws charts (the series are loaded only then). */
static int outputs_need_series(const struct analyze_opts *o)
{
	int i;

	for (i = 0; i < (o->noutputs ? o->noutputs : 1); i++) {
		const struct report_format *fmt = output_format(o, o->noutputs ? o->outputs[i] : NULL);

		if (fmt && fmt->needs_series)
			return 1;
	}
	return 0;
}

/* Writes each requested report (every -o, or stdout), the analysis A or,
 * when C is set, the comparison. Returns 0 or an exit code; a failed output
 * does not stop the others. */
static int write_reports(const struct analyze_opts *o, const struct analysis *a,
			 const struct comparison *c)
{
	int i, rc = 0;

	for (i = 0; i < (o->noutputs ? o->noutputs : 1); i++) {
		const char *path = o->noutputs && strcmp(o->outputs[i], "-") ? o->outputs[i] : NULL;
		const struct report_format *fmt = output_format(o, path);
		struct outfile out = OUTFILE_INIT;
		int wrc;

		if (c && fmt && !fmt->compare) {
			error("--format %s does not support compare", fmt->name);
			rc = CF_EXIT_USAGE;
			continue;
		}
		if (outfile_open(&out, path, o->force, 0666) < 0) {
			rc = CF_EXIT_IO;
			continue;
		}
		wrc = c ? fmt->compare(out.f, c) : fmt->analysis(out.f, a);
		if (wrc < 0) {
			error_errno("cannot write report '%s'", path ? path : "(stdout)");
			outfile_abort(&out);
			rc = CF_EXIT_IO;
		} else if (outfile_commit(&out) < 0) {
			rc = CF_EXIT_IO;
		}
	}
	return rc;
}

/* Every -o is checked before any work: a known format, not an input. */
static int check_outputs(const struct analyze_opts *o, const char **inputs, int ninputs)
{
	int i;

	outfile_clear_inputs();
	for (i = 0; i < ninputs; i++)
		if (outfile_add_input(inputs[i]) < 0)
			return CF_EXIT_USAGE;
	for (i = 0; i < o->nrules; i++)
		if (outfile_add_input(o->rules[i]) < 0)
			return CF_EXIT_USAGE;
	for (i = 0; i < o->noutputs; i++) {
		if (!strcmp(o->outputs[i], "-"))
			continue;
		if (outfile_check(o->outputs[i], o->force) < 0)
			return CF_EXIT_IO;
		if (!output_format(o, o->outputs[i])) {
			char exts[256];

			report_format_list(exts, sizeof(exts), 1);
			error("cannot tell the format of '%s' from its extension (%s, or --format)",
			      o->outputs[i], exts);
			return CF_EXIT_USAGE;
		}
	}
	return 0;
}

int cmd_analyze(int argc, char **argv)
{
	struct analyze_opts o;
	struct rulepack packs[MAX_PACKS + 1];
	struct analysis a;
	const char *pos[1];
	int npos, npacks, pack_errors, rc, version;
	sqlite3 *db = NULL;

	memset(packs, 0, sizeof(packs));
	if (parse_all(argc, argv, &o, pos, 1, &npos) < 0)
		return CF_EXIT_USAGE;
	if (npos != 1) {
		analyze_usage(stderr);
		return CF_EXIT_USAGE;
	}
	if ((rc = check_outputs(&o, pos, 1)) != 0)
		return rc;
	npacks = load_packs(&o, packs, &pack_errors);
	if (npacks < 0)
		return CF_EXIT_INTERNAL;
	rc = bundle_open_readonly(pos[0], &db, &version);
	if (rc != BUNDLE_OK) {
		release_packs(packs, npacks);
		return bundle_status_exit_code(rc);
	}
	if (analysis_run(&a, db, pos[0], packs, npacks) < 0) {
		error("out of memory analyzing '%s'", pos[0]);
		rc = CF_EXIT_INTERNAL;
		goto out_db;
	}
	if (outputs_need_series(&o) && analysis_load_series(&a, db) < 0) {
		error("out of memory loading the series of '%s'", pos[0]);
		rc = CF_EXIT_INTERNAL;
		goto out;
	}
	if ((rc = write_reports(&o, &a, NULL)) != 0)
		;
	else if (pack_errors)
		rc = CF_EXIT_BAD_RULES;
	else if (o.fail_on >= 0 && analysis_count_at_least(&a, (enum severity)o.fail_on) > 0)
		rc = CF_EXIT_FINDINGS;
	else
		rc = CF_EXIT_OK;
out:
	analysis_release(&a);
out_db:
	sqlite3_close(db);
	release_packs(packs, npacks);
	return rc;
}

int cmd_compare(int argc, char **argv)
{
	struct analyze_opts o;
	struct rulepack packs[MAX_PACKS + 1];
	struct comparison c;
	const char *pos[2];
	int npos, npacks, pack_errors, rc, i;
	sqlite3 *db[2] = { NULL, NULL };

	memset(packs, 0, sizeof(packs));
	if (parse_all(argc, argv, &o, pos, 2, &npos) < 0)
		return CF_EXIT_USAGE;
	if (npos != 2) {
		analyze_usage(stderr);
		return CF_EXIT_USAGE;
	}
	if ((rc = check_outputs(&o, pos, 2)) != 0)
		return rc;
	npacks = load_packs(&o, packs, &pack_errors);
	if (npacks < 0)
		return CF_EXIT_INTERNAL;
	for (i = 0; i < 2; i++) {
		rc = bundle_open_readonly(pos[i], &db[i], NULL);
		if (rc != BUNDLE_OK) {
			rc = bundle_status_exit_code(rc);
			goto out_db;
		}
	}
	if (comparison_run(&c, db[0], pos[0], db[1], pos[1], packs, npacks) < 0) {
		error("out of memory comparing bundles");
		comparison_release(&c);
		rc = CF_EXIT_INTERNAL;
		goto out_db;
	}
	if (outputs_need_series(&o) && (analysis_load_series(&c.before, db[0]) < 0 ||
					 analysis_load_series(&c.after, db[1]) < 0)) {
		error("out of memory loading the series of the bundles");
		rc = CF_EXIT_INTERNAL;
	} else if ((rc = write_reports(&o, NULL, &c)) != 0) {
		;
	} else {
		int new_bad = 0;

		for (i = 0; i < c.nmatches; i++)
			if (c.matches[i].status == MATCH_NEW && o.fail_on >= 0 &&
			    (int)c.matches[i].after->severity >= o.fail_on)
				new_bad++;
		rc = pack_errors ? CF_EXIT_BAD_RULES : new_bad ? CF_EXIT_FINDINGS : CF_EXIT_OK;
	}
	comparison_release(&c);
out_db:
	sqlite3_close(db[0]);
	sqlite3_close(db[1]);
	release_packs(packs, npacks);
	return rc;
}

/* ---- rules list / check / detectors ---- */

static void rules_usage(FILE *f)
{
	fprintf(f,
		"usage: casefile-analyze rules list [--rules FILE]... [--no-builtin]\n"
		"       casefile-analyze rules check [FILE...]     (no FILE: the built-in pack)\n"
		"       casefile-analyze rules detectors\n"
		"\n"
		"check validates a pack without a bundle: YAML, fields, severities, detectors and\n"
		"their parameters, message templates, and each query compiled against an empty\n"
		"bundle of this casefile's schema (tables, columns, read-only). Errors name\n"
		"FILE:LINE:COLUMN and the rule id; exit 7 when any.\n"
		"\n"
		"Examples:\n"
		"  casefile-analyze rules list --rules team-rules.yaml\n"
		"  casefile-analyze rules check team-rules.yaml\n");
}

static int rules_check(int argc, char **argv)
{
	int i, total = 0, nfiles = 0;

	for (i = 0; i <= argc; i++) {
		struct rulepack p;
		int rc, j;

		if (i == argc && nfiles)
			break;
		if (i < argc && argv[i][0] == '-' && argv[i][1]) {
			if (!strcmp(argv[i], "--builtin"))
				continue;
			error("rules check: unknown option '%s'", argv[i]);
			return CF_EXIT_USAGE;
		}
		memset(&p, 0, sizeof(p));
		if (i < argc) {
			nfiles++;
			rc = rulepack_load_file(&p, argv[i]);
		} else {
			rc = rulepack_load_builtin(&p);
		}
		if (rc < 0) {
			error("out of memory");
			rulepack_release(&p);
			return CF_EXIT_INTERNAL;
		}
		rulepack_check(&p);
		for (j = 0; j < p.nerrors; j++) {
			term_write(stderr, p.errors[j], 0);
			fputc('\n', stderr);
		}
		term_write(stdout, p.file, 0);
		if (p.nerrors)
			printf(": %d error%s\n", p.nerrors, p.nerrors == 1 ? "" : "s");
		else
			printf(": %d rule%s OK\n", p.nrules, p.nrules == 1 ? "" : "s");
		total += p.nerrors;
		rulepack_release(&p);
	}
	return total ? CF_EXIT_BAD_RULES : CF_EXIT_OK;
}

static int rules_list(int argc, char **argv)
{
	struct analyze_opts o;
	struct rulepack packs[MAX_PACKS + 1];
	const char *pos[1];
	int npos, npacks, errs, i, j;

	memset(packs, 0, sizeof(packs));
	if (parse_all(argc, argv, &o, pos, 0, &npos) < 0)
		return CF_EXIT_USAGE;
	npacks = load_packs(&o, packs, &errs);
	if (npacks < 0)
		return CF_EXIT_INTERNAL;
	printf("%-26s %-9s %-14s %-14s %s\n", "ID", "SEVERITY", "DETECTOR", "PACK", "TITLE");
	for (i = 0; i < npacks; i++)
		for (j = 0; j < packs[i].nrules; j++) {
			const struct rule *r = &packs[i].rules[j];

			char id[128], file[256], title[512];

			printf("%-26s %-9s %-14s %-14s %s\n", term_escape(id, sizeof(id), r->id),
			       severity_name(r->severity), r->detector->name,
			       term_escape(file, sizeof(file), r->file), term_escape(title, sizeof(title), r->title));
		}
	release_packs(packs, npacks);
	return errs ? CF_EXIT_BAD_RULES : CF_EXIT_OK;
}

static int rules_detectors(void)
{
	int i, k;

	for (i = 0; detectors[i]; i++) {
		const struct detector *d = detectors[i];

		printf("%s: %s\n  params:\n", d->name, d->summary);
		for (k = 0; k < d->nparams; k++) {
			const struct param_spec *p = &d->params[k];

			printf("    %-20s %s%s%s%s\n", p->name, p->help, p->required ? " (required)" : "",
			       p->dflt ? "; default " : "", p->dflt ? p->dflt : "");
		}
		printf("  outputs:");
		for (k = 0; d->outputs[k]; k++)
			printf(" %s", d->outputs[k]);
		printf("\n\n");
	}
	return CF_EXIT_OK;
}

int cmd_rules(int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		rules_usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? CF_EXIT_USAGE : CF_EXIT_OK;
	}
	if (!strcmp(argv[1], "check"))
		return rules_check(argc - 2, argv + 2);
	if (!strcmp(argv[1], "list"))
		return rules_list(argc - 1, argv + 1);
	if (!strcmp(argv[1], "detectors"))
		return rules_detectors();
	error("rules: unknown subcommand '%s' (list, check, detectors)", argv[1]);
	return CF_EXIT_USAGE;
}
