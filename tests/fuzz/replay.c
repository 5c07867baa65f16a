/* Replays a libFuzzer harness without libFuzzer, so `make test` (gcc, and
 * `make asan` under ASan/UBSan) runs every committed seed and every saved
 * crash on each change, not only when someone runs `make fuzz` with clang.
 *
 * Linked with one tests/fuzz/fuzz_NAME.c; FUZZ_NAME is that NAME. With no
 * arguments it replays tests/fuzz/corpus/NAME and tests/fuzz/regress/NAME
 * (relative to the source tree, where tests/run-unit.sh runs us). Each input
 * runs whole, cut at several lengths, and with a few deterministic byte
 * mutations: a fixed seed, so a failure reproduces with the same command.
 * Every input is copied into a buffer of exactly its size, so ASan sees a
 * read one byte past the end. */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#ifndef FUZZ_NAME
#error "build with -DFUZZ_NAME='\"room_name\"'"
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { CUTS = 12, MUTANTS = 40 };

static uint64_t rng_state;

static uint64_t rng(void)
{
	/* xorshift64: deterministic, good enough to pick offsets */
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/* Runs the harness on a private copy of exactly len bytes. */
static void run_one(const uint8_t *data, size_t len)
{
	uint8_t *copy = malloc(len ? len : 1);

	if (!copy) {
		fprintf(stderr, "replay %s: out of memory\n", FUZZ_NAME);
		exit(1);
	}
	memcpy(copy, data, len);
	LLVMFuzzerTestOneInput(copy, len);
	free(copy);
}

static const uint8_t interesting[] = { 0x00, 0xff, 0x7f, 0x80, 0x01, '\n', '"', '%', ':', ' ' };

/* Returns the number of harness runs done for this input. */
static long replay_input(const char *path, const uint8_t *data, size_t len)
{
	long runs = 0;
	size_t i;
	int k;

	fprintf(stderr, "replay %s: %s (%zu bytes)\n", FUZZ_NAME, path, len);
	run_one(data, len);
	runs++;
	for (k = 1; k <= CUTS && len > 1; k++) {
		size_t cut = k == CUTS ? len - 1 : len * (size_t)k / CUTS;

		run_one(data, cut);
		runs++;
	}
	if (!len)
		return runs;
	for (k = 0; k < MUTANTS; k++) {
		uint8_t *m = malloc(len);
		int nflip = 1 + (int)(rng() % 8);

		if (!m) {
			fprintf(stderr, "replay %s: out of memory\n", FUZZ_NAME);
			exit(1);
		}
		memcpy(m, data, len);
		for (i = 0; i < (size_t)nflip; i++) {
			uint64_t r = rng();

			m[r % len] = (r >> 32) & 1 ? interesting[(r >> 40) % sizeof(interesting)]
						 : (uint8_t)(r >> 48);
		}
		run_one(m, len);
		free(m);
		runs++;
	}
	return runs;
}

static int read_file(const char *path, uint8_t **out, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	size_t cap = 0, n = 0;

	if (!f)
		return -1;
	for (;;) {
		size_t got;

		if (n == cap) {
			uint8_t *nb = realloc(buf, cap ? cap * 2 : 4096);

			if (!nb) {
				free(buf);
				fclose(f);
				return -1;
			}
			buf = nb;
			cap = cap ? cap * 2 : 4096;
		}
		got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (got == 0)
			break;
	}
	fclose(f);
	*out = buf;
	*len = n;
	return 0;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Replays every regular file in dir (sorted, so runs are reproducible).
 * A missing directory is fine (not every harness has saved crashes). */
static int replay_dir(const char *dir, long *inputs, long *runs)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, cap = 0, i;

	if (!d)
		return errno == ENOENT ? 0 : -1;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		if (n == cap) {
			char **nn = realloc(names, (cap = cap ? cap * 2 : 64) * sizeof(*names));

			if (!nn)
				exit(1);
			names = nn;
		}
		names[n++] = strdup(de->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(*names), cmp_names);
	for (i = 0; i < n; i++) {
		char path[4096];
		struct stat st;
		uint8_t *data;
		size_t len;

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
			if (read_file(path, &data, &len)) {
				fprintf(stderr, "replay %s: cannot read %s: %s\n", FUZZ_NAME, path, strerror(errno));
				return -1;
			}
			rng_state = 0x9e3779b97f4a7c15ULL ^ len;
			*runs += replay_input(path, data, len);
			(*inputs)++;
			free(data);
		}
		free(names[i]);
	}
	free(names);
	return 0;
}

int main(int argc, char **argv)
{
	long inputs = 0, runs = 0;
	int i;

	if (argc > 1) {
		for (i = 1; i < argc; i++) {
			uint8_t *data;
			size_t len;

			if (read_file(argv[i], &data, &len)) {
				fprintf(stderr, "replay %s: cannot read %s: %s\n", FUZZ_NAME, argv[i], strerror(errno));
				return 1;
			}
			rng_state = 0x9e3779b97f4a7c15ULL ^ len;
			runs += replay_input(argv[i], data, len);
			inputs++;
			free(data);
		}
	} else {
		if (replay_dir("tests/fuzz/corpus/" FUZZ_NAME, &inputs, &runs) ||
		    replay_dir("tests/fuzz/regress/" FUZZ_NAME, &inputs, &runs))
			return 1;
		if (!inputs) {
			fprintf(stderr, "replay %s: no inputs in tests/fuzz/corpus/%s (run from the source tree)\n",
				FUZZ_NAME, FUZZ_NAME);
			return 1;
		}
	}
	printf("[  PASSED  ] replay %s: %ld inputs, %ld runs\n", FUZZ_NAME, inputs, runs);
	return 0;
}
