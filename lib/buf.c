/*
 * buf.c - growable byte strings
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "xmalloc.h"

void
mauth_buf_reserve(struct mauth_buf *b, size_t extra)
{
	size_t need = b->len + extra + 1;

	if (need <= b->size)
		return;
	size_t size = b->size ? b->size : 64;
	while (size < need)
		size *= 2;
	b->data = xrealloc(b->data, size);
	if (b->size == 0)
		b->data[0] = '\0';	/* NUL-terminated from the first allocation on */
	b->size = size;
}

void
mauth_buf_append(struct mauth_buf *b, const void *p, size_t n)
{
	mauth_buf_reserve(b, n);
	if (n > 0)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void
mauth_buf_puts(struct mauth_buf *b, const char *s)
{
	mauth_buf_append(b, s, strlen(s));
}

void
mauth_buf_putc(struct mauth_buf *b, char c)
{
	mauth_buf_append(b, &c, 1);
}

void
mauth_buf_vprintf(struct mauth_buf *b, const char *fmt, va_list ap)
{
	va_list aq;

	mauth_buf_reserve(b, 64);
	va_copy(aq, ap);
	int n = vsnprintf(b->data + b->len, b->size - b->len, fmt, aq);
	va_end(aq);
	if (n < 0)
		return;
	if ((size_t)n >= b->size - b->len) {
		mauth_buf_reserve(b, (size_t)n);
		vsnprintf(b->data + b->len, b->size - b->len, fmt, ap);
	}
	b->len += (size_t)n;
}

void
mauth_buf_printf(struct mauth_buf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	mauth_buf_vprintf(b, fmt, ap);
	va_end(ap);
}

void
mauth_buf_truncate(struct mauth_buf *b, size_t n)
{
	if (b->data == NULL || n > b->len)
		return;
	b->len = n;
	b->data[n] = '\0';
}

const char *
mauth_buf_cstr(const struct mauth_buf *b)
{
	return b->data != NULL ? b->data : "";
}

char *
mauth_buf_steal(struct mauth_buf *b)
{
	char *s = b->data != NULL ? b->data : xstrdup("");

	b->data = NULL;
	b->len = b->size = 0;
	return s;
}

void
mauth_buf_free(struct mauth_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->size = 0;
}
