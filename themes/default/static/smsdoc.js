/* smsdoc.js: progressive enhancement for the handbook. No dependencies, no
   network access except the site's own search-index.json, fetched on first use.
   Every page works without it. */
(function () {
  'use strict';
  var d = document;
  d.documentElement.classList.add('js');
  var BASE = d.body.getAttribute('data-base-url'); // '' on the home page of a relative site
  if (BASE === null) BASE = '/';
  function all(sel, root) { return Array.prototype.slice.call((root || d).querySelectorAll(sel)); }
  function low(s) { return String(s || '').toLowerCase(); }
  function esc(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c];
    });
  }

  /* ---- the document tree (doc-tree.js): a sidebar on wide screens, a
     panel opened from "Documents" on phones; groups drawn when opened, so
     a large handbook costs little; the current document marked ---- */
  var treeNav = d.getElementById('doc-tree');
  var treeToggle = d.querySelector('[data-doc-tree-toggle]');
  var wide = window.matchMedia ? window.matchMedia('(min-width: 75rem)') : { matches: false };
  function here(url) { return url.split('#')[0].split('?')[0].replace(/index\.html$/, ''); }
  function drawTree() {
    var data = window.SMSDOC_DOC_TREE;
    if (!treeNav || !treeToggle || !data) return;
    var current = here(location.href);
    treeNav.innerHTML = '';
    var head = d.createElement('div');
    head.className = 'doc-tree__head';
    head.innerHTML = '<p class="doc-tree__title" id="doc-tree-title">Documents</p><button type="button" class="doc-tree__close" aria-label="Close the document tree">×</button>';
    treeNav.appendChild(head);
    treeNav.setAttribute('aria-labelledby', 'doc-tree-title');
    var filter = d.createElement('input');
    filter.type = 'search';
    filter.className = 'doc-tree__filter';
    filter.placeholder = 'Filter by id or title';
    filter.setAttribute('aria-label', 'Filter the document tree');
    treeNav.appendChild(filter);
    var currentLink = null;
    var groups = data.groups.map(function (g) {
      var det = d.createElement('details');
      var sum = d.createElement('summary');
      sum.textContent = g.label + ' (' + g.docs.length + ')';
      det.appendChild(sum);
      var ul = null;
      function fill() {
        if (ul) return;
        ul = d.createElement('ul');
        g.docs.forEach(function (e) {
          var li = d.createElement('li');
          var a = d.createElement('a');
          a.href = BASE + e[2];
          a.innerHTML = '<span class="doc-id">' + esc(e[0]) + '</span> ' + esc(e[1]) + (e[3] !== 'approved' ? ' <span class="muted">(' + esc(e[3]) + ')</span>' : '');
          a.dataset.key = low(e[0] + ' ' + e[1]);
          if (here(a.href) === current) { a.setAttribute('aria-current', 'page'); currentLink = a; }
          li.appendChild(a);
          ul.appendChild(li);
        });
        det.appendChild(ul);
      }
      var mine = g.docs.some(function (e) { return here(new URL(BASE + e[2], location.href).href) === current; });
      if (mine || g.label === 'Start here' || data.groups.length === 1) { fill(); det.open = true; }
      det.addEventListener('toggle', function () { if (det.open) fill(); });
      treeNav.appendChild(det);
      return { det: det, fill: fill };
    });
    filter.addEventListener('input', function () {
      var terms = low(filter.value).split(/\s+/).filter(Boolean);
      groups.forEach(function (g) {
        if (terms.length) g.fill();
        var shown = 0;
        all('li', g.det).forEach(function (li) {
          var key = li.firstChild.dataset.key;
          li.hidden = !terms.every(function (t) { return key.indexOf(t) >= 0; });
          if (!li.hidden) shown++;
        });
        g.det.hidden = terms.length > 0 && shown === 0;
        if (terms.length) g.det.open = shown > 0;
      });
    });
    head.querySelector('button').addEventListener('click', function () { setTree(false); treeToggle.focus(); });
    if (currentLink && treeNav.scrollHeight > treeNav.clientHeight) currentLink.scrollIntoView({ block: 'center' });
  }
  function setTree(open, remember) {
    d.body.classList.toggle('doc-tree-open', open);
    treeNav.hidden = !open;
    treeToggle.setAttribute('aria-expanded', open ? 'true' : 'false');
    if (remember) { try { localStorage.setItem('smsdoc-doc-tree', open ? 'open' : 'closed'); } catch (e) { /* private mode */ } }
  }
  if (treeNav && treeToggle && window.SMSDOC_DOC_TREE) {
    var saved = null;
    try { saved = localStorage.getItem('smsdoc-doc-tree'); } catch (e) { /* file:// or private mode */ }
    drawTree();
    setTree(wide.matches && saved !== 'closed');
    treeToggle.addEventListener('click', function (e) {
      e.preventDefault();
      setTree(treeNav.hidden, wide.matches);
      if (!treeNav.hidden && !wide.matches) treeNav.querySelector('.doc-tree__filter').focus();
    });
    d.addEventListener('keydown', function (e) {
      if (e.key === 'Escape' && !treeNav.hidden && !wide.matches) { setTree(false); treeToggle.focus(); }
    });
    if (wide.addEventListener) wide.addEventListener('change', function () { setTree(wide.matches && saved !== 'closed'); });
    // The preview server announces a new tree: load it again and redraw.
    d.addEventListener('smsdoc:doc-tree-changed', function () {
      var s = d.createElement('script');
      s.src = BASE + 'doc-tree.js?t=' + Date.now();
      s.onload = function () { var open = !treeNav.hidden; drawTree(); setTree(open); };
      d.head.appendChild(s);
    });
  }

  /* ---- document details: all open beside the text on wide screens ---- */
  if (!window.matchMedia || window.matchMedia('(min-width: 62rem)').matches) {
    all('details[data-open-wide]').forEach(function (det) { det.open = true; });
  }

  /* ---- sortable tables: buttons in <th>, aria-sort, data-sort keys ---- */
  var collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });
  function key(row, col) {
    var c = row.cells[col];
    if (!c) return '';
    return (c.hasAttribute('data-sort') ? c.getAttribute('data-sort') : c.textContent).trim();
  }
  // Whole numbers compare as numbers; everything else in natural order,
  // so that versions sort 2026.2 < 2026.11 and 1.9 < 1.10.
  var INT = /^-?\d+$/;
  function compare(a, b) {
    if (INT.test(a) && INT.test(b)) return Number(a) - Number(b);
    return collator.compare(a, b);
  }
  all('table.sortable').forEach(function (table) {
    var heads = all('thead th', table);
    heads.forEach(function (th, col) {
      var btn = th.querySelector('button');
      if (!btn) return;
      btn.addEventListener('click', function () {
        var dir = th.getAttribute('aria-sort') === 'ascending' ? 'descending' : 'ascending';
        heads.forEach(function (h) { h.removeAttribute('aria-sort'); });
        th.setAttribute('aria-sort', dir);
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows).map(function (r, i) { return [key(r, col), i, r]; });
        rows.sort(function (x, y) {
          if ((x[0] === '') !== (y[0] === '')) return x[0] === '' ? 1 : -1; // empty cells last
          var c = compare(x[0], y[0]);
          return (dir === 'ascending' ? c : -c) || x[1] - y[1];
        });
        rows.forEach(function (x) { body.appendChild(x[2]); });
      });
    });
  });

  /* ---- register: text and facet filters (type, status, owner, clause,
     review state) that combine, with the count of each choice under the
     others, kept in the address so a filtered view can be linked ---- */
  var regForm = d.getElementById('register-filters');
  if (regForm) (function () {
    var table = d.getElementById('register-table');
    var rows = all('tbody tr', table);
    var text = rows.map(function (tr) { return low(tr.textContent); });
    var selects = all('select[data-facet]', regForm);
    var q = regForm.elements.q, status = d.getElementById('register-filter-status');
    var empty = d.getElementById('register-empty');
    function has(tr, facet, value) {
      if (value === '') return true;
      var v = tr.dataset[facet === 'clauses' ? 'clauses' : facet] || '';
      return facet === 'clauses' ? v.split(' ').indexOf(value) >= 0 : v === value;
    }
    function matches(i, skip) {
      var terms = low(q.value).split(/\s+/).filter(Boolean);
      if (!terms.every(function (t) { return text[i].indexOf(t) >= 0; })) return false;
      return selects.every(function (s) { return s === skip || has(rows[i], s.dataset.facet, s.value); });
    }
    function apply(fromUser) {
      var shown = 0;
      rows.forEach(function (tr, i) { tr.hidden = !matches(i, null); if (!tr.hidden) shown++; });
      // Each choice's count: the rows it would show with the other filters kept.
      selects.forEach(function (s) {
        var counts = {}, anyCount = 0;
        rows.forEach(function (tr, i) {
          if (!matches(i, s)) return;
          anyCount++;
          if (s.dataset.facet === 'clauses') (tr.dataset.clauses || '').split(' ').forEach(function (c) { if (c) counts[c] = (counts[c] || 0) + 1; });
          else { var v = tr.dataset[s.dataset.facet] || ''; counts[v] = (counts[v] || 0) + 1; }
        });
        all('option', s).forEach(function (o) {
          if (!o.dataset.label) o.dataset.label = o.textContent;
          var n = o.value === '' ? anyCount : (counts[o.value] || 0);
          o.textContent = o.dataset.label + ' (' + n + ')';
        });
      });
      var filtered = q.value !== '' || selects.some(function (s) { return s.value !== ''; });
      status.textContent = filtered ? shown + ' of ' + rows.length + ' documents shown' : rows.length + ' documents';
      empty.hidden = shown !== 0;
      table.closest('.table-wrap').hidden = shown === 0;
      if (fromUser && window.history && history.replaceState) {
        var params = [];
        if (q.value) params.push('q=' + encodeURIComponent(q.value));
        selects.forEach(function (s) { if (s.value) params.push(s.name + '=' + encodeURIComponent(s.value)); });
        try { history.replaceState(null, '', location.pathname + (params.length ? '?' + params.join('&') : '') + location.hash); } catch (e) { /* file:// in some browsers */ }
      }
    }
    // A linked view: ?type=procedure&owner=…; unknown values are ignored.
    location.search.replace(/^\?/, '').split('&').forEach(function (kv) {
      var i = kv.indexOf('='); if (i < 0) return;
      var k = decodeURIComponent(kv.slice(0, i)), v = decodeURIComponent(kv.slice(i + 1).replace(/\+/g, ' '));
      var el = regForm.elements[k];
      if (!el) return;
      if (el.tagName === 'SELECT') { if (all('option', el).some(function (o) { return o.value === v; })) el.value = v; }
      else el.value = v;
    });
    regForm.addEventListener('input', function () { apply(true); });
    regForm.addEventListener('change', function () { apply(true); });
    regForm.addEventListener('submit', function (e) { e.preventDefault(); });
    regForm.addEventListener('reset', function () { setTimeout(function () { apply(true); }, 0); });
    all('[data-clear-filters]').forEach(function (b) { b.addEventListener('click', function () { regForm.reset(); }); });
    apply(false);
  })();

  /* ---- coverage page: by status (all, or gaps/drafts/findings) and by
     the type of the citing documents; says when nothing matches ---- */
  var covForm = d.getElementById('coverage-filter');
  function applyCoverage() {
    var checked = covForm.querySelector('input[name="cov-filter"]:checked');
    var gaps = !!checked && checked.value === 'gaps';
    var type = covForm.querySelector('#cov-type').value;
    var shown = 0, total = 0;
    all('table.coverage-table').forEach(function (table) {
      var inTable = 0;
      all('tr[data-status]', table).forEach(function (tr) {
        total++;
        var types = tr.dataset.types.split(' ');
        tr.hidden = (gaps && tr.dataset.status === 'covered') || (type !== '' && types.indexOf(type) < 0);
        all('li[data-type]', tr).forEach(function (li) { li.hidden = type !== '' && li.dataset.type !== type; });
        if (!tr.hidden) inTable++;
      });
      all('tbody', table).forEach(function (tb) {
        tb.hidden = all('tr[data-status]', tb).every(function (r) { return r.hidden; });
      });
      shown += inTable;
      table.hidden = inTable === 0;
      var empty = table.nextElementSibling;
      if (empty && empty.classList.contains('coverage-empty')) {
        empty.hidden = inTable !== 0;
        var name = table.dataset.standard;
        empty.textContent = gaps && type === '' ? 'No gaps: every clause of ' + name + ' is covered by an approved document, with no open finding.'
          : 'No clause of ' + name + ' matches' + (type ? ' (cited by a document of type “' + type + '”' + (gaps ? ', not covered' : '') + ')' : '') + '.';
      }
    });
    all('table.checklist tr[data-status]').forEach(function (tr) { tr.hidden = gaps && tr.dataset.status === 'covered'; });
    var status = d.getElementById('coverage-filter-status');
    if (status) status.textContent = (gaps || type) ? shown + ' of ' + total + ' clauses shown' : '';
  }
  if (covForm) {
    covForm.addEventListener('change', applyCoverage);
    covForm.addEventListener('submit', function (e) { e.preventDefault(); });
    applyCoverage();
  }

  /* ---- reviews page: filter rows by owner ---- */
  all('[data-owner-filter]').forEach(function (select) {
    function apply() {
      var owner = select.value;
      all('table.reviews').forEach(function (table) {
        var shown = 0;
        all('tbody tr[data-owner]', table).forEach(function (tr) {
          tr.hidden = owner !== '' && tr.dataset.owner !== owner;
          if (!tr.hidden) shown++;
        });
        var wrap = table.closest('.table-wrap') || table, none = wrap.nextElementSibling;
        if (!none || !none.classList.contains('owner-none')) {
          none = d.createElement('p');
          none.className = 'muted owner-none';
          none.textContent = 'None for this owner.';
          wrap.parentNode.insertBefore(none, wrap.nextSibling);
        }
        wrap.hidden = shown === 0;
        none.hidden = shown !== 0;
        var section = table.closest('section');
        var count = section && section.querySelector('h2 .count');
        if (count) count.textContent = '(' + shown + ')';
        // The summary at the top counts what the filter shows.
        var key = section && section.querySelector('h2[id^="rev-"]') && section.querySelector('h2').id.slice(4);
        all('[data-count="' + key + '"]').forEach(function (c) { c.textContent = shown; });
      });
      all('[data-owner-summary]').forEach(function (s) { s.textContent = owner ? ', for ' + owner : ''; });
    }
    select.addEventListener('change', apply);
    apply();
  });

  /* ---- print buttons ---- */
  all('[data-print]').forEach(function (b) { b.addEventListener('click', function () { window.print(); }); });

  /* ---- search ---- */
  var results = d.getElementById('search-results'), input = d.querySelector('[data-search-input]');
  var status = d.getElementById('search-status');
  if (!results || !input) return;
  var loading = null, timer = 0, LIMIT = 50;
  function trimTerm(t) { return t.replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu, ''); }
  /* Pages opened from file:// may not fetch files; a search-index.js next
     to the JSON (window.SMSDOC_SEARCH_INDEX = {...}), if the site has one,
     loads as a script instead. */
  function loadScript(url) {
    return new Promise(function (ok, fail) {
      var s = d.createElement('script');
      s.src = url.replace(/\.json$/, '.js');
      s.onload = function () { if (window.SMSDOC_SEARCH_INDEX) ok(window.SMSDOC_SEARCH_INDEX); else fail(new Error('no index')); };
      s.onerror = function () { fail(new Error('cannot load ' + s.src)); };
      d.head.appendChild(s);
    });
  }
  function loadIndex() {
    if (!loading) {
      var url = results.dataset.indexUrl;
      loading = (location.protocol === 'file:' ? loadScript(url)
        : fetch(url).then(function (r) { if (!r.ok) throw new Error('HTTP ' + r.status); return r.json(); })).then(prepare);
      loading.catch(function () { loading = null; }); // allow a retry
    }
    return loading;
  }
  function prepare(raw) {
    var vocab = raw.vocab ? raw.vocab.split(' ') : [];
    var docs = raw.docs.map(function (row, n) {
      var o = { n: n };
      raw.fields.forEach(function (f, i) { o[f] = row[i] || ''; });
      o.lid = low(o.id); o.ltitle = low(o.title); o.lowner = low(o.owner); o.lex = low(o.excerpt);
      o.twords = o.ltitle.split(/[^\p{L}\p{N}.\-_]+/u);
      o.cl = o.clauses ? o.clauses.split(' ') : [];
      o.w = o.words ? o.words.split(' ').map(function (x) { return parseInt(x, 36); }) : [];
      return o;
    });
    return { docs: docs, vocab: vocab, stop: new Set((raw.stop || '').split(' ')) };
  }
  function starts(list, t) { return list.some(function (w) { return w.indexOf(t) === 0; }); }
  function score(o, t, ids) {
    var s = 0;
    if (o.lid === t) s += 100; else if (o.lid.indexOf(t) >= 0) s += 40;
    if (o.cl.indexOf(t) >= 0) s += 50; else if (starts(o.cl, t)) s += 25;
    if (starts(o.twords, t)) s += 30; else if (o.ltitle.indexOf(t) >= 0) s += 15;
    if (o.lowner.indexOf(t) >= 0) s += 10;
    if (o.type.indexOf(t) === 0 || o.status === t) s += 8;
    if (o.lex.indexOf(t) >= 0) s += 5;
    else if (o.w.some(function (k) { return ids.has(k); })) s += 3;
    return s;
  }
  /* Escapes text and wraps every occurrence of a term in <mark>. */
  function mark(text, terms) {
    var lower = low(text);
    if (lower.length !== text.length) return esc(text);
    var on = new Uint8Array(text.length), out = '', i = 0;
    terms.forEach(function (t) {
      for (var p = lower.indexOf(t); p >= 0; p = lower.indexOf(t, p + t.length)) on.fill(1, p, p + t.length);
    });
    while (i < text.length) {
      var j = i;
      while (j < text.length && on[j] === on[i]) j++;
      out += on[i] ? '<mark>' + esc(text.slice(i, j)) + '</mark>' : esc(text.slice(i, j));
      i = j;
    }
    return out;
  }
  /* Documents matching every term (a term matches through its word set). */
  function search(ix, terms, idsets) {
    var hits = [];
    ix.docs.forEach(function (o) {
      var total = 0;
      for (var k = 0; k < terms.length; k++) {
        var s = score(o, terms[k], idsets[k]);
        if (!s) return; // every term must match
        total += s;
      }
      hits.push([total, o]);
    });
    return hits.sort(function (a, b) { return b[0] - a[0] || a[1].n - b[1].n; });
  }
  /* Whether a and b are at most max edits apart (insertions, deletions,
     substitutions, swaps of neighbours), giving up early. */
  function near(a, b, max) {
    if (Math.abs(a.length - b.length) > max) return false;
    var before = null, prev = [], i, j;
    for (j = 0; j <= b.length; j++) prev[j] = j;
    for (i = 1; i <= a.length; i++) {
      var cur = [i], best = i;
      for (j = 1; j <= b.length; j++) {
        var v = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
        if (before && i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, before[j - 2] + 1);
        cur[j] = v;
        if (v < best) best = v;
      }
      if (best > max) return false;
      before = prev; prev = cur;
    }
    return prev[b.length] <= max;
  }
  function render(ix, q) {
    var terms = low(q).split(/\s+/).map(trimTerm).filter(function (t) { return t && !ix.stop.has(t); });
    if (!terms.length) { results.innerHTML = ''; status.textContent = 'Type a word, an id or a clause number.'; return; }
    var idsets = terms.map(function (t) {
      var set = new Set();
      ix.vocab.forEach(function (w, k) { if (w.indexOf(t) === 0) set.add(k); });
      return set;
    });
    var hits = search(ix, terms, idsets), fixed = [];
    if (!hits.length) {
      /* Nothing matches as typed: words of the handbook one typing
         mistake away (two for long words) stand in for each term. */
      var fuzzy = terms.map(function (t, k) {
        if (t.length < 4 || idsets[k].size) return null;
        var set = new Set(), max = t.length >= 8 ? 2 : 1;
        ix.vocab.forEach(function (w, n) { if (near(t, w, max)) { set.add(n); if (fixed.indexOf(w) < 0) fixed.push(w); } });
        return set;
      });
      if (fixed.length) hits = search(ix, terms, idsets.map(function (s, k) { return fuzzy[k] || s; }));
      terms = terms.concat(fixed);
    }
    results.innerHTML = hits.slice(0, LIMIT).map(function (h) {
      var o = h[1];
      var also = [];
      idsets.forEach(function (set, k) {
        if (o.lex.indexOf(terms[k]) >= 0 || o.ltitle.indexOf(terms[k]) >= 0) return;
        var w = o.w.filter(function (x) { return set.has(x); })[0];
        if (w !== undefined) also.push('<mark>' + esc(ix.vocab[w]) + '</mark>');
      });
      return '<li class="search-result" data-url="' + esc(BASE + o.url) + '"><h2><a href="' + esc(BASE + o.url) + '">' + mark(o.title, terms) + '</a></h2>' +
        '<p class="search-result__meta"><span class="doc-id">' + mark(o.id, terms) + '</span> · ' +
        esc(o.type.charAt(0).toUpperCase() + o.type.slice(1)) + (o.status !== 'approved' ? ' · ' + esc(o.status) : '') +
        (o.owner ? ' · ' + mark(o.owner, terms) : '') + (o.clauses ? ' · clauses ' + mark(o.clauses, terms) : '') +
        (o.changed ? ' · changed ' + esc(o.changed) : '') + '</p>' +
        '<p class="search-result__snippet">' + mark(o.excerpt, terms) + (also.length ? ' <span class="muted">Also mentions</span> ' + also.join(', ') : '') + '</p></li>';
    }).join('');
    snippets(terms, ++generation);
    var n = hits.length;
    status.textContent = (n === 0 ? 'No documents match' : n === 1 ? '1 document matches' : n + ' documents match') +
      ' “' + q + '”' + (n && fixed.length ? ' (read as “' + fixed.slice(0, 3).join('”, “') + '”)' : '') +
      (n > LIMIT ? ', showing the best ' + LIMIT : '') + '.';
  }
  /* The matching sentence as snippet: the index keeps only each
     document's opening and its words, so the first results' pages are
     read (same site, cached per page) and the first sentence of the body
     holding a search word replaces the opening. From a page opened as a
     file browsers refuse to read other files: the opening stays. */
  var generation = 0, sentencesCache = {};
  function sentencesOf(url) {
    if (!sentencesCache[url]) {
      sentencesCache[url] = fetch(url).then(function (r) { return r.ok ? r.text() : ''; }).then(function (html) {
        var page = new DOMParser().parseFromString(html, 'text/html').querySelector('.doc__body');
        if (!page) return [];
        return page.textContent.replace(/\s+/g, ' ').split(/(?:[.!?:])\s+(?=[A-Z0-9“"(])/);
      }).catch(function () { return []; });
    }
    return sentencesCache[url];
  }
  function snippets(terms, gen) {
    if (location.protocol === 'file:' || !window.fetch || !window.DOMParser) return;
    all('li.search-result', results).slice(0, 10).forEach(function (li) {
      sentencesOf(li.dataset.url).then(function (sentences) {
        if (gen !== generation) return;
        var words = terms.filter(function (t) { return t.length > 1; });
        var hit = null;
        for (var k = 0; k < sentences.length && !hit; k++) {
          var l = low(sentences[k]);
          if (words.some(function (t) { return new RegExp('(^|[^a-z0-9])' + t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).test(l); })) hit = sentences[k];
        }
        if (!hit) return;
        hit = hit.trim();
        if (hit.length > 260) {
          var at = Math.max(0, words.map(function (t) { return low(hit).indexOf(t); }).filter(function (x) { return x >= 0; }).sort(function (a, b) { return a - b; })[0] - 80);
          hit = (at > 0 ? '…' : '') + hit.slice(at, at + 240) + '…';
        }
        var p = li.querySelector('.search-result__snippet');
        p.innerHTML = mark(hit, terms);
        p.classList.add('search-result__snippet--match');
      });
    });
  }
  function run() {
    var q = input.value.trim();
    try { history.replaceState(null, '', q ? '?q=' + encodeURIComponent(q) : location.pathname); } catch (e) { /* file:// */ }
    if (!q) { results.innerHTML = ''; status.textContent = ''; return; }
    if (!loading) status.textContent = 'Loading the search index…';
    loadIndex().then(function (ix) { if (input.value.trim() === q) render(ix, q); }, function (err) {
      results.innerHTML = '';
      status.textContent = location.protocol === 'file:'
        ? 'Search cannot load its index from a page opened as a file (browsers block it). Serve the folder instead, ' +
          'e.g. run “smsdoc serve” or “python3 -m http.server” in it, or browse the document register.'
        : 'The search index could not be loaded (' + err.message + '). Reload the page to try again, or browse the document register.';
    });
  }
  input.addEventListener('input', function () { clearTimeout(timer); timer = setTimeout(run, 150); });
  /* The preview server announces a new index: fetch it on the next search,
     and redo the current one, without reloading the page. */
  d.addEventListener('smsdoc:search-index-changed', function () {
    if (loading) { loading = null; if (input.value.trim()) run(); }
  });
  if (input.form) input.form.addEventListener('submit', function (e) { e.preventDefault(); clearTimeout(timer); run(); });
  var q0 = new URLSearchParams(location.search).get('q') || '';
  if (q0) {
    input.value = q0;
    var box = d.getElementById('site-search-q');
    if (box) box.value = q0;
    run();
  }
})();
