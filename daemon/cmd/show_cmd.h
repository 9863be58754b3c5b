/*
 * show_cmd: factd show --db FILE FACT_ID: one fact and every sighting of it,
 * with what a citation needs.
 */
#ifndef FACTD_SHOW_CMD_H
#define FACTD_SHOW_CMD_H

int show_cmd(int argc, char **argv);

#endif
