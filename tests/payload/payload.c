// SPDX-License-Identifier: GPL-2.0
/*
 * Bare-metal payload: booted by QEMU (-kernel, multiboot v1) on an i440fx
 * machine, it finds a mockdma or edu device on PCI bus 0, checks its
 * registers, DMA in both directions and every interrupt kind it has
 * (INTx through the 8259, MSI, MSI-X), and reports KTAP-like lines on
 * COM1. It then leaves through isa-debug-exit: QEMU exits 1 if every
 * check passed, 3 otherwise. README.md describes the output.
 *
 * 32-bit protected mode, no paging: pointers are physical addresses, and
 * bus addresses too (no IOMMU in the machine this runs in).
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>

#include "../../include/mockdma.h"

#define COM1		0x3f8
#define DEBUG_EXIT	0xf4	/* isa-debug-exit: QEMU exits (v << 1) | 1 */

#define PIC1		0x20
#define PIC2		0xa0
#define VEC_PIC		0x20	/* IRQ n -> vector 0x20 + n */
#define VEC_MSI		0x40
#define VEC_MSIX	0x50	/* + MSI-X table entry */
#define VEC_SPURIOUS	0xff	/* the local APIC's */

#define LAPIC		0xfee00000u
#define LAPIC_ID	0x020
#define LAPIC_TPR	0x080
#define LAPIC_EOI	0x0b0
#define LAPIC_SVR	0x0f0
#define LAPIC_LINT0	0x350
#define LAPIC_LINT1	0x360
#define MSR_APIC_BASE	0x1b

#define PCI_CAP_MSI	0x05
#define PCI_CAP_MSIX	0x11

#define EDU_DEVICE_ID	0x11e8
#define EDU_ID		0x00
#define EDU_LIVENESS	0x04
#define EDU_IRQ_STATUS	0x24
#define EDU_IRQ_RAISE	0x60
#define EDU_IRQ_ACK	0x64
#define EDU_DMA_SRC	0x80
#define EDU_DMA_DST	0x88
#define EDU_DMA_COUNT	0x90
#define EDU_DMA_CMD	0x98
#define EDU_DMA_RUN	0x1
#define EDU_DMA_TO_RAM	0x2
#define EDU_DMA_IRQ	0x4
#define EDU_DMA_BUF	0x40000	/* its 4 KiB buffer, as a device address */
#define EDU_DMA_LEN	4000	/* QEMU 7.2 aborts if the last byte is touched */
#define EDU_IRQ_SW	0x10	/* a cause bit of our own for IRQ_RAISE */

/*
 * Polling bounds, in loop rounds rather than time, so a slower machine
 * (TCG inside TCG) waits proportionally longer. One round is a PAUSE or
 * an MMIO read: SPIN_LIMIT is about 2 s under TCG on the host, edu's
 * 100 ms DMA timer included. SETTLE lets a duplicate interrupt show up.
 */
#define SPIN_LIMIT	20000000u
#define SETTLE		20000u

#define DMA_LEN		6000	/* mockdma: crosses pages on both sides */
#define DEV_OFF		0x1100	/* mockdma: BAR2 offset used */
#define RING_N		16

struct isr_frame {
	uint32_t edi, esi, ebp, esp, ebx, edx, ecx, eax;	/* pushal */
	uint32_t vector;
	uint32_t cpu[3];	/* [error code,] eip, cs */
};

struct idt_gate {
	uint16_t off_lo, sel;
	uint8_t zero, type;
	uint16_t off_hi;
} __attribute__((packed));

struct devops {
	const char *name;
	uint16_t device_id;
	void (*tests)(void);
	void (*raise)(unsigned int vector);	/* interrupt now */
	void (*ack)(void);			/* from the handler */
	uint32_t (*pending)(void);		/* causes not acknowledged */
};

void payload_main(uint32_t magic, const uint32_t *mbi);
void isr_handler(struct isr_frame *f);
void *memset(void *p, int c, unsigned int n);
void *memcpy(void *d, const void *s, unsigned int n);
extern char isr_stubs[];

static struct idt_gate idt[256] __attribute__((aligned(8)));
static volatile uint32_t irq_count[256];
static volatile bool irq_expected[256];
static volatile uint32_t unexpected, spurious;
static unsigned int tests_run, tests_failed, apic_id;

