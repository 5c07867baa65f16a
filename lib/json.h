/* The one JSON writer: every JSON casefile writes goes through it. It keeps
 * the nesting itself (which container is open, whether a member needs a
 * comma, whether an object member has its key), escapes strings, and writes
 * non-finite numbers as null. Misuse (a value in an object without a key, a
 * key in an array, a close that does not match, too deep, a second top-level
 * value) is a bug in the caller: the writer stops writing, remembers the
 * first problem, and json_finish() reports it.
 *
 *   struct json j;
 *   json_init(&j, stdout, 2);
 *   json_begin_object(&j);
 *   json_key(&j, "rule"); json_str(&j, "pool-cap");
 *   json_key(&j, "values"); json_begin_object(&j); ... json_end_object(&j);
 *   json_end_object(&j);
 *   if (json_finish(&j) < 0) ... */
#ifndef CASEFILE_JSON_H
#define CASEFILE_JSON_H

#include <stdio.h>

#define JSON_MAX_DEPTH 32

struct json {
	FILE *f;
	int depth;
	int pretty_depth;                  /* containers opened above this depth break lines */
	char kind[JSON_MAX_DEPTH];         /* 'o' object, 'a' array, per open container */
	int count[JSON_MAX_DEPTH];         /* members written in it */
	int has_key;                       /* an object member's key is written, its value not yet */
	int done;                          /* the top-level value is complete */
	const char *misuse;                /* the first misuse, or NULL */
};

/* Starts a document on f. Members of containers opened at depth below
 * pretty_depth go on their own indented lines (0: all on one line). */
void json_init(struct json *j, FILE *f, int pretty_depth);

void json_begin_object(struct json *j);
void json_end_object(struct json *j);
void json_begin_array(struct json *j);
void json_end_array(struct json *j);
/* The key of the next object member (escaped like a string). */
void json_key(struct json *j, const char *key);

/* Values. json_str(NULL) writes null. Strings: valid UTF-8 kept, invalid
 * bytes as U+FFFD, controls, C1 controls and '<' as \uXXXX (so the text is
 * inert on a terminal and inside an HTML <script>). */
void json_str(struct json *j, const char *s);
void json_num(struct json *j, double v);        /* integral values without a fraction */
void json_int(struct json *j, long long v);
void json_bool(struct json *j, int v);
void json_null(struct json *j);

/* Ends the document (a final newline). Returns 0, or -1 with an error()
 * message when the writer was misused, the document is incomplete, or the
 * stream failed. */
int json_finish(struct json *j);

/* Writes S escaped as the inside of a JSON string (no quotes). */
void json_escape(FILE *f, const char *s);

#endif
