/* casefile-analyze subcommands. Each lives in its own file and is listed in
 * the table in analyze/main.c. A command gets argv with argv[0] = its name and
 * returns an exit code from exitcodes.h. */
#ifndef CASEFILE_COMMANDS_H
#define CASEFILE_COMMANDS_H

struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;    /* one line for the main --help */
};

int cmd_summary(int argc, char **argv);      /* analyze/summary.c */
int cmd_analyze(int argc, char **argv);      /* analyze/analyze.c */
int cmd_compare(int argc, char **argv);      /* analyze/analyze.c */
int cmd_rules(int argc, char **argv);        /* analyze/analyze.c */
int cmd_export_pcap(int argc, char **argv);  /* analyze/export_pcap.c */
int cmd_extract(int argc, char **argv);      /* analyze/extract.c */
int cmd_redact(int argc, char **argv);       /* analyze/redact.c */
int cmd_export_folded(int argc, char **argv); /* analyze/export_folded.c */

#endif