static struct {
	const struct devops *ops;
	uint32_t bdf;		/* bus << 8 | slot << 3 | function */
	uint64_t bar[6];
	uint8_t irq_line, irq_pin;
	uintptr_t regs;		/* BAR0 */
} dev;

static volatile struct mockdma_desc ring[RING_N] __attribute__((aligned(4096)));
static unsigned int ring_tail;
static uint8_t buf_a[8192] __attribute__((aligned(4096)));
static uint8_t buf_b[8192] __attribute__((aligned(4096)));
static uint8_t buf_c[8192] __attribute__((aligned(4096)));

/* --- CPU, port and MMIO access --- */

static inline void outb(uint16_t port, uint8_t v) { asm volatile("outb %0, %1" : : "a"(v), "Nd"(port)); }
static inline void outw(uint16_t port, uint16_t v) { asm volatile("outw %0, %1" : : "a"(v), "Nd"(port)); }
static inline void outl(uint16_t port, uint32_t v) { asm volatile("outl %0, %1" : : "a"(v), "Nd"(port)); }
static inline uint8_t inb(uint16_t port) { uint8_t v; asm volatile("inb %1, %0" : "=a"(v) : "Nd"(port)); return v; }
static inline uint32_t inl(uint16_t port) { uint32_t v; asm volatile("inl %1, %0" : "=a"(v) : "Nd"(port)); return v; }

static inline uint32_t rd32(uintptr_t a) { return *(volatile uint32_t *)a; }
static inline void wr32(uintptr_t a, uint32_t v) { *(volatile uint32_t *)a = v; }
static inline void wr8(uintptr_t a, uint8_t v) { *(volatile uint8_t *)a = v; }

static inline void barrier(void) { asm volatile("" : : : "memory"); }
static inline void cpu_relax(void) { asm volatile("pause" : : : "memory"); }
static inline void sti(void) { asm volatile("sti" : : : "memory"); }
static inline void cli(void) { asm volatile("cli" : : : "memory"); }

static inline uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;

	asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return (uint64_t)hi << 32 | lo;
}

static inline void wrmsr(uint32_t msr, uint64_t v)
{
	asm volatile("wrmsr" : : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

/* gcc may emit calls to these two even when freestanding */
void *memset(void *p, int c, unsigned int n)
{
	void *d = p;

	asm volatile("rep stosb" : "+D"(d), "+c"(n) : "a"(c) : "memory");
	return p;
}

void *memcpy(void *d, const void *s, unsigned int n)
{
	void *p = d;

	asm volatile("rep movsb" : "+D"(p), "+S"(s), "+c"(n) : : "memory");
	return d;
}

/* Spin until @cond holds, SPIN_LIMIT rounds at most: true if it did. */
#define WAIT(cond) ({						\
	uint32_t n_ = SPIN_LIMIT;				\
	while (!(cond) && --n_)					\
		cpu_relax();					\
	n_ != 0;						\
})

/* --- serial output, KTAP-like results, exit --- */

static void putc(char c)
{
	for (unsigned int n = 100000; n && !(inb(COM1 + 5) & 0x20); n--)
		;
	outb(COM1, c);
}

static void put_num(uint64_t v, unsigned int base, int width, char pad)
{
	char buf[24];
	int n = 0;

	do {	/* no 64-bit division: hex uses shifts, decimal is 32-bit */
		unsigned int d = base == 16 ? (unsigned int)(v & 15) : (uint32_t)v % 10;

		buf[n++] = "0123456789abcdef"[d];
		v = base == 16 ? v >> 4 : (uint32_t)v / 10;
	} while (v);
	while (width-- > n)
		putc(pad);
	while (n)
		putc(buf[--n]);
}

/* printf subset: %s %c %u %x %llx, with a width and 0 padding */
static void vprint(const char *fmt, va_list ap)
{
	for (; *fmt; fmt++) {
		int width = 0, longs = 0;
		char pad = ' ';

		if (*fmt != '%') {
			putc(*fmt);
			continue;
		}
		if (*++fmt == '0')
			pad = *fmt++;
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + *fmt++ - '0';
		while (*fmt == 'l')
			longs++, fmt++;
		switch (*fmt) {
		case 's':
			for (const char *s = va_arg(ap, const char *); *s; s++)
				putc(*s);
			break;
		case 'c':
			putc(va_arg(ap, int));
			break;
		case 'u':
			put_num(va_arg(ap, unsigned int), 10, width, pad);
			break;
		case 'x':
			put_num(longs == 2 ? va_arg(ap, unsigned long long) :
				va_arg(ap, unsigned int), 16, width, pad);
			break;
		default:
			putc(*fmt);
		}
	}
}

