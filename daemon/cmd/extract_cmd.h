/*
 * extract_cmd: "factd extract": print the facts of files as JSON lines.
 */
#ifndef FACTD_EXTRACT_CMD_H
#define FACTD_EXTRACT_CMD_H

/* Run the command; argv[0] is "extract".  Returns the exit status. */
int extract_cmd(int argc, char **argv);

#endif
