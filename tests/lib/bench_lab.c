// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include "bench_lab.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/vfio.h>

#include "irq_lab.h"

#define SIGNAL_MS	3000

#define COPY_BYTES	(64ull << 20)
#define COPY_MAX_SECS	25.0
#define COPY_BUF	(8ul << 20)
#define COPY_RING_IOVA	0x10000000ul
#define COPY_SRC_IOVA	0x20000000ul
#define COPY_DST_IOVA	0x30000000ul
#define COPY_RING	1024u
#define COPY_BATCH	64u

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int latency_samples(struct mockdma *m, int efd, bool intx, double *lat,
			   unsigned int n, unsigned int *done)
{
	volatile uint32_t *swint = (volatile uint32_t *)(m->regs + MOCKDMA_REG_SWINT);
	double t0;
	int64_t got;
	int ret;

	for (*done = 0; *done < n; (*done)++) {
		t0 = now_us();
		*swint = 0;
		got = irq_efd_wait(efd, SIGNAL_MS);
		lat[*done] = now_us() - t0;
		if (got < 0)
			return (int)got;
		if (got != 1)
			return got ? -EPROTO : -ETIMEDOUT;
		if (!intx)
			continue;
		ret = mockdma_write32(m, MOCKDMA_REG_IRQ_STATUS, ~0u);
		if (!ret)
			ret = irq_action_none(m->dev.fd, VFIO_PCI_INTX_IRQ_INDEX,
					      VFIO_IRQ_SET_ACTION_UNMASK, 0, 1);
		if (ret)
			return ret;
	}
	return 0;
}

int bench_irq_latency(struct mockdma *m, uint32_t index, double *lat,
		      unsigned int n, unsigned int *done)
{
	int32_t efd;
	int ret, off;

	*done = 0;
	if (!m->regs)
		return -ENXIO;
	efd = irq_efd();
	if (efd < 0)
		return efd;
	ret = irq_trigger_fds(m->dev.fd, index, 0, 1, &efd);
	if (!ret)
		ret = mockdma_write32(m, MOCKDMA_REG_IRQ_ENABLE, MOCKDMA_IRQ_SWINT);
	if (!ret)
		ret = latency_samples(m, efd, index == VFIO_PCI_INTX_IRQ_INDEX,
				      lat, n, done);
	off = mockdma_write32(m, MOCKDMA_REG_IRQ_ENABLE, 0);
	mockdma_write32(m, MOCKDMA_REG_IRQ_STATUS, ~0u);
	if (irq_disable(m->dev.fd, index) && !off)
		off = -EIO;
	close(efd);
	return ret ? ret : off;
}

/*
 * Reap completions in order by polling the ring in memory (not the
 * device's registers, which would slow it down); a slot is reused only
 * once reaped, so every status is seen.
 */
static int copy_loop(struct mockdma *m, struct mockdma_ring *r,
		     uint32_t desc_size, double min_secs, struct bench_copy *b)
{
	uint64_t submitted = 0, reaped = 0;
	uint32_t per_buf = COPY_BUF / desc_size, space, n, i, st;
	double start = mockdma_now_ms(), secs;
	struct mockdma_desc d[COPY_BATCH];
	bool more = true, progressed;
	int ret;

	while (more || reaped < submitted) {
		secs = (mockdma_now_ms() - start) / 1e3;
		more = secs < COPY_MAX_SECS &&
		       (submitted * desc_size < COPY_BYTES || secs < min_secs);
		ret = mockdma_ring_space(m, r, &space);
		if (ret)
			return ret;
		if (space > r->entries - 1 - (submitted - reaped))
			space = r->entries - 1 - (submitted - reaped);
		n = !more ? 0 : space < COPY_BATCH ? space : COPY_BATCH;
		for (i = 0; i < n; i++) {
			uint64_t off = (uint64_t)((submitted + i) % per_buf) * desc_size;

			d[i] = mockdma_desc_copy(COPY_SRC_IOVA + off,
						 COPY_DST_IOVA + off, desc_size, 0);
		}
		if (n) {
			ret = mockdma_submit(m, r, d, n, NULL);
			if (ret)
				return ret;
			submitted += n;
		}
		progressed = false;
		while (reaped < submitted &&
		       (st = mockdma_ring_desc(r, reaped)->status) != MOCKDMA_ST_PENDING) {
			b->errors += st != MOCKDMA_ST_OK;
			reaped++;
			progressed = true;
		}
		if (!progressed && reaped < submitted) {
			ret = mockdma_wait_desc(r, reaped, MOCKDMA_TIMEOUT_MS, NULL);
			if (ret)
				return ret;
		}
	}
	b->secs = (mockdma_now_ms() - start) / 1e3;
	b->descs = reaped;
	b->bytes = reaped * desc_size;
	return 0;
}

int bench_copy(struct mockdma *m, uint32_t desc_size, double min_secs,
	       struct bench_copy *b)
{
	struct mockdma_buf src = { 0 }, dst = { 0 };
	struct mockdma_ring ring = { 0 };
	size_t i;
	int ret;

	*b = (struct bench_copy){ 0 };
	if (!desc_size || desc_size > COPY_BUF || COPY_BUF % desc_size)
		return -EINVAL;
	ret = mockdma_buf_alloc(m, &src, COPY_SRC_IOVA, COPY_BUF, 0);
	if (ret)
		return ret;
	ret = mockdma_buf_alloc(m, &dst, COPY_DST_IOVA, COPY_BUF, 0);
	if (ret)
		goto free_src;
	for (i = 0; i < COPY_BUF; i += 64)
		src.va[i] = (uint8_t)(i >> 6);
	ret = mockdma_ring_init(m, &ring, COPY_RING_IOVA, COPY_RING, 0);
	if (ret)
		goto free_dst;
	ret = copy_loop(m, &ring, desc_size, min_secs, b);
	b->mismatch = !ret && memcmp(src.va, dst.va, COPY_BUF) != 0;
	mockdma_ring_free(m, &ring);
free_dst:
	mockdma_buf_free(m, &dst);
free_src:
	mockdma_buf_free(m, &src);
	return ret;
}