static void __attribute__((format(printf, 1, 2))) print(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprint(fmt, ap);
	va_end(ap);
}

static bool __attribute__((format(printf, 2, 3))) result(bool ok, const char *fmt, ...)
{
	va_list ap;

	tests_run++;
	tests_failed += !ok;
	print("%sok %u ", ok ? "" : "not ", tests_run);
	va_start(ap, fmt);
	vprint(fmt, ap);
	va_end(ap);
	putc('\n');
	return ok;
}

static void __attribute__((noreturn)) finish(void)
{
	print("1..%u\n", tests_run);
	print("# payload: done %u passed %u failed\n", tests_run - tests_failed,
	      tests_failed);
	outb(DEBUG_EXIT, tests_failed ? 1 : 0);
	for (;;)	/* no isa-debug-exit: stop here */
		asm volatile("cli; hlt");
}

static void serial_init(void)
{
	outb(COM1 + 1, 0x00);	/* no UART interrupts */
	outb(COM1 + 3, 0x80);	/* DLAB */
	outb(COM1 + 0, 1);	/* 115200 baud */
	outb(COM1 + 1, 0);
	outb(COM1 + 3, 0x03);	/* 8N1 */
	outb(COM1 + 2, 0xc7);	/* FIFO on, cleared */
	outb(COM1 + 4, 0x03);	/* DTR, RTS */
}

/* --- PCI configuration space (mechanism #1, bus 0) --- */

static void cfg_select(uint32_t bdf, unsigned int off)
{
	outl(0xcf8, 0x80000000u | bdf << 8 | (off & 0xfc));
}

static uint32_t cfg_read32(uint32_t bdf, unsigned int off)
{
	cfg_select(bdf, off);
	return inl(0xcfc);
}

static uint16_t cfg_read16(uint32_t bdf, unsigned int off)
{
	return cfg_read32(bdf, off) >> (off & 2) * 8;
}

static uint8_t cfg_read8(uint32_t bdf, unsigned int off)
{
	return cfg_read32(bdf, off) >> (off & 3) * 8;
}

static void cfg_write32(uint32_t bdf, unsigned int off, uint32_t v)
{
	cfg_select(bdf, off);
	outl(0xcfc, v);
}

static void cfg_write16(uint32_t bdf, unsigned int off, uint16_t v)
{
	cfg_select(bdf, off);
	outw(0xcfc + (off & 2), v);
}

static unsigned int find_cap(unsigned int id)
{
	unsigned int p = 0, n = 48;

	if (cfg_read16(dev.bdf, 0x06) & 0x10)	/* status: capability list */
		p = cfg_read8(dev.bdf, 0x34) & 0xfc;
	for (; p && n; n--, p = cfg_read8(dev.bdf, p + 1) & 0xfc)
		if (cfg_read8(dev.bdf, p) == id)
			return p;
	return 0;
}

/* A BAR the CPU can reach (below 4 GiB, no paging), or 0. */
static uintptr_t bar_ptr(unsigned int i)
{
	return dev.bar[i] >> 32 ? 0 : (uintptr_t)dev.bar[i];
}

static void read_bars(void)
{
	for (unsigned int i = 0; i < 6; i++) {
		uint32_t lo = cfg_read32(dev.bdf, 0x10 + 4 * i);
		bool is64 = (lo & 7) == 4;

		if (lo & 1) {
			dev.bar[i] = lo & ~3u;
			print("# bar%u 0x%x io\n", i, lo & ~3u);
			continue;
		}
		dev.bar[i] = lo & ~0xfu;
		if (is64)
			dev.bar[i] |= (uint64_t)cfg_read32(dev.bdf, 0x14 + 4 * i) << 32;
		if (dev.bar[i])
			print("# bar%u 0x%llx mem%s%s\n", i, dev.bar[i],
			      is64 ? "64" : "32", lo & 8 ? " pref" : "");
		i += is64;
	}
}

/* --- interrupts: IDT, 8259 PIC, local APIC --- */

