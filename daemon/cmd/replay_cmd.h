/*
 * replay_cmd: "factd replay": saved pages into the SQLite store.
 */
#ifndef FACTD_REPLAY_CMD_H
#define FACTD_REPLAY_CMD_H

/* Run the command; argv[0] is "replay".  Returns the exit status. */
int replay_cmd(int argc, char **argv);

#endif
