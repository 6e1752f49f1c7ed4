// `kbgen serve` in headless Chromium, on a copy of the bundled site: an open page reloads by
// itself after a save and keeps its scroll position; a broken save shows the error overlay (as
// text) over the last good page, in open pages and in pages opened while it is broken, and
// fixing the file removes it. No test calls reload; every wait has a timeout.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync, renameSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { copySite, kbgen, launch, watchErrors } from './lib.mjs';

const FAQ = 'content/faq/02-free-of-charge.md';
const PAGE = 'faq/free-of-charge/index.html';
const WAIT = 15000;
let root;
let serve;
let browser;

/** A TCP port nothing listens on. */
function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

/** Start `kbgen serve` on `root`; resolves with { child, url } once it serves. */
async function startServe() {
  if (!existsSync(kbgen)) throw new Error(`no kbgen binary at ${kbgen}: run cargo build first`);
  const port = await freePort();
  const child = spawn(kbgen, ['serve', '--root', root, '--port', String(port)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr.on('data', (d) => { err += d; });
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`kbgen serve did not start:\n${out}\n${err}`)), WAIT);
    child.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/serving (http:\/\/\S+)/);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`kbgen serve exited (${code}):\n${err}`));
    });
  });
  return { child, url };
}

/** The server's status: generation, problem, connected pages. */
async function status() {
  const res = await fetch(new URL('__kbgen/status', serve.url));
  return res.json();
}

/** Wait until `check()` resolves truthy, polling every 50 ms, for at most WAIT. */
async function until(check, what) {
  const start = Date.now();
  while (Date.now() - start < WAIT) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Replace `from` by `to` in `file`, as an editor's atomic save (temporary file, rename). */
function save(file, from, to) {
  const path = join(root, file);
  const text = readFileSync(path, 'utf8');
  assert.ok(text.includes(from), `${file} has no ${from}`);
  const tmp = join(root, 'content', 'faq', '.kbgen-test-save.tmp');
  writeFileSync(tmp, text.replace(from, to));
  renameSync(tmp, path);
}

/** A new page at `path` of the served site, with its errors collected. */
async function open(path) {
  const page = await browser.newPage();
  const errors = watchErrors(page);
  await page.goto(new URL(path, serve.url).href);
  return { page, errors };
}

const overlayText = (page) => page.locator('kbgen-overlay pre').textContent({ timeout: WAIT });

before(async () => {
  root = copySite();
  serve = await startServe();
  browser = await launch();
});

after(async () => {
  await browser?.close();
  serve?.child.kill();
});

test('an open page reloads by itself after a save and keeps its scroll position', async () => {
  const { page, errors } = await open(PAGE);
  await page.setViewportSize({ width: 360, height: 240 });
  await page.evaluate(() => window.scrollTo(0, 150));
  const scrolled = await page.evaluate(() => window.scrollY);
  assert.ok(scrolled > 0, 'the page scrolls');
  await page.evaluate(() => { window.kbgenTestMarker = true; });
  await until(async () => (await status()).clients >= 1, 'the page to connect');

  save(FAQ, '小程序備案是免費的。', '小程序備案是免費的。自動重新載入。');
  await page.waitForFunction(() => document.body.innerText.includes('自動重新載入'), null, { timeout: WAIT });
  assert.equal(await page.evaluate(() => window.kbgenTestMarker), undefined, 'the page was reloaded');
  await page.waitForFunction((y) => Math.abs(window.scrollY - y) <= 2, scrolled, { timeout: WAIT });
  assert.deepEqual(errors, []);
  await page.close();
});

test('a broken save shows the error over the last good page until it is fixed', async () => {
  const { page, errors } = await open(PAGE);
  await until(async () => (await status()).clients >= 1, 'the page to connect');
  const good = await page.locator('main').innerText();

  save(FAQ, 'order: 2', 'order: 2\ncolour: <img src=x onerror="window.kbgenPwned=1">');
  const shown = await overlayText(page);
  assert.match(shown, /02-free-of-charge\.md:\d+:\d+/);
  assert.match(shown, /colour/);
  assert.match(shown, /<img src=x/, 'the message is text, not HTML');
  assert.equal(await page.evaluate(() => window.kbgenPwned), undefined);
  assert.equal(await page.locator('main').innerText(), good, 'the last good page stays');

  const late = await open(PAGE);
  assert.match(await overlayText(late.page), /colour/, 'a page opened while broken shows it too');

  save(FAQ, '\ncolour: <img src=x onerror="window.kbgenPwned=1">', '');
  await page.locator('kbgen-overlay').waitFor({ state: 'detached', timeout: WAIT });
  await late.page.locator('kbgen-overlay').waitFor({ state: 'detached', timeout: WAIT });
  assert.equal((await status()).problem, null);
  assert.deepEqual(errors, []);
  assert.deepEqual(late.errors, []);
  await late.page.close();
  await page.close();
});