void isr_handler(struct isr_frame *f)
{
	unsigned int v = f->vector;

	if (v < 32) {	/* vectors 8, 10-14, 17 push an error code */
		bool err = v == 8 || (v >= 10 && v <= 14) || v == 17;

		result(false, "cpu exception %u at eip 0x%08x (error code 0x%x)",
		       v, f->cpu[err], err ? f->cpu[0] : 0);
		finish();
	}
	if (v == VEC_SPURIOUS) {	/* no EOI for these */
		spurious++;
		return;
	}
	if (v >= VEC_PIC && v < VEC_PIC + 16) {
		unsigned int irq = v - VEC_PIC;
		uint16_t pic = irq < 8 ? PIC1 : PIC2;

		if ((irq & 7) == 7) {	/* spurious unless in service */
			outb(pic, 0x0b);
			if (!(inb(pic) & 0x80)) {
				spurious++;
				if (irq == 15)
					outb(PIC1, 0x20);
				return;
			}
		}
		irq_count[v]++;
		unexpected += !irq_expected[v];
		if (irq == dev.irq_line && dev.ops)
			dev.ops->ack();	/* before the EOI: INTx is level */
		if (irq >= 8)
			outb(PIC2, 0x20);
		outb(PIC1, 0x20);
		return;
	}
	irq_count[v]++;
	unexpected += !irq_expected[v];
	if (dev.ops)
		dev.ops->ack();
	wr32(LAPIC + LAPIC_EOI, 0);
}

static void idt_init(void)
{
	struct { uint16_t limit; uint32_t base; } __attribute__((packed)) d;

	for (unsigned int v = 0; v < 256; v++) {
		uint32_t a = (uint32_t)isr_stubs + 16 * v;

		idt[v] = (struct idt_gate){ a & 0xffff, 0x08, 0, 0x8e, a >> 16 };
	}
	d.limit = sizeof(idt) - 1;
	d.base = (uint32_t)idt;
	asm volatile("lidt %0" : : "m"(d));
}

/* Remap the 8259s to 0x20-0x2f, everything masked. ELCR is kept. */
static void pic_init(void)
{
	outb(PIC1, 0x11);
	outb(PIC2, 0x11);
	outb(PIC1 + 1, VEC_PIC);
	outb(PIC2 + 1, VEC_PIC + 8);
	outb(PIC1 + 1, 1 << 2);	/* slave on IRQ 2 */
	outb(PIC2 + 1, 2);
	outb(PIC1 + 1, 0x01);	/* 8086 mode */
	outb(PIC2 + 1, 0x01);
	outb(PIC1 + 1, 0xfb);	/* all masked but the cascade */
	outb(PIC2 + 1, 0xff);
}

static void pic_mask(unsigned int irq, bool mask)
{
	uint16_t port = (irq < 8 ? PIC1 : PIC2) + 1;
	uint8_t bit = 1 << (irq & 7);

	outb(port, mask ? inb(port) | bit : inb(port) & ~bit);
}

/* Enable the local APIC for MSI; LINT0 stays ExtINT for the 8259. */
static void lapic_init(void)
{
	uint64_t base = rdmsr(MSR_APIC_BASE);

	if ((base & 0xfffff000) != LAPIC || !(base & 0x800))
		wrmsr(MSR_APIC_BASE, (base & 0xfff) | LAPIC | 0x800);
	wr32(LAPIC + LAPIC_SVR, 0x100 | VEC_SPURIOUS);
	wr32(LAPIC + LAPIC_LINT0, 0x700);
	wr32(LAPIC + LAPIC_LINT1, 0x400);
	wr32(LAPIC + LAPIC_TPR, 0);
	apic_id = rd32(LAPIC + LAPIC_ID) >> 24;
}

static uint32_t msi_addr(void)
{
	return LAPIC | apic_id << 12;
}

/* Wait with interrupts on for IDT vector @vec to pass @before, then a
 * little longer for duplicates; returns how many arrived. */
static uint32_t wait_vec(unsigned int vec, uint32_t before)
{
	sti();
	WAIT(irq_count[vec] != before);
	for (uint32_t n = SETTLE; n; n--)
		cpu_relax();
	cli();
	return irq_count[vec] - before;
}

/* Raise an interrupt of the device's (@dev_vector), expect IDT @vec. */
static uint32_t fire(unsigned int vec, unsigned int dev_vector)
{
	uint32_t before = irq_count[vec];

	irq_expected[vec] = true;
	dev.ops->raise(dev_vector);
	return wait_vec(vec, before);
}

