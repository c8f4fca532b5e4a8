/* SPDX-License-Identifier: GPL-2.0 */
/* Small helpers shared by the harness: allocation, strings, files, time. */
#ifndef UPCILAB_UTIL_H
#define UPCILAB_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A growable NULL-terminated vector of owned strings (e.g. an argv). */
struct strv {
	char **v;
	size_t n, cap;
};

void strv_add(struct strv *sv, const char *s);
void strv_addf(struct strv *sv, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void strv_free(struct strv *sv);
char *strv_join(const struct strv *sv, const char *sep);

/* A growable byte buffer, always NUL-terminated. */
struct buf {
	char *s;
	size_t len, cap;
};

void buf_add(struct buf *b, const char *s, size_t n);
void buf_addf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void buf_free(struct buf *b);

bool str_starts(const char *s, const char *prefix);
char *str_trim(char *s);

int mkdir_p(const char *path);
int rm_rf(const char *path);
int write_file(const char *path, const char *data, size_t len, int mode);
char *read_file(const char *path, size_t *len);
int copy_file(const char *src, const char *dst, int mode);
bool is_executable(const char *path);

double now_s(void);

#endif
