// Unit tests of search-core.js under Node's test runner: the shared vectors (the same file the
// Rust tests read), then query analysis, highlighting and ranking over a tiny in-memory index.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repo, loadCore } from './site-index.mjs';

const core = loadCore();
const vectors = JSON.parse(readFileSync(join(repo, 'tests', 'search_vectors.json'), 'utf8'));
const table = new Map(Object.entries(vectors.fold_table));

test('tokenize vectors', () => {
  assert.ok(vectors.tokenize.length >= 30);
  for (const { input, terms } of vectors.tokenize) {
    assert.deepEqual(core.terms(input, table), terms, `terms of ${JSON.stringify(input)}`);
  }
});

test('fold vectors', () => {
  for (const { input, output } of vectors.fold) {
    const folded = core.units(input, table).map((u) => u.text).join('');
    assert.equal(folded, output, `fold of ${input}`);
  }
});

test('hash vectors', () => {
  for (const { input, hash } of vectors.hash) assert.equal(core.hash(input), hash, `hash of ${input}`);
});

test('number vectors', () => {
  for (const { numbers, encoded } of vectors.numbers) assert.deepEqual(core.decodeNumbers(encoded), numbers);
});

test('the fold table is parsed from its pair string', () => {
  const map = core.parseFold('備备𠀀x');
  assert.equal(map.get('備'), '备');
  assert.equal(map.get('𠀀'), 'x');
});

test('units keep their place in the source text', () => {
  const text = '（來自１２３８１）';
  const [a, b, n] = core.units(text, table);
  assert.equal(text.slice(a.start, a.end), '來');
  assert.equal(b.text, '自');
  assert.equal(text.slice(n.start, n.end), '１２３８１');
  assert.equal(n.text, '12381');
});

test('the last word is a prefix only while it is being typed', () => {
  assert.equal(core.analyse('app', table).prefix, 'app');
  assert.equal(core.analyse('app ', table).prefix, null);
  assert.equal(core.analyse('备案', table).prefix, null);
});

test('a pasted paragraph is cut to a bounded query', () => {
  const q = core.analyse('备案'.repeat(500) + ' appid', table);
  assert.ok(q.units.length <= 48);
  assert.ok(q.groups.length <= 48 * 2);
});

test('highlight marks bigram and word matches', () => {
  const q = core.analyse('通讯地址 appid', table);
  const parts = core.highlight('填寫通訊地址與APPID。', q, table);
  assert.deepEqual(parts.filter((p) => p.hit).map((p) => p.text), ['通訊地址', 'APPID']);
  assert.equal(parts.map((p) => p.text).join(''), '填寫通訊地址與APPID。');
});

test('a snippet is a window around the matches, with cut ends marked', () => {
  const text = '甲'.repeat(200) + '通訊地址' + '乙'.repeat(200);
  const parts = core.snippet(text, core.analyse('通讯地址', table), table, 40);
  assert.equal(parts[0].text, '…');
  assert.equal(parts[parts.length - 1].text, '…');
  assert.ok(parts.some((p) => p.hit && p.text === '通訊地址'));
  assert.ok(parts.map((p) => p.text).join('').length <= 42);
});

/** An in-memory index in the build's format (numbers encoded as the build does). */
function encode(numbers) {
  let out = '';
  for (let n of numbers) {
    const digits = [];
    do { digits.unshift(n % 32); n = Math.floor(n / 32); } while (n > 0);
    digits.forEach((d, i) => { out += String.fromCharCode((i === digits.length - 1 ? 48 : 93) + d); });
  }
  return out;
}

function memoryIndex(docs) {
  const postings = new Map();
  docs.forEach((d, id) => {
    const counts = new Map();
    for (const [text, w] of [[d[1], 3], [d[2], 1.5], [d[3], 1]]) {
      for (const t of core.terms(text, table)) counts.set(t, (counts.get(t) || 0) + w);
    }
    for (const [t, tf] of counts) {
      if (!postings.has(t)) postings.set(t, []);
      postings.get(t).push([id, Math.round(1023 * tf / (1.2 + tf))]);
    }
  });
  const shard = {};
  for (const [t, list] of postings) {
    let prev = 0;
    shard[t] = encode(list.flatMap(([id, level]) => { const gap = id - prev; prev = id; return [gap, level]; }));
  }
  const words = [...postings.keys()].filter((t) => !core.isCjk(t.codePointAt(0))).sort().map((w) => [w, postings.get(w).length]);
  const files = {
    'index.js': { format: core.FORMAT, docs: docs.length, postingShards: 1, docsPerShard: docs.length, fold: [...table].flat().join(''), vocab: words.length ? [words[0][0]] : [] },
    'p/0.js': shard,
    'd/0.js': docs,
    'v/0.js': words,
  };
  return core.createSearcher((path) => {
    if (!(path in files)) throw new Error(`no ${path}`);
    return files[path];
  });
}

const docs = [
  ['a.html', '通訊地址', '清單', ''],
  ['b.html', '填寫主體信息', '流程', '選地區、相關證件、通訊地址等。'],
  ['c.html', '小程序信息', '流程', '小程序的APPID、名稱。'],
  ['d.html', '地址變更', '問題', '通訊方式與地址可以分開填。'],
];

test('ranking: title above body, folding, prefix, phrase', async () => {
  const s = memoryIndex(docs);
  const first = async (q) => (await s.search(q)).results[0]?.url;
  assert.equal(await first('通讯地址'), 'a.html');
  assert.equal(await first('通訊地址'), 'a.html');
  assert.equal(await first('app'), 'c.html');
  assert.equal(await first('填写 证件'), 'b.html');
  const r = await s.search('通讯地址');
  assert.ok(r.results.findIndex((x) => x.url === 'b.html') < r.results.findIndex((x) => x.url === 'd.html'), 'the phrase wins over scattered bigrams');
});

test('no results for nothing, and for separators only', async () => {
  const s = memoryIndex(docs);
  assert.deepEqual((await s.search('')).results, []);
  assert.deepEqual((await s.search('，。 ')).results, []);
  assert.deepEqual((await s.search('zzz')).results, []);
});

test('results carry title parts and a snippet, never markup', async () => {
  const s = memoryIndex([['x.html', '<b>通訊地址</b>', '清單', '<script>通訊地址</script>']]);
  const [r] = (await s.search('通讯地址')).results;
  assert.equal(r.titleParts.map((p) => p.text).join(''), '<b>通訊地址</b>');
  assert.ok(r.snippet.some((p) => p.hit));
});

test('a failed load can be retried', async () => {
  let fail = true;
  const s = core.createSearcher((path) => {
    if (fail) throw new Error('offline');
    return { 'index.js': { format: core.FORMAT, docs: 0, postingShards: 1, docsPerShard: 1, fold: '', vocab: [] }, 'p/0.js': {} }[path];
  });
  await assert.rejects(s.search('备案'));
  fail = false;
  assert.deepEqual((await s.search('备案')).results, []);
});
