#!/usr/bin/env node
// Search benchmark over a built site: what the first query downloads (raw and gzip), the time to
// load the index manifest, and query latency p50/p95 under Node, cold (files read and run as the
// browser would) and warm (files already loaded). The index files are run in a vm context, the
// way the browser runs them as scripts.
//
// Usage: node benches/search_bench.mjs SITE_DIR [--runs N] [--json] [query …]
//   SITE_DIR is a built site (kbgen build --out SITE_DIR), e.g. of benches/gen_site.py 10000.
import { readdirSync, statSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { performance } from 'node:perf_hooks';
import { siteSearcher, loadCore } from '../tests/js/site-index.mjs';

const DEFAULT_QUERIES = [
  '通讯地址', '人脸 白色背景', '有效期一个月', '1500×1100', '备案 收费', '12381', '居住证', '公章',
  '法定代表人', '24小时', '应急手机号', '工作日', '负责人 审核', '营业执照上传', '小程序备案流程',
  '身份证', '管理员 验证', '服务商接口', '手机号 邮箱', '第5000条', '網站備案', 'appid', '审', '资料提交时间',
];

function parseArgs(argv) {
  const args = { site: null, runs: 20, json: false, queries: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--runs') args.runs = Number(argv[++i]);
    else if (a === '--json') args.json = true;
    else if (!args.site) args.site = a;
    else args.queries.push(a);
  }
  if (!args.site) {
    console.error('usage: node benches/search_bench.mjs SITE_DIR [--runs N] [--json] [query …]');
    process.exit(2);
  }
  if (!args.queries.length) args.queries = DEFAULT_QUERIES;
  return args;
}

const gz = (bytes) => gzipSync(bytes, { level: 6 }).length;
const kb = (n) => (n / 1024).toFixed(1) + ' KB';
const ms = (n) => n.toFixed(2) + ' ms';

function percentile(values, p) {
  const s = [...values].sort((a, b) => a - b);
  if (!s.length) return NaN;
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
}

/** Every file under `dir`, recursively. */
function filesUnder(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...filesUnder(p));
    else out.push(p);
  }
  return out;
}

function indexTotals(site) {
  let raw = 0;
  let gzip = 0;
  const files = filesUnder(join(site, 'search')).filter((f) => f.endsWith('.js'));
  for (const f of files) {
    const b = readFileSync(f);
    raw += b.length;
    gzip += gz(b);
  }
  return { files: files.length, raw, gzip };
}

/** The files the first query of a fresh page loads, and how long it took (cold). */
async function firstQuery(site, core, query, limit) {
  const { searcher, loaded } = siteSearcher(site, core);
  const t0 = performance.now();
  const res = await searcher.search(query, { limit });
  const elapsed = performance.now() - t0;
  const raw = loaded.reduce((n, f) => n + f.bytes.length, 0);
  const gzip = loaded.reduce((n, f) => n + gz(f.bytes), 0);
  return { query, files: loaded.length, raw, gzip, elapsed, top: res.results[0]?.url || '' };
}

async function manifestLoad(site, core, runs) {
  const times = [];
  for (let i = 0; i < runs; i++) {
    const { searcher } = siteSearcher(site, core);
    const t0 = performance.now();
    await searcher.open();
    times.push(performance.now() - t0);
  }
  return times;
}

async function warmLatency(site, core, queries, runs, limit) {
  const { searcher } = siteSearcher(site, core);
  for (const q of queries) await searcher.search(q, { limit });
  const times = [];
  for (let r = 0; r < runs; r++) {
    for (const q of queries) {
      const t0 = performance.now();
      await searcher.search(q, { limit });
      times.push(performance.now() - t0);
    }
  }
  return times;
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const core = loadCore();
  const totals = indexTotals(args.site);
  const manifest = readFileSync(join(args.site, 'search', 'index.js'));
  const load = await manifestLoad(args.site, core, args.runs);
  const popup = [];
  const page = [];
  for (const q of args.queries) {
    popup.push(await firstQuery(args.site, core, q, 8));
    page.push(await firstQuery(args.site, core, q, 50));
  }
  const warmPopup = await warmLatency(args.site, core, args.queries, args.runs, 8);
  const warmPage = await warmLatency(args.site, core, args.queries, args.runs, 50);
  const summary = {
    site: args.site,
    index: { ...totals, manifestRaw: manifest.length, manifestGzip: gz(manifest) },
    manifestLoadMs: { p50: percentile(load, 50), p95: percentile(load, 95) },
    firstQueryPopup: {
      gzipMax: Math.max(...popup.map((r) => r.gzip)), gzipP50: percentile(popup.map((r) => r.gzip), 50),
      rawMax: Math.max(...popup.map((r) => r.raw)), filesMax: Math.max(...popup.map((r) => r.files)),
      coldMs: { p50: percentile(popup.map((r) => r.elapsed), 50), p95: percentile(popup.map((r) => r.elapsed), 95) },
    },
    firstQueryPage: {
      gzipMax: Math.max(...page.map((r) => r.gzip)), gzipP50: percentile(page.map((r) => r.gzip), 50),
      rawMax: Math.max(...page.map((r) => r.raw)), filesMax: Math.max(...page.map((r) => r.files)),
    },
    warmMs: {
      popup: { p50: percentile(warmPopup, 50), p95: percentile(warmPopup, 95) },
      page: { p50: percentile(warmPage, 50), p95: percentile(warmPage, 95) },
    },
    queries: popup,
  };
  if (args.json) {
    console.log(JSON.stringify(summary, null, 2));
    return;
  }
  console.log(`index: ${totals.files} files, ${kb(totals.raw)} raw, ${kb(totals.gzip)} gzip; manifest ${kb(manifest.length)} raw, ${kb(gz(manifest))} gzip`);
  console.log(`manifest load: p50 ${ms(summary.manifestLoadMs.p50)}, p95 ${ms(summary.manifestLoadMs.p95)}`);
  console.log('first query (header box, 8 results), per query:');
  for (const r of popup) {
    console.log(`  ${r.query.padEnd(12, '\u3000')} ${String(r.files).padStart(3)} files ${kb(r.raw).padStart(9)} raw ${kb(r.gzip).padStart(9)} gzip ${ms(r.elapsed).padStart(10)}  → ${r.top}`);
  }
  const f = summary.firstQueryPopup;
  console.log(`first query, header box: max ${kb(f.gzipMax)} gzip (p50 ${kb(f.gzipP50)}), max ${kb(f.rawMax)} raw, max ${f.filesMax} files; cold p50 ${ms(f.coldMs.p50)}, p95 ${ms(f.coldMs.p95)}`);
  const g = summary.firstQueryPage;
  console.log(`first query, search page (50 results): max ${kb(g.gzipMax)} gzip (p50 ${kb(g.gzipP50)}), max ${kb(g.rawMax)} raw, max ${g.filesMax} files`);
  console.log(`warm query latency: header box p50 ${ms(summary.warmMs.popup.p50)}, p95 ${ms(summary.warmMs.popup.p95)}; search page p50 ${ms(summary.warmMs.page.p50)}, p95 ${ms(summary.warmMs.page.p95)}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
