// Search in headless Chromium on the built bundled site, opened from disk (file://) like a
// customer who saved it, and once over HTTP: the header box ("/", results as you type, arrows,
// Enter, Esc) and the search page (?q=…, results in rank order in #search-results).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { buildSite, launch, watchErrors, fileUrl, serveDir } from './lib.mjs';

const AXE_PATH = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
const ID = 'checklists/individual/index.html';
const NON = 'checklists/non-individual/index.html';
let site;
let browser;

before(async () => {
  site = buildSite();
  browser = await launch();
});

after(async () => {
  await browser?.close();
});

/** A new page at `path` of the site (file://), with its errors collected. */
async function open(path, query = '') {
  const page = await browser.newPage();
  const errors = watchErrors(page);
  await page.goto(fileUrl(join(site, path)) + query);
  return { page, errors };
}

const options = (page) => page.locator('#site-search-listbox [role="option"]');

/** Wait until the header box shows the results of `query` (not of a prefix typed before it). */
async function waitForResults(page, query) {
  await page.locator('#site-search-listbox').and(page.locator(`[data-query="${query}"]`)).waitFor({ state: 'attached' });
}
const hrefs = (locator) => locator.evaluateAll((els) => els.map((a) => a.getAttribute('href')));

test('"/" focuses the header box, a Simplified query shows results, Enter opens the first', async () => {
  const { page, errors } = await open('index.html');
  await page.keyboard.press('/');
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'site-search');
  await page.keyboard.type('备案 收费');
  await waitForResults(page, '备案 收费');
  assert.equal(await options(page).first().getAttribute('href'), 'faq/free-of-charge/index.html');
  assert.match(await options(page).first().textContent(), /小程序備案要收費嗎/);
  assert.equal(await page.locator('#site-search').getAttribute('aria-expanded'), 'true');
  await Promise.all([page.waitForURL(/faq\/free-of-charge\/index\.html$/), page.keyboard.press('Enter')]);
  assert.match(await page.locator('h1').textContent(), /小程序備案要收費嗎/);
  assert.deepEqual(errors, []);
  await page.close();
});

