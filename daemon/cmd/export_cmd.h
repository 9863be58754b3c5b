/*
 * export_cmd: "factd export": a view of the store as CSV or JSON lines, for a
 * spreadsheet, pandas or R (docs/export.md).
 */
#ifndef FACTD_EXPORT_CMD_H
#define FACTD_EXPORT_CMD_H

/* Run the command; argv[0] is "export".  Returns the exit status. */
int export_cmd(int argc, char **argv);

#endif
