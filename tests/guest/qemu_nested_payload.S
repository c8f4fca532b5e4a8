/* SPDX-License-Identifier: GPL-2.0 */
/* The bare-metal payload (tests/payload/), inside qemu_nested's binary. */
	.section .rodata
	.balign 16
	.globl upcilab_payload, upcilab_payload_end
upcilab_payload:
	.incbin UPCILAB_PAYLOAD
upcilab_payload_end:
	.section .note.GNU-stack, "", @progbits
