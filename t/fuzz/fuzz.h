/*
 * fuzz.h - what every libFuzzer harness under t/fuzz/ shares
 *
 * A harness defines LLVMFuzzerTestOneInput() (and, if it needs set-up that
 * outlives one input, LLVMFuzzerInitialize()).  It feeds the input to one
 * parser and then checks properties the parser's header promises: a broken
 * promise calls fuzz_fail(), which aborts so that libFuzzer saves the
 * input as a crash, exactly like a sanitizer report.  Memory the harness
 * allocates per input is freed per input, so LeakSanitizer sees only the
 * library's leaks.
 */
#ifndef MAUTH_FUZZ_H
#define MAUTH_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* FUZZ_CHECK - abort with the broken property named when cond is false */
#define FUZZ_CHECK(cond) do {						\
	if (!(cond))							\
		fuzz_fail(__FILE__, __LINE__, #cond);			\
} while (0)

static inline void
fuzz_fail(const char *file, int line, const char *what)
{
	fprintf(stderr, "%s:%d: property broken: %s\n", file, line, what);
	abort();
}

/* fuzz_cstr - the input as a C string (cut at its first NUL); caller frees */
static inline char *
fuzz_cstr(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (s == NULL)
		abort();
	if (size > 0)
		memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/*
 * fuzz_take - split off the next piece of the input: up to the next byte
 * "sep" (excluded) or the end.  Returns a C string the caller frees, or
 * NULL when the input is used up.
 */
static inline char *
fuzz_take(const uint8_t **data, size_t *size, uint8_t sep)
{
	const uint8_t *end;
	size_t n;
	char *s;

	if (*size == 0)
		return NULL;
	end = memchr(*data, sep, *size);
	n = end != NULL ? (size_t)(end - *data) : *size;
	s = fuzz_cstr(*data, n);
	*data += n;
	*size -= n;
	if (end != NULL) {
		(*data)++;
		(*size)--;
	}
	return s;
}

#endif
