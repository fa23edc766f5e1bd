// SPDX-License-Identifier: MIT
/*
 * Command and option tables. Each option is declared once, with the
 * groups of commands that accept it; the same table drives parsing and
 * --help, so they cannot disagree.
 */
#include "cmd/cli.h"

#include <stdlib.h>
#include <string.h>

#include "parser/features.h"

static const struct xf_command commands[] = {
    {"build", xf_cmd_build, "seed, run, snapshot and test the selected nodes in DAG order",
     XF_OPT_PROJECT | XF_OPT_SELECT | XF_OPT_RUN | XF_OPT_BUILD | XF_OPT_EMPTY | XF_OPT_INDIRECT |
         XF_OPT_EVENT_TIME},
    {"clean", xf_cmd_clean, "delete the clean-targets folders (never a database file)",
     XF_OPT_PROJECT},
    {"clone", xf_cmd_clone, "make views over the --state run's relations for the selected nodes",
     XF_OPT_PROJECT | XF_OPT_SELECT | XF_OPT_RUN},
    {"compile", xf_cmd_compile, "render every selected node's SQL into target/compiled",
     XF_OPT_PROJECT | XF_OPT_SELECT | XF_OPT_RUN | XF_OPT_COMPILE | XF_OPT_EMPTY},
    {"init", xf_cmd_init, "create a new project folder NAME", 0},
    {"retry", xf_cmd_retry, "run again only what errored, failed or was skipped last time",
     XF_OPT_PROJECT | XF_OPT_RUN},
    {"show", xf_cmd_show, "preview the rows of a model (--select NAME) or of --inline SQL",
     XF_OPT_PROJECT | XF_OPT_SELECT | XF_OPT_SHOW},
    {"deps", xf_cmd_deps, "install the packages of packages.yml and write package-lock.yml",
     XF_OPT_PROJECT | XF_OPT_DEPS},
    {"debug", xf_cmd_debug, "show the project, profile and target, and test the connection",
     XF_OPT_PROJECT},
    {"docs", xf_cmd_docs, "docs generate: write the catalog and a static docs site; docs serve",
     XF_OPT_PROJECT | XF_OPT_SELECT | XF_OPT_RUN | XF_OPT_DOCS},
    {"lineage", xf_cmd_lineage, "print the selected part of the lineage (text, dot, mermaid, json)",
     XF_OPT_PROJECT | XF_OPT_SELECT | XF_OPT_LINEAGE},
    {"ls", xf_cmd_ls, "list the selected resources",
     XF_OPT_PROJECT | XF_OPT_SELECT | XF_OPT_LS | XF_OPT_INDIRECT},
    {"list", xf_cmd_ls, "same as ls", XF_OPT_PROJECT | XF_OPT_SELECT | XF_OPT_LS | XF_OPT_INDIRECT},
    {"parse", xf_cmd_parse, "load the project and write target/manifest.json", XF_OPT_PROJECT},
    {"run", xf_cmd_run, "build the selected models",
     XF_OPT_PROJECT | XF_OPT_SELECT | XF_OPT_RUN | XF_OPT_EMPTY | XF_OPT_INDIRECT |
         XF_OPT_EVENT_TIME},
    {"run-operation", xf_cmd_run_operation, "call a macro (MACRO or package.MACRO) with --args",
     XF_OPT_PROJECT | XF_OPT_RUNOP},
    {"seed", xf_cmd_seed, "load CSV seeds into tables",
     XF_OPT_PROJECT | XF_OPT_SELECT | XF_OPT_RUN},
    {"source", xf_cmd_source, "source freshness: check how recently sources were loaded",
     XF_OPT_PROJECT | XF_OPT_SELECT | XF_OPT_THREADS},
    {"snapshot", xf_cmd_snapshot, "run the selected snapshots",
     XF_OPT_PROJECT | XF_OPT_SELECT | XF_OPT_RUN},
    {"test", xf_cmd_test, "run the selected data tests",
     XF_OPT_PROJECT | XF_OPT_SELECT | XF_OPT_RUN | XF_OPT_INDIRECT},
    {NULL, NULL, NULL, 0},
};

