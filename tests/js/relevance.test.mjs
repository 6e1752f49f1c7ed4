// Relevance: realistic customer queries over the bundled site, built with the real binary
// (target/debug/kbgen) and searched through the generated index files exactly as the browser
// loads them. Each query must find its expected entry FIRST. Queries come in both scripts, with
// and without spaces, as partial words, numbers and full-width forms.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { buildSite, copySite } from '../browser/lib.mjs';
import { siteSearcher, allDocs } from './site-index.mjs';

const ID = 'checklists/individual/index.html';
const NON = 'checklists/non-individual/index.html';
const P = 'process/index.html';
const T = 'timeline/index.html';
const faq = (id) => `faq/${id}/index.html`;

/** [query, expected first url] */
const CASES = [
  ['通讯地址', `${ID}#mailing-address`],
  ['通訊地址', `${ID}#mailing-address`],
  ['人脸 白色背景', `${ID}#face-verification`],
  ['人臉白色背景', `${ID}#face-verification`],
  ['有效期一个月', `${ID}#id-card`],
  ['1500×1100', `${ID}#id-card`],
  ['1500x1100', `${ID}#id-card`],
  ['1500 1100', `${ID}#id-card`],
  ['１５００×１１００', `${ID}#id-card`],
  ['照片200K', `${ID}#id-card`],
  ['２００Ｋ', `${ID}#id-card`],
  ['备案 收费', faq('free-of-charge')],
  ['備案收費', faq('free-of-charge')],
  ['备案免费吗', faq('free-of-charge')],
  ['12381', `${P}#sms-verification`],
  ['１２３８１', `${P}#sms-verification`],
  ['1238', `${P}#sms-verification`],
  ['居住证', `${ID}#residence-permit`],
  ['暂住证', `${ID}#residence-permit`],
  ['身份证地址 省份不一致', faq('residence-permit')],
  ['公章', faq('no-company-seal')],
  ['个体工商户没有公章', faq('no-company-seal')],
  ['法定代表人', faq('legal-representative')],
  ['24小时', `${P}#sms-verification`],
  ['24 小時', `${P}#sms-verification`],
  ['短信核验', `${P}#sms-verification`],
  ['应急手机号', `${ID}#emergency-phone`],
  ['應急手機號', `${ID}#emergency-phone`],
  ['负责人 手机号', `${NON}#responsible-person-phone`],
  ['工作日', `${P}#bureau-review`],
  ['初审 工作日', `${P}#initial-review`],
  ['微信认证', faq('wechat-verification')],
  ['存量小程序什么时候备案', faq('existing-programs')],
  ['备案号', faq('filing-number-display')],
  ['营业执照', `${NON}#business-license`],
  ['非个人 身份证', `${NON}#responsible-person-id-card`],
  ['个人主体', ID],
  ['清退', `${T}#unfiled-programs-removed`],
  ['2024年3月31日', `${T}#filing-deadline`],
  ['备案系统上线', `${T}#filing-system-online`],
  ['手写 签名', `${NON}#handwritten-statement`],
  ['手机号 多人使用', faq('shared-phone-email')],
  ['同一主体 多个', faq('one-subject-one-filing')],
  ['每天备案数量限制', faq('daily-limit')],
  ['服务商 接口', faq('service-provider-api')],
  ['ICP', faq('similar-to-website-icp')],
  ['网站icp备案', faq('similar-to-website-icp')],
  ['appid', `${P}#fill-mini-program-info`],
  ['appi', `${P}#fill-mini-program-info`],
  ['wwe', faq('official-specialist')],
  ['管理员不一致', faq('responsible-person-mismatch')],
  ['找不到备案入口', `${P}#find-entry`],
  ['企业工商数据 延迟', faq('business-data-delay')],
  ['关于本指南', 'about/index.html'],
];

const site = buildSite();
const { searcher } = siteSearcher(site);

test('there are enough relevance cases', () => {
  assert.ok(CASES.length >= 25);
});

for (const [query, want] of CASES) {
  test(`${query} → ${want}`, async () => {
    const { results } = await searcher.search(query, { limit: 5 });
    assert.ok(results.length > 0, `no results for ${query}`);
    assert.equal(results[0].url, want, `${query}: ${results.map((r) => r.url).join(', ')}`);
  });
}

test('every document is found by its own title, among the first three', async () => {
  const docs = allDocs(site);
  assert.ok(docs.length >= 40);
  for (const d of docs) {
    const { results } = await searcher.search(d.title, { limit: 3 });
    assert.ok(results.some((r) => r.url === d.url), `${d.title}: ${results.map((r) => r.url).join(', ')}`);
  }
});

test('a Simplified entry is found by a Traditional query, and the other way round', async () => {
  const root = copySite();
  mkdirSync(join(root, 'content', 'faq'), { recursive: true });
  writeFileSync(join(root, 'content', 'faq', '99-simplified.md'), [
    '---', 'id: photo-hair', 'title: 证件照片的头发颜色有要求吗？', 'order: 99', '---',
    '头发不得遮挡面部，背景应为纯白色。', '',
  ].join('\n'));
  const { searcher: s } = siteSearcher(buildSite(root));
  for (const q of ['頭髮顏色', '证件照片 头发', '證件照片']) {
    const { results } = await s.search(q);
    assert.equal(results[0]?.url, faq('photo-hair'), q);
  }
  const { results } = await s.search('备案 收费');
  assert.equal(results[0]?.url, faq('free-of-charge'));
});
