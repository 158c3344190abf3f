/*
 * buf.h - growable byte strings (the one dynamic string type of mauth)
 *
 * A struct mauth_buf owns its storage; data is always NUL-terminated so it
 * can be handed to C string functions, but may also hold NUL bytes (len is
 * authoritative).  A zeroed struct is a valid empty buffer.
 */
#ifndef MAUTH_BUF_H
#define MAUTH_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct mauth_buf {
	char *data;	/* NUL-terminated when size > 0; NULL before first use */
	size_t len;
	size_t size;
};

#define MAUTH_BUF_INIT { NULL, 0, 0 }

void mauth_buf_reserve(struct mauth_buf *b, size_t extra);
void mauth_buf_append(struct mauth_buf *b, const void *p, size_t n);
void mauth_buf_puts(struct mauth_buf *b, const char *s);
void mauth_buf_putc(struct mauth_buf *b, char c);
void mauth_buf_printf(struct mauth_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void mauth_buf_vprintf(struct mauth_buf *b, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
/* mauth_buf_truncate - shorten to n bytes (n <= len) */
void mauth_buf_truncate(struct mauth_buf *b, size_t n);
/* mauth_buf_cstr - the contents as a C string; "" for an unused buffer */
const char *mauth_buf_cstr(const struct mauth_buf *b);
/* mauth_buf_steal - hand the storage to the caller (never NULL), reset b */
char *mauth_buf_steal(struct mauth_buf *b);
void mauth_buf_free(struct mauth_buf *b);

#endif
