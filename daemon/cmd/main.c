/*
 * main: the factd command line.  Each command is its own module; main only
 * picks one.
 */
#include <malloc.h>
#include <stdio.h>
#include <string.h>

#include "check_cmd.h"
#include "export_cmd.h"
#include "extract_cmd.h"
#include "patterns_cmd.h"
#include "replay_cmd.h"
#include "run_cmd.h"
#include "search_cmd.h"
#include "show_cmd.h"
#include "stats_cmd.h"
#include "status_cmd.h"

static void
usage(FILE *f)
{
    fputs("usage: factd COMMAND [OPTIONS] [ARGS]\n"
          "\n"
          "Commands:\n"
          "  extract   print the facts of report pages as JSON lines\n"
          "  replay    store the facts of saved pages in an SQLite store\n"
          "  run       follow the configured sources and keep the store current (-c FILE)\n"
          "  stats     what a store holds\n"
          "  search    the facts whose sentence holds the words, as typed (--db FILE WORD...)\n"
          "  show      one fact and every page it was seen on, to cite (--db FILE ID)\n"
          "  export    write a view of a store as CSV or JSON lines, for a spreadsheet or R\n"
          "  status    what factd run did lately, and whether it looks alive (-c FILE)\n"
          "  test-patterns  check the examples written beside the patterns\n"
          "  check     check a configuration file and its patterns (-c FILE)\n"
          "  version   print the version\n"
          "\n"
          "factd COMMAND --help describes a command.\n",
          f);
}

int
main(int argc, char **argv)
{
    /* Pages come and go by the thousand with buffers of similar sizes:
     * keep freed memory for the next page rather than hand it back to the
     * kernel (brk, munmap) after each one.  Peak memory is unchanged. */
    mallopt(M_TRIM_THRESHOLD, 64 << 20);
    mallopt(M_MMAP_THRESHOLD, 32 << 20);

    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (strcmp(argv[1], "extract") == 0)
        return extract_cmd(argc - 1, argv + 1);
    if (strcmp(argv[1], "replay") == 0)
        return replay_cmd(argc - 1, argv + 1);
    if (strcmp(argv[1], "run") == 0)
        return run_cmd(argc - 1, argv + 1);
    if (strcmp(argv[1], "stats") == 0)
        return stats_cmd(argc - 1, argv + 1);
    if (strcmp(argv[1], "search") == 0)
        return search_cmd(argc - 1, argv + 1);
    if (strcmp(argv[1], "show") == 0)
        return show_cmd(argc - 1, argv + 1);
    if (strcmp(argv[1], "export") == 0)
        return export_cmd(argc - 1, argv + 1);
    if (strcmp(argv[1], "status") == 0)
        return status_cmd(argc - 1, argv + 1);
    if (strcmp(argv[1], "check") == 0)
        return check_cmd(argc - 1, argv + 1);
    if (strcmp(argv[1], "test-patterns") == 0)
        return test_patterns_cmd(argc - 1, argv + 1);
    if (strcmp(argv[1], "version") == 0 || strcmp(argv[1], "--version") == 0) {
        printf("factd %s\n", FACTD_VERSION);
        return 0;
    }
    if (strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0 ||
        strcmp(argv[1], "-h") == 0) {
        usage(stdout);
        return 0;
    }
    fprintf(stderr, "factd: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return 2;
}
