/* vbench subcommands, one file each (cmd-*.c), dispatched from main.c. */
#ifndef VB_COMMANDS_H
#define VB_COMMANDS_H

/*
 * Each takes argv[0] = the subcommand name and returns the exit status: an enum vb_exit
 * (common/exit.h), or for exec the command's own.
 */
int cmd_list(int argc, char **argv);
int cmd_info(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_compare(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_diff(int argc, char **argv);
int cmd_history(int argc, char **argv);
int cmd_exec(int argc, char **argv);
int cmd_vm(int argc, char **argv);

#endif
