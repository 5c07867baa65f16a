/* libFuzzer harness: message templates over arbitrary bytes, checked and
 * expanded (whether the check passed or not: the expander must stay in
 * bounds on any text), with values, a list of items and phrases that name
 * each other (the nesting bound stops the loop). */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rulepack.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int lookup(const char *name, void *ctx, double *num, char *text, size_t len, int *is_text)
{
	(void)ctx;
	if (name[0] == 'n') {
		*num = (double)strlen(name) * 1.5;
		return 1;
	}
	if (name[0] == 'i') {
		*is_text = 1;
		snprintf(text, len, "%s", name[1] ? name + 1 : "x");
		return 1;
	}
	return 0;
}

static int list_len(const char *name, void *ctx)
{
	(void)ctx;
	return name[0] == 'l' ? (int)strlen(name) % 5 : -1;
}

static int item(const char *list, int i, const char *field, void *ctx, double *num, char *text,
		size_t len, int *is_text)
{
	(void)list;
	(void)ctx;
	if (field[0] == 'k') {
		*is_text = 1;
		snprintf(text, len, "k%d", i);
		return 1;
	}
	if (field[0] == 'v') {
		*num = i;
		return 1;
	}
	return 0;
}

static const char *phrase(const char *id, void *ctx)
{
	(void)ctx;
	if (!strcmp(id, "x"))
		return "[[{@ix}]]{n}";  /* names itself: bounded by TEMPLATE_MAX_NEST */
	if (id[0] == 'k')
		return "[[*l \", \":{k} {v:pct}]]";
	return id[0] == 'p' ? "{n:bytes} {@ip}" : NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct template_env env = { lookup, NULL, list_len, item, phrase };
	char *t = malloc(size + 1), *out;
	const char *missing;
	size_t at;

	if (!t)
		return 0;
	memcpy(t, data, size);
	t[size] = '\0';
	(void)template_check(t, &at);
	out = template_expand_env(t, &env, &missing);
	free(out);
	free(t);
	return 0;
}
