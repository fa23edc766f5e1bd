// SPDX-License-Identifier: MIT
/*
 * The docs app: reads the nodes, tests, catalog and code embedded in
 * index.html, lists and searches every resource, shows one page per node
 * (hash routes such as #!/model/model.jaffle_shop.orders) and draws the
 * lineage as SVG: longest-path layers left to right, barycenter ordering,
 * pan and zoom, with selector, --exclude and resource-type filters and a
 * legend. The sidebar has dbt-docs' folder trees (Project: package >
 * folder > file; Database: database > schema > relation) beside the flat
 * list; code blocks are highlighted by a small SQL + Jinja tokenizer.
 * Only the nodes shown are laid out and only the folders opened are
 * drawn, so 10,000-model projects stay fast.
 */
(function () {
  'use strict';

  var t0 = performance.now();
  /* A data block's text: plain JSON, or gzip + base64 for large projects. */
  function blockText(id) {
    var el = document.getElementById(id);
    if (!el) return Promise.resolve(null);
    var text = el.textContent;
    if (el.getAttribute('data-encoding') !== 'gzip+base64') return Promise.resolve(text);
    if (typeof DecompressionStream === 'undefined') {
      return Promise.reject(new Error('this browser cannot read the compressed docs data (no DecompressionStream): use a current Chrome, Firefox or Safari'));
    }
    var bin = atob(text), bytes = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    return new Response(new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'))).text();
  }
  function readJson(id) {
    return blockText(id).then(function (t) { return t == null ? null : JSON.parse(t); });
  }
  var codeP = null;
  /* The raw and compiled SQL of every node: {unique_id: [raw, compiled]}, read on first use. */
  function codeMap() {
    return codeP || (codeP = readJson('xf-code').then(function (c) { return c || {}; }));
  }

  readJson('xf-manifest').then(function (m) {
    start(m || {});
  }).catch(function (e) {
    document.getElementById('main').innerHTML = '<h1>The docs data could not be read</h1><p></p>';
    document.querySelector('#main p').textContent = String(e && e.message || e);
    throw e;
  });

  function start(M) {
    var tParsed = performance.now();

    /* exposure, metric, semantic_model: drawn when the manifest data has them (top-level keys as in manifest.json) */
    var TYPES = ['model', 'seed', 'snapshot', 'source', 'analysis', 'exposure', 'metric', 'semantic_model', 'test'];
    var TITLES = {
      model: 'Models', seed: 'Seeds', snapshot: 'Snapshots', source: 'Sources',
      analysis: 'Analyses', exposure: 'Exposures', metric: 'Metrics', semantic_model: 'Semantic models', test: 'Tests'
    };
    var LIST_LIMIT = 200;   /* entries per group in the sidebar */
    var GRAPH_LIMIT = 1500; /* nodes drawn at once */
    var FOCUS_LIMIT = 500;  /* nodes drawn around a focused node */

    /* ---- index ---------------------------------------------------------- */

    var N = [];
    var byId = Object.create(null);
    var meta = M.metadata || {};
    var project = meta.project_name || '';

    /* Defaults the data leaves out: unique_id and resource_type are the key, the package is the project's. */
    function add(id, d, cat) {
      if (!d.unique_id) d.unique_id = id;
      if (!d.resource_type) d.resource_type = id.slice(0, id.indexOf('.')) || 'model';
      if (!d.package_name) d.package_name = project;
      if (d.resource_type === 'test' && !d.depends_on && d.attached_node) d.depends_on = { nodes: [d.attached_node] };
      var type = d.resource_type, name = d.name || id;
      var rec = {
        i: N.length, id: id, name: name, type: type, d: d, cat: cat || null,
        parents: [], children: [], tests: [],
        label: type === 'source' && d.source_name ? d.source_name + '.' + name : name
      };
      rec.key = rec.label.toLowerCase();
      N.push(rec);
      byId[id] = rec;
    }
    /* Parents and children (and tests on their nodes) of N[from..]. */
    function connect(from) {
      for (var ni = from; ni < N.length; ni++) {
        var n = N[ni], deps = (n.d.depends_on && n.d.depends_on.nodes) || [];
        for (var di = 0; di < deps.length; di++) {
          var p = byId[deps[di]];
          if (!p || p === n || n.parents.indexOf(p.i) >= 0) continue;
          n.parents.push(p.i);
          p.children.push(n.i);
        }
        if (n.type === 'test') {
          var on = n.d.attached_node ? [n.d.attached_node] : deps;
          for (di = 0; di < on.length; di++) if (byId[on[di]]) byId[on[di]].tests.push(n);
        }
      }
    }
    var k;
    var mnodes = M.nodes || {}, msources = M.sources || {};
    for (k in mnodes) add(k, mnodes[k], null);
    for (k in msources) add(k, msources[k], null);
    ['exposures', 'metrics', 'semantic_models'].forEach(function (key) {
      var m = M[key] || {};
      for (var id in m) add(id, m[id], null);
    });
    connect(0);
    /*
     * Tests and the catalog (what the warehouse holds) are read after the
     * first page is drawn: a lineage graph needs neither, node pages wait.
     */
    var extrasReady = false, extrasP = null;
    function extras() {
      return extrasP || (extrasP = Promise.all([readJson('xf-tests'), readJson('xf-catalog')]).then(function (r) {
        var T = r[0] || {}, C = r[1] || {}, from = N.length, ci;
        for (ci in T) add(ci, T[ci], null);
        connect(from);
        var cn = C.nodes || {}, cs = C.sources || {};
        for (ci in cn) if (byId[ci]) byId[ci].cat = cn[ci];
        for (ci in cs) if (byId[ci]) byId[ci].cat = cs[ci];
        N.forEach(function (n) { n.xkey = null; });
      }).catch(function (e) {
        if (window.console) console.error(e); /* pages without tests and warehouse facts rather than none */
      }).then(function () {
        extrasReady = true;
        window.xfDocs.nodes = N.length;
      }));
    }

    var tIndexed = performance.now();
    var docs = Object.create(null);
    var mdocs = M.docs || {};
    for (k in mdocs) {
      var doc = mdocs[k];
      if (!(doc.name in docs) || doc.package_name === project) docs[doc.name] = doc.block_contents || '';
    }

    /* ---- text helpers ----------------------------------------------------- */

    var ESC = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
    function esc(s) {
      return String(s == null ? '' : s).replace(/[&<>"']/g, function (c) { return ESC[c]; });
    }
    /* {{ doc('name') }} in a description, as dbt resolves it. */
    function resolveDocs(s) {
      return String(s || '').replace(/\{\{\s*doc\(\s*['"]([^'"]+)['"]\s*(?:,\s*['"]([^'"]+)['"]\s*)?\)\s*\}\}/g,
        function (all, a, b) { var name = b || a; return name in docs ? docs[name] : all; });
    }
    function href(n) { return '#!/' + n.type + '/' + encodeURIComponent(n.id); }
    function link(n) { return '<a href="' + href(n) + '">' + esc(n.label) + '</a>'; }

    /* ---- markdown: headings, paragraphs, lists, code, quotes, links, emphasis ---- */

    function safeUrl(u) {
      return /^[a-z][a-z0-9+.-]*:/i.test(u) && !/^(https?|mailto):/i.test(u) ? '#' : u;
    }
    function inline(src) {
      var keep = [];
      function hold(html) { keep.push(html); return '\u0000' + (keep.length - 1) + '\u0000'; }
      var s = String(src).replace(/(`+)([\s\S]*?[^`])\1(?!`)/g, function (all, tick, code) {
        return hold('<code>' + esc(code.trim()) + '</code>');
      });
      s = s.replace(/\[([^\]]*)\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g, function (all, text, url) {
        return hold('<a href="' + esc(safeUrl(url)) + '">') + text + hold('</a>');
      });
      s = s.replace(/<(https?:\/\/[^>\s]+)>/g, function (all, url) {
        return hold('<a href="' + esc(url) + '">' + esc(url) + '</a>');
      });
      s = esc(s);
      s = s.replace(/\*\*(?=\S)([\s\S]*?\S)\*\*/g, '<strong>$1</strong>')
        .replace(/(^|[^\w])__(?=\S)([\s\S]*?\S)__(?![\w])/g, '$1<strong>$2</strong>')
        .replace(/\*(?=\S)([^*]*?\S)\*/g, '<em>$1</em>')
        .replace(/(^|[^\w])_(?=\S)([^_]*?\S)_(?![\w])/g, '$1<em>$2</em>')
        .replace(/ {2,}\n/g, '<br>\n');
      return s.replace(/\u0000(\d+)\u0000/g, function (all, i) { return keep[+i]; });
    }
    var LIST_RE = /^(\s{0,3})([-*+]|\d{1,9}[.)])\s+(.*)$/;
    function blockStart(l) {
      return /^\s{0,3}(#{1,6}\s|```|~~~|>)/.test(l) || LIST_RE.test(l);
    }
    var TABLE_SEP = /^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$/;
    function cells(line) {
      return line.trim().replace(/^\|/, '').replace(/\|$/, '').split(/(?<!\\)\|/).map(function (c) {
        return c.trim().replace(/\\\|/g, '|');
      });
    }
    function md(src) {
      var lines = String(src || '').replace(/\r\n?/g, '\n').split('\n');
      var html = '', para = [], i = 0, m;
      function flush() {
        if (para.length) html += '<p>' + inline(para.join('\n')) + '</p>\n';
        para = [];
      }
      while (i < lines.length) {
        var l = lines[i];
        if ((m = /^\s{0,3}(```|~~~)/.exec(l))) {
          flush();
          var code = [];
          var lang = l.trim().slice(3).trim().toLowerCase();
          for (i++; i < lines.length && lines[i].trim().indexOf(m[1]) !== 0; i++) code.push(lines[i]);
          i++;
          html += '<pre><code>' + (/^(sql|jinja|jinja2)$/.test(lang) ? highlightSql(code.join('\n')) : esc(code.join('\n'))) + '</code></pre>\n';
        } else if ((m = /^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$/.exec(l))) {
          flush();
          html += '<h' + m[1].length + '>' + inline(m[2]) + '</h' + m[1].length + '>\n';
          i++;
        } else if (/^\s{0,3}([-*_])(\s*\1){2,}\s*$/.test(l)) {
          flush();
          html += '<hr>\n';
          i++;
        } else if (l.indexOf('|') >= 0 && i + 1 < lines.length && TABLE_SEP.test(lines[i + 1]) &&
                   lines[i + 1].indexOf('-') >= 0) {
          flush();
          var headCells = cells(l), rows = [];
          for (i += 2; i < lines.length && lines[i].trim() !== '' && lines[i].indexOf('|') >= 0; i++) rows.push(cells(lines[i]));
          html += '<table class="md-table"><thead><tr>' + headCells.map(function (c) { return '<th>' + inline(c) + '</th>'; }).join('') +
            '</tr></thead><tbody>' + rows.map(function (r) {
              return '<tr>' + headCells.map(function (h, ci) { return '<td>' + inline(r[ci] || '') + '</td>'; }).join('') + '</tr>';
            }).join('') + '</tbody></table>\n';
        } else if (/^\s{0,3}>/.test(l)) {
          flush();
          var quote = [];
          for (; i < lines.length && /^\s{0,3}>/.test(lines[i]); i++) quote.push(lines[i].replace(/^\s{0,3}> ?/, ''));
          html += '<blockquote>' + md(quote.join('\n')) + '</blockquote>\n';
        } else if ((m = LIST_RE.exec(l))) {
          flush();
          var ordered = /\d/.test(m[2]), items = [], cur = null;
          while (i < lines.length) {
            var li = lines[i], mm = LIST_RE.exec(li);
            if (mm && mm[1].length < 2 && /\d/.test(mm[2]) === ordered) {
              cur = [mm[3]];
              items.push(cur);
            } else if (li.trim() === '') {
              var j = i + 1;
              while (j < lines.length && lines[j].trim() === '') j++;
              if (j >= lines.length || !(/^\s{2,}/.test(lines[j]) || LIST_RE.test(lines[j]))) break;
              cur.push('');
            } else if (/^\s{2,}/.test(li) || !blockStart(li)) {
              cur.push(li.replace(/^\s{1,4}/, ''));
            } else {
              break;
            }
            i++;
          }
          html += (ordered ? '<ol>' : '<ul>') + items.map(function (it) {
            var body = it.join('\n');
            return '<li>' + (/\n\s*\n|\n\s*([-*+]|\d+[.)])\s/.test(body) ? md(body) : inline(body)) + '</li>';
          }).join('') + (ordered ? '</ol>' : '</ul>') + '\n';
        } else if (l.trim() === '') {
          flush();
          i++;
        } else {
          para.push(l);
          i++;
        }
      }
      flush();
      return html;
    }

    /* ---- SQL + Jinja highlighting ------------------------------------------ */

    var KEYWORDS = new Set(('select from where and or not null is in as on join left right inner outer full cross using ' +
      'group by order having limit offset union all distinct case when then else end with recursive create table view ' +
      'materialized insert into update delete set values cast over partition window rows range between preceding following ' +
      'unbounded current row qualify asc desc nulls first last true false interval lateral except intersect exists like ilike ' +
      'similar any some returning merge matched drop alter add column primary key references default if replace temporary ' +
      'begin commit rollback transaction filter within natural escape collate fetch next only top').split(' '));
    /*
     * One pass over the text: Jinja blocks ({{ }}, {% %}, {# #}) first, then
     * SQL comments, strings, quoted names, numbers and words. Returns HTML.
     */
    var TOKEN_RE = /(\{\{[\s\S]*?(?:\}\}|$)|\{%[\s\S]*?(?:%\}|$)|\{#[\s\S]*?(?:#\}|$))|(--[^\n]*|\/\*[\s\S]*?(?:\*\/|$))|('(?:[^']|'')*(?:'|$))|("(?:[^"]|"")*(?:"|$)|`[^`]*(?:`|$))|(\b\d+(?:\.\d+)?(?:e[-+]?\d+)?\b)|([A-Za-z_][A-Za-z0-9_$]*)/g;
    var TOKEN_CLASS = [null, 'jinja', 'com', 'str', 'id', 'num'];
    function highlightSql(text) {
      var out = '', last = 0, m;
      TOKEN_RE.lastIndex = 0;
      while ((m = TOKEN_RE.exec(text))) {
        if (m.index > last) out += esc(text.slice(last, m.index));
        last = TOKEN_RE.lastIndex;
        var cls = null;
        for (var g = 1; g <= 5; g++) if (m[g] !== undefined) { cls = TOKEN_CLASS[g]; break; }
        if (cls === 'jinja' && m[0].charAt(1) === '#') cls = 'com jinja';
        if (!cls && KEYWORDS.has(m[6].toLowerCase())) cls = 'kw';
        out += cls ? '<span class="' + cls + '">' + esc(m[0]) + '</span>' : esc(m[0]);
      }
      return out + esc(text.slice(last));
    }
    /* Copies text: the clipboard API, or a selected textarea where that is refused (file:// pages). */
    function copyText(text) {
      function fallback() {
        var ta = document.createElement('textarea');
        ta.value = text;
        ta.setAttribute('readonly', '');
        ta.style.position = 'fixed';
        ta.style.opacity = '0';
        document.body.appendChild(ta);
        ta.select();
        var ok = false;
        try { ok = document.execCommand('copy'); } catch (e) { ok = false; }
        document.body.removeChild(ta);
        return ok ? Promise.resolve() : Promise.reject(new Error('copy refused'));
      }
      if (navigator.clipboard && navigator.clipboard.writeText) return navigator.clipboard.writeText(text).catch(fallback);
      return fallback();
    }
    document.addEventListener('click', function (e) {
      var b = e.target.closest && e.target.closest('button.copy');
      if (!b) return;
      var box = b.closest('.code-wrap'), pre = box && box.querySelector('pre:not([hidden])');
      if (!pre) return;
      copyText(pre.textContent).then(function () {
        b.textContent = 'Copied';
        b.classList.add('done');
      }, function () {
        b.textContent = 'Select and copy';
      }).then(function () {
        setTimeout(function () { b.textContent = 'Copy'; b.classList.remove('done'); }, 1500);
      });
    });

    /* ---- sidebar: list and search ---------------------------------------- */

    var searchEl = document.getElementById('search');
    var listEl = document.getElementById('list');
    var mainEl = document.getElementById('main');

    function extraKey(n) {
      if (n.xkey == null) {
        var cols = Object.keys(n.d.columns || {});
        if (n.cat && n.cat.columns) cols = cols.concat(Object.keys(n.cat.columns));
        n.xkey = (' ' + cols.join(' ') + ' ' + (n.d.description || '')).toLowerCase();
      }
      return n.xkey;
    }
    function score(n, q) {
      if (!q) return 1;
      if (n.key === q) return 5;
      if (n.key.indexOf(q) === 0) return 4;
      if (n.key.indexOf(q) >= 0) return 3;
      if (n.id.toLowerCase().indexOf(q) >= 0) return 2;
      if (q.length > 1 && extraKey(n).indexOf(q) >= 0) return 1;
      return 0;
    }
    var firstHit = null;
    /*
     * The sidebar shows the Project tree, the Database tree or the flat
     * list (All); a search always shows the flat list of hits.
     */
    var sideTab = 'project';
    var tabsEl = document.createElement('div');
    tabsEl.id = 'side-tabs';
    tabsEl.innerHTML = '<button type="button" data-side="project">Project</button>' +
      '<button type="button" data-side="database">Database</button><button type="button" data-side="all">All</button>';
    listEl.parentNode.insertBefore(tabsEl, listEl);
    tabsEl.addEventListener('click', function (e) {
      var t = e.target.getAttribute('data-side');
      if (!t) return;
      sideTab = t;
      renderList(searchEl.value);
      revealActive();
    });
    function renderList(q) {
      q = (q || '').trim().toLowerCase();
      Array.prototype.forEach.call(tabsEl.children, function (b) {
        b.classList.toggle('on', !q && b.getAttribute('data-side') === sideTab);
      });
      if (!q && sideTab !== 'all') {
        renderTree(sideTab);
        return;
      }
      var groups = {};
      TYPES.forEach(function (t) { groups[t] = []; });
      for (var i = 0; i < N.length; i++) {
        var s = score(N[i], q);
        if (s) (groups[N[i].type] || groups.model).push([s, N[i]]);
      }
      var html = '', total = 0;
      firstHit = null;
      TYPES.forEach(function (t) {
        var g = groups[t];
        if (!g.length) return;
        g.sort(function (a, b) { return b[0] - a[0] || (a[1].key < b[1].key ? -1 : a[1].key > b[1].key ? 1 : 0); });
        if (!firstHit || (q && g[0][0] > firstHit[0])) firstHit = g[0];
        total += g.length;
        html += '<h4>' + TITLES[t] + ' (' + g.length + ')</h4><ul>';
        for (var j = 0; j < g.length && j < LIST_LIMIT; j++) {
          var n = g[j][1];
          html += '<li><a href="' + href(n) + '" data-id="' + esc(n.id) + '" title="' + esc(n.id) + '">' + esc(n.label) + '</a></li>';
        }
        html += '</ul>';
        if (g.length > LIST_LIMIT) html += '<div class="more">' + (g.length - LIST_LIMIT) + ' more: type to narrow the list</div>';
      });
      if (!total) html = '<p class="muted">Nothing matches \u201c' + esc(q) + '\u201d.</p>';
      listEl.innerHTML = html;
      markActive();
    }
    var searchTimer = 0;
    searchEl.addEventListener('input', function () {
      clearTimeout(searchTimer);
      searchTimer = setTimeout(function () { renderList(searchEl.value); }, N.length > 3000 ? 120 : 30);
    });
    searchEl.addEventListener('keydown', function (e) {
      if (e.key === 'Enter') {
        clearTimeout(searchTimer);
        renderList(searchEl.value);
        if (firstHit) location.hash = href(firstHit[1]);
      }
    });
    /* ---- sidebar: folder trees, drawn a folder at a time as they open ---- */

    function folder(name, path) { return { name: name, path: path, kids: Object.create(null), order: [], files: [] }; }
    function child(f, name) {
      if (!f.kids[name]) {
        f.kids[name] = folder(name, f.path + '/' + name);
        f.order.push(name);
      }
      return f.kids[name];
    }
    var trees = {};
    var TREE_TOP = { source: 'Sources', exposure: 'Exposures', metric: 'Metrics', semantic_model: 'Semantic models' };
    /* Project: Sources (source > table) and the like, then each package (the project first) > folders > files. */
    function projectTree() {
      var root = folder('', 'p'), pkgs = folder('', 'p/packages'), i;
      Object.keys(TREE_TOP).forEach(function (t) { child(root, TREE_TOP[t]); });
      child(pkgs, project);
      for (i = 0; i < N.length; i++) {
        var n = N[i], d = n.d;
        if (n.type === 'test') continue;
        if (TREE_TOP[n.type]) {
          var top = root.kids[TREE_TOP[n.type]];
          (n.type === 'source' && d.source_name ? child(top, d.source_name) : top).files.push(n);
          continue;
        }
        var f = child(pkgs, d.package_name || project);
        var parts = String(d.original_file_path || '').split('/');
        for (var j = 0; j < parts.length - 1; j++) if (parts[j]) f = child(f, parts[j]);
        f.files.push(n);
      }
      root.order = root.order.filter(function (k) { return root.kids[k].order.length || root.kids[k].files.length; });
      var names = pkgs.order.slice(1).sort();
      pkgs.order = [project].concat(names);
      root.order.forEach(function (k) { root.kids[k].kind = 'group'; });
      pkgs.order.forEach(function (k) { pkgs.kids[k].kind = 'package'; root.kids[k] = pkgs.kids[k]; root.order.push(k); });
      return root;
    }
    function isRelation(n) {
      return (n.type === 'model' && ((n.d.config || {}).materialized || 'view') !== 'ephemeral') ||
        n.type === 'seed' || n.type === 'snapshot' || n.type === 'source';
    }
    /* Database: database > schema > relation, for every node that is a relation in the warehouse. */
    function databaseTree() {
      var root = folder('', 'd');
      for (var i = 0; i < N.length; i++) {
        var n = N[i], d = n.d;
        if (!isRelation(n)) continue;
        var db = d.database || (n.cat && n.cat.metadata.database) || meta.database || meta.adapter_type || 'database';
        var sch = d.schema || (n.cat && n.cat.metadata.schema) || 'main';
        var f = child(child(root, db), sch);
        f.kind = 'schema';
        f.files.push(n);
      }
      root.order.forEach(function (k) { root.kids[k].kind = 'database'; });
      return root;
    }
    function relLabel(n) {
      return n.type === 'source' ? n.d.identifier || n.name : n.d.alias || n.name;
    }
    var openFolders = new Set(['p/packages/' + project]);
    function byName(a, b) { return a < b ? -1 : a > b ? 1 : 0; }
    function folderHtml(f, which) {
      var html = '<ul class="tree">', kids = f.kind === 'group' || f.path === 'p' || f.path === 'd' ? f.order : f.order.slice().sort(byName);
      kids.forEach(function (k) {
        var c = f.kids[k], open = openFolders.has(c.path);
        html += '<li><details data-path="' + esc(c.path) + '"' + (open ? ' open' : '') + '><summary class="' + (c.kind || 'folder') + '">' +
          esc(k) + '</summary>' + (open ? folderHtml(c, which) : '') + '</details></li>';
      });
      var files = f.files.slice().sort(function (a, b) { return byName(a.key, b.key); });
      for (var j = 0; j < files.length && j < 2000; j++) {
        var n = files[j], label = which === 'database' ? relLabel(n) : n.name;
        html += '<li><a href="' + href(n) + '" data-id="' + esc(n.id) + '" title="' + esc(n.id) + '"><i class="dot t-' + n.type + '"></i>' + esc(label) + '</a></li>';
      }
      if (files.length > 2000) html += '<li class="more">' + (files.length - 2000) + ' more: search to find them</li>';
      return html + '</ul>';
    }
    function findFolder(which, path) {
      var f = trees[which], parts = path.split('/');
      /* paths are the prefix ('p' or 'd'), then names; names themselves may hold no '/' */
      for (var i = 1; i < parts.length && f; i++) f = parts[i] === 'packages' && i === 1 && which === 'project' ? f : f.kids[parts[i]];
      return f;
    }
    function renderTree(which) {
      if (!trees[which]) {
        trees[which] = which === 'project' ? projectTree() : databaseTree();
        if (which === 'database' && trees.database.order.length === 1) openFolders.add('d/' + trees.database.order[0]);
      }
      listEl.innerHTML = '<div class="tree-root" data-tree="' + which + '">' + folderHtml(trees[which], which) + '</div>';
      firstHit = null;
      markActive();
    }
    listEl.addEventListener('toggle', function (e) {
      var det = e.target;
      if (!det.matches || !det.matches('details[data-path]')) return;
      var path = det.getAttribute('data-path'), which = path.charAt(0) === 'p' ? 'project' : 'database';
      if (det.open) {
        openFolders.add(path);
        if (det.children.length < 2) det.insertAdjacentHTML('beforeend', folderHtml(findFolder(which, path), which));
      } else {
        openFolders.delete(path);
      }
    }, true);
    /* Opens the folders above the node being shown, as dbt-docs does. */
    function revealActive() {
      var n = activeId && byId[activeId];
      if (!n || sideTab === 'all' || searchEl.value.trim()) return;
      var path, d = n.d;
      if (sideTab === 'project') {
        if (n.type === 'test') return;
        if (TREE_TOP[n.type]) {
          path = 'p/' + TREE_TOP[n.type] + (n.type === 'source' && d.source_name ? '/' + d.source_name : '');
        } else {
          path = 'p/packages/' + (d.package_name || project);
          var parts = String(d.original_file_path || '').split('/');
          for (var j = 0; j < parts.length - 1; j++) if (parts[j]) path += '/' + parts[j];
        }
      } else {
        if (!isRelation(n)) return;
        path = 'd/' + (d.database || (n.cat && n.cat.metadata.database) || meta.database || meta.adapter_type || 'database') + '/' + (d.schema || (n.cat && n.cat.metadata.schema) || 'main');
      }
      var segs = path.split('/'), changed = false;
      for (var i = 2; i <= segs.length; i++) {
        var pre = segs.slice(0, i).join('/');
        if (pre === 'p/packages') continue;
        if (!openFolders.has(pre)) { openFolders.add(pre); changed = true; }
      }
      if (changed) renderTree(sideTab);
    }

    var activeId = null;
    function markActive() {
      var old = listEl.querySelector('a.active');
      if (old) old.classList.remove('active');
      if (activeId) {
        var a = listEl.querySelector('a[data-id="' + (window.CSS && CSS.escape ? CSS.escape(activeId) : activeId) + '"]');
        if (a) {
          a.classList.add('active');
          if (a.scrollIntoViewIfNeeded) a.scrollIntoViewIfNeeded(false);
        }
      }
    }

    /* ---- selection (graph page): name, +name+, N+name+N, @name, tag:, type:, source:, path: ---- */

    function glob(p) {
      return new RegExp('^' + p.replace(/[.+^${}()|[\]\\?]/g, '\\$&').replace(/\*/g, '.*') + '$', 'i');
    }
    function baseMatch(term) {
      var out = [], m = /^(\w+):(.*)$/.exec(term), i, n;
      if (byId[term]) return [byId[term].i];
      if (m && m[1] !== 'model' && m[1] !== 'seed') {
        var key = m[1], val = m[2], re = glob(val);
        for (i = 0; i < N.length; i++) {
          n = N[i];
          if ((key === 'tag' && (n.d.tags || []).some(function (t) { return re.test(t); })) ||
              ((key === 'type' || key === 'resource_type') && re.test(n.type)) ||
              (key === 'source' && n.type === 'source' && (re.test(n.d.source_name) || re.test(n.label))) ||
              (key === 'path' && (n.d.original_file_path || '').indexOf(val) === 0) ||
              (key === 'package' && re.test(n.d.package_name || '')) ||
              (key === 'config.materialized' && re.test(((n.d.config || {}).materialized) || '')))
            out.push(i);
        }
        return out;
      }
      var rx = glob(term);
      for (i = 0; i < N.length; i++) {
        n = N[i];
        if (rx.test(n.name) || rx.test(n.label)) out.push(i);
      }
      return out;
    }
    function walk(start, dir, depth, into) {
      var frontier = start.slice(), dist = 0;
      while (frontier.length && dist < depth) {
        var next = [];
        frontier.forEach(function (i) {
          N[i][dir].forEach(function (j) {
            if (!into.has(j) && N[j].type !== 'test') { into.add(j); next.push(j); }
          });
        });
        frontier = next;
        dist++;
      }
    }
    function select(expr, withTests) {
      var out = new Set();
      String(expr).trim().split(/\s+/).forEach(function (term) {
        if (!term) return;
        var m = /^(@?)(\d*\+)?(.*?)(\+\d*)?$/.exec(term);
        var base = baseMatch(m[3]);
        base.forEach(function (i) { out.add(i); });
        if (m[1]) {
          var down = new Set(base);
          walk(base, 'children', Infinity, down);
          down.forEach(function (i) { out.add(i); });
          walk(Array.from(down), 'parents', Infinity, out);
        }
        if (m[2]) walk(base, 'parents', m[2].length > 1 ? parseInt(m[2], 10) : Infinity, out);
        if (m[4]) walk(base, 'children', m[4].length > 1 ? parseInt(m[4].slice(1), 10) : Infinity, out);
      });
      return Array.from(out).filter(function (i) { return withTests || N[i].type !== 'test'; });
    }

    /* ---- lineage graph ------------------------------------------------------ */

    var W = 176, H = 30, GX = 64, GY = 12;

    /* Keeps the `limit` nodes nearest to `focus` (by steps in either direction). */
    function nearest(idxs, focus, limit) {
      var inSet = new Set(idxs), seen = new Set([focus]), order = [focus], q = [focus];
      for (var h = 0; h < q.length && order.length < limit; h++) {
        var n = N[q[h]], nb = n.parents.concat(n.children);
        for (var j = 0; j < nb.length && order.length < limit; j++) {
          var x = nb[j];
          if (inSet.has(x) && !seen.has(x)) { seen.add(x); order.push(x); q.push(x); }
        }
      }
      return order;
    }

    function layout(idxs) {
      var n = idxs.length, local = new Map(), k, j;
      idxs.forEach(function (g, i) { local.set(g, i); });
      var par = new Array(n), chi = new Array(n), indeg = new Int32Array(n), layer = new Int32Array(n);
      for (k = 0; k < n; k++) {
        par[k] = [];
        chi[k] = [];
      }
      for (k = 0; k < n; k++) {
        var ps = N[idxs[k]].parents;
        for (j = 0; j < ps.length; j++) {
          var p = local.get(ps[j]);
          if (p !== undefined) { par[k].push(p); chi[p].push(k); }
        }
        indeg[k] = par[k].length;
      }
      /* Longest-path layering: a node sits one layer right of its deepest parent. */
      var queue = [], nl = 1;
      for (k = 0; k < n; k++) if (!indeg[k]) queue.push(k);
      for (var h = 0; h < queue.length; h++) {
        var v = queue[h];
        chi[v].forEach(function (c) {
          if (layer[v] + 1 > layer[c]) layer[c] = layer[v] + 1;
          if (--indeg[c] === 0) queue.push(c);
        });
      }
      var layers = [];
      for (k = 0; k < n; k++) nl = Math.max(nl, layer[k] + 1);
      for (k = 0; k < nl; k++) layers.push([]);
      (queue.length === n ? queue : idxs.map(function (g, i) { return i; })).forEach(function (v) { layers[layer[v]].push(v); });
      var pos = new Float64Array(n);
      function place(L) {
        var arr = layers[L], mid = (arr.length - 1) / 2;
        for (var i = 0; i < arr.length; i++) pos[arr[i]] = i - mid;
      }
      for (k = 0; k < nl; k++) place(k);
      /* Barycenter ordering: sweep right using parents, then left using children. */
      function sweep(L, nbrs) {
        var arr = layers[L], bc = new Float64Array(n);
        arr.forEach(function (v) {
          var s = 0, c = nbrs[v].length;
          for (var i = 0; i < c; i++) s += pos[nbrs[v][i]];
          bc[v] = c ? s / c : pos[v];
        });
        arr.sort(function (a, b) { return bc[a] - bc[b] || pos[a] - pos[b]; });
        place(L);
      }
      for (var it = 0; it < 4; it++) {
        for (k = 1; k < nl; k++) sweep(k, par);
        for (k = nl - 2; k >= 0; k--) sweep(k, chi);
      }
      var xs = new Float64Array(n), ys = new Float64Array(n);
      for (k = 0; k < n; k++) {
        xs[k] = layer[k] * (W + GX);
        ys[k] = pos[k] * (H + GY);
      }
      var maxRows = 0;
      layers.forEach(function (a) { maxRows = Math.max(maxRows, a.length); });
      return {
        xs: xs, ys: ys, chi: chi, n: n,
        minX: 0, maxX: (nl - 1) * (W + GX) + W,
        minY: -((maxRows - 1) / 2) * (H + GY), maxY: ((maxRows - 1) / 2) * (H + GY) + H
      };
    }

    function short(s, max) { return s.length > max ? s.slice(0, max - 1) + '\u2026' : s; }

    var drag = null;
    window.addEventListener('pointermove', function (e) {
      if (!drag) return;
      var dx = e.clientX - drag.x, dy = e.clientY - drag.y;
      if (!drag.moved && Math.abs(dx) + Math.abs(dy) > 4) {
        drag.moved = true;
        drag.g.svg.classList.add('dragging');
      }
      if (drag.moved) {
        drag.g.st.x = drag.sx + dx;
        drag.g.st.y = drag.sy + dy;
        drag.g.apply();
      }
    });
    window.addEventListener('pointerup', function () {
      if (!drag) return;
      drag.g.svg.classList.remove('dragging');
      drag.g.justDragged = drag.moved;
      drag = null;
    });

    /* Draws nodes `idxs` (indices into N) into `box`; `focus` is highlighted. */
    function drawGraph(box, idxs, focus) {
      var L = layout(idxs), parts = [], k;
      parts.push('<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="lineage graph">' +
        '<defs><marker id="arrow" viewBox="0 0 8 8" refX="8" refY="4" markerWidth="7" markerHeight="7" orient="auto">' +
        '<path d="M0,0 L8,4 L0,8 z" fill="#a3adba"/></marker></defs><g class="vp"><g class="edges">');
      for (k = 0; k < L.n; k++) {
        var x1 = L.xs[k] + W, y1 = L.ys[k] + H / 2;
        for (var c = 0; c < L.chi[k].length; c++) {
          var t = L.chi[k][c], x2 = L.xs[t], y2 = L.ys[t] + H / 2, mx = (x1 + x2) / 2;
          parts.push('<path class="edge" data-from="' + esc(N[idxs[k]].id) + '" data-to="' + esc(N[idxs[t]].id) +
            '" data-f="' + k + '" data-t="' + t + '" marker-end="url(#arrow)" d="M' + x1 + ',' + y1 + 'C' + mx + ',' + y1 + ' ' +
            mx + ',' + y2 + ' ' + x2 + ',' + y2 + '"/>');
        }
      }
      parts.push('</g><g class="nodes">');
      for (k = 0; k < L.n; k++) {
        var n = N[idxs[k]];
        parts.push('<g class="node ' + n.type + (idxs[k] === focus ? ' focus' : '') + '" data-id="' + esc(n.id) +
          '" data-k="' + k + '" transform="translate(' + L.xs[k] + ',' + L.ys[k] + ')"><title>' + esc(n.label + ' (' + n.type + ')') +
          '</title><rect width="' + W + '" height="' + H + '" rx="5"/><text x="9" y="19">' + esc(short(n.label, 25)) + '</text></g>');
      }
      parts.push('</g></g></svg><div class="graph-tools"><button type="button" data-z="1.25" title="zoom in">+</button>' +
        '<button type="button" data-z="0.8" title="zoom out">\u2212</button><button type="button" data-z="fit" title="fit to view">fit</button></div>');
      box.innerHTML = parts.join('');
      var svg = box.querySelector('svg'), vp = svg.querySelector('.vp');
      var g = {
        svg: svg, st: { x: 0, y: 0, k: 1 }, justDragged: false,
        apply: function () { vp.setAttribute('transform', 'translate(' + g.st.x + ',' + g.st.y + ') scale(' + g.st.k + ')'); }
      };
      function zoomAt(px, py, f) {
        var k2 = Math.min(4, Math.max(0.02, g.st.k * f));
        g.st.x = px - (px - g.st.x) * k2 / g.st.k;
        g.st.y = py - (py - g.st.y) * k2 / g.st.k;
        g.st.k = k2;
        g.apply();
      }
      function fit(onFocus, first) {
        var r = svg.getBoundingClientRect(), w = r.width || 800, h = r.height || 400;
        var bw = L.maxX - L.minX + 40, bh = L.maxY - L.minY + 40;
        var kf = Math.min(1.2, w / bw, h / bh);
        var fk = onFocus ? idxs.indexOf(focus) : -1;
        if (fk >= 0 && kf < 0.45) {
          g.st.k = 0.8;
          g.st.x = w / 2 - (L.xs[fk] + W / 2) * g.st.k;
          g.st.y = h / 2 - (L.ys[fk] + H / 2) * g.st.k;
        } else if (first && kf < 0.25) {
          /* too large to read whole: start readable at the sources, the fit button shows all */
          g.st.k = 0.6;
          g.st.x = 20 - L.minX * g.st.k;
          g.st.y = h / 2 - ((L.maxY + L.minY) / 2) * g.st.k;
        } else {
          g.st.k = kf;
          g.st.x = (w - (L.maxX + L.minX) * kf) / 2;
          g.st.y = (h - (L.maxY + L.minY) * kf) / 2;
        }
        g.apply();
      }
      fit(true, true);
      svg.addEventListener('pointerdown', function (e) {
        if (e.button !== 0) return;
        drag = { g: g, x: e.clientX, y: e.clientY, sx: g.st.x, sy: g.st.y, moved: false };
        g.justDragged = false;
      });
      svg.addEventListener('wheel', function (e) {
        e.preventDefault();
        var r = svg.getBoundingClientRect();
        zoomAt(e.clientX - r.left, e.clientY - r.top, Math.exp(-e.deltaY * (e.deltaMode ? 0.05 : 0.0015)));
      }, { passive: false });
      svg.addEventListener('click', function (e) {
        if (g.justDragged) return;
        var node = e.target.closest('.node');
        if (node && byId[node.getAttribute('data-id')]) location.hash = href(byId[node.getAttribute('data-id')]);
      });
      var hot = [];
      svg.addEventListener('mouseover', function (e) {
        var node = e.target.closest('.node');
        hot.forEach(function (el) { el.classList.remove('hot'); });
        hot = [];
        if (!node) return;
        var kk = node.getAttribute('data-k');
        hot = Array.prototype.slice.call(svg.querySelectorAll('.edge[data-f="' + kk + '"],.edge[data-t="' + kk + '"]'));
        hot.forEach(function (el) { el.classList.add('hot'); });
      });
      box.querySelector('.graph-tools').addEventListener('click', function (e) {
        var z = e.target.getAttribute('data-z');
        if (!z) return;
        if (z === 'fit') { fit(false); return; }
        var r = svg.getBoundingClientRect();
        zoomAt(r.width / 2, r.height / 2, parseFloat(z));
      });
      return L.n;
    }

    /* Draws a selection, capped; returns a note for the reader or ''. */
    function drawSelection(box, idxs, focus, what) {
      var note = '';
      if (focus >= 0 && idxs.length > FOCUS_LIMIT) {
        note = 'Showing the ' + FOCUS_LIMIT + ' nodes nearest to ' + N[focus].label + ' of the ' +
          idxs.length + ' in this view: narrow it with a selector such as 2+name+2.';
        idxs = nearest(idxs, focus, FOCUS_LIMIT);
      } else if (idxs.length > GRAPH_LIMIT) {
        note = what + ' has ' + idxs.length + ' nodes: showing the first ' + GRAPH_LIMIT +
          ' in dependency order. Narrow it with a selector such as +name+, tag:x or path:models/marts.';
        idxs = topoFirst(idxs, GRAPH_LIMIT);
      }
      if (!idxs.length) {
        box.innerHTML = '<p class="muted" style="padding:12px">Nothing to draw.</p>';
        return note;
      }
      drawGraph(box, idxs, focus);
      return note;
    }
    function topoFirst(idxs, limit) {
      var inSet = new Set(idxs), indeg = new Map(), q = [];
      idxs.forEach(function (i) {
        var d = 0;
        N[i].parents.forEach(function (p) { if (inSet.has(p)) d++; });
        indeg.set(i, d);
        if (!d) q.push(i);
      });
      for (var h = 0; h < q.length && q.length < limit; h++) {
        N[q[h]].children.forEach(function (c) {
          if (!inSet.has(c)) return;
          var d = indeg.get(c) - 1;
          indeg.set(c, d);
          if (!d) q.push(c);
        });
      }
      return q.slice(0, limit);
    }

    function lineageOf(n) {
      var s = new Set([n.i]);
      walk([n.i], 'parents', Infinity, s);
      walk([n.i], 'children', Infinity, s);
      return Array.from(s).filter(function (i) { return N[i].type !== 'test'; });
    }

    /* ---- pages -------------------------------------------------------------- */

    function countsHtml() {
      var c = {};
      N.forEach(function (n) { c[n.type] = (c[n.type] || 0) + 1; });
      return '<p>' + TYPES.filter(function (t) { return c[t]; }).map(function (t) {
        return '<span class="badge t-' + t + '">' + c[t] + ' ' + TITLES[t].toLowerCase() + '</span>';
      }).join(' ') + '</p>';
    }

    function pageOverview() {
      var text = docs.__overview__;
      mainEl.innerHTML = '<h1>' + esc(project || 'Project') + '</h1>' + countsHtml() +
        '<div class="md">' + (text ? md(text) :
          md('## Welcome\n\nThis is the documentation of the **' + (project || 'xform') + '** project, ' +
            'generated by `xform docs generate`.\n\n- Browse the models, seeds, snapshots and sources on the left, or search them.\n' +
            '- Open the [lineage graph](#!/graph) to see how data flows through the project.\n\n' +
            'Add a `{% docs __overview__ %}` block to any `.md` file to replace this text.')) + '</div>' +
        '<p class="muted">Generated ' + esc(meta.generated_at || '') + '</p>';
      document.title = (project ? project + ' \u00b7 ' : '') + 'xform docs';
    }

    /* The resource types the lineage can show, those present in the project, in TYPES order. */
    function graphTypes() {
      var have = Object.create(null);
      N.forEach(function (n) { have[n.type] = 1; });
      if (!extrasReady) have.test = 1; /* tests are read after the first page */
      return TYPES.filter(function (t) { return have[t]; });
    }
    var DEFAULT_HIDDEN = { test: 1 };
    function graphHash(expr, exclude, types) {
      var q = [];
      if (exclude) q.push('exclude=' + encodeURIComponent(exclude));
      if (types) q.push('types=' + types.join(','));
      return '#!/graph/' + encodeURIComponent(expr) + (q.length ? '?' + q.join('&') : '');
    }
    function legendHtml(types, focused) {
      return '<div class="legend" id="legend">' + types.map(function (t) {
        return '<span class="key" data-type="' + t + '"><i class="swatch ' + t + '"></i>' + esc(TITLES[t] ? TITLES[t].replace(/s$/, '').replace(/Analyse$/, 'Analysis') : t) + '</span>';
      }).join('') + (focused ? '<span class="key"><i class="swatch focus"></i>Selected</span>' : '') + '</div>';
    }

    /*
     * The lineage page: a selector (dbt's --select grammar), an --exclude
     * of the same grammar and resource-type checkboxes; all three live in
     * the hash (#!/graph/EXPR?exclude=X&types=model,seed) so a view can be
     * bookmarked.
     */
    function pageGraph(expr, params) {
      expr = expr || '';
      var exclude = params.exclude || '', all = graphTypes();
      var shown = params.types != null ? params.types.split(',').filter(Boolean) :
        all.filter(function (t) { return !DEFAULT_HIDDEN[t]; });
      if (shown.indexOf('test') >= 0 && !extrasReady) {
        extras().then(route); /* tests are drawn: read them first */
        return;
      }
      mainEl.innerHTML = '<div class="graph-page"><h1>Lineage</h1><form id="gform">' +
        '<label>select <input id="selector" placeholder="+orders+  tag:finance  source:raw  path:models/marts" value="' + esc(expr) + '"></label> ' +
        '<label>exclude <input id="exclude" placeholder="tag:deprecated  stg_*" value="' + esc(exclude) + '"></label> ' +
        '<button type="submit">Show</button><div id="gtypes" class="gtypes">' + all.map(function (t) {
          return '<label class="tf"><input type="checkbox" data-type="' + t + '"' + (shown.indexOf(t) >= 0 ? ' checked' : '') +
            '><i class="swatch ' + t + '"></i>' + esc(TITLES[t] || t) + '</label>';
        }).join('') + '</div><span class="muted">Drag to pan, scroll to zoom, click a node to open it.</span></form>' +
        '<p class="graph-note" id="gnote"></p><div class="graph-box" id="gbox"></div></div>';
      var form = document.getElementById('gform');
      function go() {
        var types = Array.prototype.filter.call(form.querySelectorAll('#gtypes input'), function (c) { return c.checked; })
          .map(function (c) { return c.getAttribute('data-type'); });
        var dflt = all.filter(function (t) { return !DEFAULT_HIDDEN[t]; });
        location.hash = graphHash(document.getElementById('selector').value.trim(), document.getElementById('exclude').value.trim(),
          types.join() === dflt.join() ? null : types);
      }
      form.addEventListener('submit', function (e) { e.preventDefault(); go(); });
      document.getElementById('gtypes').addEventListener('change', go);
      var idxs, focus = -1, keep = new Set(shown);
      if (expr.trim()) {
        idxs = select(expr);
        var m = /^@?\d*\+?(.*?)\+?\d*$/.exec(expr.trim());
        var f = m && !/\s/.test(expr.trim()) ? baseMatch(m[1]) : [];
        if (f.length === 1) focus = f[0];
      } else {
        idxs = N.filter(function (n) { return n.type !== 'test'; }).map(function (n) { return n.i; });
      }
      var before = idxs.length, out = new Set(exclude.trim() ? select(exclude, true) : []);
      idxs = idxs.filter(function (i) { return !out.has(i) && keep.has(N[i].type); });
      if (keep.has('test')) {
        /* a test is drawn with what it tests: when one of its parents is drawn (dbt's eager indirect selection) */
        var inView = new Set(idxs);
        idxs.slice().forEach(function (i) {
          N[i].children.forEach(function (c) {
            if (N[c].type === 'test' && !inView.has(c) && !out.has(c)) { inView.add(c); idxs.push(c); before++; }
          });
        });
      }
      if (focus >= 0 && idxs.indexOf(focus) < 0) focus = -1;
      var box = document.getElementById('gbox');
      var note = drawSelection(box, idxs, focus, expr.trim() ? 'This selection' : 'The project');
      var drawnTypes = Object.create(null);
      idxs.forEach(function (i) { drawnTypes[N[i].type] = 1; });
      box.insertAdjacentHTML('beforeend', legendHtml(TYPES.filter(function (t) { return drawnTypes[t]; }), focus >= 0));
      if (before !== idxs.length) note = (note ? note + ' ' : '') + (before - idxs.length) + ' of ' + before + ' nodes hidden by the filters.';
      document.getElementById('gnote').textContent = note;
      box.setAttribute('data-drawn', String(idxs.length));
      document.title = 'Lineage \u00b7 ' + (project || 'xform docs');
    }

    /*
     * The relation's columns (catalog order, its types) with what the YAML
     * says of them, then the documented columns the relation lacks.
     * state: '' documented and present, 'undocumented' only in the
     * relation, 'missing' only in the YAML (when the relation was read).
     */
    function columnsOf(n) {
      var out = [], seen = Object.create(null), dcols = n.d.columns || {}, ccols = (n.cat && n.cat.columns) || {};
      var byLower = Object.create(null), key;
      for (key in dcols) byLower[key.toLowerCase()] = dcols[key];
      Object.keys(ccols).map(function (c) { return ccols[c]; }).sort(function (a, b) { return a.index - b.index; })
        .forEach(function (c) {
          var lk = String(c.name).toLowerCase(), d = byLower[lk];
          seen[lk] = 1;
          out.push({ name: c.name, key: lk, type: c.type || (d && d.data_type) || '', desc: (d && d.description) || '',
            state: d ? '' : 'undocumented' });
        });
      for (key in dcols) {
        if (seen[key.toLowerCase()]) continue;
        out.push({ name: key, key: key.toLowerCase(), type: dcols[key].data_type || '', desc: dcols[key].description || '',
          state: n.cat ? 'missing' : '' });
      }
      return out;
    }
    /* 'table' and 'view' rather than the information schema's 'BASE TABLE' and 'VIEW'. */
    function relationType(t) {
      t = String(t || '');
      return t === 'BASE TABLE' ? 'table' : t.toLowerCase();
    }
    function testName(t) {
      return (t.d.test_metadata && t.d.test_metadata.name) || t.name;
    }

    var OTHER = { exposure: 1, metric: 1, semantic_model: 1 };
    function row(label, value) {
      return value === '' || value == null ? '' : '<tr><td>' + label + '</td><td>' + value + '</td></tr>';
    }

    function pageNode(n) {
      var d = n.d, cfg = d.config || {}, h = [];
      h.push('<h1>' + esc(n.label) + ' <span class="badge t-' + n.type + '">' + n.type + '</span></h1>');
      h.push('<p class="muted">' + esc(n.id) + '</p>');
      var rel = d.relation_name || [d.database, d.schema, d.alias || d.identifier || d.name].filter(Boolean).join('.');
      var details = row('Materialization', esc(n.type === 'model' || n.type === 'snapshot' ? cfg.materialized || '' : '')) +
        row('Relation', n.type === 'test' || n.type === 'analysis' || OTHER[n.type] ? '' : '<code>' + esc(rel) + '</code>') +
        row('Relation type', n.cat ? esc(relationType(n.cat.metadata.type)) : '') +
        row('Owner', n.cat && n.cat.metadata.owner ? esc(n.cat.metadata.owner) : '') +
        row('File', d.original_file_path ? '<code>' + esc(d.original_file_path) + '</code>' : '') +
        row('Package', esc(d.package_name || '')) +
        row('Tags', (d.tags || []).map(function (t) { return '<span class="badge">' + esc(t) + '</span>'; }).join('')) +
        row('Loader', esc(d.loader || '')) +
        row('Loaded at field', d.loaded_at_field ? '<code>' + esc(d.loaded_at_field) + '</code>' : '');
      if (OTHER[n.type]) {
        var who = d.owner || {};
        details += row('Label', esc(d.label || '')) +
          row(n.type === 'exposure' ? 'Exposure type' : 'Type', esc(typeof d.type === 'string' ? d.type : '')) +
          row('Maturity', esc(d.maturity || '')) +
          row('Owner', esc([who.name, who.email].filter(Boolean).join(' '))) +
          row('URL', d.url && /^https?:\/\//.test(d.url) ? '<a href="' + esc(d.url) + '">' + esc(d.url) + '</a>' : esc(d.url || ''));
      }
      if (n.type === 'test') {
        var on = d.attached_node && byId[d.attached_node];
        details += row('Tests', on ? link(on) : '') + row('Column', d.column_name ? '<code>' + esc(d.column_name) + '</code>' : '') +
          row('Severity', esc(cfg.severity || 'error'));
      }
      if (details) h.push('<table class="details">' + details + '</table>');

      h.push('<h2>Description</h2>');
      var desc = resolveDocs(d.description);
      if (n.type === 'source' && d.source_description) desc = resolveDocs(d.source_description) + (desc ? '\n\n' + desc : '');
      h.push(desc.trim() ? '<div class="md">' + md(desc) + '</div>' : '<p class="muted">This ' + n.type + ' is not documented.</p>');

      if (n.type !== 'test' && !OTHER[n.type]) {
        var cols = columnsOf(n);
        h.push('<h2>Columns</h2>');
        if (cols.length) {
          h.push('<table class="columns"><thead><tr><th>Column</th><th>Type</th><th>Description</th><th>Tests</th></tr></thead><tbody>');
          var relName = rel || n.label, missing = 0;
          cols.forEach(function (c) {
            var tests = n.tests.filter(function (t) { return t.d.column_name && String(t.d.column_name).toLowerCase() === c.key; });
            var mark = '';
            if (c.state === 'missing') {
              missing++;
              mark = ' <span class="flag missing" title="' + esc('Documented in ' + (d.patch_path ? String(d.patch_path).replace(/^\w+:\/\//, '') : 'the YAML') + ' but ' + relName +
                ' has no column ' + c.name + ': rename it in the YAML, or add it to the ' + n.type + ' and run it again') + '">\u26a0 not in the relation</span>';
            } else if (c.state === 'undocumented') {
              mark = ' <span class="flag undocumented" title="' + esc(relName + ' has this column but no YAML file documents it') + '">undocumented</span>';
            }
            h.push('<tr class="col' + (c.state ? ' col-' + c.state : '') + '" data-column="' + esc(c.name) + '"><td><code>' + esc(c.name) + '</code>' + mark +
              '</td><td class="type">' + esc(c.type) + '</td><td class="md">' + md(resolveDocs(c.desc)) +
              '</td><td>' + tests.map(function (t) { return '<a class="badge t-test" href="' + href(t) + '" title="' + esc(t.name) + '">' + esc(testName(t)) + '</a>'; }).join(' ') + '</td></tr>');
          });
          h.push('</tbody></table>');
          if (missing) {
            h.splice(h.length - cols.length - 2, 0, '<p class="flag-note">' + missing + (missing === 1 ? ' documented column is' : ' documented columns are') +
              ' not in the relation ' + esc(relName) + ' (marked \u26a0).</p>');
          }
        } else {
          h.push('<p class="muted">No columns are documented' + (n.cat ? '' : ' and the relation was not found in the warehouse (run it, then docs generate)') + '.</p>');
        }
        h.push('<h2>Lineage</h2><p><a href="#!/graph/' + encodeURIComponent('+' + n.id + '+') + '">Open the full lineage graph</a></p><p class="graph-note" id="gnote"></p><div class="graph-box" id="gbox"></div>');
      }

      var ups = n.parents.map(function (i) { return N[i]; });
      var downs = n.children.map(function (i) { return N[i]; }).filter(function (c) { return c.type !== 'test'; });
      h.push('<h2>Depends on</h2>' + (ups.length ? '<ul class="deps">' + ups.map(function (u) { return '<li>' + link(u) + ' <span class="badge t-' + u.type + '">' + u.type + '</span></li>'; }).join('') + '</ul>' : '<p class="muted">Nothing.</p>'));
      if (n.type !== 'test') {
        h.push('<h2>Referenced by</h2>' + (downs.length ? '<ul class="deps">' + downs.map(function (u) { return '<li>' + link(u) + ' <span class="badge t-' + u.type + '">' + u.type + '</span></li>'; }).join('') + '</ul>' : '<p class="muted">Nothing.</p>'));
        if (n.tests.length) {
          h.push('<h2>Tests</h2><ul class="deps">' + n.tests.map(function (t) {
            return '<li><a href="' + href(t) + '">' + esc(testName(t)) + (t.d.column_name ? ' (' + esc(t.d.column_name) + ')' : '') + '</a></li>';
          }).join('') + '</ul>');
        }
      }
      if (n.type === 'seed') {
        h.push('<h2>Data</h2><p>Loaded from <code>' + esc(d.original_file_path || '') + '</code> by <code>xform seed</code>.</p>');
      } else if (n.type !== 'source') {
        h.push('<div id="code-box"><h2>Code</h2><div class="code-wrap"><div class="tabs"><button type="button" data-tab="raw" class="on">Source</button>' +
          '<button type="button" data-tab="compiled">Compiled</button><button type="button" class="copy" title="Copy the code shown">Copy</button></div>' +
          '<pre class="code" id="code-raw"><code>Loading\u2026</code></pre>' +
          '<pre class="code" id="code-compiled" hidden><code></code></pre></div></div>');
      }
      mainEl.innerHTML = h.join('');
      var tabs = mainEl.querySelector('.tabs');
      if (tabs) tabs.addEventListener('click', function (e) {
        var t = e.target.getAttribute('data-tab');
        if (!t) return;
        Array.prototype.forEach.call(tabs.children, function (b) { b.classList.toggle('on', b === e.target); });
        document.getElementById('code-raw').hidden = t !== 'raw';
        document.getElementById('code-compiled').hidden = t !== 'compiled';
      });
      if (document.getElementById('code-box')) {
        codeMap().then(function (all) {
          if (activeId !== n.id) return;
          var pair = all[n.id] || ['', ''];
          if (!pair[0] && !pair[1]) {
            document.getElementById('code-box').innerHTML = '';
            return;
          }
          document.querySelector('#code-raw code').innerHTML = highlightSql(pair[0]);
          if (pair[1]) document.querySelector('#code-compiled code').innerHTML = highlightSql(pair[1]);
          else document.querySelector('#code-compiled code').textContent = '(not compiled: run xform compile or xform docs generate)';
          document.getElementById('code-box').setAttribute('data-ready', '1');
        });
      }
      var box = document.getElementById('gbox');
      if (box) {
        var lin = lineageOf(n), seenT = Object.create(null);
        document.getElementById('gnote').textContent = drawSelection(box, lin, n.i, 'This lineage');
        lin.forEach(function (i) { seenT[N[i].type] = 1; });
        box.insertAdjacentHTML('beforeend', legendHtml(TYPES.filter(function (t) { return seenT[t]; }), true));
      }
      document.title = n.label + ' \u00b7 ' + (project || 'xform docs');
    }

    /* ---- routing -------------------------------------------------------------- */

    function route() {
      var t = performance.now();
      var h = location.hash.replace(/^#!?\/?/, ''), slash = h.indexOf('/');
      var head = slash < 0 ? h : h.slice(0, slash), rest = '', raw = slash < 0 ? '' : h.slice(slash + 1), params = {};
      if (head === 'graph' && raw.indexOf('?') >= 0) {
        raw.slice(raw.indexOf('?') + 1).split('&').forEach(function (kv) {
          var eq = kv.indexOf('=');
          if (eq < 0) return;
          try { params[kv.slice(0, eq)] = decodeURIComponent(kv.slice(eq + 1)); } catch (e) { params[kv.slice(0, eq)] = kv.slice(eq + 1); }
        });
        raw = raw.slice(0, raw.indexOf('?'));
      }
      try { rest = decodeURIComponent(raw); } catch (e) { rest = raw; }
      activeId = null;
      if (head === 'graph') {
        pageGraph(rest, params);
      } else if (rest && !extrasReady) {
        extras().then(route); /* a node page: with its tests and columns */
        return;
      } else if (byId[rest]) {
        activeId = rest;
        pageNode(byId[rest]);
      } else {
        pageOverview();
      }
      markActive();
      revealActive();
      mainEl.scrollTop = 0;
      window.xfDocs.routeMs = performance.now() - t;
      window.xfDocs.route = h;
      document.documentElement.setAttribute('data-route', h || 'overview');
    }

    window.xfDocs = { nodes: N.length, startMs: t0, parseMs: tParsed - t0, indexMs: tIndexed - tParsed };
    window.addEventListener('hashchange', route);
    route();
    /*
     * The sidebar, then tests and catalog, once the first page is painted
     * (a timer set from an animation frame runs after that frame's paint):
     * a bookmarked lineage shows first.
     */
    requestAnimationFrame(function () {
      setTimeout(function () {
        renderList(searchEl.value);
        window.xfDocs.listMs = performance.now() - t0;
        setTimeout(function () {
          extras().then(function () { renderList(searchEl.value); });
        }, 0);
      }, 0);
    });
    window.xfDocs.readyMs = performance.now() - t0;
  }
}());
