// kbgen serve's live-reload client. `kbgen serve` adds it to every page it serves; `kbgen build`
// never emits it. It listens to /__kbgen/events (Server-Sent Events): the page reloads when its
// own file or a file it uses changed, and keeps its scroll position; while the last save is
// broken, an overlay shows the error (as text, never as HTML) over the last good version.
// Hidden tabs close their stream (browsers allow few connections per server) and catch up when
// shown again.
(() => {
  'use strict';
  const script = document.currentScript;
  if (!script || !window.EventSource) return;
  const instance = script.dataset.instance;
  const key = script.dataset.key || '';
  let generation = Number(script.dataset.generation) || 0;
  const scrollKey = `kbgen-scroll:${location.pathname}`;
  let source = null;
  let overlay = null;
  let dismissed = null;

  function restoreScroll() {
    const saved = sessionStorage.getItem(scrollKey);
    if (saved === null) return;
    sessionStorage.removeItem(scrollKey);
    let pos;
    try { pos = JSON.parse(saved); } catch { return; }
    const go = () => window.scrollTo(pos.x, pos.y);
    go();
    if (document.readyState !== 'complete') window.addEventListener('load', go, { once: true });
  }

  function reload() {
    try {
      sessionStorage.setItem(scrollKey, JSON.stringify({ x: window.scrollX, y: window.scrollY }));
    } catch { /* storage full or disabled: reload anyway */ }
    if (source) source.close();
    location.reload();
  }

  // The site paths of this page and of the files it uses.
  function used() {
    const keys = new Set([key]);
    const attrs = [['link', 'href'], ['script', 'src'], ['img', 'src'], ['source', 'src'], ['iframe', 'src']];
    for (const [tag, attr] of attrs) {
      for (const el of document.querySelectorAll(`${tag}[${attr}]`)) {
        const path = sitePath(el.getAttribute(attr));
        if (path !== null) keys.add(path);
      }
    }
    return keys;
  }

  function sitePath(ref) {
    try {
      const url = new URL(ref, document.baseURI);
      if (url.origin !== location.origin) return null;
      const path = decodeURIComponent(url.pathname).replace(/^\//, '');
      return path === '' || path.endsWith('/') ? `${path}index.html` : path;
    } catch {
      return null;
    }
  }

  function affects(paths) {
    if (paths === null || paths === undefined) return true;
    if (paths.length === 0) return false;
    const mine = used();
    return paths.some((p) => mine.has(p));
  }

  function showProblem(text) {
    if (!text) {
      if (overlay) overlay.remove();
      overlay = null;
      dismissed = null;
      return;
    }
    if (text === dismissed) return;
    if (!overlay) overlay = makeOverlay();
    overlay.shadowRoot.querySelector('pre').textContent = text;
    (document.body || document.documentElement).appendChild(overlay);
  }

  function makeOverlay() {
    const host = document.createElement('kbgen-overlay');
    const root = host.attachShadow({ mode: 'open' });
    root.innerHTML = '<link rel="stylesheet" href="/__kbgen/overlay.css">'
      + '<section role="alert" aria-labelledby="kbgen-title">'
      + '<header><h2 id="kbgen-title">kbgen: the last save has an error</h2>'
      + '<button type="button">Hide</button></header>'
      + '<p>This page shows the last good version until the error is fixed.</p>'
      + '<pre></pre></section>';
    root.querySelector('button').addEventListener('click', () => {
      dismissed = root.querySelector('pre').textContent;
      host.remove();
    });
    return host;
  }

  function on(name, handle) {
    source.addEventListener(name, (event) => {
      let data;
      try { data = JSON.parse(event.data); } catch { return; }
      handle(data);
    });
  }

  function connect() {
    if (source) return;
    source = new EventSource(`/__kbgen/events?since=${generation}`);
    on('hello', (d) => {
      if (d.instance !== instance || affects(d.paths)) return reload();
      generation = d.generation;
      showProblem(d.problem);
    });
    on('reload', (d) => {
      if (affects(d.paths)) return reload();
      generation = d.generation;
    });
    on('problem', (d) => showProblem(d.text));
  }

  function disconnect() {
    if (source) source.close();
    source = null;
  }

  restoreScroll();
  document.addEventListener('visibilitychange', () => (document.hidden ? disconnect() : connect()));
  if (!document.hidden) connect();
})();