static void test_intx(void)
{
	unsigned int irq = dev.irq_line, vec = VEC_PIC + irq;
	uint32_t n;

	if (!dev.irq_pin || irq >= 16 || irq == 2) {
		result(false, "intx: no usable interrupt line (pin %u line %u)",
		       dev.irq_pin, irq);
		return;
	}
	pic_mask(irq, false);
	n = fire(vec, 0);
	pic_mask(irq, true);
	result(n && !dev.ops->pending(), "intx: pin %c irq %u vector 0x%x: %u received",
	       '@' + dev.irq_pin, irq, vec, n);
}

/* Program and enable MSI (one message, VEC_MSI), or disable it. */
static unsigned int msi_set(bool on)
{
	unsigned int cap = find_cap(PCI_CAP_MSI);
	uint16_t ctl = cap ? cfg_read16(dev.bdf, cap + 2) : 0;
	unsigned int data = ctl & 0x80 ? 0x0c : 0x08;	/* 64-bit address? */

	if (!cap || !on) {
		if (cap)
			cfg_write16(dev.bdf, cap + 2, ctl & ~0x71);
		return cap;
	}
	cfg_write32(dev.bdf, cap + 4, msi_addr());
	if (ctl & 0x80)
		cfg_write32(dev.bdf, cap + 8, 0);
	cfg_write16(dev.bdf, cap + data, VEC_MSI);
	if (ctl & 0x100)	/* per-vector masking: unmask */
		cfg_write32(dev.bdf, cap + data + 4, 0);
	cfg_write16(dev.bdf, cap + 2, (ctl & ~0x70) | 1);
	return cap;
}

static void test_msi(void)
{
	unsigned int cap = msi_set(true);
	uint32_t n;

	if (!cap) {
		result(false, "msi: no MSI capability");
		return;
	}
	n = fire(VEC_MSI, 0);
	msi_set(false);
	result(n, "msi: cap 0x%x address 0x%x vector 0x%x: %u received", cap,
	       msi_addr(), VEC_MSI, n);
}

/* --- mockdma --- */

static uint32_t mreg(unsigned int off)
{
	return rd32(dev.regs + off);
}

static void mset(unsigned int off, uint32_t v)
{
	wr32(dev.regs + off, v);
}

static void mockdma_raise(unsigned int vector)
{
	mset(MOCKDMA_REG_SWINT, vector);
}

static uint32_t mockdma_pending(void)
{
	return mreg(MOCKDMA_REG_IRQ_STATUS);
}

/*
 * Handlers acknowledge with one blind write, no read first: under VFIO the
 * first BAR access after an INTx unmasks the host's line, which must be
 * low by then or the interrupt comes back once more.
 */
static void mockdma_ack(void)
{
	mset(MOCKDMA_REG_IRQ_STATUS, ~0u);	/* RW1C: every cause */
}

static void fill(uint8_t *p, unsigned int len, unsigned int seed)
{
	for (unsigned int i = 0; i < len; i++)
		p[i] = (uint8_t)(i * 31 + (i >> 8) + seed);
}

/* The first of @len bytes at which @got differs from @want, or @len. */
static unsigned int first_diff(const volatile uint8_t *want,
			       const volatile uint8_t *got, unsigned int len)
{
	unsigned int i = 0;

	while (i < len && got[i] == want[i])
		i++;
	return i;
}

static void check_bytes(const char *what, bool done, const uint8_t *want,
			const volatile uint8_t *got, unsigned int len)
{
	unsigned int i = first_diff(want, got, len);

	if (!done)
		result(false, "%s: timed out", what);
	else if (i < len)
		result(false, "%s: byte %u differs: 0x%02x, want 0x%02x", what,
		       i, got[i], want[i]);
	else
		result(true, "%s: %u bytes", what, len);
}

/* Queue one COPY descriptor; the doorbell starts it. */
static volatile struct mockdma_desc *mockdma_copy(uint16_t flags, uint16_t vector,
						  uint32_t src, uint32_t dst,
						  uint32_t len)
{
	volatile struct mockdma_desc *d = &ring[ring_tail];

	d->opcode = MOCKDMA_OP_COPY;
	d->flags = flags;
	d->vector = vector;
	d->len = len;
	d->src = src;
	d->dst = dst;
	d->cookie = ring_tail;
	d->done = 0;
	d->status = MOCKDMA_ST_PENDING;
	barrier();
	ring_tail = (ring_tail + 1) % RING_N;
	mset(MOCKDMA_REG_RING_TAIL, ring_tail);
	return d;
}

