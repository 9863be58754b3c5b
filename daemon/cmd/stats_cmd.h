/*
 * stats_cmd: "factd stats": what a store holds.
 */
#ifndef FACTD_STATS_CMD_H
#define FACTD_STATS_CMD_H

/* Run the command; argv[0] is "stats".  Returns the exit status. */
int stats_cmd(int argc, char **argv);

#endif
