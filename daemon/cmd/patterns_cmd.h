/*
 * patterns_cmd: "factd test-patterns": run the examples written beside the
 * patterns and say which fail, as FILE:LINE: expected ..., got ...
 */
#ifndef FACTD_PATTERNS_CMD_H
#define FACTD_PATTERNS_CMD_H

/* Run the command; argv[0] is "test-patterns".  Returns the exit status. */
int test_patterns_cmd(int argc, char **argv);

#endif
