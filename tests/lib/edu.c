// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include "edu.h"

#include <errno.h>
#include <time.h>

#include "vfio_lab.h"

bool edu_present(int device)
{
	uint32_t id;

	return !edu_read32(device, EDU_REG_ID, &id) &&
	       (id & EDU_ID_MAGIC_MASK) == EDU_ID_MAGIC;
}

int edu_read32(int device, uint32_t reg, uint32_t *val)
{
	uint64_t v;
	int ret = vfio_lab_reg_read(device, EDU_BAR, reg, 4, &v);

	if (!ret)
		*val = v;
	return ret;
}

int edu_write32(int device, uint32_t reg, uint32_t val)
{
	return vfio_lab_reg_write(device, EDU_BAR, reg, 4, val);
}

int edu_dma_start(int device, uint64_t iova, uint32_t buf_off, uint32_t count,
		  bool to_ram)
{
	uint64_t cmd = EDU_DMA_RUN | (to_ram ? EDU_DMA_TO_RAM : 0);
	uint64_t edu_addr = EDU_DMA_BUF + buf_off;
	int ret;

	/* QEMU 7.2 aborts on a transfer that reaches the last byte. */
	if (!count || count > EDU_DMA_USABLE || buf_off > EDU_DMA_USABLE - count)
		return -EINVAL;
	if (iova > EDU_DMA_MASK || count > EDU_DMA_MASK + 1 - iova)
		return -EINVAL;
	ret = vfio_lab_reg_write(device, EDU_BAR, EDU_REG_DMA_SRC, 8,
				 to_ram ? edu_addr : iova);
	if (!ret)
		ret = vfio_lab_reg_write(device, EDU_BAR, EDU_REG_DMA_DST, 8,
					 to_ram ? iova : edu_addr);
	if (!ret)
		ret = vfio_lab_reg_write(device, EDU_BAR, EDU_REG_DMA_COUNT, 8,
					 count);
	if (!ret)
		ret = vfio_lab_reg_write(device, EDU_BAR, EDU_REG_DMA_CMD, 8, cmd);
	return ret;
}

static long elapsed_ms(const struct timespec *since)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - since->tv_sec) * 1000 +
	       (now.tv_nsec - since->tv_nsec) / 1000000;
}

int edu_dma_wait(int device, int timeout_ms)
{
	const struct timespec tick = { .tv_nsec = 5 * 1000 * 1000 };
	struct timespec start;
	uint64_t cmd;
	int ret;

	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		ret = vfio_lab_reg_read(device, EDU_BAR, EDU_REG_DMA_CMD, 8, &cmd);
		if (ret)
			return ret;
		if (!(cmd & EDU_DMA_RUN))
			return 0;
		if (elapsed_ms(&start) > timeout_ms)
			return -ETIMEDOUT;
		nanosleep(&tick, NULL);
	}
}

int edu_dma_to_ram(int device, uint32_t buf_off, uint64_t iova, uint32_t count)
{
	int ret = edu_dma_start(device, iova, buf_off, count, true);

	return ret ? ret : edu_dma_wait(device, EDU_DMA_TIMEOUT_MS);
}

int edu_dma_from_ram(int device, uint64_t iova, uint32_t buf_off,
		     uint32_t count)
{
	int ret = edu_dma_start(device, iova, buf_off, count, false);

	return ret ? ret : edu_dma_wait(device, EDU_DMA_TIMEOUT_MS);
}