enum kind { K_FLAG, K_STR, K_INT, K_LIST };

struct option {
    const char *lng;
    char shrt;
    enum kind kind;
    size_t off;
    unsigned groups; /* 0: every command */
    const char *arg, *help;
};

#define OFF(f) offsetof(struct xf_cli, f)

static const struct option options[] = {
    {"project-dir", 0, K_STR, OFF(project_dir), XF_OPT_PROJECT, "DIR",
     "the project folder (default: the current folder)"},
    {"profiles-dir", 0, K_STR, OFF(profiles_dir), XF_OPT_PROJECT, "DIR",
     "where profiles.yml is (default: $XFORM_PROFILES_DIR, the project, ~/.xform, ~/.dbt)"},
    {"target", 't', K_STR, OFF(target), XF_OPT_PROJECT, "NAME", "the profile output to use"},
    {"vars", 0, K_STR, OFF(vars), XF_OPT_PROJECT, "YAML", "variables as a YAML or JSON mapping"},
    {"select", 's', K_LIST, OFF(select), XF_OPT_SELECT, "SELECTOR",
     "nodes to include (name, +name, name+, tag:x, path:dir, ...)"},
    {"models", 'm', K_LIST, OFF(select), XF_OPT_SELECT, "SELECTOR", "same as --select"},
    {"exclude", 0, K_LIST, OFF(exclude), XF_OPT_SELECT, "SELECTOR", "nodes to leave out"},
    {"selector", 0, K_STR, OFF(selector), XF_OPT_SELECT, "NAME",
     "a named selector of selectors.yml"},
    {"threads", 0, K_INT, OFF(threads), XF_OPT_RUN | XF_OPT_THREADS, "N",
     "worker threads (default: profile's)"},
    {"full-refresh", 'f', K_FLAG, OFF(full_refresh), XF_OPT_RUN, NULL,
     "rebuild incremental models and seeds from scratch"},
    {"fail-fast", 'x', K_FLAG, OFF(fail_fast), XF_OPT_RUN, NULL, "stop at the first failure"},
    {"event-time-start", 0, K_STR, OFF(event_time_start), XF_OPT_EVENT_TIME, "TIME",
     "microbatch models: build the batches from this ISO date or time (UTC) on"},
    {"event-time-end", 0, K_STR, OFF(event_time_end), XF_OPT_EVENT_TIME, "TIME",
     "microbatch models: ... up to this one (exclusive); both or neither"},
    {"resource-type", 0, K_LIST, OFF(resource_types), XF_OPT_LS | XF_OPT_BUILD, "TYPE",
     "only these types: model, seed, snapshot, test, data_test, unit_test, source, analysis, "
     "exposure, metric, semantic_model, saved_query, all"},
    {"exclude-resource-type", 0, K_LIST, OFF(exclude_resource_types), XF_OPT_LS | XF_OPT_BUILD,
     "TYPE", "leave these types out (same values as --resource-type)"},
    {"output", 'o', K_STR, OFF(output), XF_OPT_LS | XF_OPT_COMPILE, "FORMAT",
     "ls: selector (default), name, path or json; compile: text (default) or json"},
    {"output-keys", 0, K_LIST, OFF(output_keys), XF_OPT_LS, "KEY",
     "ls --output json: only these keys (name, resource_type, unique_id, ...)"},
    {"port", 0, K_STR, OFF(port), XF_OPT_DOCS, "N", "docs serve: port on 127.0.0.1 (default 8080)"},
    {"format", 0, K_STR, OFF(format), XF_OPT_LINEAGE, "FORMAT",
     "text (default), dot, mermaid or json"},
    {"state", 0, K_STR, OFF(state), XF_OPT_SELECT, "DIR",
     "an earlier run's target folder: state:modified, result:, source_status:, --defer, clone"},
    {"defer", 0, K_FLAG, OFF(defer), XF_OPT_SELECT, NULL,
     "read unselected parents missing here from the --state run's relations"},
    {"favor-state", 0, K_FLAG, OFF(favor_state), XF_OPT_SELECT, NULL,
     "with --defer: read unselected parents from the --state run even when they exist here"},
    {"inline", 0, K_STR, OFF(inline_sql), XF_OPT_SHOW | XF_OPT_COMPILE, "SQL",
     "a query to preview (show) or to compile and print (compile)"},
    {"empty", 0, K_FLAG, OFF(empty), XF_OPT_EMPTY, NULL,
     "read every ref() and source() as zero rows: build the shapes, read no data"},
    {"indirect-selection", 0, K_STR, OFF(indirect_selection), XF_OPT_INDIRECT, "MODE",
     "which tests the selected nodes pull in: eager (default), cautious, buildable, empty "
     "(or $DBT_INDIRECT_SELECTION)"},
    {"args", 0, K_STR, OFF(args), XF_OPT_RUNOP, "YAML",
     "run-operation: the macro's keyword arguments as a YAML or JSON mapping"},
    {"profile", 0, K_STR, OFF(profile), XF_OPT_PROJECT, "NAME",
     "the profile of profiles.yml to use, instead of the project's 'profile:'"},
    {"limit", 0, K_INT, OFF(limit), XF_OPT_SHOW, "N", "rows to preview (default 5)"},
    {"upgrade", 0, K_FLAG, OFF(upgrade), XF_OPT_DEPS, NULL,
     "resolve packages.yml again even when package-lock.yml matches it"},
    {"lock", 0, K_FLAG, OFF(lock), XF_OPT_DEPS, NULL,
     "resolve and write package-lock.yml without installing"},
    {"add-package", 0, K_STR, OFF(add_package), XF_OPT_DEPS, "NAME[@VERSION]",
     "add a package to packages.yml first (a hub version may be a range: '>=1.0.0,<2.0.0')"},
    {"source", 0, K_STR, OFF(source), XF_OPT_DEPS, "KIND",
     "what --add-package names: hub (default), git (VERSION: the revision) or local"},
    {"no-color", 0, K_FLAG, OFF(no_color), 0, NULL, "never colour the output"},
    {"use-colors", 0, K_FLAG, OFF(color_forced), 0, NULL, "colour even when not on a terminal"},
    {"quiet", 'q', K_FLAG, OFF(quiet), 0, NULL, "print only errors and the final result"},
    {"warn-error", 0, K_FLAG, OFF(warn_error), 0, NULL, "every warning is an error"},
    {"warn-error-options", 0, K_STR, OFF(warn_error_options), 0, "YAML",
     "which warnings are errors: {\"error\": \"all\" or [names], \"warn\": [names]} (or "
     "include/exclude)"},
    {"log-format", 0, K_STR, OFF(log_format), 0, "FORMAT",
     "text (default) or json: one JSON object a line, as dbt's"},
    /* logs and CI reports (docs/logs.md) */
    {"debug", 'd', K_FLAG, OFF(debug), 0, NULL, "show debug lines (the SQL run, timings) too"},
    {"log-level", 0, K_STR, OFF(log_level), 0, "LEVEL",
     "what the console shows: debug, info (default), warn, error or none"},
    {"log-path", 0, K_STR, OFF(log_path), 0, "DIR",
     "folder of xform.log (default: $XFORM_LOG_PATH, $DBT_LOG_PATH, log-path:, logs)"},
    {"log-level-file", 0, K_STR, OFF(log_level_file), 0, "LEVEL",
     "what the log file holds: debug (default), info, warn, error or none (no file)"},
    {"log-format-file", 0, K_STR, OFF(log_format_file), 0, "FORMAT",
     "text (default; also default, debug) or json: one JSON object a line"},
    {"log-file-max-bytes", 0, K_STR, OFF(log_file_max_bytes), 0, "N",
     "rotate xform.log past N bytes, keeping 5 (default 10485760; 0 never)"},
    {"target-path", 0, K_STR, OFF(target_path), XF_OPT_PROJECT, "DIR",
     "artifacts and compiled SQL (default: $XFORM_TARGET_PATH, $DBT_TARGET_PATH, target-path:)"},
    {"write-json", 0, K_FLAG, OFF(write_json), XF_OPT_PROJECT, NULL,
     "write manifest.json and run_results.json (the default)"},
    {"no-write-json", 0, K_FLAG, OFF(no_write_json), XF_OPT_PROJECT, NULL,
     "write no manifest.json, run_results.json nor sources.json"},
    {"junit-xml", 0, K_STR, OFF(junit_xml), XF_OPT_RUN, "PATH",
     "also write a JUnit XML report of the nodes run (default: $XFORM_JUNIT_XML)"},
    {"no-partial-parse", 0, K_FLAG, OFF(no_partial_parse), XF_OPT_PROJECT, NULL,
     "neither read nor write target/partial_parse.xfc and partial_parse_nodes.xfc (or "
     "DBT_PARTIAL_PARSE=false)"},
    {"partial-parse", 0, K_FLAG, OFF(partial_parse), XF_OPT_PROJECT, NULL,
     "use the partial-parse caches (the default: every command reuses the parse results of "
     "unchanged nodes; compile, ls and parse replay a run where nothing changed)"},
    {"help", 'h', K_FLAG, OFF(help), 0, NULL, "show this help"},
    {NULL, 0, K_FLAG, 0, 0, NULL, NULL},
};

