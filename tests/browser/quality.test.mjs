// Quality gate of the default theme, run with `node --test quality.test.mjs` in tests/browser.
// Builds the bundled site, then checks every HTML page of the output:
//   1. the Nu HTML Checker (vnu-jar, on the machine's Java) reports zero errors;
//   2. axe-core in Chromium reports zero WCAG 2.0/2.1 A and AA violations, light and dark;
//   3. at 360 px wide nothing scrolls sideways;
//   4. loading the page logs no console error and throws no page error;
//   5. printing a FAQ page leaves out the navigation (and the search box), but keeps the answer.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { createRequire } from 'node:module';
import { buildSite, launch, watchErrors, serveDir } from './lib.mjs';

const require = createRequire(import.meta.url);
const VNU_JAR = require('vnu-jar');
const AXE_PATH = require.resolve('axe-core/axe.min.js');
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
const NARROW = 360;

/** Every .html file under `dir`, sorted. */
function htmlFiles(dir) {
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && entry.name.endsWith('.html')) out.push(join(entry.parentPath ?? entry.path, entry.name));
  }
  return out.sort();
}

let out, files, server, context;
/** Site-relative paths, as URLs ("faq/daily-limit/index.html"). */
let pages;

before(async () => {
  out = buildSite();
  files = htmlFiles(out);
  pages = files.map((f) => relative(out, f).split(sep).join('/'));
  server = await serveDir(out);
  context = await launch();
});

after(async () => {
  await context?.close();
  await server?.close();
});

test('the build has pages of every kind', () => {
  for (const p of ['index.html', '404.html', 'timeline/index.html', 'process/index.html',
    'faq/index.html', 'search/index.html', 'about/index.html']) {
    assert.ok(pages.includes(p), `missing ${p}; have ${pages.join(', ')}`);
  }
  assert.ok(pages.filter((p) => p.startsWith('faq/') && p !== 'faq/index.html').length > 0, 'no FAQ entry pages');
});

test('Nu HTML Checker: zero errors on every page', () => {
  const r = spawnSync('java', ['-jar', VNU_JAR, '--format', 'json', '--errors-only', ...files], {
    encoding: 'utf8', maxBuffer: 64 * 1024 * 1024,
  });
  assert.equal(r.error, undefined, `could not run java: ${r.error}`);
  // vnu writes its JSON report to stderr; exit status 1 means "there were errors".
  let report;
  try {
    report = JSON.parse(r.stderr || r.stdout);
  } catch {
    assert.fail(`vnu printed no JSON report (status ${r.status}):\n${r.stdout}\n${r.stderr}`);
  }
  const errors = report.messages.filter((m) => m.type === 'error' || m.subType === 'fatal' || m.type === 'non-document-error');
  const text = errors.map((m) => `${relative(out, decodeURIComponent(new URL(m.url).pathname))}:${m.lastLine ?? '?'}:${m.firstColumn ?? m.lastColumn ?? '?'}: ${m.message}${m.extract ? `\n    ${m.extract.replace(/\n/g, ' ')}` : ''}`);
  assert.equal(errors.length, 0, `${errors.length} Nu HTML Checker error(s):\n${text.join('\n')}`);
});

/**
 * Open `path` in a fresh tab; returns { page, errors } with console/page errors collected, plus a line
 * naming each request that failed or answered 4xx/5xx (the console message alone does not say which).
 */
async function open(path, setup) {
  const page = await context.newPage();
  const errors = watchErrors(page);
  page.on('response', (r) => { if (r.status() >= 400) errors.push(`(HTTP ${r.status()} for ${r.url().replace(server.url, '/')})`); });
  page.on('requestfailed', (r) => errors.push(`(request failed: ${r.url().replace(server.url, '/')}: ${r.failure()?.errorText})`));
  if (setup) await setup(page);
  await page.goto(server.url + path, { waitUntil: 'load' });
  return { page, errors };
}

