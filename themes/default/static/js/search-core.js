/*
 * search-core.js: the browser's half of kbgen's search, with no DOM in it, so that Node's test
 * runner checks it as it is. The tokeniser follows the same specification as src/search/
 * tokenize.rs (tests/search_vectors.json holds the cases both pass):
 *
 *   1. Each character is normalised: full-width ASCII (U+FF01-U+FF5E) becomes ASCII, the
 *      ideographic space a space, letters are lower-cased, Han characters folded from
 *      Traditional to Simplified with the table the index ships.
 *   2. Word characters (ASCII letters and digits, Latin-1 and Latin Extended letters, Greek,
 *      Cyrillic) make words. A word is split at an "x" between a digit and a digit or its end
 *      (1500x1100 = 1500 1100, like 1500×1100); digits lose leading zeros; a word is cut to 32
 *      characters.
 *   3. CJK characters (Han, kana, Hangul) are indexed one by one and in overlapping pairs.
 *   4. Everything else separates.
 *
 * Ranking: each query term's field-weighted BM25 weight in a document (title above section
 * above body; computed and quantised by the build) times its IDF. Bigrams, words and lone CJK
 * characters count fully; the single characters of a longer run count a little, and only when
 * no bigram or word matches; the last word of a query also matches as a prefix. The top
 * candidates are then re-ranked: by the share of the query they match, a boost for the phrase
 * (consecutive bigrams, and words, found in the same order in the document) and a boost when
 * the query covers the title.
 *
 * Usable as a browser global (KBSearchCore) and as a CommonJS module.
 */