const struct xf_command *xf_cli_commands(void)
{
    return commands;
}

const struct xf_command *xf_cli_find(const char *name)
{
    for (const struct xf_command *c = commands; c->name; c++) {
        if (!strcmp(c->name, name))
            return c;
    }
    return NULL;
}

static bool accepts(const struct xf_command *cmd, const struct option *o)
{
    return o->groups == 0 || (cmd->flags & o->groups);
}

static const struct option *find_long(const char *name, size_t len)
{
    for (const struct option *o = options; o->lng; o++) {
        if (strlen(o->lng) == len && !strncmp(o->lng, name, len))
            return o;
    }
    return NULL;
}

static const struct option *find_short(char c)
{
    for (const struct option *o = options; o->lng; o++) {
        if (o->shrt == c)
            return o;
    }
    return NULL;
}

/* A flag of the features table that xform does not act on yet: warn once. */
static void warn_not_yet(const struct option *o)
{
    const struct xf_feature *f = xf_feature_find(XF_FEAT_FLAG, xf_str_c(o->lng));
    if (!f || f->state != XF_FEAT_NOT_YET)
        return;
    struct xf_buf b = XF_BUF_INIT;
    xf_feature_message(&b, f);
    fprintf(stderr, "warning: %s\n", b.ptr);
    if (f->hint)
        fprintf(stderr, "  hint: %s\n", f->hint);
    xf_buf_release(&b);
}

