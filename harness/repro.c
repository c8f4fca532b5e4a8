// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include "repro.h"

#include <elf.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define TRACE_BEGIN "# upcilab: guest-trace begin"
#define TRACE_END "# upcilab: guest-trace end"

static bool case_name_ok(const char *c)
{
	if (!*c || *c == '.' || c[strlen(c) - 1] == '.')
		return false;
	for (; *c; c++)
		if (!(*c == '_' || *c == '.' || *c == '-' ||
		      (*c >= '0' && *c <= '9') || (*c >= 'a' && *c <= 'z') ||
		      (*c >= 'A' && *c <= 'Z')))
			return false;
	return true;
}

static void repro_traced(struct scenario *scn, const struct repro_opts *o)
{
	scn->vm_timeout_s = 0;
	scn->trace_iommu = true;
	scn->until_fail = o->until_fail;
}

int repro_prepare(struct scenario *scn, const char *target,
		  const struct repro_opts *o, struct buf *err)
{
	const char *dot = target ? strchr(target, '.') : NULL;
	size_t len = !target ? 0 : dot ? (size_t)(dot - target) : strlen(target);
	struct scn_test *found = NULL, *runs;

	if (!target) {
		if (o->runs > 1 || o->until_fail) {
			buf_addf(err, "--runs and --until-fail repeat one test: name it (repro %s TEST)",
				 scn->name);
			return -1;
		}
		repro_traced(scn, o);
		return 0;
	}

	for (size_t i = 0; i < scn->ntests && !found; i++)
		if (strlen(scn->tests[i].name) == len &&
		    !strncmp(scn->tests[i].name, target, len))
			found = &scn->tests[i];
	if (!found) {
		buf_addf(err, "%s has no test '%.*s' (its tests:", scn->name,
			 (int)len, target);
		for (size_t i = 0; i < scn->ntests; i++)
			buf_addf(err, "%s %s", i ? "," : "", scn->tests[i].name);
		buf_addf(err, "%s)", scn->ntests ? "" : " none");
		return -1;
	}
	if (dot && !case_name_ok(dot + 1)) {
		buf_addf(err, "'%s' is not a kselftest case name (NAME, FIXTURE.NAME or FIXTURE.VARIANT.NAME)",
			 dot + 1);
		return -1;
	}
	runs = xcalloc((size_t)o->runs, sizeof(*runs));
	for (int k = 0; k < o->runs; k++) {
		runs[k] = (struct scn_test){
			.name = xstrdup(found->name),
			.timeout_s = found->timeout_s,
			.line = found->line,
			/* NAME: that case in any fixture; else kselftest's full name */
			.args = !dot ? NULL :
				strchr(dot + 1, '.') ? xasprintf("-r %s", dot + 1) :
				xasprintf("-t %s", dot + 1),
			.title = o->runs > 1 ?
				 xasprintf("%s run %d", target, k + 1) :
				 xstrdup(target),
		};
	}
	for (size_t i = 0; i < scn->ntests; i++)
		free(scn->tests[i].name);
	free(scn->tests);
	scn->tests = runs;
	scn->ntests = (size_t)o->runs;
	repro_traced(scn, o);
	return 0;
}

char *repro_guest_trace(const char *console)
{
	const char *b = console ? strstr(console, TRACE_BEGIN) : NULL;
	const char *e;
	struct buf out = { 0 };

	if (!b || !(b = strchr(b, '\n')))
		return NULL;
	e = strstr(++b, TRACE_END);
	if (!e)
		e = b + strlen(b);
	/* the serial console's CRLF */
	for (; b < e; b++)
		if (*b != '\r')
			buf_add(&out, b, 1);
	return out.s ? out.s : xstrdup("");
}

int repro_free_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port = -1;

	if (fd < 0)
		return -1;
	if (!bind(fd, (struct sockaddr *)&a, sizeof(a)) &&
	    !getsockname(fd, (struct sockaddr *)&a, &len))
		port = ntohs(a.sin_port);
	close(fd);
	return port;
}

bool repro_elf_has_symbols(const char *path)
{
	FILE *f = fopen(path, "rb");
	Elf64_Ehdr eh;
	Elf64_Shdr sh;
	bool found = false;

	if (!f)
		return false;
	if (fread(&eh, sizeof(eh), 1, f) == 1 && !memcmp(eh.e_ident, ELFMAG, SELFMAG) &&
	    eh.e_ident[EI_CLASS] == ELFCLASS64 && eh.e_shentsize == sizeof(sh)) {
		for (unsigned int i = 0; i < eh.e_shnum && !found; i++) {
			if (fseek(f, (long)(eh.e_shoff + (Elf64_Off)i * sizeof(sh)), SEEK_SET) ||
			    fread(&sh, sizeof(sh), 1, f) != 1)
				break;
			found = sh.sh_type == SHT_SYMTAB;
		}
	}
	fclose(f);
	return found;
}
