// SPDX-License-Identifier: MIT
/*
 * The live status line of a run on a terminal: one line under the scrolling
 * results (done/total, elapsed, ETA, each running node with its own elapsed
 * time), redrawn at most 10 times a second by a ticker thread, erased before
 * any other line is written and for good at the end. Off when stdout is not
 * a terminal, with --log-format json and with TERM=dumb (or no TERM);
 * without colour (NO_COLOR, --no-color) it is written with no escape
 * sequence at all (carriage returns and spaces).
 */
#ifndef XF_CMD_PROGRESS_H
#define XF_CMD_PROGRESS_H

#include <stdbool.h>
#include <stddef.h>

struct xf_cli;
struct xf_node;

/*
 * Decides whether a status line is shown (see above) and, when it is,
 * reads the previous durations of the `selected` ones of `nodes` from
 * `run_results` (a path to target/run_results.json; missing or unreadable:
 * no ETA; nodes it does not list count as the mean of those it does).
 * Call before the run; nothing is drawn until xf_progress_begin.
 */
void xf_progress_prepare(const struct xf_cli *cli, struct xf_node *const *nodes,
                         const bool *selected, size_t n, const char *run_results);
/* The run starts: `total` nodes on `threads` workers; starts the ticker. */
void xf_progress_begin(size_t total, int threads);
/* A node started / finished (any status). Thread-safe. */
void xf_progress_node_start(const struct xf_node *n);
void xf_progress_node_done(const struct xf_node *n);
/*
 * Around any other write to the terminal: hold erases the status line and
 * keeps it off until resume, which draws it again (or lets the ticker do
 * it, to keep to 10 draws a second). Cheap no-ops when there is no line.
 */
void xf_progress_hold(void);
void xf_progress_resume(void);
/* The run is over: the ticker stops, the line is erased, memory freed. */
void xf_progress_end(void);

#endif
