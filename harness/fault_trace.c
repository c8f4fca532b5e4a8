// SPDX-License-Identifier: GPL-2.0
#include "fault_trace.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int fault_trace_parse(const char *s, struct fault_expect *f)
{
	unsigned int dom, bus, dev, fn;
	char dir;
	int n = 0, m = 0;

	f->cause[0] = '\0';
	if (sscanf(s, "%x:%x:%x.%x %c 0x%llx%n", &dom, &bus, &dev, &fn, &dir,
		   &f->iova, &n) != 6 || bus > 0xff || dev > 0x1f || fn > 7 ||
	    (dir != 'r' && dir != 'w'))
		return -1;
	if (s[n] && (sscanf(s + n, " cause=%23[a-z-]%n", f->cause, &m) != 1 || s[n + m]))
		return -1;
	f->sid = bus << 8 | dev << 3 | fn;
	f->write = dir == 'w';
	return 0;
}

/*
 * One trace line: intel-iommu's vtd_dmar_fault always says the direction;
 * virtio-iommu's flags only for a permission fault (F_READ 1, F_WRITE 2,
 * besides F_ADDRESS 256).
 */
static bool line_matches(const struct viommu_info *vi, const char *ev,
			 const struct fault_expect *f)
{
	unsigned int sid, flags, reason, fault, write;
	unsigned long long addr;

	if (!strcmp(vi->fault_trace, "vtd_dmar_fault")) {
		if (sscanf(ev, "vtd_dmar_fault sid 0x%x fault %u addr 0x%llx write %u",
			   &sid, &fault, &addr, &write) != 4)
			return false;
		return sid == f->sid && addr == f->iova && !!write == f->write;
	}
	if (sscanf(ev, "virtio_iommu_report_fault FAULT reason=%u flags=%u endpoint=%u address =0x%llx",
		   &reason, &flags, &sid, &addr) != 4)
		return false;
	if (sid != f->sid || addr != f->iova)
		return false;
	return !(flags & 3) || !!(flags & 2) == f->write;
}

bool fault_trace_seen(const struct viommu_info *vi, const char *log,
		      const struct fault_expect *f)
{
	size_t len = strlen(vi->fault_trace);

	for (const char *p = log; p && (p = strstr(p, vi->fault_trace)); p += len)
		if ((p == log || p[-1] == ':' || p[-1] == '\n') &&
		    p[len] == ' ' && line_matches(vi, p, f))
			return true;
	return false;
}

void fault_trace_report(const struct viommu_info *vi,
			const struct strv *expected, const char *log,
			struct test_node *root)
{
	struct test_node *n;
	bool failed = false;

	if (!expected->n)
		return;
	n = node_add(root, "vIOMMU fault trace");
	if (!vi->fault_trace) {
		node_set(n, RES_SKIP, vi->fault_untraced);
		return;
	}
	for (size_t i = 0; i < expected->n; i++) {
		struct test_node *c = node_add(n, expected->v[i]);
		struct fault_expect f;

		if (fault_trace_parse(expected->v[i], &f)) {
			node_set(c, RES_FAIL, "malformed: want BDF r|w 0xIOVA");
		} else if (fault_trace_seen(vi, log ? log : "", &f)) {
			node_set(c, RES_PASS, NULL);
		} else {
			char *why = xasprintf("QEMU traced no %s for it", vi->fault_trace);

			node_set(c, RES_FAIL, why);
			free(why);
		}
		failed |= c->res == RES_FAIL;
	}
	node_set(n, failed ? RES_FAIL : RES_PASS, NULL);
}
