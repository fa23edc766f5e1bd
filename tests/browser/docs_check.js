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
 *        "bench": true to only time opening the focused lineage,
 *        "only_extras": true to skip all of the above,
 *        and optionally (each checked when present, with a screenshot):
 *        "tree": {"project": [folder names from the package down],
 *                 "database": [database, schema], "expect": uid,
 *                 "relation": its name in the Database tree},
 *        "filters": {"select": expr, "exclude": expr,
 *                    "expect": [uid...] drawn with select and exclude,
 *                    "hide": a type to untick, "expect_hidden": [uid...]
 *                    drawn then, "tests": a test uid drawn once the
 *                    test type is ticked},
 *        "columns": {"uid": node, "types": {column: type shown},
 *                    "missing": [documented columns the relation lacks],
 *                    "undocumented": [columns no YAML documents],
 *                    "relation_type": "table" or "view"},
 *        "code": {"uid": node, "keyword": a keyword highlighted,
 *                 "jinja": a Jinja block highlighted}}
 * Screenshot paths are printed to stderr, one "screenshot: PATH" a line;
 * a failed check leaves failure.png, the page it failed on.
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

async function shot(page, spec, name, opts) {
  const file = path.join(spec.out, name);
  await page.screenshot(Object.assign({ path: file }, opts || {}));
  console.error('screenshot: ' + file);
}

/* The ids of the nodes drawn in the graph box. */
function drawnIds(page) {
  return page.$$eval('#gbox svg .node', (els) => els.map((e) => e.getAttribute('data-id')));
}

async function checkTree(page, spec, base) {
  const t = spec.tree;
  await page.goto(base + '#!/overview');
  await page.waitForFunction(() => document.documentElement.getAttribute('data-route') === 'overview');
  await page.waitForSelector('#side-tabs button[data-side="project"]');
  await page.click('#side-tabs button[data-side="project"]');
  /* the project's own package is open at first: open each folder below it */
  const pkg = await page.$eval('.tree-root[data-tree="project"] > ul > li > details > summary.package', (e) => e.textContent);
  if (pkg !== t.project[0]) fail(`the first package of the Project tree is ${pkg}, not ${t.project[0]}`);
  let at = 'p/packages/' + t.project[0];
  for (const name of t.project.slice(1)) {
    at += '/' + name;
    const sel = `details[data-path="${at}"]`;
    await page.waitForSelector(sel + ' > summary', { timeout: 5000 })
      .catch(() => fail(`the Project tree has no folder ${at}`));
    if (!(await page.$eval(sel, (e) => e.open))) await page.click(sel + ' > summary');
  }
  const leaf = `details[data-path="${at}"] > ul > li > a[data-id="${t.expect}"]`;
  await page.waitForSelector(leaf, { timeout: 5000 })
    .catch(() => fail(`${t.expect} is not in the folder ${at} of the Project tree`));
  await shot(page, spec, 'docs-tree-project.png');
  await page.click(leaf);
  await page.waitForFunction((id) => decodeURIComponent(location.hash).endsWith('/' + id), t.expect);
  /* the Database tab: database > schema > relation, opened on the page shown */
  await page.click('#side-tabs button[data-side="database"]');
  const dbPath = 'd/' + t.database.join('/');
  await page.waitForSelector(`details[data-path="${dbPath}"][open] > ul > li > a[data-id="${t.expect}"]`, { timeout: 5000 })
    .catch(() => fail(`the Database tree does not show ${t.expect} under ${t.database.join(' > ')}`));
  const rel = await page.$eval(`details[data-path="${dbPath}"] a[data-id="${t.expect}"]`, (e) => e.textContent);
  if (rel !== t.relation) fail(`the Database tree names ${t.expect} "${rel}", not "${t.relation}"`);
  const active = await page.$eval('#list a.active', (e) => e.getAttribute('data-id')).catch(() => null);
  if (active !== t.expect) fail(`the Database tree does not mark ${t.expect} as the page shown (${active})`);
  await shot(page, spec, 'docs-tree-database.png');
  /* a search shows the flat list, whatever the tab */
  await page.fill('#search', t.expect.split('.').pop());
  await page.waitForSelector(`#list > ul a[data-id="${t.expect}"]`, { timeout: 5000 })
    .catch(() => fail('a search does not list its hits'));
  await page.fill('#search', '');
  await page.waitForSelector('.tree-root[data-tree="database"]', { timeout: 5000 });
}

