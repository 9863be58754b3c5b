/*
 * search_cmd: "factd search": the current facts whose sentence holds the
 * words, from a store opened read-only.
 */
#ifndef FACTD_SEARCH_CMD_H
#define FACTD_SEARCH_CMD_H

/* Run the command; argv[0] is "search".  Returns the exit status: 0 when
 * something matched, 1 when nothing did, 2 for usage and store errors. */
int search_cmd(int argc, char **argv);

#endif
