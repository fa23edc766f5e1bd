// SPDX-License-Identifier: MIT
/*
 * Browser check of the docs site: opens index.html from disk (file://) in
 * headless Chromium through playwright-core and checks what a reader sees:
 * the focused lineage graph has exactly the expected nodes and edges, a
 * click on a node opens its page with its columns and SQL, search finds a
 * model, the full-project graph draws, and nothing is fetched from the
 * network. Saves screenshots. Prints one JSON line of timings.
 *
 *   node docs_check.js SPEC.json
 *
 * SPEC: {"modules": dir holding node_modules/playwright-core,
 *        "chromium": "/usr/bin/chromium", "html": ".../index.html",
 *        "out": folder for screenshots and the profile,
 *        "focus": uid, "nodes": [uid...], "edges": [[from, to]...],
 *        "click": uid, "columns": [name...], "sql": text in its raw SQL,
 *        "compiled": text in its compiled SQL,
 *        "search": {"query": text, "expect": uid},
 *        "full_nodes": count drawn for #!/graph (optional),
 *        "bench": true to only time opening the focused lineage}
 */
'use strict';

const fs = require('fs');
const path = require('path');

function fail(msg) {
  console.error('docs_check: ' + msg);
  process.exitCode = 1;
  throw new Error(msg);
}

function sameSet(what, got, want) {
  const g = [...new Set(got)].sort(), w = [...new Set(want)].sort();
  if (JSON.stringify(g) !== JSON.stringify(w)) {
    fail(`${what}: got ${g.length} ${JSON.stringify(g)}\n  want ${w.length} ${JSON.stringify(w)}`);
  }
}