async function checkFilters(page, spec, base) {
  const f = spec.filters;
  await page.goto(base + '#!/graph');
  await page.waitForSelector('#gbox svg .node');
  await page.fill('#selector', f.select);
  await page.fill('#exclude', f.exclude);
  await page.click('#gform button[type="submit"]');
  await page.waitForFunction((ex) => location.hash.includes('exclude=' + encodeURIComponent(ex)), f.exclude);
  await page.waitForSelector('#gbox svg .node');
  sameSet(`nodes of --select ${f.select} --exclude ${f.exclude}`, await drawnIds(page), f.expect);
  const legend = await page.$$eval('#legend .key[data-type]', (els) => els.map((e) => e.getAttribute('data-type')));
  const types = await page.$$eval('#gbox svg .node', (els) => els.map((e) => e.getAttribute('class').split(' ')[1]));
  sameSet('types in the legend', legend, types);
  /* every legend swatch has the colour of its nodes */
  for (const t of legend) {
    const sw = await page.$eval(`#legend .key[data-type="${t}"] .swatch`, (e) => getComputedStyle(e).backgroundColor);
    const fill = await page.$eval(`#gbox svg .node.${t} rect`, (e) => getComputedStyle(e).fill);
    if (sw !== fill) fail(`the legend shows ${t} as ${sw}, the graph draws it ${fill}`);
  }
  await shot(page, spec, 'docs-filters.png');
  await page.uncheck(`#gtypes input[data-type="${f.hide}"]`);
  await page.waitForFunction((t) => location.hash.includes('types=') && !location.hash.includes(t + ','), f.hide);
  await page.waitForSelector('#gbox svg .node');
  sameSet(`nodes without type ${f.hide}`, await drawnIds(page), f.expect_hidden);
  const note = await page.$eval('#gnote', (e) => e.textContent);
  if (!/hidden by the filters/.test(note)) fail(`no note says nodes are hidden: "${note}"`);
  await page.check('#gtypes input[data-type="test"]');
  await page.waitForSelector(`#gbox svg .node.test[data-id="${f.tests}"]`, { timeout: 10000 })
    .catch(() => fail(`ticking Tests does not draw ${f.tests}`));
  if ((await page.$$('#legend .key[data-type="test"]')).length !== 1) fail('the legend does not list tests once drawn');
  await shot(page, spec, 'docs-filters-tests.png');
}

/* spec.pages: [{uid, type, details: {label: text}, lineage: [uid...]}]: the
 * node's page shows those detail rows, its lineage draws those nodes. */
async function checkPages(page, spec, base) {
  for (const p of spec.pages) {
    await page.goto(base + '#!/' + p.type + '/' + encodeURIComponent(p.uid));
    await page.waitForSelector('table.details');
    const rows = await page.$$eval('table.details tr', (trs) => trs.map((r) => [
      r.firstChild.textContent, r.lastChild.textContent]));
    const got = Object.fromEntries(rows);
    for (const [k, v] of Object.entries(p.details)) {
      if (got[k] !== v) fail(`the page of ${p.uid} shows ${k} = ${JSON.stringify(got[k])}, not ${JSON.stringify(v)}`);
    }
    if ('Relation' in got) fail(`the page of ${p.uid} shows a relation: ${got.Relation}`);
    await page.goto(base + '#!/graph/' + encodeURIComponent('+' + p.uid.split('.').pop()));
    await page.waitForSelector('#gbox svg .node.focus');
    const drawn = await page.$$eval('#gbox svg .node', (els) => els.map((e) => e.getAttribute('data-id')));
    for (const id of p.lineage) {
      if (!drawn.includes(id)) fail(`the lineage of ${p.uid} does not draw ${id} (drew ${drawn.join(', ')})`);
    }
    await page.screenshot({ path: path.join(spec.out, 'docs-page-' + p.type + '.png'), fullPage: true });
  }
}

