// The interactive document checklist (issue 4), in headless Chromium on the built bundled site:
// ticks and answers persist, answers tailor the lists, the image / phone / date checks run
// locally, clear asks first, progress updates, copy and print work, and the pages stay valid and
// accessible. Run: `cargo build && cd tests/browser && node --test checklist.test.mjs`.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { buildSite, copySite, launch, watchErrors, serveDir, tempDir } from './lib.mjs';

const require = createRequire(import.meta.url);
const AXE_PATH = require.resolve('axe-core/axe.min.js');
const VNU_JAR = require('vnu-jar');

const INDEX = 'a/checklists/index.html';
const INDIVIDUAL = 'a/checklists/individual/index.html';
const NON_INDIVIDUAL = 'a/checklists/non-individual/index.html';
const PREFIX = 'kbgen.checklist:';

// Files base.html links that other parts of the project provide; while they are not there yet,
// their 404s are not this feature's errors.
const OTHERS = ['css/search.css', 'js/search-core.js', 'js/search-ui.js'];

let root, server, context, missingOthers;

// Two builds under one origin (so they share localStorage): `a/` is the bundled site, `b/` the
// same site after an editor reordered, added and removed items of the individual list.
function editedSite() {
  const dir = copySite();
  const file = join(dir, 'content', 'checklists', 'individual.yaml');
  const text = readFileSync(file, 'utf8');
  const [head, ...blocks] = text.split(/\n(?=  - id: )/);
  const byId = (id) => blocks.find((b) => b.startsWith(`  - id: ${id}\n`));
  assert.ok(byId('mailing-address') && byId('face-verification'), 'the bundled list changed: update this test');
  const kept = blocks.filter((b) => !b.startsWith('  - id: mailing-address\n') && !b.startsWith('  - id: face-verification\n'));
  const added = '  - id: test-added-item\n    title: 測試新增項目\n    required: true';
  writeFileSync(file, [head, added, ...kept, byId('mailing-address')].join('\n').replace(/\n*$/, '\n'));
  return dir;
}

before(async () => {
  root = tempDir('kbgen-checklist-');
  cpSync(buildSite(), join(root, 'a'), { recursive: true });
  cpSync(buildSite(editedSite()), join(root, 'b'), { recursive: true });
  missingOthers = OTHERS.filter((f) => !existsSync(join(root, 'a', f)));
  // Chromium asks the server root for /favicon.ico on reloads; the sites live under a/ and b/.
  writeFileSync(join(root, 'favicon.ico'), '');
  server = await serveDir(root);
  context = await launch({ viewport: { width: 390, height: 844 } });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url.replace(/\/$/, '') });
});

after(async () => {
  await context?.close();
  await server?.close();
});

/** Open a page with JavaScript's work done; `errors` collects console and page errors. */
async function open(path, ctx = context) {
  const page = await ctx.newPage();
  const errors = watchErrors(page);
  const requests = [];
  page.on('request', (r) => requests.push(r.url()));
  await page.goto(server.url + path, { waitUntil: 'load' });
  if (ctx === context) await page.waitForSelector('.cl-page.cl-ready');
  return { page, errors, requests };
}

/** A fresh start: no stored ticks or answers. */
async function fresh(path) {
  const o = await open(path);
  await o.page.evaluate(() => localStorage.clear());
  await o.page.reload();
  await o.page.waitForSelector('.cl-page.cl-ready');
  return o;
}

/** Console errors, leaving out 404s of files other parts of the project have not added yet. */
function realErrors(errors) {
  if (!missingOthers.length) return errors;
  return errors.filter((e) => !/Failed to load resource: .*404/.test(e));
}

async function done({ page, errors }) {
  await page.waitForTimeout(50);
  const found = realErrors(errors);
  await page.close();
  assert.deepEqual(found, [], `console errors:\n${found.join('\n')}`);
}

