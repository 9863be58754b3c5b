/*
 * extract_cmd: "factd extract": print the facts of files as JSON lines.
 */
#ifndef FACTD_EXTRACT_CMD_H
#define FACTD_EXTRACT_CMD_H

/* Run the command; argv[0] is "extract".  Returns the exit status. */
int extract_cmd(int argc, char **argv);

/* Where patterns are looked for when no --patterns is given. */
const char *default_patterns_dir(void);

#endif
