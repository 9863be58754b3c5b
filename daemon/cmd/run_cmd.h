/*
 * run_cmd: "factd run -c FILE [--once]", the daemon: follows the configured
 * sources with libcurl on a libev loop and keeps the store current.
 */
#ifndef FACTD_RUN_CMD_H
#define FACTD_RUN_CMD_H

int run_cmd(int argc, char **argv);

#endif
