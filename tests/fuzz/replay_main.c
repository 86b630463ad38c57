/* Replay driver for libFuzzer targets in builds without -fsanitize=fuzzer:
 * feeds every file named on the command line (directories are walked) to
 * LLVMFuzzerTestOneInput, each in an exact-size heap buffer so sanitizers
 * see over-reads. Any crash or abort fails the run; CI replays the corpus. */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Optional in targets, as with libFuzzer. */
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

static unsigned long n_ok;

static int
run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long sz;

	if (f == NULL) {
		fprintf(stderr, "fuzz-replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (fseek(f, 0, SEEK_END) != 0 || (sz = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0) {
		fprintf(stderr, "fuzz-replay: %s: cannot size\n", path);
		fclose(f);
		return -1;
	}
	/* Exactly sz bytes (at least 1 for malloc) so reads past the input
	 * land outside the allocation. */
	buf = malloc(sz > 0 ? (size_t)sz : 1);
	if (buf == NULL || (sz > 0 && fread(buf, 1, (size_t)sz, f) != (size_t)sz)) {
		fprintf(stderr, "fuzz-replay: %s: read failed\n", path);
		free(buf);
		fclose(f);
		return -1;
	}
	fclose(f);
	LLVMFuzzerTestOneInput(buf, (size_t)sz);
	free(buf);
	n_ok++;
	return 0;
}

static int
run_path(const char *path)
{
	struct dirent **ents;
	struct stat st;
	int n, i, rc = 0;

	if (stat(path, &st) != 0) {
		fprintf(stderr, "fuzz-replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode))
		return run_file(path);

	/* Sorted, so a failure names the same input on every run. */
	n = scandir(path, &ents, NULL, alphasort);
	if (n < 0) {
		fprintf(stderr, "fuzz-replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	for (i = 0; i < n; i++) {
		const char *name = ents[i]->d_name;

		if (name[0] != '.') {
			size_t l = strlen(path) + strlen(name) + 2;
			char *p = malloc(l);

			if (p == NULL) {
				rc = -1;
			} else {
				snprintf(p, l, "%s/%s", path, name);
				if (run_path(p) != 0)
					rc = -1;
				free(p);
			}
		}
		free(ents[i]);
	}
	free(ents);
	return rc;
}

int
main(int argc, char **argv)
{
	int i, rc = 0;

	if (LLVMFuzzerInitialize != NULL)
		LLVMFuzzerInitialize(&argc, &argv);
	if (argc < 2) {
		fprintf(stderr, "usage: %s corpus-dir-or-file...\n", argv[0]);
		return 2;
	}
	for (i = 1; i < argc; i++)
		if (run_path(argv[i]) != 0)
			rc = 1;
	/* An empty corpus would pass without testing anything. */
	if (rc == 0 && n_ok == 0) {
		fprintf(stderr, "fuzz-replay: no inputs found\n");
		rc = 1;
	}
	if (rc == 0)
		printf("fuzz-replay: %lu inputs ok\n", n_ok);
	return rc;
}
