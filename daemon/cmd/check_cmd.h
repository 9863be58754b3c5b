/*
 * check_cmd: "factd check -c FILE": load the configuration and the patterns
 * it names, report every error as FILE:LINE: message, exit 0 only when clean.
 */
#ifndef FACTD_CHECK_CMD_H
#define FACTD_CHECK_CMD_H

/* Run the command; argv[0] is "check".  Returns the exit status. */
int check_cmd(int argc, char **argv);

#endif