static int set_opt(struct xf_cli *cli, const struct xf_command *cmd, const struct option *o,
                   const char *val, const char *spelled, int *i, int argc, char **argv)
{
    char *base = (char *)cli;
    if (!accepts(cmd, o)) {
        fprintf(stderr, "error: 'xform %s' does not take %s\n", cmd->name, spelled);
        return -1;
    }
    warn_not_yet(o);
    if (o->kind == K_FLAG) {
        if (val) {
            fprintf(stderr, "error: %s takes no value\n", spelled);
            return -1;
        }
        *(bool *)(base + o->off) = true;
        return 0;
    }
    if (!val) {
        if (*i + 1 >= argc) {
            fprintf(stderr, "error: %s needs a value (%s)\n", spelled, o->arg);
            return -1;
        }
        val = argv[++*i];
    }
    switch (o->kind) {
    case K_STR:
        *(const char **)(base + o->off) = val;
        break;
    case K_INT: {
        char *end;
        long v = strtol(val, &end, 10);
        if (*end || v < 1 || v > 1024) {
            fprintf(stderr, "error: %s needs a whole number from 1 to 1024, not '%s'\n", spelled,
                    val);
            return -1;
        }
        *(int *)(base + o->off) = (int)v;
        break;
    }
    case K_LIST: {
        /* dbt takes several values after one flag: -s a b c. */
        typedef XF_VEC(const char *) list;
        list *l = (list *)(base + o->off);
        xf_vec_push(l, val);
        while (*i + 1 < argc && argv[*i + 1][0] != '-')
            xf_vec_push(l, argv[++*i]);
        break;
    }
    default:
        break;
    }
    return 0;
}