/* Wait for @d; true if it completed with ST_OK and @len bytes. */
static bool mockdma_wait(volatile struct mockdma_desc *d, const char *what)
{
	if (!WAIT(d->status != MOCKDMA_ST_PENDING))
		return result(false, "%s: descriptor timed out (head %u done %u)",
			      what, mreg(MOCKDMA_REG_RING_HEAD),
			      mreg(MOCKDMA_REG_DESC_DONE));
	if (d->status != MOCKDMA_ST_OK || d->done != d->len)
		return result(false, "%s: descriptor status %u, %u bytes done",
			      what, d->status, d->done);
	return true;
}

static void mockdma_dma(void)
{
	uintptr_t mem = bar_ptr(MOCKDMA_BAR_MEM);
	volatile struct mockdma_desc *d;
	const char *what;

	mset(MOCKDMA_REG_RING_BASE, (uint32_t)ring);
	mset(MOCKDMA_REG_RING_BASE + 4, 0);
	mset(MOCKDMA_REG_RING_SIZE, RING_N);
	mset(MOCKDMA_REG_CTRL, MOCKDMA_CTRL_ENABLE);
	ring_tail = 0;

	what = "dma ram -> device, read back through BAR2";
	fill(buf_a, DMA_LEN, 1);
	for (unsigned int i = 0; mem && i < DMA_LEN; i++)
		wr8(mem + DEV_OFF + i, 0);
	d = mockdma_copy(MOCKDMA_F_DST_DEV, 0, (uint32_t)buf_a, DEV_OFF, DMA_LEN);
	if (!mem)
		result(false, "%s: BAR2 is not below 4 GiB", what);
	else if (mockdma_wait(d, what))
		check_bytes(what, true, buf_a, (volatile uint8_t *)(mem + DEV_OFF),
			    DMA_LEN);

	what = "dma device -> ram";
	memset(buf_b, 0, sizeof(buf_b));
	d = mockdma_copy(MOCKDMA_F_SRC_DEV, 0, DEV_OFF, (uint32_t)buf_b, DMA_LEN);
	if (mockdma_wait(d, what))
		check_bytes(what, true, buf_a, buf_b, DMA_LEN);

	what = "dma ram -> ram";
	fill(buf_a, DMA_LEN, 2);
	memset(buf_c, 0, sizeof(buf_c));
	d = mockdma_copy(0, 0, (uint32_t)buf_a, (uint32_t)buf_c + 5, DMA_LEN);
	if (mockdma_wait(d, what))
		check_bytes(what, true, buf_a, buf_c + 5, DMA_LEN);
}

static void mockdma_msix(void)
{
	unsigned int cap = find_cap(PCI_CAP_MSIX);
	uint16_t ctl = cap ? cfg_read16(dev.bdf, cap + 2) : 0;
	uint32_t table = cap ? cfg_read32(dev.bdf, cap + 4) : 0;
	uintptr_t t = bar_ptr(table & 7);
	volatile struct mockdma_desc *d;
	uint32_t n, before;

	if (!cap || !t || (ctl & 0x7ff) < 2) {
		result(false, "msix: no usable MSI-X (cap 0x%x table 0x%x ctl 0x%x)",
		       cap, table, ctl);
		return;
	}
	t += table & ~7u;
	for (unsigned int e = 0; e < 3; e++) {	/* SWINT 0 and 1, DMA done 2 */
		wr32(t + 16 * e, msi_addr());
		wr32(t + 16 * e + 4, 0);
		wr32(t + 16 * e + 8, VEC_MSIX + e);
		wr32(t + 16 * e + 12, 0);	/* unmasked */
	}
	cfg_write16(dev.bdf, cap + 2, (ctl | 0x8000) & ~0x4000);

	for (unsigned int e = 0; e < 2; e++) {
		n = fire(VEC_MSIX + e, e);
		result(n, "msix: cap 0x%x entry %u vector 0x%x: %u received", cap,
		       e, VEC_MSIX + e, n);
	}

	mset(MOCKDMA_REG_IRQ_ENABLE, MOCKDMA_IRQ_DMA_DONE);
	irq_expected[VEC_MSIX + 2] = true;
	before = irq_count[VEC_MSIX + 2];
	memset(buf_c, 0, sizeof(buf_c));
	d = mockdma_copy(MOCKDMA_F_IRQ, 2, (uint32_t)buf_a, (uint32_t)buf_c, 256);
	if (mockdma_wait(d, "msix: dma-done interrupt")) {
		n = wait_vec(VEC_MSIX + 2, before);
		result(n && first_diff(buf_a, buf_c, 256) == 256,
		       "msix: dma-done interrupt, entry 2 vector 0x%x: %u received",
		       VEC_MSIX + 2, n);
	}

	for (unsigned int e = 0; e < 3; e++)
		wr32(t + 16 * e + 12, 1);
	cfg_write16(dev.bdf, cap + 2, ctl & ~0x8000);
	mset(MOCKDMA_REG_IRQ_ENABLE, 0);
}

