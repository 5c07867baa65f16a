/* Loading and checking rule packs (YAML, through libyaml's document API so
 * every node keeps its line and column for error messages).
 *
 * Why one file of ~1000 lines: the loader and the check against the schema
 * (the second half) report through the same positioned messages (perr() on
 * the loader's state: pack, rule, line and column), and each half is a long
 * list of per-key cases read top to bottom; splitting would export the
 * loader's internals to save no logic. */
#include "rulepack.h"

#include "strbuf.h"
#include "findings.h"

#include "bundle.h"
#include "error.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

#define PACK_MAX_BYTES (4u << 20)
#define PACK_MAX_RULES 1000
#define LIST_MAX_ITEMS 1000

extern const char builtin_rules_yaml[];

static const char *const severity_names[] = { "info", "low", "medium", "high", "critical" };

const char *severity_name(enum severity s)
{
	return (unsigned)s < 5 ? severity_names[s] : "?";
}

int severity_parse(const char *s, enum severity *out)
{
	int i;

	for (i = 0; i < 5; i++)
		if (!strcasecmp(s, severity_names[i])) {
			*out = (enum severity)i;
			return 0;
		}
	return -1;
}

struct loader {
	struct rulepack *p;
	yaml_document_t *doc;
	const char *rule_id;     /* for messages, NULL outside a rule */
	int errors;              /* errors in the current rule */
	int oom;
};

static void add_error(struct rulepack *p, const char *msg)
{
	char **e = realloc(p->errors, (size_t)(p->nerrors + 1) * sizeof(*e));

	if (!e)
		return;
	p->errors = e;
	if ((e[p->nerrors] = strdup(msg)))
		p->nerrors++;
}

