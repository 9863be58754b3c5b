/*
 * status_cmd: "factd status": what factd run did lately, from its store.
 */
#ifndef FACTD_STATUS_CMD_H
#define FACTD_STATUS_CMD_H

/* Run the command; argv[0] is "status".  Returns the exit status. */
int status_cmd(int argc, char **argv);

#endif