async function main() {
  const spec = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
  const { chromium } = require(path.join(spec.modules, 'node_modules', 'playwright-core'));
  const profile = path.join(spec.out, 'chromium-profile');
  fs.rmSync(profile, { recursive: true, force: true });
  fs.mkdirSync(profile, { recursive: true });
  const ctx = await chromium.launchPersistentContext(profile, {
    executablePath: spec.chromium || '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1400, height: 900 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const timings = {};
  try {
    const page = ctx.pages()[0] || await ctx.newPage();
    const errors = [], fetched = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    page.on('request', (r) => {
      if (!/^(file|data|about):/.test(r.url())) fetched.push(r.url());
    });
    const base = 'file://' + path.resolve(spec.html);
    const focusHash = '#!/graph/' + encodeURIComponent('+' + spec.focus + '+');

    /* 1. open straight onto the focused lineage: the page a user bookmarks */
    const t0 = Date.now();
    await page.goto(base + focusHash, { waitUntil: 'domcontentloaded', timeout: 60000 });
    await page.waitForSelector('#gbox svg .node.focus', { timeout: 60000 });
    timings.focused_lineage_ms = Date.now() - t0;
    Object.assign(timings, await page.evaluate(() => ({
      nodes_in_manifest: window.xfDocs.nodes, parse_ms: Math.round(window.xfDocs.parseMs),
      app_ready_ms: Math.round(window.xfDocs.readyMs), route_ms: Math.round(window.xfDocs.routeMs),
    })));
    await page.screenshot({ path: path.join(spec.out, 'docs-lineage.png') });
    if (spec.bench) {
      console.log(JSON.stringify(timings));
      return;
    }
    const drawn = await page.$$eval('#gbox svg .node', (els) => els.map((e) => e.getAttribute('data-id')));
    sameSet('nodes in the lineage of ' + spec.focus, drawn, spec.nodes);
    const edges = await page.$$eval('#gbox svg .edge',
      (els) => els.map((e) => e.getAttribute('data-from') + ' -> ' + e.getAttribute('data-to')));
    sameSet('edges in the lineage of ' + spec.focus, edges, spec.edges.map((e) => e[0] + ' -> ' + e[1]));
    const focus = await page.$eval('#gbox svg .node.focus', (e) => e.getAttribute('data-id'));
    if (focus !== spec.focus) fail(`focused node is ${focus}, not ${spec.focus}`);
    /* left to right: every edge goes from a layer to a later one */
    const back = await page.$$eval('#gbox svg .edge', (els) => els.filter((e) => {
      const m = /^M([-\d.e]+),[-\d.e]+C.* ([-\d.e]+),[-\d.e]+$/.exec(e.getAttribute('d'));
      return !m || parseFloat(m[2]) <= parseFloat(m[1]);
    }).length);
    if (back) fail(`${back} edges do not point left to right`);

    /* 2. pan and zoom change the view */
    const before = await page.$eval('#gbox svg .vp', (e) => e.getAttribute('transform'));
    const box = await page.$eval('#gbox svg', (e) => { const r = e.getBoundingClientRect(); return { x: r.x, y: r.y, w: r.width, h: r.height }; });
    await page.mouse.move(box.x + 10, box.y + 10);
    await page.mouse.down();
    await page.mouse.move(box.x + 60, box.y + 45, { steps: 5 });
    await page.mouse.up();
    const panned = await page.$eval('#gbox svg .vp', (e) => e.getAttribute('transform'));
    if (panned === before) fail('dragging the graph did not pan it');
    await page.mouse.move(box.x + box.w / 2, box.y + box.h / 2);
    await page.mouse.wheel(0, -300);
    const zoomed = await page.$eval('#gbox svg .vp', (e) => e.getAttribute('transform'));
    const scale = (t) => parseFloat(/scale\(([-\d.e]+)\)/.exec(t)[1]);
    if (!(scale(zoomed) > scale(panned))) fail(`the wheel did not zoom in (${panned} -> ${zoomed})`);
    await page.click('#gbox .graph-tools button[data-z="fit"]');

    /* 3. click a node: its page, with columns and SQL */
    const sel = `#gbox svg .node[data-id="${spec.click}"]`;
    await page.click(sel);
    await page.waitForFunction((id) => decodeURIComponent(location.hash).endsWith('/' + id), spec.click);
    await page.waitForSelector('table.columns');
    const cols = await page.$$eval('table.columns > tbody > tr > td:first-child', (els) => els.map((e) => e.textContent));
    sameSet('columns of ' + spec.click, cols, spec.columns);
    await page.waitForSelector('#code-box[data-ready]', { timeout: 10000 })
      .catch(() => fail(`the page of ${spec.click} shows no SQL`));
    const raw = await page.$eval('#code-raw', (e) => e.textContent);
    if (!raw.includes(spec.sql)) fail(`the source SQL of ${spec.click} does not show ${JSON.stringify(spec.sql)}`);
    await page.click('.tabs button[data-tab="compiled"]');
    const compiled = await page.$eval('#code-compiled', (e) => (e.hidden ? null : e.textContent));
    if (compiled === null) fail('the compiled tab did not show the compiled SQL');
    if (spec.compiled && !compiled.includes(spec.compiled)) {
      fail(`the compiled SQL of ${spec.click} does not show ${JSON.stringify(spec.compiled)}`);
    }
    const nodeGraph = await page.$$eval('#gbox svg .node', (els) => els.length);
    if (!nodeGraph) fail('the node page has no lineage graph');
    await page.$eval('#main', (e) => { e.scrollTop = 0; });
    await page.screenshot({ path: path.join(spec.out, 'docs-node.png'), fullPage: false });

    /* 4. search */
    await page.fill('#search', spec.search.query);
    await page.waitForFunction((id) => !!document.querySelector(`#list a[data-id="${id}"]`), spec.search.expect, { timeout: 5000 })
      .catch(() => fail(`searching ${JSON.stringify(spec.search.query)} does not list ${spec.search.expect}`));
    await page.press('#search', 'Enter');
    await page.waitForFunction((id) => decodeURIComponent(location.hash).endsWith('/' + id), spec.search.expect, { timeout: 5000 })
      .catch(() => fail(`Enter in the search box did not open ${spec.search.expect}`));
    const h1 = await page.$eval('h1', (e) => e.textContent);
    if (!h1.includes(spec.search.expect.split('.').pop())) fail(`Enter on the search opened "${h1}"`);

    /* 5. the overview and the whole-project graph */
    await page.goto(base + '#!/overview');
    await page.waitForFunction(() => document.documentElement.getAttribute('data-route') === 'overview');
    const t1 = Date.now();
    await page.goto(base + '#!/graph');
    await page.waitForSelector('#gbox svg .node');
    timings.full_graph_ms = Date.now() - t1;
    if (spec.full_nodes != null) {
      const n = await page.$$eval('#gbox svg .node', (els) => els.length);
      if (n !== spec.full_nodes) fail(`the project graph draws ${n} nodes, not ${spec.full_nodes}`);
    }
    await page.screenshot({ path: path.join(spec.out, 'docs-graph.png') });
    if (errors.length) fail('the page reported errors:\n  ' + errors.join('\n  '));
    if (fetched.length) fail('the page fetched from the network:\n  ' + fetched.join('\n  '));
    console.log(JSON.stringify(timings));
  } finally {
    await ctx.close();
  }
}

main().catch((e) => {
  if (!process.exitCode) {
    console.error('docs_check: ' + (e && e.stack || e));
    process.exitCode = 1;
  }
});