function formatViolations(violations) {
  return violations.map((v) => `  [${v.impact}] ${v.id}: ${v.help}\n    ${v.helpUrl}\n` +
    v.nodes.map((n) => `    - ${n.target.join(' ')}${n.failureSummary ? `\n      ${n.failureSummary.replace(/\n/g, '\n      ')}` : ''}`).join('\n')).join('\n');
}

async function axe(page) {
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.addScriptTag({ path: AXE_PATH });
  return page.evaluate(async (tags) => {
    const r = await window.axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] });
    return r.violations.map(({ id, impact, help, helpUrl, nodes }) => ({
      id, impact, help, helpUrl, nodes: nodes.map(({ target, failureSummary }) => ({ target, failureSummary })),
    }));
  }, AXE_TAGS);
}

test('axe-core: zero WCAG A/AA violations, light and dark', async (t) => {
  for (const path of pages) {
    await t.test(path, async () => {
      const { page } = await open(path);
      try {
        const found = [];
        for (const colorScheme of ['light', 'dark']) {
          await page.emulateMedia({ colorScheme });
          const v = await axe(page);
          if (v.length) found.push(`${colorScheme}:\n${formatViolations(v)}`);
        }
        assert.equal(found.length, 0, `axe violations on ${path}\n${found.join('\n')}`);
      } finally {
        await page.close();
      }
    });
  }
});

test(`no horizontal scrolling at ${NARROW} px wide`, async (t) => {
  for (const path of pages) {
    await t.test(path, async () => {
      const { page } = await open(path, (p) => p.setViewportSize({ width: NARROW, height: 740 }));
      try {
        const { scrollWidth, wide } = await page.evaluate(() => {
          const w = document.documentElement.clientWidth;
          const wide = [...document.querySelectorAll('body *')]
            .filter((e) => e.getBoundingClientRect().right > w + 0.5)
            .slice(0, 5)
            .map((e) => `${e.tagName.toLowerCase()}${e.id ? '#' + e.id : ''}${e.className && typeof e.className === 'string' ? '.' + e.className.trim().split(/\s+/).join('.') : ''} (right ${Math.round(e.getBoundingClientRect().right)})`);
          return { scrollWidth: document.documentElement.scrollWidth, wide };
        });
        assert.ok(scrollWidth <= NARROW, `${path}: scrollWidth ${scrollWidth} > ${NARROW}; widest: ${wide.join(', ')}`);
      } finally {
        await page.close();
      }
    });
  }
});

test('no console errors or page errors', async (t) => {
  for (const path of pages) {
    await t.test(path, async () => {
      const { page, errors } = await open(path);
      try {
        // Let deferred scripts and anything they schedule run.
        await page.waitForLoadState('networkidle');
        assert.deepEqual(errors, [], `${path} logged errors:\n${errors.join('\n')}`);
      } finally {
        await page.close();
      }
    });
  }
});

test('printing a FAQ page leaves out the navigation', async () => {
  const faq = pages.find((p) => p.startsWith('faq/') && p !== 'faq/index.html');
  const { page } = await open(faq);
  try {
    await page.emulateMedia({ media: 'print' });
    const shown = await page.evaluate(() => {
      const visible = (e) => !!e && e.getClientRects().length > 0 && getComputedStyle(e).visibility !== 'hidden';
      return {
        navs: [...document.querySelectorAll('nav')].filter(visible).map((n) => n.getAttribute('aria-label') || n.className),
        search: visible(document.querySelector('[role="search"], .search-box')),
        title: visible(document.querySelector('main h1')),
        body: visible(document.querySelector('main .prose')),
      };
    });
    assert.deepEqual(shown.navs, [], `navigation shown in print: ${shown.navs.join(', ')}`);
    assert.equal(shown.search, false, 'search box shown in print');
    assert.equal(shown.title, true, 'the question is not printed');
    assert.equal(shown.body, true, 'the answer is not printed');
    // And the screen view still has its navigation.
    await page.emulateMedia({ media: 'screen' });
    assert.ok(await page.locator('nav.site-nav').isVisible(), 'site navigation hidden on screen');
  } finally {
    await page.close();
  }
});