static void mockdma_tests(void)
{
	uint32_t magic = mreg(MOCKDMA_REG_MAGIC);
	uint32_t version = mreg(MOCKDMA_REG_VERSION);
	uint32_t s1, s2;

	result(magic == MOCKDMA_MAGIC, "mockdma MAGIC 0x%08x", magic);
	result(version == MOCKDMA_VERSION, "mockdma VERSION %u FEATURES 0x%x",
	       version, mreg(MOCKDMA_REG_FEATURES));
	mset(MOCKDMA_REG_SCRATCH, 0xa5a55a5a);
	s1 = mreg(MOCKDMA_REG_SCRATCH);
	mset(MOCKDMA_REG_SCRATCH, 0x12345678);
	s2 = mreg(MOCKDMA_REG_SCRATCH);
	result(s1 == 0xa5a55a5a && s2 == 0x12345678,
	       "mockdma SCRATCH read/write: 0x%08x 0x%08x", s1, s2);

	mockdma_dma();

	/* MSI and MSI-X are off (reset state) for INTx */
	mset(MOCKDMA_REG_IRQ_STATUS, ~0u);
	mset(MOCKDMA_REG_IRQ_ENABLE, MOCKDMA_IRQ_SWINT);
	test_intx();
	test_msi();
	mockdma_msix();
	mset(MOCKDMA_REG_CTRL, 0);
	print("# mockdma IRQ_COUNT 0-2: %u %u %u INTX_COUNT %u\n",
	      mreg(MOCKDMA_REG_IRQ_COUNT), mreg(MOCKDMA_REG_IRQ_COUNT + 4),
	      mreg(MOCKDMA_REG_IRQ_COUNT + 8), mreg(MOCKDMA_REG_INTX_COUNT));
}

/* --- edu --- */

static void edu_raise(unsigned int vector)
{
	(void)vector;
	wr32(dev.regs + EDU_IRQ_RAISE, EDU_IRQ_SW);
}

static uint32_t edu_pending(void)
{
	return rd32(dev.regs + EDU_IRQ_STATUS);
}

static void edu_ack(void)
{
	wr32(dev.regs + EDU_IRQ_ACK, ~0u);	/* see mockdma_ack() */
}

/* One transfer; RAM addresses must stay below edu's 28-bit DMA mask. */
static bool edu_dma(uint32_t src, uint32_t dst, uint32_t cmd)
{
	wr32(dev.regs + EDU_DMA_SRC, src);
	wr32(dev.regs + EDU_DMA_DST, dst);
	wr32(dev.regs + EDU_DMA_COUNT, EDU_DMA_LEN);
	wr32(dev.regs + EDU_DMA_CMD, cmd | EDU_DMA_RUN);
	return WAIT(!(rd32(dev.regs + EDU_DMA_CMD) & EDU_DMA_RUN));
}