test('arrows choose a result and Enter opens it; Esc closes the list, then clears the box', async () => {
  const { page, errors } = await open('faq/free-of-charge/index.html');
  await page.click('#site-search');
  await page.keyboard.type('应急手机号');
  await waitForResults(page, '应急手机号');
  const list = await hrefs(options(page));
  assert.deepEqual(list.slice(0, 2), [`../../${ID}#emergency-phone`, `../../${NON}#emergency-phone`]);
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowDown');
  assert.equal(await options(page).nth(1).getAttribute('aria-selected'), 'true');
  assert.equal(await page.locator('#site-search').getAttribute('aria-activedescendant'), await options(page).nth(1).getAttribute('id'));
  await page.keyboard.press('ArrowUp');
  assert.equal(await options(page).nth(0).getAttribute('aria-selected'), 'true');
  await page.keyboard.press('Escape');
  assert.equal(await page.locator('.search-popup').isHidden(), true);
  assert.equal(await page.locator('#site-search').inputValue(), '应急手机号');
  await page.keyboard.press('Escape');
  assert.equal(await page.locator('#site-search').inputValue(), '');
  await page.keyboard.type('营业执照');
  await waitForResults(page, '营业执照');
  await page.keyboard.press('ArrowDown');
  await Promise.all([page.waitForURL(/non-individual\/index\.html#business-license$/), page.keyboard.press('Enter')]);
  assert.deepEqual(errors, []);
  await page.close();
});

test('a Traditional query and a full-width number find the same entries', async () => {
  const { page, errors } = await open('index.html');
  await page.click('#site-search');
  await page.keyboard.type('１２３８１');
  await waitForResults(page, '１２３８１');
  assert.equal(await options(page).first().getAttribute('href'), 'process/index.html#sms-verification');
  await page.fill('#site-search', '');
  await page.keyboard.type('通訊地址');
  await waitForResults(page, '通訊地址');
  assert.equal(await options(page).first().getAttribute('href'), `${ID}#mailing-address`);
  const marks = await page.locator('#site-search-listbox mark').first().textContent();
  assert.equal(marks, '通訊地址');
  assert.deepEqual(errors, []);
  await page.close();
});

test('the search page renders ?q= results in rank order inside #search-results', async () => {
  const { page, errors } = await open('search/index.html', `?q=${encodeURIComponent('人脸 白色背景')}`);
  const links = page.locator('#search-results a');
  await links.first().waitFor();
  const list = await hrefs(links);
  assert.deepEqual(list.slice(0, 2), [`../${ID}#face-verification`, `../${NON}#responsible-person-face-verification`]);
  assert.equal(await page.locator('#search-page-q').inputValue(), '人脸 白色背景');
  assert.match(await page.locator('#search-status').textContent(), /3/);
  // Typing in the page's own box updates the results; "/" there types a slash.
  await page.fill('#search-page-q', '1500x1100');
  await page.locator('#search-results[data-query="1500x1100"]').waitFor({ state: 'attached' });
  assert.deepEqual(await hrefs(links), [`../${ID}#id-card`]);
  await Promise.all([page.waitForURL(/#id-card$/), links.first().click()]);
  assert.deepEqual(errors, []);
  await page.close();
});

test('content never becomes markup, and nothing found says so', async () => {
  const query = '<img src=qq onerror="window.pwned=true">';
  const { page, errors } = await open('search/index.html', `?q=${encodeURIComponent(query)}`);
  await page.waitForFunction(() => /img/.test(document.querySelector('#search-status')?.textContent || ''));
  assert.equal(await page.locator('main img').count(), 0);
  assert.equal(await page.evaluate(() => window.pwned), undefined);
  assert.equal(await page.locator('#search-results a').count(), 0);
  await page.click('#site-search');
  await page.keyboard.type('zzzz');
  await page.locator('.search-popup-note').waitFor();
  assert.match(await page.locator('.search-popup-note').textContent(), /zzzz/);
  assert.deepEqual(errors, []);
  await page.close();
});

test('the index loads lazily: nothing before the box is used', async () => {
  const { page, errors } = await open('index.html');
  await page.waitForTimeout(200);
  assert.equal(await page.evaluate(() => typeof window.KB_SEARCH_SHARDS), 'undefined');
  await page.focus('#site-search');
  await page.waitForFunction(() => typeof window.KB_SEARCH_SHARDS === 'object');
  assert.deepEqual(errors, []);
  await page.close();
});

test('search works over HTTP too', async () => {
  const server = await serveDir(site);
  try {
    const page = await browser.newPage();
    const errors = watchErrors(page);
    // The browser asks for /favicon.ico on its own; the site has none, which is not search's concern.
    await page.route('**/favicon.ico', (route) => route.fulfill({ status: 204 }));
    await page.goto(`${server.url}search/index.html?q=${encodeURIComponent('居住证')}`);
    await page.locator('#search-results a').first().waitFor();
    assert.equal(await page.locator('#search-results a').first().getAttribute('href'), `../${ID}#residence-permit`);
    assert.deepEqual(errors, []);
    await page.close();
  } finally {
    await server.close();
  }
});

/** axe-core's WCAG A/AA violations on `page`, light and dark, as readable lines. */
async function axeViolations(page) {
  await page.addScriptTag({ path: AXE_PATH });
  const found = [];
  for (const colorScheme of ['light', 'dark']) {
    await page.emulateMedia({ colorScheme });
    const v = await page.evaluate(async (tags) => {
      const r = await window.axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] });
      return r.violations.map((x) => `${x.id}: ${x.help} (${x.nodes.map((n) => n.target.join(' ')).join(', ')})`);
    }, AXE_TAGS);
    found.push(...v.map((line) => `${colorScheme}: ${line}`));
  }
  return found;
}

test('no WCAG A/AA violations with the result list open, or on the search page', async () => {
  // Over HTTP: axe reads the stylesheets, which Chromium refuses from file://.
  const server = await serveDir(site);
  try {
    const page = await browser.newPage();
    const errors = watchErrors(page);
    await page.route('**/favicon.ico', (route) => route.fulfill({ status: 204 }));
    await page.goto(`${server.url}index.html`);
    await page.click('#site-search');
    await page.keyboard.type('通讯地址');
    await waitForResults(page, '通讯地址');
    await page.keyboard.press('ArrowDown');
    assert.deepEqual(await axeViolations(page), []);
    await page.goto(`${server.url}search/index.html?q=${encodeURIComponent('备案')}`);
    await page.locator('#search-results a').first().waitFor();
    assert.deepEqual(await axeViolations(page), []);
    assert.deepEqual(errors, []);
    await page.close();
  } finally {
    await server.close();
  }
});