(function (root, factory) {
  'use strict';
  const api = factory();
  if (typeof module === 'object' && module && module.exports) module.exports = api;
  else root.KBSearchCore = api;
})(typeof globalThis !== 'undefined' ? globalThis : this, function () {
  'use strict';

  const FORMAT = 2;
  const MAX_WORD = 32;
  const IMPACT_LEVELS = 1023;
  /** Weight of the single characters of a CJK run of two or more. */
  const UNIGRAM_WEIGHT = 0.25;
  /** Weight of a word that only starts with the last word of the query. */
  const PREFIX_WEIGHT = 0.8;
  const MAX_EXPANSIONS = 16;
  /** At most this much score is added for a fully matched phrase (a fraction of the score). */
  const PHRASE_BOOST = 0.6;
  /** The score is multiplied by up to 1 + this when the query covers the whole title. */
  const TITLE_BOOST = 1;
  /** How many candidates are re-ranked at least. */
  const RERANK = 24;
  /** A longer query (a pasted paragraph) is cut to this many units (words, CJK characters). */
  const MAX_QUERY_UNITS = 48;
  const SNIPPET_CHARS = 80;
  const SNIPPET_BEFORE = 16;

  // ---- Tokeniser -------------------------------------------------------------------------

  function isCjk(cp) {
    return cp === 0x3007 ||
      (cp >= 0x3041 && cp <= 0x3096) || (cp >= 0x30a1 && cp <= 0x30fa) || cp === 0x30fc ||
      (cp >= 0x3400 && cp <= 0x4dbf) || (cp >= 0x4e00 && cp <= 0x9fff) ||
      (cp >= 0xac00 && cp <= 0xd7a3) || (cp >= 0xf900 && cp <= 0xfaff) ||
      (cp >= 0x20000 && cp <= 0x3134f);
  }

  function isWord(cp) {
    return (cp >= 0x30 && cp <= 0x39) || (cp >= 0x61 && cp <= 0x7a) ||
      (cp >= 0xc0 && cp <= 0xd6) || (cp >= 0xd8 && cp <= 0xf6) || (cp >= 0xf8 && cp <= 0x24f) ||
      (cp >= 0x370 && cp <= 0x3ff) || (cp >= 0x400 && cp <= 0x4ff);
  }

  function isDigit(ch) {
    return ch !== undefined && ch >= '0' && ch <= '9';
  }

  function foldWidth(cp) {
    if (cp >= 0xff01 && cp <= 0xff5e) return cp - 0xfee0;
    if (cp === 0x3000) return 0x20;
    return cp;
  }

  /** The fold table from its pair string (from, to, from, to …). */
  function parseFold(pairs) {
    const map = new Map();
    const chars = Array.from(pairs || '');
    for (let i = 0; i + 1 < chars.length; i += 2) map.set(chars[i], chars[i + 1]);
    return map;
  }

  const NO_FOLD = new Map();

  /**
   * The units of `text`: words and CJK characters, each { text, cjk, run, start, end } where
   * start and end are UTF-16 offsets into `text` and `run` numbers the CJK runs.
   */
  function units(text, fold) {
    fold = fold || NO_FOLD;
    const out = [];
    let word = [];
    let run = 0;
    let inCjk = false;
    let i = 0;
    for (const ch of String(text)) {
      const start = i;
      i += ch.length;
      const cp = foldWidth(ch.codePointAt(0));
      const c = String.fromCodePoint(cp);
      if (isCjk(cp)) {
        flushWord(word, out);
        word = [];
        if (!inCjk) { run += 1; inCjk = true; }
        out.push({ text: fold.get(c) || c, cjk: true, run, start, end: i });
        continue;
      }
      inCjk = false;
      const lower = c.toLowerCase();
      if (isWord(lower.codePointAt(0))) {
        for (const l of lower) word.push({ ch: l, start, end: i });
      } else {
        flushWord(word, out);
        word = [];
      }
    }
    flushWord(word, out);
    return out;
  }

  /** Split a word run (its characters with offsets) and push its words to `out`. */
  function flushWord(chars, out) {
    let part = [];
    const parts = [];
    for (let i = 0; i < chars.length; i++) {
      const c = chars[i].ch;
      const afterDigit = i > 0 && isDigit(chars[i - 1].ch);
      const beforeDigitOrEnd = i + 1 >= chars.length || isDigit(chars[i + 1].ch);
      if (c === 'x' && afterDigit && beforeDigitOrEnd) {
        parts.push(part);
        part = [];
      } else {
        part.push(chars[i]);
      }
    }
    parts.push(part);
    for (const p of parts) {
      if (p.length === 0) continue;
      out.push({ text: normaliseWord(p.map((c) => c.ch).join('')), cjk: false, run: 0, start: p[0].start, end: p[p.length - 1].end });
    }
  }

  function normaliseWord(w) {
    if (/^[0-9]+$/.test(w)) w = w.replace(/^0+/, '') || '0';
    return Array.from(w).slice(0, MAX_WORD).join('');
  }

  /** The index terms of `text`, in order: each word, each CJK character and the bigram it starts. */
  function terms(text, fold) {
    const us = units(text, fold);
    const out = [];
    for (let i = 0; i < us.length; i++) {
      out.push(us[i].text);
      const next = us[i + 1];
      if (us[i].cjk && next && next.cjk && next.run === us[i].run) out.push(us[i].text + next.text);
    }
    return out;
  }

  // ---- Encodings ---------------------------------------------------------------------------

  /** FNV-1a (32 bits) over the UTF-16 code units of `s`. */
  function hash(s) {
    let h = 0x811c9dc5;
    for (let i = 0; i < s.length; i++) {
      h ^= s.charCodeAt(i);
      h = Math.imul(h, 0x01000193) >>> 0;
    }
    return h >>> 0;
  }

  /** The numbers of an encoded string: base 32, '0'+d ends a number, ']'+d continues it. */
  function decodeNumbers(s) {
    const out = [];
    let v = 0;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c >= 93 && c < 125) v = v * 32 + (c - 93);
      else { out.push(v * 32 + (c - 48)); v = 0; }
    }
    return out;
  }

  /** Call fn(doc, level) for each posting of an encoded list (gap, level, gap, level …). */
  function forEachPosting(s, fn) {
    let v = 0;
    let doc = 0;
    let gap = true;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c >= 93 && c < 125) { v = v * 32 + (c - 93); continue; }
      v = v * 32 + (c - 48);
      if (gap) doc += v; else fn(doc, v);
      gap = !gap;
      v = 0;
    }
  }

  /** The number of postings of an encoded list. */
  function countPostings(s) {
    let finals = 0;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c < 93 || c >= 125) finals++;
    }
    return finals >> 1;
  }

  // ---- Query analysis ----------------------------------------------------------------------

  /**
   * What to look for: groups of alternative terms (a doc's group score is its best alternative),
   * the phrase checks, and what to highlight.
   */
  function analyse(query, fold) {
    const us = units(query, fold).slice(0, MAX_QUERY_UNITS);
    const groups = new Map();
    const add = (term, weight, primary) => {
      const g = groups.get(term);
      if (!g) groups.set(term, { key: term, alts: [{ term, weight: 1 }], weight, primary });
      else { g.weight = Math.max(g.weight, weight); g.primary = g.primary || primary; }
    };
    const last = us[us.length - 1];
    const prefix = last && !last.cjk && last.end === String(query).length ? last.text : null;
    const runs = new Map();
    for (const u of us) {
      if (!u.cjk) add(u.text, 1, true);
      else {
        if (!runs.has(u.run)) runs.set(u.run, []);
        runs.get(u.run).push(u.text);
      }
    }
    const bigrams = new Set();
    const singles = new Set();
    for (const run of runs.values()) {
      if (run.length === 1) { add(run[0], 1, true); singles.add(run[0]); continue; }
      for (let i = 0; i + 1 < run.length; i++) { add(run[i] + run[i + 1], 1, true); bigrams.add(run[i] + run[i + 1]); }
      for (const c of run) add(c, UNIGRAM_WEIGHT, false);
    }
    return {
      units: us,
      groups: Array.from(groups.values()),
      prefix,
      words: new Set(us.filter((u) => !u.cjk).map((u) => u.text)),
      bigrams,
      singles,
      phrases: phraseChecks(us),
    };
  }

  /**
   * The phrase checks of a query: three neighbouring characters of one CJK run (two consecutive
   * bigrams), and two neighbouring units of which one is a word (1500 1100, 24小时).
   */
  function phraseChecks(us) {
    const checks = [];
    for (let i = 0; i + 1 < us.length; i++) {
      const a = us[i];
      const b = us[i + 1];
      if (a.cjk && b.cjk) {
        const c = us[i + 2];
        if (a.run === b.run && c && c.cjk && c.run === a.run) checks.push(a.text + '\u0001' + b.text + '\u0001' + c.text);
      } else {
        checks.push(a.text + '\u0001' + b.text);
      }
    }
    return checks;
  }

  /** The neighbour keys of a text: pairs of neighbouring units and triples of one CJK run. */
  function neighbourKeys(us, keys) {
    for (let i = 0; i + 1 < us.length; i++) {
      const a = us[i];
      const b = us[i + 1];
      keys.add(a.text + '\u0001' + b.text);
      const c = us[i + 2];
      if (a.cjk && b.cjk && c && c.cjk && a.run === b.run && b.run === c.run) {
        keys.add(a.text + '\u0001' + b.text + '\u0001' + c.text);
      }
    }
    return keys;
  }

  // ---- Highlighting ------------------------------------------------------------------------

  /** Whether unit i of `us` matches the query `q` (for highlighting). */
  function isHit(us, i, q) {
    const u = us[i];
    if (!u.cjk) return q.words.has(u.text) || (q.prefix !== null && u.text.startsWith(q.prefix));
    if (q.singles.has(u.text)) return true;
    const prev = us[i - 1];
    const next = us[i + 1];
    return (prev !== undefined && prev.cjk && prev.run === u.run && q.bigrams.has(prev.text + u.text)) ||
      (next !== undefined && next.cjk && next.run === u.run && q.bigrams.has(u.text + next.text));
  }

  /** The matched ranges [start, end) of `text`, neighbouring ranges merged. */
  function hitRanges(text, q, fold) {
    const us = units(text, fold);
    const ranges = [];
    for (let i = 0; i < us.length; i++) {
      if (!isHit(us, i, q)) continue;
      const last = ranges[ranges.length - 1];
      if (last && last[1] === us[i].start) last[1] = us[i].end;
      else ranges.push([us[i].start, us[i].end]);
    }
    return ranges;
  }

  /** `text` from `from` to `to` as parts { text, hit }. */
  function parts(text, ranges, from, to) {
    const out = [];
    let pos = from;
    for (const [s, e] of ranges) {
      if (e <= from || s >= to) continue;
      const a = Math.max(s, from);
      const b = Math.min(e, to);
      if (a > pos) out.push({ text: text.slice(pos, a), hit: false });
      out.push({ text: text.slice(a, b), hit: true });
      pos = b;
    }
    if (pos < to) out.push({ text: text.slice(pos, to), hit: false });
    return out;
  }

  /** The whole of `text` with its matches marked. */
  function highlight(text, q, fold) {
    return parts(text, hitRanges(text, q, fold), 0, text.length);
  }

  /** A window of `text` around its densest matches, as parts; "…" marks cut ends. */
  function snippet(text, q, fold, size) {
    size = size || SNIPPET_CHARS;
    const flat = String(text).replace(/\s+/g, ' ').trim();
    const ranges = hitRanges(flat, q, fold);
    let best = 0;
    let bestCount = -1;
    for (let i = 0; i < ranges.length; i++) {
      let count = 0;
      for (let j = i; j < ranges.length && ranges[j][1] <= ranges[i][0] + size; j++) count += ranges[j][1] - ranges[j][0];
      if (count > bestCount) { bestCount = count; best = ranges[i][0]; }
    }
    let from = Math.max(0, best - SNIPPET_BEFORE);
    let to = Math.min(flat.length, from + size);
    from = Math.max(0, Math.min(from, to - size));
    if (from > 0 && isLowSurrogate(flat.charCodeAt(from))) from -= 1;
    if (to < flat.length && isLowSurrogate(flat.charCodeAt(to))) to += 1;
    const out = parts(flat, ranges, from, to);
    if (from > 0) out.unshift({ text: '…', hit: false });
    if (to < flat.length) out.push({ text: '…', hit: false });
    return out;
  }

  function isLowSurrogate(c) {
    return c >= 0xdc00 && c <= 0xdfff;
  }

  // ---- Searching ---------------------------------------------------------------------------

  function idf(n, df) {
    return Math.log(1 + (n - df + 0.5) / (df + 0.5));
  }

  /** The first index of sorted `list` whose value is greater than `v`. */
  function upperBound(list, v) {
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (list[mid] <= v) lo = mid + 1; else hi = mid;
    }
    return lo;
  }

  /**
   * The posting shard of `term`: single CJK characters (one code point, not a word character)
   * in c/ when the index has such shards, bigrams and words in p/, each by the term's hash.
   */
  function shardPath(m, term) {
    const h = hash(term);
    const cp = term.codePointAt(0);
    const single = term.length === (cp > 0xffff ? 2 : 1) && !isWord(cp);
    if (single && m.charShards > 0) return 'c/' + (h & (m.charShards - 1)) + '.js';
    return 'p/' + (h & (m.postingShards - 1)) + '.js';
  }

  /**
   * A searcher over the index files. `load(path)` returns (a promise of) the payload of the file
   * at `path`, relative to the index folder (`index.js`, `p/3.js` …).
   */
  function createSearcher(load) {
    const files = new Map();
    let ready = null;

    function get(path) {
      if (!files.has(path)) {
        const p = Promise.resolve().then(() => load(path));
        files.set(path, p);
        p.catch(() => files.delete(path));
      }
      return files.get(path);
    }

    function open() {
      if (!ready) {
        ready = get('index.js').then((m) => {
          if (!m || m.format !== FORMAT) throw new Error('search index: unknown format');
          return { m, fold: parseFold(m.fold) };
        });
        ready.catch(() => { ready = null; });
      }
      return ready;
    }

    async function postings(m, term) {
      const shard = await get(shardPath(m, term));
      return Object.prototype.hasOwnProperty.call(shard, term) ? shard[term] : null;
    }

    async function expansions(m, prefix) {
      const starts = m.vocab || [];
      if (!starts.length) return [];
      const first = Math.max(0, upperBound(starts, prefix) - 1);
      const lastGroup = Math.min(Math.max(0, upperBound(starts, prefix + '\uffff') - 1), first + 3);
      const found = [];
      for (let i = first; i <= lastGroup; i++) {
        for (const [w, df] of await get('v/' + i + '.js')) {
          if (w !== prefix && w.startsWith(prefix)) found.push([w, df]);
        }
      }
      found.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
      return found.slice(0, MAX_EXPANSIONS).map(([w]) => w);
    }

    async function addPrefix(m, q) {
      if (q.prefix === null) return;
      const group = q.groups.find((g) => g.key === q.prefix);
      for (const w of await expansions(m, q.prefix)) group.alts.push({ term: w, weight: PREFIX_WEIGHT });
    }

    /**
     * Score every document: the sum over groups of the best alternative's weighted impact. Also
     * `covered`: the IDF of the primary groups (bigrams, words, single characters) a document
     * matches, out of `coverable`, the IDF of all primary groups that match anything.
     */
    async function score(m, groups) {
      const n = m.docs;
      const s = { total: new Float64Array(n), primary: new Uint8Array(n), covered: new Float64Array(n), coverable: 0 };
      const lists = await Promise.all(groups.map((g) => Promise.all(g.alts.map((a) => postings(m, a.term)))));
      let best = null;
      groups.forEach((g, gi) => {
        best = best || new Float64Array(n);
        const touched = [];
        let groupIdf = 0;
        g.alts.forEach((alt, ai) => {
          const enc = lists[gi][ai];
          if (!enc) return;
          const altIdf = idf(n, countPostings(enc));
          groupIdf = Math.max(groupIdf, altIdf);
          const w = alt.weight * altIdf / IMPACT_LEVELS;
          forEachPosting(enc, (doc, level) => {
            if (doc >= n) return;
            if (best[doc] === 0) touched.push(doc);
            if (w * level > best[doc]) best[doc] = w * level;
          });
        });
        if (g.primary) s.coverable += groupIdf;
        for (const doc of touched) {
          s.total[doc] += g.weight * best[doc];
          if (g.primary) { s.primary[doc] = 1; s.covered[doc] += groupIdf; }
          best[doc] = 0;
        }
      });
      return s;
    }

    /**
     * The best `k` documents with a score, best first, and how many have one; documents that
     * match only single characters of a longer query count only when nothing else matches.
     */
    function candidates(s, k) {
      const n = s.total.length;
      let any = false;
      for (let d = 0; d < n && !any; d++) any = s.primary[d] === 1 && s.total[d] > 0;
      const top = [];
      let count = 0;
      let floor = -1;
      for (let d = 0; d < n; d++) {
        const v = s.total[d];
        if (!(v > 0) || (any && !s.primary[d])) continue;
        count++;
        if (top.length >= k && v <= floor) continue;
        top.push(d);
        if (top.length > 2 * k) {
          top.sort((a, b) => s.total[b] - s.total[a] || a - b);
          top.length = k;
          floor = s.total[top[k - 1]];
        }
      }
      top.sort((a, b) => s.total[b] - s.total[a] || a - b);
      if (top.length > k) top.length = k;
      return { ids: top, count };
    }

    async function doc(m, id) {
      const shard = await get('d/' + Math.floor(id / m.docsPerShard) + '.js');
      const d = shard[id % m.docsPerShard];
      return { id, url: d[0], title: d[1], section: d[2], text: d[3] };
    }

    /** The share of the query's phrase checks that `d` passes. */
    function phraseScore(d, q, fold) {
      if (!q.phrases.length) return 0;
      const keys = new Set();
      for (const f of [d.title, d.section, d.text]) neighbourKeys(units(f, fold), keys);
      return q.phrases.filter((k) => keys.has(k)).length / q.phrases.length;
    }

    /** The share of the title's units that match the query: 1 when the title is the query. */
    function titleCoverage(d, q, fold) {
      const us = units(d.title, fold);
      if (!us.length) return 0;
      let hits = 0;
      for (let i = 0; i < us.length; i++) if (isHit(us, i, q)) hits++;
      return hits / us.length;
    }

    /**
     * Search for `query`. Options: limit (results returned, default 10). Resolves to
     * { query, total, results: [{ url, title, section, titleParts, snippet, score }] }.
     */
    async function search(query, options) {
      const limit = (options && options.limit) || 10;
      const { m, fold } = await open();
      const q = analyse(query, fold);
      if (!q.groups.length) return { query, total: 0, results: [] };
      await addPrefix(m, q);
      // The single characters of longer runs only matter when no bigram or word matches: they
      // are the costliest postings, so they load only then.
      let s = await score(m, q.groups.filter((g) => g.primary));
      if (!s.primary.some((p) => p === 1)) s = await score(m, q.groups);
      const { ids, count } = candidates(s, Math.max(limit, RERANK));
      const top = await Promise.all(ids.map((id) => doc(m, id)));
      for (const d of top) {
        const cover = titleCoverage(d, q, fold);
        const queryCover = s.coverable > 0 ? s.covered[d.id] / s.coverable : 1;
        d.score = s.total[d.id] * queryCover * queryCover *
          (1 + PHRASE_BOOST * phraseScore(d, q, fold)) * (1 + TITLE_BOOST * cover * cover);
      }
      top.sort((a, b) => b.score - a.score || a.id - b.id);
      const results = top.slice(0, limit).map((d) => ({
        url: d.url,
        title: d.title,
        section: d.section,
        titleParts: highlight(d.title, q, fold),
        snippet: snippet(d.text, q, fold),
        score: d.score,
      }));
      return { query, total: count, results };
    }

    return { open, search };
  }

  return {
    FORMAT, MAX_WORD, isCjk, foldWidth, parseFold, units, terms, hash, decodeNumbers, analyse,
    highlight, snippet, createSearcher,
  };
});
