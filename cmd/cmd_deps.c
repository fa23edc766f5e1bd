// SPDX-License-Identifier: MIT
/*
 * `xform deps`: installs the packages packages.yml asks for and writes
 * package-lock.yml (deps/ does the work). Exit 2 when the files are
 * wrong, 1 when a package could not be fetched; nothing changes in either.
 */
#include <stdlib.h>
#include <string.h>

#include "cmd/cli.h"
#include "deps/deps.h"

/* dbt's codes for the deps events, for --log-format json */
static const char *const events[][2] = {
    {"DepsNoPackagesFound", "M013"},
    {"DepsStartPackageInstall", "M014"},
    {"DepsInstallInfo", "M015"},
    {"DepsUpdateAvailable", "M016"},
    {"DepsUpToDate", "M017"},
    {"DepsListSubdirectory", "M018"},
    {"DepsNotifyUpdatesAvailable", "M019"},
    {"DepsLockUpdating", "M031"},
    {"DepsAddPackage", "M032"},
    {"DepsFoundDuplicatePackage", "M033"},
};

static void on_note(void *user, const char *event, const char *msg)
{
    const char *code = "M000";
    for (size_t i = 0; i < sizeof events / sizeof *events; i++) {
        if (!strcmp(events[i][0], event))
            code = events[i][1];
    }
    xf_console_event(user, event, code, NULL, "%s", msg);
}

int xf_cmd_deps(struct xf_cli *cli)
{
    /* deps reads no profile: say so rather than take these in silence */
    const char *unused[] = {cli->profiles_dir ? "--profiles-dir" : NULL,
                            cli->target ? "--target" : NULL, cli->vars ? "--vars" : NULL};
    for (size_t i = 0; i < 3; i++) {
        if (unused[i])
            fprintf(stderr, "warning: 'xform deps' reads no profile or vars; %s is not used\n",
                    unused[i]);
    }
    if (cli->source && !cli->add_package) {
        fprintf(stderr, "error: --source says what --add-package names; give --add-package too\n");
        return XF_EXIT_USAGE;
    }
    if (cli->positional.n) {
        fprintf(stderr, "error: 'xform deps' takes no argument '%s'; see 'xform deps --help'\n",
                cli->positional.v[0]);
        return XF_EXIT_USAGE;
    }
    const char *hub = getenv("XFORM_PACKAGE_HUB_URL");
    if (!hub || !*hub)
        hub = getenv("DBT_PACKAGE_HUB_URL"); /* dbt's name for it */
    struct xf_deps_opts o = {
        .project_dir = cli->project_dir,
        .upgrade = cli->upgrade,
        .lock_only = cli->lock,
        .add_package = cli->add_package,
        .source = cli->source,
        .hub_url = hub,
        .note = on_note,
        .user = cli,
    };
    struct xf_arena a;
    xf_arena_init(&a);
    struct xf_diags d;
    xf_diags_init(&d);
    int r = xf_deps_run(&o, &a, &d);
    xf_console_diags(cli, &d);
    xf_diags_release(&d);
    xf_arena_release(&a);
    if (r == XF_DEPS_EINPUT)
        return XF_EXIT_USAGE;
    return r < 0 ? XF_EXIT_FAIL : XF_EXIT_OK;
}