static void perr(struct loader *L, int line, int col, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void perr(struct loader *L, int line, int col, const char *fmt, ...)
{
	char msg[1024], full[1400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (L->rule_id)
		snprintf(full, sizeof(full), "%s:%d:%d: rule '%s': %s", L->p->file, line, col, L->rule_id, msg);
	else
		snprintf(full, sizeof(full), "%s:%d:%d: %s", L->p->file, line, col, msg);
	add_error(L->p, full);
	L->errors++;
}

#define LINE(n) ((int)(n)->start_mark.line + 1)
#define COL(n) ((int)(n)->start_mark.column + 1)

static yaml_node_t *node(struct loader *L, int id)
{
	return yaml_document_get_node(L->doc, id);
}

static const char *scalar(yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

static char *dup_scalar(struct loader *L, yaml_node_t *n, const char *what)
{
	const char *s = scalar(n);
	char *d;

	if (!s) {
		perr(L, LINE(n), COL(n), "'%s' must be a string", what);
		return NULL;
	}
	if (strlen(s) != n->data.scalar.length) {
		perr(L, LINE(n), COL(n), "'%s' contains a NUL byte", what);
		return NULL;
	}
	if (!(d = strdup(s)))
		L->oom = 1;
	return d;
}

/* A list of strings: a YAML sequence of scalars, or one scalar. */
static int dup_list(struct loader *L, yaml_node_t *n, const char *what, char ***out, int *count)
{
	yaml_node_item_t *it;
	int k = 0, total;

	if (n->type == YAML_SCALAR_NODE) {
		*out = calloc(1, sizeof(char *));
		if (!*out || !((*out)[0] = dup_scalar(L, n, what)))
			return -1;
		*count = 1;
		return 0;
	}
	if (n->type != YAML_SEQUENCE_NODE) {
		perr(L, LINE(n), COL(n), "'%s' must be a list", what);
		return -1;
	}
	total = (int)(n->data.sequence.items.top - n->data.sequence.items.start);
	if (total > LIST_MAX_ITEMS) {
		perr(L, LINE(n), COL(n), "'%s' has more than %d items", what, LIST_MAX_ITEMS);
		return -1;
	}
	*out = calloc((size_t)total + 1, sizeof(char *));
	if (!*out)
		return -1;
	for (it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++) {
		yaml_node_t *item = node(L, *it);

		if (!item || !((*out)[k] = dup_scalar(L, item, what)))
			return -1;
		k++;
		*count = k;
	}
	*count = k;
	return 0;
}

static int is_identifier(const char *s)
{
	if (!*s || !(isalpha((unsigned char)*s) || *s == '_'))
		return 0;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_')
			return 0;
	return 1;
}

static int parse_number(const char *s, double *out)
{
	char *end;

	if (!s || !*s)
		return -1;
	errno = 0;
	*out = strtod(s, &end);
	return (*end || errno || !isfinite(*out)) ? -1 : 0;
}

static int parse_bool(const char *s, double *out)
{
	if (!strcasecmp(s, "true") || !strcasecmp(s, "yes") || !strcmp(s, "1"))
		*out = 1;
	else if (!strcasecmp(s, "false") || !strcasecmp(s, "no") || !strcmp(s, "0"))
		*out = 0;
	else
		return -1;
	return 0;
}

/* Fills one argument from a YAML node (or, when n is NULL, from text dflt). */
static int set_arg(struct loader *L, const struct param_spec *ps, struct arg *a, yaml_node_t *n,
		   const char *dflt)
{
	int line = n ? LINE(n) : 0, col = n ? COL(n) : 0;
	const char *s = n ? scalar(n) : dflt;

	a->line = line;
	a->col = col;
	switch (ps->type) {
	case PARAM_COLUMN:
		if (!s || !is_identifier(s)) {
			perr(L, line, col, "parameter '%s' must name a column", ps->name);
			return -1;
		}
		a->strs = calloc(1, sizeof(char *));
		if (!a->strs || !(a->strs[0] = strdup(s)))
			return L->oom = 1, -1;
		a->nstrs = 1;
		break;
	case PARAM_NUMBER:
		if (parse_number(s, &a->num) < 0) {
			perr(L, line, col, "parameter '%s' must be a number", ps->name);
			return -1;
		}
		break;
	case PARAM_BOOL:
		if (!s || parse_bool(s, &a->num) < 0) {
			perr(L, line, col, "parameter '%s' must be true or false", ps->name);
			return -1;
		}
		break;
	case PARAM_NUMBERS: {
		char **items = NULL;
		int k, cnt = 0;

		if (!n) {
			a->set = 1;
			return 0;
		}
		if (dup_list(L, n, ps->name, &items, &cnt) < 0)
			return -1;
		a->nums = calloc((size_t)cnt + 1, sizeof(double));
		for (k = 0; a->nums && k < cnt; k++)
			if (parse_number(items[k], &a->nums[k]) < 0) {
				perr(L, line, col, "parameter '%s': '%s' is not a number", ps->name, items[k]);
				break;
			}
		a->nnums = a->nums ? k : 0;
		for (k = 0; k < cnt; k++)
			free(items[k]);
		free(items);
		if (!a->nums || a->nnums != cnt)
			return -1;
		break;
	}
	case PARAM_STRINGS:
		if (!n) {
			a->set = 1;
			return 0;
		}
		if (dup_list(L, n, ps->name, &a->strs, &a->nstrs) < 0)
			return -1;
		break;
	}
	a->set = 1;
	return 0;
}

static void free_args(const struct detector *d, struct arg *args)
{
	int i, k;

	if (!args)
		return;
	for (i = 0; d && i < d->nparams; i++) {
		for (k = 0; k < args[i].nstrs; k++)
			free(args[i].strs[k]);
		free(args[i].strs);
		free(args[i].nums);
	}
	free(args);
}

static void free_list(char **l, int n)
{
	int i;

	for (i = 0; i < n; i++)
		free(l[i]);
	free(l);
}

static void rule_release(struct rule *r)
{
	free(r->id);
	free(r->title);
	free(r->description);
	free(r->query);
	free(r->message);
	free(r->next_step);
	free(r->symptom);
	free_list(r->phrase_ids, r->nphrases);
	free_list(r->phrase_texts, r->nphrases);
	free_list(r->requires, r->nrequires);
	free_list(r->sources, r->nsources);
	free_list(r->group_by, r->ngroup);
	free_args(r->detector, r->args);
	memset(r, 0, sizeof(*r));
}

static const char *const rule_keys[] = {
	"id", "title", "severity", "description", "requires", "sources", "query", "group_by",
	"max_findings", "detector", "params", "message", "next_step", "kind", "symptom", "phrases", NULL,
};

static int valid_rule_id(const char *s)
{
	if (!*s || strlen(s) > 64)
		return 0;
	for (; *s; s++)
		if (!islower((unsigned char)*s) && !isdigit((unsigned char)*s) && *s != '-' && *s != '_')
			return 0;
	return 1;
}

static void parse_params(struct loader *L, struct rule *r, yaml_node_t *params)
{
	const struct detector *d = r->detector;
	yaml_node_pair_t *pr;
	int i;

	r->args = calloc((size_t)d->nparams + 1, sizeof(struct arg));
	if (!r->args) {
		L->oom = 1;
		return;
	}
	if (params) {
		if (params->type != YAML_MAPPING_NODE) {
			perr(L, LINE(params), COL(params), "'params' must be a mapping of parameter: value");
			return;
		}
		for (pr = params->data.mapping.pairs.start; pr < params->data.mapping.pairs.top; pr++) {
			yaml_node_t *k = node(L, pr->key), *v = node(L, pr->value);
			const char *name = scalar(k);
			int idx;

			if (!k || !v)
				continue;
			if (!name) {
				perr(L, LINE(k), COL(k), "parameter names must be strings");
				continue;
			}
			idx = detector_param_index(d, name);
			if (idx < 0) {
				struct strbuf known = STRBUF_INIT;

				for (i = 0; i < d->nparams; i++)
					strbuf_addf(&known, "%s%s", i ? ", " : "", d->params[i].name);
				perr(L, LINE(k), COL(k), "unknown parameter '%s' for detector '%s' (known: %s)",
				     name, d->name, strbuf_str(&known));
				strbuf_release(&known);
				continue;
			}
			if (r->args[idx].set) {
				perr(L, LINE(k), COL(k), "parameter '%s' given twice", name);
				continue;
			}
			set_arg(L, &d->params[idx], &r->args[idx], v, NULL);
		}
	}
	for (i = 0; i < d->nparams; i++) {
		if (r->args[i].set)
			continue;
		if (d->params[i].required)
			perr(L, params ? LINE(params) : r->line, params ? COL(params) : r->col,
			     "detector '%s' needs parameter '%s' (%s)", d->name, d->params[i].name,
			     d->params[i].help);
		else if (d->params[i].dflt)
			set_arg(L, &d->params[i], &r->args[i], NULL, d->params[i].dflt);
	}
}

/* Checks placeholder names against the detector's outputs, when no column list
 * is at hand (the query is checked by rulepack_check). */
/* phrases: a mapping of identifier to template, the words of identifier
 * outputs ({@name}). */
static void parse_phrases(struct loader *L, struct rule *r, yaml_node_t *m)
{
	yaml_node_pair_t *pr;
	int n;

	r->phrases_line = LINE(m);
	if (m->type != YAML_MAPPING_NODE) {
		perr(L, LINE(m), COL(m), "phrases must be a mapping of identifier to template");
		return;
	}
	n = (int)(m->data.mapping.pairs.top - m->data.mapping.pairs.start);
	r->phrase_ids = calloc((size_t)n + 1, sizeof(char *));
	r->phrase_texts = calloc((size_t)n + 1, sizeof(char *));
	if (!r->phrase_ids || !r->phrase_texts) {
		perr(L, LINE(m), COL(m), "out of memory");
		return;
	}
	for (pr = m->data.mapping.pairs.start; pr < m->data.mapping.pairs.top; pr++) {
		yaml_node_t *k = node(L, pr->key), *v = node(L, pr->value);
		const char *id = scalar(k), *why;
		size_t at;
		int i;

		if (!id || !is_identifier(id)) {
			perr(L, LINE(k), COL(k), "a phrase id must be an identifier (letters, digits, '_')");
			continue;
		}
		for (i = 0; i < r->nphrases; i++)
			if (!strcmp(r->phrase_ids[i], id))
				break;
		if (i < r->nphrases) {
			perr(L, LINE(k), COL(k), "phrase '%s' given twice", id);
			continue;
		}
		if (!scalar(v)) {
			perr(L, LINE(v), COL(v), "phrase '%s' must be a template (text)", id);
			continue;
		}
		if ((why = template_check(scalar(v), &at))) {
			perr(L, LINE(v), COL(v), "phrase '%s': %s (at character %zu)", id, why, at + 1);
			continue;
		}
		if (!(r->phrase_ids[r->nphrases] = strdup(id)) ||
		    !(r->phrase_texts[r->nphrases] = strdup(scalar(v)))) {
			free(r->phrase_ids[r->nphrases]);
			r->phrase_ids[r->nphrases] = NULL;
			perr(L, LINE(k), COL(k), "out of memory");
			return;
		}
		r->nphrases++;
	}
}

const char *rule_phrase(const struct rule *r, const char *id)
{
	int i;

	for (i = 0; i < r->nphrases; i++)
		if (!strcmp(r->phrase_ids[i], id))
			return r->phrase_texts[i];
	return NULL;
}

static void parse_rule(struct loader *L, yaml_node_t *m, struct rule *r)
{
	yaml_node_t *field[sizeof(rule_keys) / sizeof(rule_keys[0])] = { 0 };
	yaml_node_pair_t *pr;
	yaml_node_t *n;
	const char *s;
	int i, missing = 0;

	r->line = LINE(m);
	r->col = COL(m);
	if (m->type != YAML_MAPPING_NODE) {
		perr(L, LINE(m), COL(m), "a rule must be a mapping (id: ..., title: ..., ...)");
		return;
	}
	/* The id first, so every later message can name the rule. */
	for (pr = m->data.mapping.pairs.start; pr < m->data.mapping.pairs.top; pr++) {
		const char *name = scalar(node(L, pr->key));

		if (name && !strcmp(name, "id") && !field[0])
			field[0] = node(L, pr->value);
	}
	if (!field[0]) {
		perr(L, r->line, r->col, "missing field 'id'");
		return;
	}
	if (!(r->id = dup_scalar(L, field[0], "id")))
		return;
	if (!valid_rule_id(r->id)) {
		perr(L, LINE(field[0]), COL(field[0]), "rule id '%s' must be lowercase letters, digits and '-'", r->id);
		return;
	}
	L->rule_id = r->id;
	for (pr = m->data.mapping.pairs.start; pr < m->data.mapping.pairs.top; pr++) {
		yaml_node_t *k = node(L, pr->key);
		const char *name = scalar(k);

		if (!k)
			continue;
		for (i = 0; rule_keys[i]; i++)
			if (name && !strcmp(name, rule_keys[i]))
				break;
		if (!name || !rule_keys[i]) {
			perr(L, LINE(k), COL(k), "unknown field '%s'", name ? name : "?");
			continue;
		}
		if (i == 0)
			continue;
		if (field[i]) {
			perr(L, LINE(k), COL(k), "field '%s' given twice", name);
			continue;
		}
		field[i] = node(L, pr->value);
	}
	for (i = 0; rule_keys[i]; i++) {
		static const char *const required[] = { "title", "severity", "requires", "query",
							"detector", "message", "next_step", NULL };
		int k;

		if (field[i])
			continue;
		for (k = 0; required[k]; k++)
			if (!strcmp(required[k], rule_keys[i])) {
				perr(L, r->line, r->col, "missing field '%s'", rule_keys[i]);
				missing++;
			}
	}
	if (missing)
		return;
	r->title = dup_scalar(L, field[1], "title");
	if (!(s = scalar(field[2])) || severity_parse(s, &r->severity) < 0)
		perr(L, LINE(field[2]), COL(field[2]),
		     "severity must be one of info, low, medium, high, critical");
	if (field[3])
		r->description = dup_scalar(L, field[3], "description");
	dup_list(L, field[4], "requires", &r->requires, &r->nrequires);
	for (i = 0; i < r->nrequires; i++)
		if (!is_identifier(r->requires[i]))
			perr(L, LINE(field[4]), COL(field[4]), "'requires' names tables: '%s' is not a table name",
			     r->requires[i]);
	if (field[5])
		dup_list(L, field[5], "sources", &r->sources, &r->nsources);
	n = field[6];
	if ((r->query = dup_scalar(L, n, "query"))) {
		const char *q = r->query;

		/* A block scalar's text starts on the line after its indicator. */
		r->query_line = LINE(n) + (n->data.scalar.style == YAML_LITERAL_SCALAR_STYLE ||
					   n->data.scalar.style == YAML_FOLDED_SCALAR_STYLE);
		while (isspace((unsigned char)*q))
			q++;
		if (!*q)
			perr(L, LINE(n), COL(n), "query is empty");
	}
	if (field[7]) {
		dup_list(L, field[7], "group_by", &r->group_by, &r->ngroup);
		for (i = 0; i < r->ngroup; i++)
			if (!is_identifier(r->group_by[i]))
				perr(L, LINE(field[7]), COL(field[7]), "group_by names columns: '%s' is not a column name",
				     r->group_by[i]);
	}
	if (field[8]) {
		double v;

		if (parse_number(scalar(field[8]), &v) < 0 || v < 0 || v > 10000 || v != floor(v))
			perr(L, LINE(field[8]), COL(field[8]), "max_findings must be a whole number from 0 to 10000");
		else
			r->max_findings = (int)v;
	}
	n = field[9];
	if (!(s = scalar(n))) {
		perr(L, LINE(n), COL(n), "detector must be a name");
	} else if (!(r->detector = detector_find(s))) {
		struct strbuf known = STRBUF_INIT;

		for (i = 0; detectors[i]; i++)
			strbuf_addf(&known, "%s%s", i ? ", " : "", detectors[i]->name);
		perr(L, LINE(n), COL(n), "unknown detector '%s' (known: %s)", s, strbuf_str(&known));
		strbuf_release(&known);
	} else {
		parse_params(L, r, field[10]);
	}
	n = field[11];
	if ((r->message = dup_scalar(L, n, "message"))) {
		size_t at;
		const char *why = template_check(r->message, &at);

		r->message_line = LINE(n);
		r->message_col = COL(n);
		if (why)
			perr(L, LINE(n), COL(n), "message template: %s (at character %zu)", why, at + 1);
	}
	r->next_step = dup_scalar(L, field[12], "next_step");
	if (field[13]) {
		s = scalar(field[13]);
		if (s && !strcmp(s, "observation"))
			r->observation = 1;
		else if (!s || strcmp(s, "finding"))
			perr(L, LINE(field[13]), COL(field[13]), "kind must be 'finding' or 'observation'");
	}
	if (field[14]) {
		if (!r->observation)
			perr(L, LINE(field[14]), COL(field[14]), "'symptom' belongs to rules of kind: observation");
		n = field[14];
		if ((r->symptom = dup_scalar(L, n, "symptom")))
			r->symptom_line = LINE(n) + (n->data.scalar.style == YAML_LITERAL_SCALAR_STYLE ||
						     n->data.scalar.style == YAML_FOLDED_SCALAR_STYLE);
	}
	if (field[15])
		parse_phrases(L, r, field[15]);
}

static int append_rule(struct rulepack *p, struct rule *r)
{
	struct rule *nr = realloc(p->rules, (size_t)(p->nrules + 1) * sizeof(*nr));

	if (!nr)
		return -1;
	p->rules = nr;
	p->rules[p->nrules++] = *r;
	return 0;
}

/* A rule pack nests four or five levels; libyaml's scanner costs grow with
 * the square of the nesting (200 KB of '[' took 20 s). An event pass that
 * stops at the first level past the limit bounds that before the document
 * is built. Returns 0, or -1 with an error naming FILE:LINE:COLUMN. */
static int check_depth(struct rulepack *p, const char *buf, size_t len)
{
	yaml_parser_t parser;
	yaml_event_t ev;
	int depth = 0, rc = 0, done = 0;

	if (!yaml_parser_initialize(&parser))
		return -1;
	yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
	while (!done && yaml_parser_parse(&parser, &ev)) {
		switch (ev.type) {
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT:
			if (++depth > RULEPACK_MAX_DEPTH) {
				char msg[512];

				snprintf(msg, sizeof(msg), "%s:%d:%d: YAML nested deeper than %d levels",
					 p->file, (int)ev.start_mark.line + 1, (int)ev.start_mark.column + 1,
					 RULEPACK_MAX_DEPTH);
				add_error(p, msg);
				rc = -1;
				done = 1;
			}
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			depth--;
			break;
		case YAML_STREAM_END_EVENT:
			done = 1;
			break;
		default:
			break;
		}
		yaml_event_delete(&ev);
	}
	/* A syntax error is left to the full load, which reports it. */
	yaml_parser_delete(&parser);
	return rc;
}

int rulepack_load_buffer(struct rulepack *p, const char *name, const char *buf, size_t len)
{
	yaml_parser_t parser;
	yaml_document_t doc;
	yaml_node_t *root, *rules = NULL;
	struct loader L = { p, &doc, NULL, 0, 0 };
	int before, i;

	if (!p->file && !(p->file = strdup(name)))
		return -1;
	before = p->nerrors;
	if (check_depth(p, buf, len) < 0)
		return p->nerrors - before;
	if (!yaml_parser_initialize(&parser))
		return -1;
	yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
	if (!yaml_parser_load(&parser, &doc)) {
		char msg[512];

		snprintf(msg, sizeof(msg), "%s:%d:%d: malformed YAML: %s%s%s", p->file,
			 (int)parser.problem_mark.line + 1, (int)parser.problem_mark.column + 1,
			 parser.problem ? parser.problem : "syntax error",
			 parser.context ? " " : "", parser.context ? parser.context : "");
		add_error(p, msg);
		yaml_parser_delete(&parser);
		return p->nerrors - before;
	}
	root = yaml_document_get_root_node(&doc);
	if (!root) {
		perr(&L, 1, 1, "empty rule pack (expected 'rules:' with a list of rules)");
		goto done;
	}
	if (root->type == YAML_MAPPING_NODE) {
		yaml_node_pair_t *pr;

		for (pr = root->data.mapping.pairs.start; pr < root->data.mapping.pairs.top; pr++) {
			yaml_node_t *k = node(&L, pr->key);
			const char *kn = scalar(k);

			if (kn && !strcmp(kn, "rules"))
				rules = node(&L, pr->value);
			else if (kn && (!strcmp(kn, "pack") || !strcmp(kn, "description") || !strcmp(kn, "version")))
				;
			else if (k)
				perr(&L, LINE(k), COL(k), "unknown top-level field '%s' (expected rules, pack, description, version)",
				     kn ? kn : "?");
		}
		if (!rules) {
			perr(&L, LINE(root), COL(root), "no 'rules:' list");
			goto done;
		}
	} else if (root->type == YAML_SEQUENCE_NODE) {
		rules = root;
	} else {
		perr(&L, LINE(root), COL(root), "a rule pack is a mapping with 'rules:' (a list of rules)");
		goto done;
	}
	if (rules->type != YAML_SEQUENCE_NODE) {
		perr(&L, LINE(rules), COL(rules), "'rules' must be a list of rules");
		goto done;
	}
	if (rules->data.sequence.items.top - rules->data.sequence.items.start > PACK_MAX_RULES) {
		perr(&L, LINE(rules), COL(rules), "more than %d rules in one pack", PACK_MAX_RULES);
		goto done;
	}
	for (yaml_node_item_t *it = rules->data.sequence.items.start; it < rules->data.sequence.items.top; it++) {
		yaml_node_t *m = node(&L, *it);
		struct rule r;

		if (!m)
			continue;
		memset(&r, 0, sizeof(r));
		L.errors = 0;
		L.rule_id = NULL;
		parse_rule(&L, m, &r);
		L.rule_id = NULL;
		r.file = p->file;
		for (i = 0; !L.errors && r.id && i < p->nrules; i++)
			if (!strcmp(p->rules[i].id, r.id)) {
				L.rule_id = r.id;
				perr(&L, r.line, r.col, "duplicate rule id (first at line %d)", p->rules[i].line);
				L.rule_id = NULL;
			}
		if (L.errors || L.oom || append_rule(p, &r) < 0)
			rule_release(&r);
	}
done:
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	if (L.oom)
		return -1;
	return p->nerrors - before;
}

int rulepack_load_file(struct rulepack *p, const char *path)
{
	/* O_NONBLOCK: a FIFO named as a pack must not wait for a writer. */
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	FILE *f = NULL;
	char *buf = NULL, msg[600];
	struct stat st;
	size_t n;
	int rc;

	if (!p->file && !(p->file = strdup(path)))
		return -1;
	if (fd >= 0 && (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))) {
		close(fd);
		snprintf(msg, sizeof(msg), "%s: not a regular file, not a rule pack", path);
		add_error(p, msg);
		return 1;
	}
	if (fd < 0 || !(f = fdopen(fd, "rb"))) {
		snprintf(msg, sizeof(msg), "%s: cannot open rule pack: %s", path, strerror(errno));
		add_error(p, msg);
		if (fd >= 0)
			close(fd);
		return 1;
	}
	buf = malloc(PACK_MAX_BYTES + 1);
	if (!buf) {
		fclose(f);
		return -1;
	}
	n = fread(buf, 1, PACK_MAX_BYTES + 1, f);
	if (ferror(f) || n > PACK_MAX_BYTES) {
		snprintf(msg, sizeof(msg), "%s: %s", path,
			 ferror(f) ? "cannot read rule pack" : "rule pack larger than 4 MiB");
		add_error(p, msg);
		fclose(f);
		free(buf);
		return 1;
	}
	fclose(f);
	if (memchr(buf, '\0', n)) {
		snprintf(msg, sizeof(msg), "%s: not a YAML rule pack (contains NUL bytes)", path);
		add_error(p, msg);
		free(buf);
		return 1;
	}
	rc = rulepack_load_buffer(p, path, buf, n);
	free(buf);
	return rc;
}

int rulepack_load_builtin(struct rulepack *p)
{
	return rulepack_load_buffer(p, "builtin.yaml", builtin_rules_yaml, strlen(builtin_rules_yaml));
}

/* ---- checking against the schema ---- */

struct name_check {
	struct loader *L;
	const struct rule *r;
	sqlite3_stmt *st;
	int in_phrase;
};

static int stmt_has_column(sqlite3_stmt *st, const char *name)
{
	int i;

	for (i = 0; i < sqlite3_column_count(st); i++)
		if (!strcasecmp(sqlite3_column_name(st, i), name))
			return 1;
	return 0;
}

static void check_placeholder(const char *name, const char *list, int phrase, void *ctx)
{
	struct name_check *c = ctx;
	char field[160];

	if (phrase && !c->r->nphrases) {
		perr(c->L, c->r->message_line, c->r->message_col,
		     "message placeholder '{@%s}' names a phrase, but the rule has no phrases", name);
		return;
	}
	if (list) {
		/* Inside a list segment: a field of its items, else a value. */
		snprintf(field, sizeof(field), "%s.%s", list, name);
		if (detector_has_output(c->r->detector, field))
			return;
	}
	if (detector_has_output(c->r->detector, name) || stmt_has_column(c->st, name) ||
	    !strcmp(name, "rule") || !strcmp(name, "from") || !strcmp(name, "to") ||
	    (!strcmp(name, "symptom") && c->r->observation))
		return;
	/* A phrase may be used inside any list: its names are checked loosely. */
	if (c->in_phrase && detector_has_item_field(c->r->detector, name))
		return;
	perr(c->L, c->in_phrase ? c->r->phrases_line : c->r->message_line,
	     c->in_phrase ? 1 : c->r->message_col,
	     "%s placeholder '{%s}' is neither an output of detector '%s' nor a query column",
	     c->in_phrase ? "phrase" : "message", name, c->r->detector->name);
}

/* Line in the YAML file of byte offset OFF of the query. */
static int query_offset_line(const struct rule *r, int off)
{
	int line = r->query_line, i;

	for (i = 0; i < off && r->query[i]; i++)
		if (r->query[i] == '\n')
			line++;
	return line;
}

/* Runs ST once on the empty bundle under a short deadline: a query that
 * cannot finish with no data at all never will. -1 when it was stopped. */
static int probe_stops(sqlite3_stmt *st)
{
	int rc, rows = 0;

	bundle_deadline_start(RULEPACK_PROBE_S * 1000000LL);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && ++rows < 100000)
		;
	rc = rc == SQLITE_INTERRUPT && bundle_deadline_hit() ? -1 : 0;
	bundle_deadline_start(0);
	sqlite3_reset(st);
	return rc;
}

int rulepack_check(struct rulepack *p)
{
	struct loader L = { p, NULL, NULL, 0, 0 };
	sqlite3 *db = NULL;
	char *schema = NULL, *err = NULL, errbuf[512];
	int i, k, before = p->nerrors;

	if (sqlite3_open_v2(":memory:", &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK ||
	    !(schema = bundle_schema_create_sql()) ||
	    sqlite3_exec(db, schema, NULL, NULL, &err) != SQLITE_OK) {
		perr(&L, 0, 0, "cannot build the bundle schema to check queries against: %s",
		     err ? err : "out of memory");
		goto out;
	}
	bundle_guard_reader(db);
	bundle_bound_reader(db);
	for (i = 0; i < p->nrules; i++) {
		struct rule *r = &p->rules[i];
		sqlite3_stmt *st = NULL;
		const char *tail = NULL;
		struct name_check c = { &L, r, NULL, 0 };

		L.rule_id = r->id;
		for (k = 0; k < r->nrequires; k++)
			if (!bundle_has_table(db, r->requires[k]))
				perr(&L, r->line, r->col, "requires '%s', which is not a table or view of bundle schema %d",
				     r->requires[k], bundle_schema_version);
		if (shared_prepare(db, r->query, errbuf, sizeof(errbuf)) < 0)
			perr(&L, r->query_line, 1, "%s", errbuf);
		if (sqlite3_prepare_v2(db, r->query, -1, &st, &tail) != SQLITE_OK) {
			int off = sqlite3_error_offset(db);

			/* The reader guard refuses writes, ATTACH and dangerous
			 * functions at prepare time (SQLITE_AUTH). */
			if (sqlite3_errcode(db) == SQLITE_AUTH)
				perr(&L, query_offset_line(r, off > 0 ? off : 0), 1,
				     "query must only read and return rows (SELECT or WITH ... SELECT): %s",
				     sqlite3_errmsg(db));
			else
				perr(&L, query_offset_line(r, off > 0 ? off : 0), 1, "bad SQL in query: %s",
				     sqlite3_errmsg(db));
			sqlite3_finalize(st);
			continue;
		}
		if (!st) {
			perr(&L, r->query_line, 1, "query has no statement");
			continue;
		}
		while (tail && isspace((unsigned char)*tail))
			tail++;
		if (tail && *tail && strcmp(tail, ";"))
			perr(&L, query_offset_line(r, (int)(tail - r->query)), 1,
			     "query must be one statement (text after the first ';')");
		if (!sqlite3_stmt_readonly(st) || sqlite3_column_count(st) == 0) {
			perr(&L, r->query_line, 1, "query must only read and return rows (SELECT or WITH ... SELECT)");
			sqlite3_finalize(st);
			continue;
		}
		for (k = 0; k < r->ngroup; k++)
			if (!stmt_has_column(st, r->group_by[k]))
				perr(&L, r->line, r->col, "group_by column '%s' is not a column of the query", r->group_by[k]);
		for (k = 0; k < r->detector->nparams; k++) {
			const struct arg *a = &r->args[k];

			if (r->detector->params[k].type == PARAM_COLUMN && a->set && a->nstrs &&
			    !stmt_has_column(st, a->strs[0]))
				perr(&L, a->line ? a->line : r->line, a->line ? a->col : r->col,
				     "parameter '%s': '%s' is not a column of the query%s",
				     r->detector->params[k].name, a->strs[0],
				     a->line ? "" : " (default value)");
		}
		{
			/* The SQL a finding shows (shared tables inlined) must compile too. */
			char *shown = shared_inline(r->query);
			sqlite3_stmt *st2 = NULL;

			if (shown && sqlite3_prepare_v2(db, shown, -1, &st2, NULL) != SQLITE_OK)
				perr(&L, r->query_line, 1, "the query with its shared tables inlined does not compile: %s",
				     sqlite3_errmsg(db));
			sqlite3_finalize(st2);
			free(shown);
		}
		if (probe_stops(st) < 0)
			perr(&L, r->query_line, 1,
			     "query did not finish within %d s on an empty bundle (a recursive query without an end?);"
			     " an analysis would stop it at --rule-timeout", RULEPACK_PROBE_S);
		c.st = st;
		template_names(r->message, check_placeholder, &c);
		c.in_phrase = 1;
		for (k = 0; k < r->nphrases; k++)
			template_names(r->phrase_texts[k], check_placeholder, &c);
		sqlite3_finalize(st);
		if (r->symptom) {
			sqlite3_stmt *ss = NULL;

			if (shared_prepare(db, r->symptom, errbuf, sizeof(errbuf)) < 0)
				perr(&L, r->symptom_line, 1, "symptom: %s", errbuf);
			else if (sqlite3_prepare_v2(db, r->symptom, -1, &ss, NULL) != SQLITE_OK)
				perr(&L, r->symptom_line, 1, "bad SQL in symptom: %s", sqlite3_errmsg(db));
			else if (!ss || !sqlite3_stmt_readonly(ss) || sqlite3_column_count(ss) == 0)
				perr(&L, r->symptom_line, 1, "symptom must only read and return rows (SELECT or WITH ... SELECT)");
			sqlite3_finalize(ss);
		}
	}
out:
	sqlite3_free(err);
	free(schema);
	sqlite3_close(db);
	return p->nerrors - before;
}

void rulepack_release(struct rulepack *p)
{
	int i;

	for (i = 0; i < p->nrules; i++)
		rule_release(&p->rules[i]);
	free(p->rules);
	free_list(p->errors, p->nerrors);
	free(p->file);
	memset(p, 0, sizeof(*p));
}