int xf_cli_parse(struct xf_cli *cli, const struct xf_command *cmd, int argc, char **argv)
{
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (a[0] == '-' && a[1] == '-' && a[2]) {
            const char *name = a + 2, *eq = strchr(name, '=');
            size_t len = eq ? (size_t)(eq - name) : strlen(name);
            const struct option *o = find_long(name, len);
            if (!o) {
                const char *names[128];
                size_t n = 0;
                for (const struct option *p = options; p->lng && n < 128; p++)
                    names[n++] = p->lng;
                const char *sug = xf_str_suggest(xf_str_n(name, len), names, n);
                if (sug)
                    fprintf(stderr, "error: unknown option '--%.*s' (did you mean '--%s'?)\n",
                            (int)len, name, sug);
                else
                    fprintf(stderr, "error: unknown option '--%.*s'; see 'xform %s --help'\n",
                            (int)len, name, cmd->name);
                return -1;
            }
            if (set_opt(cli, cmd, o, eq ? eq + 1 : NULL, a, &i, argc, argv) < 0)
                return -1;
        } else if (a[0] == '-' && a[1] && a[1] != '-') {
            const struct option *o = find_short(a[1]);
            if (!o) {
                fprintf(stderr, "error: unknown option '%s'; see 'xform %s --help'\n", a,
                        cmd->name);
                return -1;
            }
            if (set_opt(cli, cmd, o, a[2] ? a + 2 : NULL, a, &i, argc, argv) < 0)
                return -1;
        } else {
            xf_vec_push(&cli->positional, a);
        }
    }
    if (cli->write_json && cli->no_write_json) {
        fprintf(stderr, "error: --write-json and --no-write-json contradict each other\n");
        return -1;
    }
    /* show and docs take --select only: a named selector would be ignored there */
    if (cli->selector && !cli->help && (!strcmp(cmd->name, "show") || !strcmp(cmd->name, "docs"))) {
        fprintf(stderr, "error: 'xform %s' does not take --selector yet\n", cmd->name);
        fprintf(stderr, "  hint: name the nodes with --select\n");
        return -1;
    }
    return 0;
}

void xf_cli_release(struct xf_cli *cli)
{
    xf_vec_release(&cli->select);
    xf_vec_release(&cli->exclude);
    xf_vec_release(&cli->positional);
    xf_vec_release(&cli->resource_types);
    xf_vec_release(&cli->exclude_resource_types);
    xf_vec_release(&cli->output_keys);
    xf_warn_error_release(cli);
    xf_state_free(cli->state_data);
    cli->state_data = NULL;
}

void xf_cli_usage(FILE *f, const struct xf_command *cmd)
{
    if (!cmd) {
        fprintf(f, "usage: xform <command> [options]\n\n"
                   "xform builds a dbt-style SQL project: it renders the Jinja in every model,\n"
                   "orders them by their ref() dependencies and materializes them.\n\n"
                   "commands:\n");
        for (const struct xf_command *c = commands; c->name; c++)
            fprintf(f, "  %-10s %s\n", c->name, c->summary);
        fprintf(f, "\n  --version  print the version\n"
                   "\nlogs and CI reports (every command writes logs/xform.log): -d/--debug,\n"
                   "  --log-level, --log-path, --log-level-file, --log-format-file,\n"
                   "  --log-file-max-bytes, --target-path, --no-write-json, --junit-xml\n"
                   "\n'xform <command> --help' lists the options of a command.\n");
        return;
    }
    fprintf(f, "usage: xform %s [options]\n\n%s\n\noptions:\n", cmd->name, cmd->summary);
    for (const struct option *o = options; o->lng; o++) {
        if (!accepts(cmd, o))
            continue;
        char left[64];
        if (o->shrt)
            snprintf(left, sizeof left, "-%c, --%s%s%s", o->shrt, o->lng, o->arg ? " " : "",
                     o->arg ? o->arg : "");
        else
            snprintf(left, sizeof left, "    --%s%s%s", o->lng, o->arg ? " " : "",
                     o->arg ? o->arg : "");
        fprintf(f, "  %-32s %s\n", left, o->help);
    }
}
