/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Entry stub of the bare-metal payload: the multiboot v1 header, the
 * 32-bit entry QEMU's multiboot loader jumps to (EAX = 0x2badb002,
 * EBX = multiboot info, protected mode, flat segments, interrupts off),
 * our own GDT, and one 16-byte interrupt stub per IDT vector.
 */
#define MB_MAGIC	0x1badb002
#define MB_FLAGS	0x00000003	/* page-aligned modules, memory info */

	.section .multiboot, "a"
	.balign 4
	.long	MB_MAGIC
	.long	MB_FLAGS
	.long	-(MB_MAGIC + MB_FLAGS)

	.text
	.globl	_start
_start:
	cli
	cld
	lgdt	gdt_desc
	ljmp	$0x08, $1f		/* reload CS from our GDT */
1:	movw	$0x10, %cx
	movw	%cx, %ds
	movw	%cx, %es
	movw	%cx, %fs
	movw	%cx, %gs
	movw	%cx, %ss
	movl	$stack_top, %esp
	movl	%eax, %edx		/* multiboot magic */
	movl	$__bss_start, %edi	/* zero .bss (the stack is unused yet) */
	movl	$__bss_end, %ecx
	subl	%edi, %ecx
	xorl	%eax, %eax
	rep stosb
	pushl	%ebx			/* multiboot info */
	pushl	%edx			/* magic */
	call	payload_main
2:	cli
	hlt
	jmp	2b

/*
 * isr_stubs + 16 * v: push v, go to isr_common. The CPU's error code,
 * for the exceptions that push one, stays under the vector: only the
 * exception path (which never returns) looks at it.
 */
	.balign 16
	.globl	isr_stubs
isr_stubs:
	.set	vec, 0
	.rept	256
	.balign	16
	pushl	$vec
	jmp	isr_common
	.set	vec, vec + 1
	.endr

isr_common:
	pushal
	cld
	pushl	%esp			/* struct isr_frame * */
	call	isr_handler
	addl	$4, %esp
	popal
	addl	$4, %esp		/* the vector */
	iret

	.data
	.balign 8
gdt:
	.quad	0
	.quad	0x00cf9a000000ffff	/* 0x08: code, flat 4 GiB, ring 0 */
	.quad	0x00cf92000000ffff	/* 0x10: data, flat 4 GiB, ring 0 */
gdt_desc:
	.word	gdt_desc - gdt - 1
	.long	gdt

	.bss
	.balign	16
stack:
	.skip	16384
stack_top:

	.section .note.GNU-stack, "", @progbits
