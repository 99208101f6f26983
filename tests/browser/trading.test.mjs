// Public resource trading in real Chromium (web/app/trading/): the portal's
// announcements with their filters, an enterprise (pxqiye) registering and
// sealing its bid in the browser (WebCrypto AES-256-GCM, the key offered as a
// file download), the stored bytes checked to be the ciphertext only, the
// bid unlocked at the opening with the key file, and the trading centre
// (jyzx) landing on its console with the project's steps. No console error
// (where Chromium reports what the CSP blocks).
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { webcrypto } from 'node:crypto';
import { launch, openPage, screenshot, startServer, as, Client, loginAs } from './lib/browser.mjs';

const LONG = ['--fake-clock', '--auth.session_idle', '31536000', '--auth.session_ttl', '31536000'];
const PASSWORD = 'Demo2026pass';

async function ok(rp, status = 200) {
    const r = await rp;
    assert.equal(r.status, status, r.text);
    return r.json;
}

const USCC = '0123456789ABCDEFGHJKLMNPQRTUWXY';
function creditCode(org8) {
    const w8 = [3, 7, 9, 10, 5, 8, 4, 2];
    let s8 = 0;
    for (let i = 0; i < 8; i++) s8 += Number(org8[i]) * w8[i];
    const c = 11 - (s8 % 11);
    const s = `91360300${org8}${c === 10 ? 'X' : c === 11 ? '0' : String(c)}`;
    const w = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
    let sum = 0;
    for (let i = 0; i < 17; i++) sum += USCC.indexOf(s[i]) * w[i];
    return s + USCC[(31 - (sum % 31)) % 31];
}

async function seal(price) {
    const { subtle } = webcrypto;
    const key = await subtle.generateKey({ name: 'AES-GCM', length: 256 }, true, ['encrypt']);
    const iv = webcrypto.getRandomValues(new Uint8Array(12));
    const ct = new Uint8Array(await subtle.encrypt({ name: 'AES-GCM', iv }, key, new TextEncoder().encode(JSON.stringify({ price }))));
    const sha256 = Buffer.from(await subtle.digest('SHA-256', ct)).toString('hex');
    return { ciphertext: Buffer.from(ct).toString('base64'), iv: Buffer.from(iv).toString('base64'), sha256, device: `api-${price}` };
}

describe('trading in the browser (交易公告, sealed bid, opening)', () => {
    let srv, browser, jyzx, root, number;

    before(async () => {
        [srv, browser] = await Promise.all([startServer({ args: LONG }), launch()]);
        root = await as(srv, 'admin');
        await ok(root.put('/api/admin/clock', { now: '2026-03-02T09:00:00+08:00' }));
        jyzx = await as(srv, 'jyzx');
        const p = await ok(jyzx.post('/api/trading/projects', {
            type: 'engineering', method: '公开招标', title: '浏览器测试 建设路改造工程', department: '360300-GA',
            budget: 500_000_000, deposit: 1_000_000, legal_basis: '《中华人民共和国招标投标法》',
        }), 201);
        number = p.number;
        await ok(jyzx.post(`/api/trading/projects/${number}/actions/publish`, { docs_from: '2026-03-02', docs_to: '2026-03-09', deadline: '2026-03-23T09:30:00+08:00' }));
    });
    after(async () => {
        await browser?.close();
        await srv?.stop();
    });

    test('an enterprise seals its bid in the browser and unlocks it at the opening with its key file', async () => {
        const pg = await openPage(browser);
        const { page } = pg;
        await loginAs(page, srv, 'pxqiye');
        await page.waitForURL(/#\/my\/cases/);
        await page.goto(srv.url('/#/trading'));
        await page.getByLabel('搜索').fill('建设路');
        await page.getByLabel('搜索').press('Enter');
        await page.locator('[data-test=trading-list]').getByRole('link', { name: '浏览器测试 建设路改造工程' }).click();
        await page.waitForURL(new RegExp(`#/trading/${number}`));
        const box = page.locator('[data-test=bidder]');
        await box.getByRole('button', { name: '报名' }).click();
        await box.getByText('已报名，未递交').waitFor();
        await box.getByLabel('投标报价（元）').fill('4650000');
        const [download] = await Promise.all([
            page.waitForEvent('download'),
            box.getByRole('button', { name: '在本机加密并递交' }).click(),
        ]);
        const keyPath = await download.path();
        const keyFile = JSON.parse(readFileSync(keyPath, 'utf8'));
        assert.equal(Buffer.from(keyFile.key, 'base64').length, 32);
        await box.getByText('已加密递交').waitFor();
        await screenshot(page, 'trading-bid-sealed');

        // the server holds the ciphertext and its hash, no price
        const db = path.join(srv.dir, 'zhengtong.db');
        const row = JSON.parse(execFileSync('sqlite3', ['-json', db, `SELECT hex(ciphertext) AS ct, sha256, price FROM trade_bids WHERE number LIKE '${number}-B%' AND state = 'submitted'`], { encoding: 'utf8' }))[0];
        assert.equal(row.sha256, keyFile.sha256);
        assert.equal(row.price, null);
        const ct = Buffer.from(row.ct, 'hex');
        assert.equal(ct.indexOf(Buffer.from('465000000')), -1);
        assert.equal(createHash(ct), keyFile.sha256);

        // two more bidders through the API, then the opening
        const anon = new Client(srv);
        for (let i = 0; i < 2; i++) {
            await ok(anon.post('/api/auth/register', { type: 'enterprise', login: `bq${i}`, name: `浏览器测试企业${i}`, password: PASSWORD, credit_code: creditCode(String(16180330 + i * 11)) }), 201);
            const e = await as(srv, `bq${i}`);
            await ok(e.post(`/api/trading/projects/${number}/registration`, { deposit: 1_000_000 }), 201);
            await ok(e.put(`/api/trading/projects/${number}/bid`, await seal(470_000_000 + i)));
        }
        await ok(root.put('/api/admin/clock', { now: '2026-03-23T09:30:00+08:00' }));
        await ok(jyzx.post(`/api/trading/projects/${number}/actions/open`, {}));
        await page.reload();
        // the opening hall, live over SSE: the decryption's progress
        await page.locator('[data-test=hall]').getByText('0 / 3 份投标已解密').waitFor();
        await box.getByLabel('密钥文件').setInputFiles(keyPath);
        await box.getByRole('button', { name: '解密我的投标' }).click();
        await box.getByText('报价 4,650,000.00 元').waitFor();
        await page.locator('[data-test=hall]').getByText('1 / 3 份投标已解密').waitFor();
        await screenshot(page, 'trading-bid-unlocked');
        await pg.done();
    });

    test('the trading centre lands on its console and sees the project and its steps', async () => {
        const pg = await openPage(browser);
        const { page } = pg;
        await loginAs(page, srv, 'jyzx');
        await page.waitForURL(/#\/staff\/trading/);
        await page.locator('[data-test=console-list]').getByText('浏览器测试 建设路改造工程').click();
        const panel = page.locator('[data-test=project]');
        await panel.getByText('开标（投标人解密中）').waitFor();
        await panel.getByRole('button', { name: '解密结束（生成开标记录）' }).waitFor();
        await panel.getByText('publish → announced').waitFor();
        await screenshot(page, 'trading-console');
        await pg.done();
    });
});

function createHash(buf) {
    return execFileSync('sha256sum', { input: buf, encoding: 'utf8' }).split(' ')[0];
}
