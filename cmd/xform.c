// SPDX-License-Identifier: MIT
/*
 * The front door: finds the command, parses its options, decides on
 * colour and runs it.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cli.h"

int xf_main(int argc, char **argv)
{
    /* Past a file size limit (ulimit -f) a write fails with EFBIG, which is
     * reported with the file's name, instead of killing the process. */
    signal(SIGXFSZ, SIG_IGN);
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
        !strcmp(argv[1], "help")) {
        xf_cli_usage(argc < 2 ? stderr : stdout, NULL);
        return argc < 2 ? XF_EXIT_USAGE : XF_EXIT_OK;
    }
    if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
        printf("xform %s\n", XF_VERSION);
        return XF_EXIT_OK;
    }
    const struct xf_command *cmd = xf_cli_find(argv[1]);
    if (!cmd) {
        const char *names[32];
        size_t n = 0;
        for (const struct xf_command *c = xf_cli_commands(); c->name && n < 32; c++)
            names[n++] = c->name;
        const char *sug = xf_str_suggest(xf_str_c(argv[1]), names, n);
        if (sug)
            fprintf(stderr, "error: unknown command '%s' (did you mean '%s'?)\n", argv[1], sug);
        else
            fprintf(stderr, "error: unknown command '%s'; see 'xform --help'\n", argv[1]);
        return XF_EXIT_USAGE;
    }
    struct xf_cli cli;
    memset(&cli, 0, sizeof cli);
    cli.command = cmd->name;
    cli.argc = argc;
    cli.argv = (const char *const *)argv;
    int code;
    if (xf_cli_parse(&cli, cmd, argc - 2, argv + 2) < 0) {
        code = XF_EXIT_USAGE;
    } else if (cli.help) {
        xf_cli_usage(stdout, cmd);
        code = XF_EXIT_OK;
    } else if (xf_warn_error_init(&cli) < 0) {
        code = XF_EXIT_USAGE;
    } else if ((cmd->flags & XF_OPT_INDIRECT) && xf_cli_indirect(&cli, &(enum xf_indirect){0}) < 0) {
        code = XF_EXIT_USAGE;
    } else if ((cmd->flags & (XF_OPT_LS | XF_OPT_BUILD)) &&
               xf_cli_types(&cli, (bool[XF_RES_NTYPES]){0}) < 0) {
        code = XF_EXIT_USAGE;
    } else if (cli.log_format && strcmp(cli.log_format, "text") &&
               strcmp(cli.log_format, "default") && strcmp(cli.log_format, "json")) {
        fprintf(stderr, "error: --log-format must be text, default or json, not '%s'\n",
                cli.log_format);
        code = XF_EXIT_USAGE;
    } else {
        const char *nc = getenv("NO_COLOR");
        cli.json_log = cli.log_format && !strcmp(cli.log_format, "json");
        /* JSON lines carry plain text: no colour codes inside them */
        cli.color =
            !cli.json_log && (cli.color_forced || (!cli.no_color && !(nc && *nc) &&
                                                   isatty(STDOUT_FILENO) && isatty(STDERR_FILENO)));
        cli.json_data = cli.json_log;
        if (xf_logfile_start(&cli) < 0) {
            code = XF_EXIT_USAGE;
        } else {
            code = cmd->fn(&cli);
            xf_logfile_finish(&cli, code);
        }
    }
    xf_cli_release(&cli);
    fflush(stdout);
    return code;
}
