// SPDX-License-Identifier: MIT
/*
 * libFuzzer harness: the --select/--exclude grammar (graph/select.c) on a
 * small fixed project (sources, a seed, models in folders with tags and
 * configs, a snapshot, singular and generic tests), opened once. Each
 * input line is one selector string; a line starting with '!' goes to
 * --exclude. Selection runs plain and with indirect test selection.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine.h"
#include "fuzz_common.h"
#include "graph/graph.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static struct xf_session *session;
static struct xf_graph *graph;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_puts("dbt_project.yml", "name: shop\nversion: '1.0'\nprofile: shop\n"
                                 "models:\n  shop:\n    marts:\n      +tags: [nightly]\n"
                                 "      +materialized: table\n");
    fuzz_puts("models/sources.yml",
              "version: 2\nsources:\n  - name: raw\n    tables:\n      - name: orders\n"
              "        columns:\n          - name: id\n            tests: [not_null]\n"
              "      - name: customers\n");
    fuzz_puts("models/staging/stg_orders.sql", "select * from {{ source('raw', 'orders') }}\n");
    fuzz_puts("models/staging/stg_customers.sql",
              "select * from {{ source('raw', 'customers') }}\n");
    fuzz_puts("models/staging/stg_payments.sql", "select * from {{ ref('raw_payments') }}\n");
    fuzz_puts("models/marts/orders.sql",
              "{{ config(tags=['finance'], meta={'owner': 'ann'}, access='public') }}\n"
              "select * from {{ ref('stg_orders') }} join {{ ref('stg_payments') }} using (id)\n");
    fuzz_puts("models/marts/customers.sql",
              "select * from {{ ref('stg_customers') }} join {{ ref('orders') }} using (id)\n");
    fuzz_puts("models/marts/schema.yml",
              "version: 2\nmodels:\n  - name: orders\n    columns:\n      - name: id\n"
              "        tests: [unique, not_null]\n      - name: customer_id\n        tests:\n"
              "          - relationships: {to: ref('customers'), field: id}\n");
    fuzz_puts("seeds/raw_payments.csv", "id,amount\n1,2\n");
    fuzz_puts("snapshots/orders_snapshot.sql",
              "{% snapshot orders_snapshot %}{{ config(target_schema='snap', unique_key='id', "
              "strategy='check', check_cols='all') }}select * from {{ ref('orders') }}"
              "{% endsnapshot %}\n");
    fuzz_puts("analyses/revenue.sql", "select * from {{ ref('orders') }}\n");
    fuzz_puts("tests/assert_positive.sql", "select * from {{ ref('orders') }} where id < 0\n");
    setenv("HOME", fuzz_dir(), 1);
    unsetenv("XFORM_PROFILES_DIR");
    unsetenv("DBT_PROFILES_DIR");

    struct xf_load_opts lo = {.project_dir = fuzz_dir(), .command = "build", .threads = 1};
    struct xf_diags diags;
    xf_diags_init(&diags);
    int rc = xf_session_open(&session, &lo, &diags);
    if (rc != 0 || diags.nerrors) {
        struct xf_buf b = XF_BUF_INIT;
        for (const struct xf_diag *g = diags.head; g; g = g->next)
            xf_diag_format(&b, g, false);
        fprintf(stderr, "fuzz_select: the fixed project does not load:\n%s", b.ptr);
        abort();
    }
    xf_diags_release(&diags);
    graph = xf_session_graph(session);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_text(data, size);
    /* lines: selectors; "!..." lines: exclusions */
    size_t cap = 1;
    for (size_t i = 0; i < size; i++)
        cap += data[i] == '\n';
    const char **sel = xf_malloc(cap * sizeof *sel), **exc = xf_malloc(cap * sizeof *exc);
    size_t nsel = 0, nexc = 0;
    for (char *line = text, *end; line; line = end) {
        end = strchr(line, '\n');
        if (end)
            *end++ = '\0';
        if (line[0] == '!')
            exc[nexc++] = line + 1;
        else
            sel[nsel++] = line;
    }

    bool *out = xf_malloc(graph->n + 1);
    struct xf_diags diags;
    xf_diags_init(&diags);
    (void)xf_graph_select(graph, sel, nsel, exc, nexc, out, &diags);
    (void)xf_graph_select_tests(graph, sel, nsel, exc, nexc, (enum xf_indirect)(size % 4), out,
                                &diags);
    fuzz_format_diags(&diags);
    xf_diags_release(&diags);
    free(out);
    free(sel);
    free(exc);
    free(text);
    return 0;
}
