/*
 * The bare guest's entry point, where the VMM starts every vCPU in 64-bit ring 3: %rdi holds the
 * vCPU's index, %rsp the top of its stack, FS base its TLS page (whose first qword points to
 * itself). Nothing else is set up: no kernel, no C library start code.
 */
	.text
	.globl	_start
	.type	_start, @function
_start:
	xorl	%ebp, %ebp		/* the outermost frame, for debuggers and backtraces */
	andq	$-16, %rsp		/* the ABI's alignment at a call */
	call	bare_entry		/* bare_entry(vcpu index): never returns */
	ud2
	.size	_start, . - _start

	.section .note.GNU-stack, "", @progbits
