// Shared helpers of the browser tests: build the site with the real binary, launch Debian's
// Chromium headless with a fresh profile, and serve a folder over loopback HTTP.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, cpSync, rmSync, readFileSync, existsSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname, extname, normalize } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createServer } from 'node:http';
import { chromium } from 'playwright-core';

export const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const kbgen = process.env.KBGEN_BIN || join(repo, 'target', 'debug', 'kbgen');

/** A fresh temporary folder, removed when the process exits. */
export function tempDir(prefix = 'kbgen-test-') {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Build the bundled site (or `root`) into a new temporary folder; returns that folder. */
export function buildSite(root = repo) {
  if (!existsSync(kbgen)) throw new Error(`no kbgen binary at ${kbgen}: run cargo build first`);
  const out = join(tempDir(), 'public');
  execFileSync(kbgen, ['build', '--root', root, '--out', out, '--quiet'], { stdio: 'inherit' });
  return out;
}

/** A copy of the bundled site's sources in a temporary folder (for tests that edit content). */
export function copySite(from = repo) {
  const dir = tempDir('kbgen-site-');
  for (const part of ['content', 'themes']) {
    if (existsSync(join(from, part))) cpSync(join(from, part), join(dir, part), { recursive: true });
  }
  return dir;
}

export const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run',
];

/** Launch Chromium with a fresh --user-data-dir. Returns a Playwright BrowserContext. */
export async function launch(options = {}) {
  const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
  return chromium.launchPersistentContext(tempDir('kbgen-profile-'), {
    executablePath,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: options.viewport || { width: 1280, height: 900 },
    ...options,
  });
}

/** Collect console errors and page errors of `page` into the returned array. */
export function watchErrors(page) {
  const errors = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(String(e)));
  return errors;
}

const TYPES = {
  '.html': 'text/html; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8', '.json': 'application/json',
  '.svg': 'image/svg+xml', '.png': 'image/png', '.xml': 'application/xml', '.txt': 'text/plain; charset=utf-8',
};

/** Serve `dir` on a free loopback port; returns { url, close }. */
export async function serveDir(dir) {
  const server = createServer((req, res) => {
    let path = normalize(decodeURIComponent(new URL(req.url, 'http://x').pathname));
    if (path.includes('..')) { res.writeHead(400); return res.end(); }
    let file = join(dir, path);
    if (existsSync(file) && statSync(file).isDirectory()) file = join(file, 'index.html');
    if (!existsSync(file)) { res.writeHead(404); return res.end('not found'); }
    res.writeHead(200, { 'content-type': TYPES[extname(file)] || 'application/octet-stream' });
    res.end(readFileSync(file));
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${server.address().port}/`;
  return { url, close: () => new Promise((r) => server.close(r)) };
}

/** The file:// URL of a path. */
export const fileUrl = (p) => pathToFileURL(p).href;