static void edu_tests(void)
{
	uint32_t id = rd32(dev.regs + EDU_ID), l1, l2, before, n;
	bool done;

	result((id & 0xffff) == 0x00ed, "edu identification 0x%08x: version %u.%u",
	       id, id >> 24, id >> 16 & 0xff);
	wr32(dev.regs + EDU_LIVENESS, 0x12345678);
	l1 = rd32(dev.regs + EDU_LIVENESS);
	wr32(dev.regs + EDU_LIVENESS, 0);
	l2 = rd32(dev.regs + EDU_LIVENESS);
	result(l1 == ~0x12345678u && l2 == ~0u,
	       "edu liveness: ~0x12345678 = 0x%08x, ~0 = 0x%08x", l1, l2);

	fill(buf_a, EDU_DMA_LEN, 3);
	done = edu_dma((uint32_t)buf_a, EDU_DMA_BUF, 0);
	result(done, "dma ram -> device: %u bytes%s", EDU_DMA_LEN,
	       done ? "" : ": timed out");
	memset(buf_b, 0, sizeof(buf_b));
	done = edu_dma(EDU_DMA_BUF, (uint32_t)buf_b, EDU_DMA_TO_RAM);
	check_bytes("dma device -> ram", done, buf_a, buf_b, EDU_DMA_LEN);

	test_intx();
	test_msi();

	/* the completion interrupt, with MSI */
	msi_set(true);
	before = irq_count[VEC_MSI];
	memset(buf_c, 0, sizeof(buf_c));
	done = edu_dma(EDU_DMA_BUF, (uint32_t)buf_c, EDU_DMA_TO_RAM | EDU_DMA_IRQ);
	n = wait_vec(VEC_MSI, before);
	msi_set(false);
	result(done && n && first_diff(buf_a, buf_c, EDU_DMA_LEN) == EDU_DMA_LEN,
	       "msi: dma-done interrupt, vector 0x%x: %u received", VEC_MSI, n);
}

/* --- main --- */

static const struct devops devices[] = {
	{ "mockdma", MOCKDMA_DEVICE_ID, mockdma_tests, mockdma_raise,
	  mockdma_ack, mockdma_pending },
	{ "edu", EDU_DEVICE_ID, edu_tests, edu_raise, edu_ack, edu_pending },
};

static bool find_device(void)
{
	for (uint32_t slot = 0; slot < 32; slot++) {
		for (uint32_t fn = 0; fn < 8; fn++) {
			uint32_t bdf = slot << 3 | fn, id = cfg_read32(bdf, 0);

			if ((id & 0xffff) == 0xffff) {
				if (!fn)
					break;
				continue;
			}
			for (unsigned int i = 0; i < 2; i++) {
				if (id == ((uint32_t)devices[i].device_id << 16 | 0x1234)) {
					dev.ops = &devices[i];
					dev.bdf = bdf;
					return true;
				}
			}
			if (!fn && !(cfg_read8(bdf, 0x0e) & 0x80))
				break;	/* single-function device */
		}
	}
	return false;
}

static uint32_t count_range(unsigned int from, unsigned int n)
{
	uint32_t sum = 0;

	while (n--)
		sum += irq_count[from++];
	return sum;
}

void payload_main(uint32_t magic, const uint32_t *mbi)
{
	serial_init();
	print("# payload: start\n");
	if (magic != 0x2badb002)
		print("# not started by a multiboot loader (eax 0x%x)\n", magic);
	else if (mbi[0] & 1)
		print("# memory: %u KiB low, %u KiB high\n", mbi[1], mbi[2]);
	idt_init();
	pic_init();
	lapic_init();

	if (!find_device()) {
		result(false, "no mockdma (1234:%04x) or edu (1234:%04x) on bus 0",
		       MOCKDMA_DEVICE_ID, EDU_DEVICE_ID);
		finish();
	}
	dev.irq_line = cfg_read8(dev.bdf, 0x3c);
	dev.irq_pin = cfg_read8(dev.bdf, 0x3d);
	read_bars();
	dev.regs = bar_ptr(0);
	if (!result(dev.regs, "found %s 1234:%04x at 00:%02x.%u BAR0 0x%llx irq %u",
		    dev.ops->name, dev.ops->device_id, dev.bdf >> 3, dev.bdf & 7,
		    dev.bar[0], dev.irq_line))
		finish();
	/* memory space, bus master, INTx enabled (DisINTx clear) */
	cfg_write16(dev.bdf, 0x04, (cfg_read16(dev.bdf, 0x04) | 0x6) & ~0x400);

	dev.ops->tests();

	print("# irqs: intx %u msi %u msix %u spurious %u unexpected %u\n",
	      dev.irq_line < 16 ? irq_count[VEC_PIC + dev.irq_line] : 0,
	      irq_count[VEC_MSI], count_range(VEC_MSIX, 16), spurious, unexpected);
	result(!unexpected, "no unexpected interrupts");
	finish();
}