async function checkColumns(page, spec, base) {
  const c = spec.columns;
  await page.goto(base + '#!/model/' + encodeURIComponent(c.uid));
  await page.waitForSelector('table.columns');
  const shown = await page.$$eval('table.columns > tbody > tr', (rows) => rows.map((r) => [
    r.getAttribute('data-column'), r.querySelector('td.type').textContent]));
  const types = Object.fromEntries(shown);
  for (const [col, t] of shown) {
    if (!t.trim() && !c.missing.includes(col)) fail(`column ${col} of ${c.uid} shows no type`);
  }
  for (const col of Object.keys(c.types)) {
    if (types[col] !== c.types[col]) fail(`column ${col} of ${c.uid} shows type ${JSON.stringify(types[col])}, not ${c.types[col]}`);
  }
  for (const col of c.missing) {
    const flag = await page.$(`tr.col-missing[data-column="${col}"] .flag.missing`);
    if (!flag) fail(`the documented column ${col}, missing from the relation, is not flagged`);
    const title = await flag.getAttribute('title');
    if (!title.includes('has no column ' + col)) fail(`the flag of ${col} does not explain itself: "${title}"`);
    if (!(await flag.isVisible())) fail(`the flag of ${col} is not visible`);
  }
  const missing = await page.$$eval('tr.col-missing', (els) => els.map((e) => e.getAttribute('data-column')));
  sameSet('columns flagged missing', missing, c.missing);
  const undoc = await page.$$eval('tr.col-undocumented', (els) => els.map((e) => e.getAttribute('data-column')));
  sameSet('columns marked undocumented', undoc, c.undocumented);
  const note = await page.$eval('.flag-note', (e) => e.textContent).catch(() => '');
  if (c.missing.length && !note.includes('not in the relation')) fail('no note above the columns says some are missing');
  const relType = await page.$$eval('table.details tr', (rows) => {
    const r = rows.find((x) => x.firstChild.textContent === 'Relation type');
    return r ? r.lastChild.textContent : null;
  });
  if (relType !== c.relation_type) fail(`the relation type shows ${JSON.stringify(relType)}, not ${c.relation_type}`);
  await page.$eval('h2', (e) => e.scrollIntoView());
  await shot(page, spec, 'docs-columns.png');
}

async function checkCode(page, spec, base, ctx) {
  const c = spec.code;
  await page.goto(base + '#!/model/' + encodeURIComponent(c.uid));
  await page.waitForSelector('#code-box[data-ready]', { timeout: 10000 });
  const kws = await page.$$eval('#code-raw span.kw', (els) => els.map((e) => e.textContent.toLowerCase()));
  if (!kws.includes(c.keyword)) fail(`the keyword ${c.keyword} is not highlighted (${kws.slice(0, 10)})`);
  const jinja = await page.$$eval('#code-raw span.jinja', (els) => els.map((e) => e.textContent));
  if (!jinja.includes(c.jinja)) fail(`the Jinja ${c.jinja} is not highlighted (${jinja.slice(0, 5)})`);
  const strs = await page.$$eval('#code-raw span.str', (els) => els.length);
  if (!strs) fail('no string is highlighted');
  const raw = await page.$eval('#code-raw', (e) => e.textContent);
  await ctx.grantPermissions(['clipboard-read', 'clipboard-write']).catch(() => {});
  await page.click('#code-box button.copy');
  await page.waitForFunction(() => document.querySelector('#code-box button.copy').textContent === 'Copied', null, { timeout: 5000 })
    .catch(() => fail('the copy button did not say it copied'));
  const clip = await page.evaluate(() => navigator.clipboard.readText()).catch((e) => 'unreadable: ' + e);
  if (clip !== raw) fail(`the clipboard holds ${JSON.stringify(clip.slice(0, 80))}, not the source SQL`);
  await page.$eval('#code-box', (e) => e.scrollIntoView());
  await shot(page, spec, 'docs-code.png');
}

let ctxPage = null;

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
    /* a failed check leaves a picture of the page it failed on */
    ctxPage = page;
    const errors = [], fetched = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    page.on('request', (r) => {
      if (!/^(file|data|about):/.test(r.url())) fetched.push(r.url());
    });
    const base = 'file://' + path.resolve(spec.html);
    if (spec.only_extras) {
      if (spec.tree) await checkTree(page, spec, base);
      if (spec.filters) await checkFilters(page, spec, base);
      if (spec.columns) await checkColumns(page, spec, base);
      if (spec.code) await checkCode(page, spec, base, ctx);
      if (spec.pages) await checkPages(page, spec, base);
      if (errors.length) fail('the page reported errors:\n  ' + errors.join('\n  '));
      if (fetched.length) fail('the page fetched from the network:\n  ' + fetched.join('\n  '));
      console.log(JSON.stringify(timings));
      return;
    }
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
    const cols = await page.$$eval('table.columns > tbody > tr', (els) => els.map((e) => e.getAttribute('data-column')));
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
  } catch (e) {
    if (ctxPage) await shot(ctxPage, spec, 'failure.png').catch(() => {});
    throw e;
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