const exactly = (s) => new RegExp(`^${s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
const item = (page, title) => page.locator('.cl-item', { has: page.locator('.cl-name', { hasText: exactly(title) }) });
const visibleTitles = (page) => page.locator('.cl-item:visible .cl-name').allTextContents();
const answer = (page, question, label) =>
  page.locator(`[data-question="${question}"]`).getByRole('radio', { name: label, exact: true }).check();
const stored = (page) => page.evaluate((p) => Object.fromEntries(Object.keys(localStorage)
  .filter((k) => k.startsWith(p)).map((k) => [k.slice(k.indexOf(':', p.length) + 1), JSON.parse(localStorage[k])])), PREFIX);

test('without JavaScript every item is shown with its condition, and no form', async () => {
  const ctx = await launch({ javaScriptEnabled: false });
  try {
    for (const [path, count] of [[INDIVIDUAL, 7], [NON_INDIVIDUAL, 8], [INDEX, 15]]) {
      const { page } = await open(path, ctx);
      assert.equal(await page.locator('.cl-item:visible').count(), count, path);
      assert.equal(await page.locator('.cl-questions').isVisible(), false, `${path}: questions shown`);
      assert.equal(await page.locator('.cl-toolbar').isVisible(), false, `${path}: toolbar shown`);
      assert.equal(await page.locator('.cl-tick:visible, .cl-check:visible').count(), 0, `${path}: inert controls shown`);
      assert.ok(await page.locator('.cl-nojs').isVisible());
      await page.close();
    }
    const { page } = await open(INDIVIDUAL, ctx);
    assert.match(await item(page, '暫住證或居住證等證明材料').locator('.when').textContent(),
      /適用於：「申請人的身份證證件地址與申請小程序備案的省份不一致嗎？」答「是」時。/);
    assert.match(await item(page, '前置審批相關材料').locator('.when').textContent(), /答「是」時/);
    await page.close();
  } finally {
    await ctx.close();
  }
});

test('a tick survives a reload and a closed tab, and shows on the what-do-I-need page', async () => {
  const o = await fresh(INDIVIDUAL);
  const tick = o.page.getByRole('checkbox', { name: '通訊地址' });
  await tick.check();
  await o.page.reload();
  await o.page.waitForSelector('.cl-page.cl-ready');
  assert.equal(await o.page.getByRole('checkbox', { name: '通訊地址' }).isChecked(), true);
  assert.equal(await o.page.getByRole('checkbox', { name: '身份證' }).isChecked(), false);
  await done(o);

  const again = await open(INDIVIDUAL);
  assert.equal(await again.page.getByRole('checkbox', { name: '通訊地址' }).isChecked(), true, 'lost after closing the tab');
  assert.deepEqual((await stored(again.page))['ticks:individual'], { 'mailing-address': 1 });
  await done(again);

  const index = await open(INDEX);
  await answer(index.page, 'subject', '個人主體');
  const box = index.page.locator('[data-list="individual"]').getByRole('checkbox', { name: '通訊地址' });
  assert.equal(await box.isChecked(), true);
  assert.equal(await index.page.locator('[data-list="non-individual"]').isVisible(), false);
  await done(index);
});

test('a tick in one tab shows in another open tab', async () => {
  const one = await fresh(INDIVIDUAL);
  const two = await open(INDIVIDUAL);
  await one.page.getByRole('checkbox', { name: '人臉核身' }).check();
  await two.page.waitForFunction(() => document.getElementById('tick.individual.face-verification').checked);
  await two.page.getByRole('checkbox', { name: '通訊地址' }).check();
  assert.deepEqual((await stored(one.page))['ticks:individual'], { 'face-verification': 1, 'mailing-address': 1 });
  await done(one);
  await done(two);
});

test('ticks are kept by item id when items are reordered or added; ticks of removed items are dropped', async () => {
  const o = await fresh(INDIVIDUAL);
  await o.page.getByRole('checkbox', { name: '通訊地址' }).check();
  await o.page.getByRole('checkbox', { name: '人臉核身' }).check();
  await o.page.getByRole('checkbox', { name: '身份證' }).check();
  await done(o);

  const b = await open('b/checklists/individual/index.html');
  const titles = await b.page.locator('.cl-item .cl-name').allTextContents();
  assert.equal(titles[0], '測試新增項目');
  assert.equal(titles.at(-1), '通訊地址');
  assert.ok(!titles.includes('人臉核身'));
  assert.equal(await b.page.getByRole('checkbox', { name: '通訊地址' }).isChecked(), true);
  assert.equal(await b.page.getByRole('checkbox', { name: '身份證' }).isChecked(), true);
  assert.equal(await b.page.getByRole('checkbox', { name: '測試新增項目' }).isChecked(), false);
  assert.deepEqual((await stored(b.page))['ticks:individual'], { 'mailing-address': 1, 'id-card': 1 });
  await done(b);
});

test('progress: "已備妥 n／m 項必備資料" in a polite live region, overall and per list', async () => {
  const o = await fresh(INDIVIDUAL);
  const overall = o.page.locator('.cl-overall');
  assert.equal(await overall.getAttribute('aria-live'), 'polite');
  assert.equal(await overall.textContent(), '已備妥 0／5 項必備資料；另有 2 項要看你的回答而定');
  await o.page.getByRole('checkbox', { name: '身份證' }).check();
  assert.equal(await overall.textContent(), '已備妥 1／5 項必備資料；另有 2 項要看你的回答而定');
  await answer(o.page, 'pre_approval', '是');
  await answer(o.page, 'id_province_differs', '否');
  assert.equal(await overall.textContent(), '已備妥 1／6 項必備資料');
  await o.page.getByRole('checkbox', { name: '前置審批相關材料' }).check();
  assert.equal(await overall.textContent(), '已備妥 2／6 項必備資料');
  await done(o);

  const index = await fresh(INDEX);
  assert.equal(await index.page.locator('.cl-wait').textContent(), '先回答「備案主體是？」，這裡就會列出你需要準備的資料。');
  assert.equal(await index.page.locator('.cl-wait').isVisible(), true);
  assert.equal(await index.page.locator('.cl-toolbar').isVisible(), false, 'progress shown before a list is chosen');
  await answer(index.page, 'subject', '非個人主體');
  await answer(index.page, 'pre_approval', '否');
  await answer(index.page, 'no_company_seal', '否');
  const section = index.page.locator('[data-list="non-individual"] .cl-section-progress');
  assert.equal(await section.textContent(), '已備妥 0／6 項必備資料');
  await index.page.locator('[data-list="non-individual"]').getByRole('checkbox', { name: '營業執照' }).check();
  assert.equal(await section.textContent(), '已備妥 1／6 項必備資料');
  assert.equal(await index.page.locator('.cl-overall').textContent(), '已備妥 1／6 項必備資料');
  assert.equal(await index.page.locator('.cl-wait').isVisible(), false);
  await done(index);
});

test('answers change the visible items, from the data', async () => {
  const o = await fresh(INDEX);
  const page = o.page;
  assert.deepEqual(await visibleTitles(page), [], 'items shown before the subject is known');
  assert.equal(await page.locator('[data-question="id_province_differs"]').isVisible(), false);
  assert.equal(await page.locator('[data-question="no_company_seal"]').isVisible(), false);

  await answer(page, 'subject', '個人主體');
  assert.equal(await page.locator('[data-question="id_province_differs"]').isVisible(), true);
  assert.equal(await page.locator('[data-question="no_company_seal"]').isVisible(), false);
  await answer(page, 'pre_approval', '否');
  await answer(page, 'id_province_differs', '否');
  let titles = await visibleTitles(page);
  assert.deepEqual(titles, ['身份證', '通訊地址', '手機號', '應急手機號', '人臉核身']);
  await answer(page, 'pre_approval', '是');
  assert.ok((await visibleTitles(page)).includes('前置審批相關材料'));
  await answer(page, 'id_province_differs', '是');
  assert.ok((await visibleTitles(page)).includes('暫住證或居住證等證明材料'));

  await answer(page, 'subject', '非個人主體');
  assert.equal(await page.locator('[data-question="id_province_differs"]').isVisible(), false);
  assert.equal(await page.locator('[data-question="no_company_seal"]').isVisible(), true);
  titles = await visibleTitles(page);
  assert.ok(!titles.includes('暫住證或居住證等證明材料'));
  assert.ok(titles.includes('營業執照') && titles.includes('前置審批相關材料'));
  // Not answered yet: shown, marked as depending on the answer, and not counted.
  const statement = item(page, '主體負責人手寫日期、簽名、手印及身份證號碼');
  assert.ok(titles.includes('主體負責人手寫日期、簽名、手印及身份證號碼'));
  assert.match(await statement.getAttribute('class'), /is-maybe/);
  assert.ok(await statement.locator('.cl-maybe').isVisible());
  await answer(page, 'no_company_seal', '否');
  assert.ok(!(await visibleTitles(page)).includes('主體負責人手寫日期、簽名、手印及身份證號碼'));
  await answer(page, 'no_company_seal', '是');
  assert.doesNotMatch(await statement.getAttribute('class'), /is-maybe/);
  assert.ok((await visibleTitles(page)).includes('主體負責人手寫日期、簽名、手印及身份證號碼'));

  // Answers persist, and a checklist page uses them.
  await page.reload();
  await page.waitForSelector('.cl-page.cl-ready');
  assert.equal(await page.locator('[data-question="no_company_seal"] input[value="true"]').isChecked(), true);
  assert.deepEqual((await stored(page)).answers,
    { subject: 'non-individual', pre_approval: true, id_province_differs: true, no_company_seal: true });
  await done(o);

  const list = await open(INDIVIDUAL);
  assert.equal(await list.page.locator('[data-question="subject"]').count(), 0, 'the subject is fixed on a list page');
  assert.equal(await list.page.locator('[data-question="no_company_seal"]').count(), 0);
  titles = await visibleTitles(list.page);
  assert.ok(titles.includes('前置審批相關材料') && titles.includes('暫住證或居住證等證明材料'));
  await answer(list.page, 'id_province_differs', '否');
  assert.ok(!(await visibleTitles(list.page)).includes('暫住證或居住證等證明材料'));
  await done(list);
});

/** PNG bytes drawn on a canvas in the page: flat colour (small file) or noise (large file). */
async function png(page, width, height, noise) {
  const url = await page.evaluate(([w, h, n]) => {
    const c = document.createElement('canvas');
    c.width = w;
    c.height = h;
    const g = c.getContext('2d');
    if (n) {
      const img = g.createImageData(w, h);
      for (let i = 0; i < img.data.length; i++) img.data[i] = (i % 4 === 3) ? 255 : Math.random() * 256;
      g.putImageData(img, 0, 0);
    } else {
      g.fillStyle = '#ddeeff';
      g.fillRect(0, 0, w, h);
      g.fillStyle = '#333';
      g.fillRect(w / 4, h / 4, w / 2, h / 2);
    }
    return c.toDataURL('image/png');
  }, [width, height, noise]);
  return Buffer.from(url.slice(url.indexOf(',') + 1), 'base64');
}

test('the ID card image is checked locally: size and resolution', async () => {
  const o = await fresh(INDIVIDUAL);
  const { page } = o;
  const input = page.locator('input[type="file"]');
  assert.equal(await input.getAttribute('accept'), 'image/*');
  assert.ok(await page.getByLabel('選擇身份證的照片或掃描檔，在本機檢查').isVisible());
  const result = item(page, '身份證').locator('[data-check="image"] .cl-result');
  const before = o.requests.length;

  const good = await png(page, 1600, 1200, false);
  assert.ok(good.length < 204800);
  await input.setInputFiles({ name: 'good.png', mimeType: 'image/png', buffer: good });
  await result.locator('.summary').waitFor();
  let text = await result.textContent();
  assert.match(text, /符合：檔案大小 [\d.]+ KB，不超過上限 200 KB/);
  assert.match(text, /符合：解析度 1600×1200 像素，不低於 1500×1100/);
  assert.match(text, /這張圖片符合大小和解析度的要求/);

  await input.setInputFiles({ name: 'small.png', mimeType: 'image/png', buffer: await png(page, 800, 600, false) });
  await result.locator('.todo').waitFor();
  text = await result.textContent();
  assert.match(text, /small\.png/);
  assert.match(text, /不符合：解析度 800×600 像素，低於 1500×1100（寬度 800，少於 1500；高度 600，少於 1100）/);
  assert.match(text, /符合：檔案大小/);
  assert.match(text, /怎麼做：用更高的解析度重新拍攝或掃描/);

  const big = await png(page, 1600, 1200, true);
  assert.ok(big.length > 204800);
  await input.setInputFiles({ name: 'big.png', mimeType: 'image/png', buffer: big });
  await page.waitForFunction(() => /big\.png/.test(document.querySelector('[data-check="image"] .cl-result').textContent)
    && document.querySelector('[data-check="image"] .cl-result .todo'));
  text = await result.textContent();
  assert.match(text, /不符合：檔案大小 [\d.]+ KB，超過上限 200 KB/);
  assert.match(text, /符合：解析度 1600×1200 像素/);
  assert.match(text, /怎麼做：把圖片壓縮/);

  await input.setInputFiles({ name: 'notes.png', mimeType: 'image/png', buffer: Buffer.from('not an image') });
  await page.waitForFunction(() => /notes\.png/.test(document.querySelector('[data-check="image"] .cl-result').textContent)
    && document.querySelector('[data-check="image"] .cl-result .todo'));
  assert.match(await result.textContent(), /無法讀取這個檔案的圖片內容/);

  // Object URLs (blob:) stay in the browser; anything else would be a request off the page.
  assert.deepEqual(o.requests.slice(before).filter((u) => !u.startsWith('blob:')), [], 'the check made network requests');
  await done(o);
});

test('phones: mainland mobile pattern, and the emergency phone must differ', async () => {
  for (const [path, first, firstTitle] of [[INDIVIDUAL, 'phone', '手機號'], [NON_INDIVIDUAL, 'responsible-person-phone', '負責人手機號']]) {
    const o = await fresh(path);
    const { page } = o;
    const list = path === INDIVIDUAL ? 'individual' : 'non-individual';
    const a = page.locator(`[id="phone.${list}.${first}"]`);
    const b = page.locator(`[id="phone.${list}.emergency-phone"]`);
    assert.equal(await a.getAttribute('type'), 'tel');
    assert.equal(await b.getAttribute('inputmode'), 'tel');
    const resA = item(page, firstTitle).locator('.cl-result');
    const resB = item(page, '應急手機號').locator('.cl-result');

    await a.fill('138 0013 8000');
    await a.blur();
    assert.match(await resA.textContent(), /符合：「138 0013 8000」是 11 位、以 1 開頭的中國大陸手機號格式/);
    await b.fill('+86 138-0013-8000');
    await b.blur();
    assert.match(await resB.textContent(), new RegExp(`不符合：應急手機號與「${firstTitle}」相同`));
    assert.match(await resB.textContent(), /怎麼做：/);

    await b.fill('12345');
    await b.blur();
    assert.match(await resB.textContent(), /不符合：「12345」不像中國大陸手機號/);
    await b.fill('12012345678');
    await b.blur();
    assert.match(await resB.textContent(), /不符合：「12012345678」不像中國大陸手機號/);

    await b.fill('+86 139-0013-9000');
    await b.blur();
    let text = await resB.textContent();
    assert.doesNotMatch(text, /不符合/);
    assert.match(text, new RegExp(`符合：與「${firstTitle}」不同`));

    // Changing the first number to the emergency one re-checks the emergency phone.
    await a.fill('13900139000');
    await a.blur();
    assert.match(await resB.textContent(), /相同/);

    // The numbers are never stored.
    const all = await page.evaluate(() => JSON.stringify(localStorage));
    assert.doesNotMatch(all, /1390013|1380013/);
    await done(o);
  }
});

test('the ID card must stay valid for more than 31 days', async () => {
  const o = await fresh(INDIVIDUAL);
  const { page } = o;
  const date = page.getByLabel('證件有效期至');
  assert.equal(await date.getAttribute('type'), 'date');
  const result = item(page, '身份證').locator('[data-check="date"] .cl-result');
  const iso = (days) => {
    const d = new Date();
    d.setDate(d.getDate() + days);
    return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
  };
  await date.fill(iso(60));
  assert.match(await result.textContent(), /符合：有效期至 .*距今還有 60 天，大於要求的 31 天/);
  await date.fill(iso(31));
  assert.match(await result.textContent(), /不符合：.*距今只剩 31 天；需大於 31 天/);
  await date.fill(iso(32));
  assert.match(await result.textContent(), /符合：.*還有 32 天/);
  await date.fill(iso(-3));
  assert.match(await result.textContent(), /不符合：證件已於 .* 過期/);
  assert.match(await result.textContent(), /怎麼做：/);
  assert.doesNotMatch(await page.evaluate(() => JSON.stringify(localStorage)), /\d{4}-\d\d-\d\d/);
  await done(o);
});

test('the clear button asks first, then clears ticks and answers', async () => {
  const o = await fresh(INDIVIDUAL);
  const { page } = o;
  await page.getByRole('checkbox', { name: '手機號', exact: true }).check();
  await answer(page, 'pre_approval', '是');
  let asked = '';
  page.once('dialog', (d) => { asked = d.message(); d.dismiss(); });
  await page.getByRole('button', { name: '清除勾選和回答' }).click();
  assert.match(asked, /確定要清除/);
  assert.equal(await page.getByRole('checkbox', { name: '手機號', exact: true }).isChecked(), true, 'cleared though cancelled');

  page.once('dialog', (d) => d.accept());
  await page.getByRole('button', { name: '清除勾選和回答' }).click();
  assert.equal(await page.getByRole('checkbox', { name: '手機號', exact: true }).isChecked(), false);
  assert.equal(await page.locator('[data-question="pre_approval"] input:checked').count(), 0);
  assert.equal(await page.locator('.cl-status').textContent(), '已清除勾選和回答。');
  assert.deepEqual(await stored(page), {});
  await page.reload();
  await page.waitForSelector('.cl-page.cl-ready');
  assert.equal(await page.getByRole('checkbox', { name: '手機號', exact: true }).isChecked(), false);
  await done(o);
});

test('copy puts the tailored list on the clipboard as plain text', async () => {
  const o = await fresh(INDIVIDUAL);
  const { page } = o;
  await answer(page, 'pre_approval', '否');
  await page.getByRole('checkbox', { name: '通訊地址' }).check();
  await page.getByRole('button', { name: '複製清單' }).click();
  await page.locator('.cl-status', { hasText: '已複製清單' }).waitFor();
  const text = await page.evaluate(() => navigator.clipboard.readText());
  assert.match(text, /^個人主體（小程序備案內容及幫助文檔）\n已備妥 1／5 項必備資料；另有 1 項要看你的回答而定\n/);
  assert.match(text, /☐ 身份證（必備）\n☑ 通訊地址（必備）\n/);
  assert.match(text, /☐ 暫住證或居住證等證明材料（必備；視回答而定：適用於：/);
  assert.doesNotMatch(text, /前置審批相關材料/);
  await done(o);
});

test('print shows the tailored list with its boxes, without the questions and inputs', async () => {
  const o = await fresh(INDIVIDUAL);
  const { page } = o;
  await answer(page, 'pre_approval', '否');
  await answer(page, 'id_province_differs', '是');
  await page.getByRole('checkbox', { name: '身份證' }).check();
  await page.emulateMedia({ media: 'print' });
  const shown = await page.evaluate(() => {
    const visible = (e) => !!e && e.getClientRects().length > 0;
    const box = (title) => {
      const li = [...document.querySelectorAll('.cl-item')].find((l) => l.querySelector('.cl-name').textContent === title);
      return getComputedStyle(li.querySelector('.cl-label'), '::before').content;
    };
    return {
      questions: visible(document.querySelector('.cl-questions')),
      inputs: [...document.querySelectorAll('main input, main button')].filter(visible).length,
      items: [...document.querySelectorAll('.cl-item')].filter(visible).map((l) => l.querySelector('.cl-name').textContent),
      answers: visible(document.querySelector('.cl-answers')) && document.querySelector('.cl-answers').textContent,
      progress: visible(document.querySelector('.cl-overall')),
      ticked: box('身份證'),
      open: box('通訊地址'),
    };
  });
  assert.equal(shown.questions, false);
  assert.equal(shown.inputs, 0, 'inputs or buttons printed');
  assert.deepEqual(shown.items, ['身份證', '通訊地址', '手機號', '應急手機號', '人臉核身', '暫住證或居住證等證明材料']);
  assert.equal(shown.ticked, '"☑"');
  assert.equal(shown.open, '"☐"');
  assert.match(shown.answers, /依據的回答：備案主體是？個人主體；.*？否；.*？是/);
  assert.equal(shown.progress, true);
  await page.emulateMedia({ media: 'screen' });
  await done(o);
});

function formatViolations(violations) {
  return violations.map((v) => `[${v.impact}] ${v.id}: ${v.help}\n` +
    v.nodes.map((n) => `  - ${n.target.join(' ')}: ${n.failureSummary}`).join('\n')).join('\n');
}

test('axe-core WCAG A/AA, light and dark, with answers, ticks and check results; no sideways scroll at 360px', async () => {
  for (const path of [INDEX, INDIVIDUAL, NON_INDIVIDUAL]) {
    const o = await fresh(path);
    const { page } = o;
    if (path === INDEX) await answer(page, 'subject', '個人主體');
    await answer(page, 'pre_approval', '是');
    const first = page.locator('.cl-item:visible .cl-tick').first();
    await first.check();
    const phone = page.locator('.cl-item:visible input[type="tel"]').first();
    await phone.fill('123');
    await phone.blur();
    await page.addScriptTag({ path: AXE_PATH });
    for (const colorScheme of ['light', 'dark']) {
      await page.emulateMedia({ colorScheme });
      const violations = await page.evaluate(async () => {
        const r = await window.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
        return r.violations.map(({ id, impact, help, nodes }) => ({ id, impact, help, nodes: nodes.map(({ target, failureSummary }) => ({ target, failureSummary })) }));
      });
      assert.equal(violations.length, 0, `${path} (${colorScheme}):\n${formatViolations(violations)}`);
    }
    await page.setViewportSize({ width: 360, height: 740 });
    const wide = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(wide <= 360, `${path}: scrollWidth ${wide} at 360px`);
    // Touch targets: every tick's label and every answer is at least 44px tall.
    const small = await page.evaluate(() => [...document.querySelectorAll('.cl-label, .cl-opt, .cl-actions button')]
      .filter((e) => e.getClientRects().length && (e.getBoundingClientRect().height < 44 || e.getBoundingClientRect().width < 44))
      .map((e) => e.textContent.trim()));
    assert.deepEqual(small, [], `${path}: touch targets under 44px`);
    await done(o);
  }
});

test('Nu HTML Checker: the checklist pages are valid HTML', () => {
  const files = [INDEX, INDIVIDUAL, NON_INDIVIDUAL].map((p) => join(root, p));
  const r = spawnSync('java', ['-jar', VNU_JAR, '--format', 'json', '--errors-only', ...files], { encoding: 'utf8' });
  assert.equal(r.error, undefined, `could not run java: ${r.error}`);
  const report = JSON.parse(r.stderr || r.stdout);
  const errors = report.messages.map((m) => `${m.url}:${m.lastLine}: ${m.message}`);
  assert.deepEqual(errors, []);
});

test('screenshots at 390px wide for a look (in /tmp)', async () => {
  const o = await fresh(INDEX);
  const { page } = o;
  await answer(page, 'subject', '個人主體');
  await answer(page, 'pre_approval', '否');
  await answer(page, 'id_province_differs', '是');
  await page.getByRole('checkbox', { name: '通訊地址' }).check();
  await page.screenshot({ path: '/tmp/checklist-index-390.png', fullPage: true });
  await done(o);
  const l = await fresh(INDIVIDUAL);
  await l.page.getByRole('checkbox', { name: '身份證' }).check();
  await l.page.locator('[id="phone.individual.phone"]').fill('13800138000');
  await l.page.locator('[id="phone.individual.emergency-phone"]').fill('13800138000');
  await l.page.locator('[id="phone.individual.emergency-phone"]').blur();
  await l.page.locator('input[type="file"]').setInputFiles({ name: 'small.png', mimeType: 'image/png', buffer: await png(l.page, 800, 600, false) });
  await l.page.locator('[data-check="image"] .todo').waitFor();
  await l.page.screenshot({ path: '/tmp/checklist-individual-390.png', fullPage: true });
  await l.page.emulateMedia({ colorScheme: 'dark' });
  await l.page.screenshot({ path: '/tmp/checklist-individual-390-dark.png', fullPage: true });
  await l.page.emulateMedia({ media: 'print', colorScheme: 'light' });
  await l.page.screenshot({ path: '/tmp/checklist-individual-print.png', fullPage: true });
  await done(l);
});
