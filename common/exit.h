/* vbench's exit statuses, one enum for every command and the run engine that decides them. */
#ifndef VB_EXIT_H
#define VB_EXIT_H

enum vb_exit {
	VB_EXIT_OK = 0,
	VB_EXIT_FAILED = 1,	   /* a failed check: a workload failed, a regression */
	VB_EXIT_USAGE = 2,	   /* the command line is wrong */
	VB_EXIT_ENVIRONMENT = 2,   /* the host, a file or a backend cannot do what was asked */
	VB_EXIT_INTERRUPTED = 130, /* Ctrl-C (128 + SIGINT): what was measured is saved */
};

#endif
