/*
 * search-ui.js: the search box in every page's header and the search page.
 *
 * Header box: "/" focuses it; results show as you type (a combobox with a listbox of links);
 * ArrowDown/ArrowUp move through them, Enter opens the chosen (or first) result, Esc closes the
 * list and then clears the box. Without a result, Enter goes to the search page.
 * Search page (search/index.html?q=…): the ranked results, as links in rank order, inside
 * #search-results; typing in the page's own box updates them and the address, so a search can
 * be shared as a link.
 *
 * The index loads lazily (on focus, first keystroke, or on the search page) as <script> files,
 * so it works with no network and from disk (file://). Results are built with createElement and
 * textContent only: no content ever reaches innerHTML. Visible wording comes from the templates'
 * data-* attributes.
 */
(function () {
  'use strict';

  const core = window.KBSearchCore;
  const POPUP_LIMIT = 8;
  const PAGE_LIMIT = 50;
  const DEBOUNCE_MS = 60;

  const root = (document.body && document.body.getAttribute('data-root')) || '';
  let version = '';
  let searcher = null;

  /** Load one index file as a script; resolve to the payload it leaves in KB_SEARCH_SHARDS. */
  function loadScript(path) {
    return new Promise((resolve, reject) => {
      const s = document.createElement('script');
      const bust = version && /^https?:$/.test(location.protocol) ? '?v=' + encodeURIComponent(version) : '';
      s.src = root + 'search/' + path + bust;
      s.async = true;
      s.onload = () => {
        s.remove();
        const store = window.KB_SEARCH_SHARDS || {};
        const data = store[path];
        delete store[path];
        if (data === undefined) reject(new Error('search index file ' + path + ' is empty'));
        else {
          if (path === 'index.js' && data && data.build) version = data.build;
          resolve(data);
        }
      };
      s.onerror = () => {
        s.remove();
        reject(new Error('cannot load search index file ' + path));
      };
      document.head.appendChild(s);
    });
  }

  function getSearcher() {
    if (!searcher) searcher = core.createSearcher(loadScript);
    return searcher;
  }

  /** Start loading the index; failures show when searching. */
  function warm() {
    getSearcher().open().catch(() => {});
  }

  /** A wording from a data attribute, with {n} and {q} filled in. */
  function say(el, name, values) {
    let text = (el && el.getAttribute('data-' + name)) || '';
    for (const [k, v] of Object.entries(values || {})) text = text.split('{' + k + '}').join(String(v));
    return text;
  }

  /** Append text parts to `el`, the matched ones in <mark>. */
  function appendParts(el, parts) {
    for (const p of parts) {
      if (p.hit) {
        const m = document.createElement('mark');
        m.textContent = p.text;
        el.appendChild(m);
      } else {
        el.appendChild(document.createTextNode(p.text));
      }
    }
  }

  function span(cls, parts, text) {
    const el = document.createElement('span');
    el.className = cls;
    if (parts) appendParts(el, parts); else el.textContent = text;
    return el;
  }

  function hasText(parts) {
    return parts.some((p) => p.text.trim() !== '' && p.text !== '…');
  }

  /** The link of one result: title, section and snippet. */
  function resultLink(r, tag) {
    const a = document.createElement('a');
    a.className = 'search-hit';
    a.href = root + r.url;
    a.appendChild(span('search-hit-title', r.titleParts));
    a.appendChild(span('search-hit-section', null, r.section));
    if (hasText(r.snippet)) {
      const snip = document.createElement(tag || 'span');
      snip.className = 'search-hit-snippet';
      appendParts(snip, r.snippet);
      a.appendChild(snip);
    }
    return a;
  }

  function isEditable(el) {
    if (!el) return false;
    const tag = el.tagName;
    return el.isContentEditable || tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT';
  }

  // ---- The header box --------------------------------------------------------------------

  function setupBox(form) {
    const input = form.querySelector('input[name="q"]');
    if (!input) return;
    const id = input.id || 'site-search';
    const popup = document.createElement('div');
    popup.className = 'search-popup';
    popup.hidden = true;
    const list = document.createElement('ul');
    list.id = id + '-listbox';
    list.setAttribute('role', 'listbox');
    list.setAttribute('aria-label', say(form, 'results-label') || input.labels?.[0]?.textContent || '');
    const note = document.createElement('p');
    note.className = 'search-popup-note';
    const all = document.createElement('a');
    all.className = 'search-popup-all';
    popup.append(list, note, all);
    const status = document.createElement('p');
    status.className = 'visually-hidden';
    status.setAttribute('role', 'status');
    form.append(popup, status);
    input.setAttribute('role', 'combobox');
    input.setAttribute('aria-autocomplete', 'list');
    input.setAttribute('aria-expanded', 'false');
    input.setAttribute('aria-controls', list.id);

    const state = { seq: 0, active: -1, links: [], pending: null, timer: 0 };

    function open(show) {
      popup.hidden = !show;
      input.setAttribute('aria-expanded', show ? 'true' : 'false');
      if (!show) setActive(-1);
    }

    function setActive(i) {
      state.links.forEach((a, j) => a.setAttribute('aria-selected', j === i ? 'true' : 'false'));
      state.active = i;
      if (i >= 0 && state.links[i]) {
        input.setAttribute('aria-activedescendant', state.links[i].id);
        state.links[i].scrollIntoView({ block: 'nearest' });
      } else {
        input.removeAttribute('aria-activedescendant');
      }
    }

    function render(query, res) {
      list.replaceChildren();
      list.setAttribute('data-query', query);
      state.links = res.results.map((r, i) => {
        const a = resultLink(r);
        a.id = id + '-option-' + i;
        a.setAttribute('role', 'option');
        a.setAttribute('aria-selected', 'false');
        a.tabIndex = -1;
        const li = document.createElement('li');
        li.setAttribute('role', 'none');
        li.appendChild(a);
        list.appendChild(li);
        return a;
      });
      state.active = -1;
      input.removeAttribute('aria-activedescendant');
      note.textContent = res.results.length ? '' : say(form, 'no-results', { q: query });
      note.hidden = res.results.length > 0;
      all.href = form.getAttribute('action') + '?q=' + encodeURIComponent(query);
      all.textContent = say(form, 'all-results', { n: res.total });
      all.hidden = res.results.length === 0;
      status.textContent = res.results.length ? say(form, 'count', { n: res.total }) : note.textContent;
      open(true);
    }

    function fail(err) {
      list.replaceChildren();
      state.links = [];
      note.hidden = false;
      note.textContent = say(form, 'error');
      all.hidden = true;
      status.textContent = note.textContent;
      open(true);
      if (window.console) console.warn(err);
    }

    /** Search for the box's text now; resolves to the results (or null when superseded). */
    function run() {
      clearTimeout(state.timer);
      state.timer = 0;
      const query = input.value;
      const seq = ++state.seq;
      if (!query.trim()) {
        open(false);
        state.links = [];
        state.pending = Promise.resolve(null);
        return state.pending;
      }
      state.pending = getSearcher().search(query, { limit: POPUP_LIMIT }).then((res) => {
        if (seq !== state.seq) return null;
        render(query, res);
        return res;
      }, (err) => {
        if (seq === state.seq) fail(err);
        return null;
      });
      return state.pending;
    }

    function schedule() {
      clearTimeout(state.timer);
      state.timer = setTimeout(run, DEBOUNCE_MS);
    }

    async function enter(e) {
      e.preventDefault();
      if (!input.value.trim()) return;
      const chosen = state.active >= 0 && !popup.hidden ? state.links[state.active] : null;
      if (chosen) { location.href = chosen.href; return; }
      const res = await (state.timer || !state.pending ? run() : state.pending);
      if (res && res.results.length && state.links[0]) location.href = state.links[0].href;
      else form.submit();
    }

    function move(delta) {
      if (popup.hidden) { if (state.links.length) open(true); else return; }
      const n = state.links.length;
      if (!n) return;
      const next = state.active < 0 ? (delta > 0 ? 0 : n - 1) : (state.active + delta + n) % n;
      setActive(next);
    }

    input.addEventListener('focus', warm);
    input.addEventListener('input', (e) => { if (!e.isComposing) schedule(); });
    input.addEventListener('compositionend', schedule);
    input.addEventListener('keydown', (e) => {
      if (e.isComposing || e.keyCode === 229) return;
      if (e.key === 'ArrowDown') { e.preventDefault(); move(1); }
      else if (e.key === 'ArrowUp') { e.preventDefault(); move(-1); }
      else if (e.key === 'Enter') enter(e);
      else if (e.key === 'Escape') {
        if (!popup.hidden) { e.preventDefault(); open(false); }
        else if (input.value) { e.preventDefault(); input.value = ''; state.seq++; }
      }
    });
    // Keep the focus in the box while a result is clicked.
    popup.addEventListener('mousedown', (e) => e.preventDefault());
    document.addEventListener('click', (e) => { if (!form.contains(e.target)) open(false); });
    form.addEventListener('focusout', (e) => { if (!form.contains(e.relatedTarget)) open(false); });
  }

  // ---- The search page -------------------------------------------------------------------

  function setupPage(results) {
    const status = document.getElementById('search-status') || results;
    const form = document.querySelector('form.search-page-form');
    const input = form && form.querySelector('input[name="q"]');
    const params = new URLSearchParams(location.search);
    const initial = params.get('q') || '';
    if (input) input.value = initial;
    let seq = 0;
    let timer = 0;

    function show(query) {
      const mine = ++seq;
      results.replaceChildren();
      if (!query.trim()) {
        status.textContent = say(status, 'empty');
        return Promise.resolve();
      }
      status.textContent = say(status, 'loading');
      return getSearcher().search(query, { limit: PAGE_LIMIT }).then((res) => {
        if (mine !== seq) return;
        results.setAttribute('data-query', query);
        status.textContent = res.results.length
          ? say(status, 'count', { n: res.total, q: query })
          : say(status, 'none', { q: query });
        if (!res.results.length) return;
        const ol = document.createElement('ol');
        ol.className = 'search-results-list';
        for (const r of res.results) {
          const li = document.createElement('li');
          li.appendChild(resultLink(r, 'span'));
          ol.appendChild(li);
        }
        results.appendChild(ol);
      }, (err) => {
        if (mine !== seq) return;
        status.textContent = say(status, 'error');
        if (window.console) console.warn(err);
      });
    }

    function update() {
      const query = input.value;
      const url = new URL(location.href);
      if (query) url.searchParams.set('q', query); else url.searchParams.delete('q');
      try { history.replaceState(null, '', url.href); } catch (_) { /* file:// may refuse */ }
      show(query);
    }

    if (input) {
      input.addEventListener('input', (e) => {
        if (e.isComposing) return;
        clearTimeout(timer);
        timer = setTimeout(update, DEBOUNCE_MS * 2);
      });
      input.addEventListener('compositionend', () => { clearTimeout(timer); timer = setTimeout(update, DEBOUNCE_MS); });
      form.addEventListener('submit', (e) => { e.preventDefault(); clearTimeout(timer); update(); });
    }
    if (document.title && initial) document.title = initial + ' – ' + document.title;
    show(initial);
  }

  function init() {
    if (!core) return;
    document.querySelectorAll('form[role="search"].search-box').forEach(setupBox);
    document.addEventListener('keydown', (e) => {
      if (e.key !== '/' || e.ctrlKey || e.metaKey || e.altKey || isEditable(e.target)) return;
      const input = document.querySelector('form.search-box input[name="q"]');
      if (!input) return;
      e.preventDefault();
      input.focus();
      input.select();
    });
    const results = document.getElementById('search-results');
    if (results) setupPage(results);
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
  else init();
})();
