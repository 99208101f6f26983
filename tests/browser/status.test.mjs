// The status page (web/app/portal/StatusPage.vue) in real Chromium: a
// citizen applies for 普通护照签发, the police accept the case, the receipt's
// QR code is decoded from the PDF (as tests/api/cases.test.mjs does) and its
// fragment opened on the test server: the page must show the case, take the
// password out of the address bar and the history, show errors in place,
// print cleanly, and log no console error (which is where Chromium reports
// what the CSP blocks). The portal's home page too.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { launch, openPage, screenshot, startServer, as, Client, DESKTOP, MOBILE } from './lib/browser.mjs';

const ITEM = '360300-XK-GA-001'; // 普通护照签发: promised 7 working days
const PDF = Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n');
const LONG = ['--fake-clock', '--auth.session_idle', '31536000', '--auth.session_ttl', '31536000'];

async function ok(rp, status = 200) {
    const r = await rp;
    assert.equal(r.status, status, r.text);
    return r.json;
}

async function setClock(root, iso) {
    await ok(root.put('/api/admin/clock', { now: iso }));
}

/** The receipt's QR code, read from the PDF with pdftoppm + zbarimg. */
function decodeQr(pdf) {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'zt-receipt-'));
    try {
        const file = path.join(dir, 'r.pdf');
        writeFileSync(file, pdf);
        execFileSync('pdftoppm', ['-r', '150', '-png', '-f', '1', '-l', '1', file, path.join(dir, 'p')]);
        const png = readdirSync(dir).find((f) => f.endsWith('.png'));
        return execFileSync('zbarimg', ['--raw', '-q', path.join(dir, png)], { encoding: 'utf8' }).trim();
    } finally {
        rmSync(dir, { recursive: true, force: true });
    }
}

describe('the status page (the receipt\'s QR code)', () => {
    let srv, browser, number, password, fragment;

    before(async () => {
        [srv, browser] = await Promise.all([startServer({ args: LONG }), launch()]);
        const root = await as(srv, 'admin');
        await setClock(root, '2026-09-23T02:00:00Z'); // Wednesday 10:00 in 萍乡
        const zs = await as(srv, 'zhangsan');
        const clerk = await as(srv, 'gaj_clerk');
        const anon = new Client(srv);
        // apply as zhangsan with every required material
        const up = await ok(
            zs.req('POST', '/api/uploads?name=' + encodeURIComponent('材料.pdf'), {
                body: PDF,
                headers: { 'Content-Type': 'application/octet-stream' },
            }),
            201,
        );
        const item = await ok(anon.get(`/api/items/${ITEM}`));
        const guide = item.guide || item;
        const materials = guide.materials.filter((m) => m.required).map((m) => ({ material: m.name, upload_id: up.id }));
        const c = await ok(
            zs.post('/api/cases', { item_code: ITEM, title: '申请普通护照', materials }, { headers: { 'Idempotency-Key': 'browser-1' } }),
            201,
        );
        number = c.number;
        password = c.query_password;
        // accepted by the police on Thursday 24 September
        await ok(clerk.post(`/api/cases/${number}/actions/pre_review_pass`, { fields: { opinion: '材料齐全' } }));
        await setClock(root, '2026-09-24T02:00:00Z');
        const acc = await ok(clerk.post(`/api/cases/${number}/actions/accept`, { fields: { notice_no: '萍公出受〔2026〕88号' } }));
        assert.equal(acc.deadlines.promised_due, '2026-10-12');
        // the receipt's QR code
        const r = await zs.get(`/api/cases/${number}/receipt.pdf`);
        assert.equal(r.status, 200);
        const qr = decodeQr(r.bytes);
        const url = new URL(qr);
        assert.equal(url.hash, `#/status?no=${number}&pw=${password}`, qr);
        fragment = url.hash;
    });

    after(async () => {
        await browser?.close();
        await srv?.stop();
    });

    async function showCase(pg) {
        await pg.page.goto(`${srv.url('/')}${fragment}`);
        await pg.page.locator('#status-result').waitFor({ state: 'visible' });
    }

    test('the QR code opens the case: item, state, applicant, dates, timeline; the password leaves the address bar', async () => {
        const pg = await openPage(browser, { device: DESKTOP });
        const { page } = pg;
        await showCase(pg);
        assert.equal(await page.locator('#sr-item').textContent(), '普通护照签发');
        const badge = page.locator('#sr-state');
        assert.equal(await badge.textContent(), '承办');
        assert.match(await badge.getAttribute('class'), /\bbadge-active\b/);
        assert.equal(await page.locator('#sr-number').textContent(), number);
        assert.equal(await page.locator('#sr-dept').textContent(), '萍乡市公安局');
        assert.equal(await page.locator('#sr-applicant').textContent(), '张三');
        assert.equal(await page.locator('#sr-submitted').textContent(), '2026-09-23 10:00');
        assert.equal(await page.locator('#sr-accepted').textContent(), '2026-09-24 10:00');
        assert.equal(await page.locator('#sr-promised').textContent(), '2026-10-12');
        assert.deepEqual(await page.locator('#sr-timeline .tl-label').allTextContents(), ['提交申请', '预审通过', '受理']);
        assert.deepEqual(await page.locator('#sr-timeline .tl-time').allTextContents(), [
            '2026-09-23 10:00', '2026-09-23 10:00', '2026-09-24 10:00',
        ]);
        assert.equal(await page.locator('#sr-timeline li').nth(2).locator('.tl-dept').textContent(), '萍乡市公安局');
        assert.equal(await page.locator('#sr-result').isHidden(), true, 'no result before the case is finished');
        // the address bar keeps the number only, and so does the history entry
        assert.equal(page.url(), `${srv.url('/')}#/status?no=${number}`);
        assert.ok(!page.url().includes(password));
        // no history entry holds it: one step back is the blank page the tab started on
        await page.goBack();
        assert.equal(page.url(), 'about:blank');
        await page.goForward();
        assert.equal(page.url(), `${srv.url('/')}#/status?no=${number}`);
        await page.getByLabel('查询密码').fill(password);
        await page.getByLabel('查询密码').press('Enter');
        await page.locator('#status-result').waitFor({ state: 'visible' });
        assert.equal(await page.locator('#status-no').inputValue(), number);
        assert.match(await page.title(), /^办件查询 · 政通/);
        // the accessible names of the form
        assert.equal(await page.getByLabel('办件编号').inputValue(), number);
        assert.equal(await page.getByLabel('查询密码').getAttribute('autocomplete'), 'off');
        assert.equal(await page.getByRole('link', { name: '办件查询' }).getAttribute('aria-current'), 'page');
        await screenshot(page, 'status-desktop');
        await pg.done();
    });

    test('on a phone (390×844) the page fits the screen', async () => {
        const pg = await openPage(browser, { device: MOBILE });
        const { page } = pg;
        await showCase(pg);
        assert.equal(await page.locator('#sr-state').textContent(), '承办');
        assert.ok(!page.url().includes('pw='));
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        assert.ok(overflow <= 0, `no horizontal scrolling (${overflow}px too wide)`);
        await screenshot(page, 'status-mobile');
        await pg.done();
    });

    test('a wrong password shows the error in place; the right one typed and Enter shows the case', async () => {
        const pg = await openPage(browser, { allow: [{ status: 404, path: '/api/public/case-status' }] });
        const { page } = pg;
        await page.goto(`${srv.url('/')}#/status?no=${number}&pw=AAAAAAAA`);
        const error = page.locator('#status-error');
        await page.locator('#status-error:not(:empty)').waitFor();
        assert.equal(await error.textContent(), '办件编号或查询密码不正确');
        assert.equal(await error.getAttribute('role'), 'alert');
        assert.equal(await page.locator('#status-result').isHidden(), true);
        assert.equal(page.url(), `${srv.url('/')}#/status?no=${number}`, 'the wrong password leaves the address bar too');
        await screenshot(page, 'status-wrong-password');
        const pw = page.getByLabel('查询密码');
        await pw.fill(password);
        await pw.press('Enter');
        await page.locator('#status-result').waitFor({ state: 'visible' });
        assert.equal(await error.textContent(), '');
        assert.equal(await page.locator('#sr-item').textContent(), '普通护照签发');
        assert.ok(!page.url().includes(password));
        await pg.done();
    });

    test('the form opened from the header: empty fields are refused by the browser, a typed query works', async () => {
        const pg = await openPage(browser);
        const { page } = pg;
        let queries = 0;
        page.on('request', (rq) => rq.url().endsWith('/api/public/case-status') && queries++);
        await page.goto(`${srv.url('/')}#/status`);
        await page.locator('#status-no').waitFor({ state: 'visible' });
        assert.equal(await page.evaluate(() => document.activeElement.id), 'status-no');
        await page.getByRole('button', { name: '查询' }).click();
        assert.equal(await page.locator('#status-no').evaluate((e) => e.validity.valueMissing), true);
        assert.equal(queries, 0);
        await page.getByLabel('办件编号').fill(number);
        await page.getByLabel('查询密码').fill(password);
        await page.getByLabel('查询密码').press('Enter');
        await page.locator('#status-result').waitFor({ state: 'visible' });
        assert.equal(queries, 1);
        assert.equal(page.url(), `${srv.url('/')}#/status?no=${number}`);
        await pg.done();
    });

    test('loading, 429 with Retry-After and a network failure are shown in place', async () => {
        const pg = await openPage(browser, {
            allow: [{ status: 429, path: '/api/public/case-status' }, /net::ERR_CONNECTION_REFUSED/],
        });
        const { page } = pg;
        let release;
        const held = new Promise((r) => (release = r));
        await page.route('**/api/public/case-status', async (route) => {
            await held;
            await route.fulfill({
                status: 429,
                headers: { 'Retry-After': '600' },
                contentType: 'application/json',
                body: JSON.stringify({ error: { code: 'throttled', message: '查询失败次数过多，请 600 秒后再试', field: 'password' } }),
            });
        });
        await page.goto(`${srv.url('/')}#/status?no=${number}&pw=${password}`);
        const loading = page.locator('#status-loading');
        await page.locator('#status-loading:not(:empty)').waitFor();
        assert.equal(await loading.textContent(), '正在查询，请稍候…');
        assert.equal(await page.locator('#status-submit').isDisabled(), true);
        release();
        await page.locator('#status-error:not(:empty)').waitFor();
        const text = await page.locator('#status-error').textContent();
        assert.match(text, /^查询过于频繁，请稍后再试/);
        assert.match(text, /600 秒/);
        assert.equal(await loading.textContent(), '');
        assert.equal(await page.locator('#status-submit').isDisabled(), false);
        // the network fails
        await page.unroute('**/api/public/case-status');
        await page.route('**/api/public/case-status', (route) => route.abort('connectionrefused'));
        await page.getByRole('button', { name: '查询' }).click();
        await page.locator('#status-error', { hasText: '网络' }).waitFor();
        assert.equal(await page.locator('#status-error').textContent(), '网络连接失败，请检查网络后重试');
        await pg.done();
    });

    test('打印 calls window.print; the print stylesheet shows the case alone', async () => {
        const pg = await openPage(browser);
        const { page } = pg;
        await showCase(pg);
        await page.evaluate(() => {
            window.__printed = 0;
            window.print = () => window.__printed++;
        });
        await page.getByRole('button', { name: '打印' }).click();
        assert.equal(await page.evaluate(() => window.__printed), 1);
        await page.emulateMedia({ media: 'print' });
        for (const hidden of ['header', 'footer', '#status-form', '#sr-print'])
            assert.equal(await page.locator(hidden).isVisible(), false, `${hidden} is not printed`);
        for (const shown of ['#sr-item', '#sr-timeline', '.print-title'])
            assert.equal(await page.locator(shown).isVisible(), true, `${shown} is printed`);
        await screenshot(page, 'status-print');
        await pg.done();
    });

    test('once the case is finished the page shows the result', async () => {
        const clerk = await as(srv, 'gaj_clerk');
        const head = await as(srv, 'gaj_head');
        const act = (c, a, fields) => ok(c.post(`/api/cases/${number}/actions/${a}`, { fields }));
        await act(clerk, 'submit_review', { opinion: '符合条件' });
        await act(head, 'approve', { decision_no: '萍公出准〔2026〕12号' });
        await act(clerk, 'complete', {
            result_type: '准予许可', certificate_no: 'E12345678', fee_charged: 12000, fee_standard: '120元/本', delivery: '邮寄送达',
        });
        const pg = await openPage(browser);
        const { page } = pg;
        await showCase(pg);
        assert.equal(await page.locator('#sr-state').textContent(), '办结');
        assert.match(await page.locator('#sr-state').getAttribute('class'), /\bbadge-done\b/);
        const result = page.locator('#sr-result');
        assert.equal(await result.isVisible(), true);
        assert.deepEqual(await result.locator('dt').allTextContents(), ['办理结果', '证照编号', '收费', '办结时间']);
        assert.deepEqual(await result.locator('dd').allTextContents(), [
            '准予许可', 'E12345678', '¥120.00', '2026-09-24 10:00',
        ]);
        const last = page.locator('#sr-timeline li').last();
        assert.equal(await last.locator('.tl-label').textContent(), '办结');
        assert.match(await last.locator('.tl-fields').textContent(), /送达方式邮寄送达/);
        await screenshot(page, 'status-completed');
        await pg.done();
    });

    test('the collector sees what the CSP blocks (an inline script and handler on a page of this server)', async () => {
        const res = await fetch(srv.url('/'));
        const csp = res.headers.get('content-security-policy');
        assert.match(csp, /script-src 'self'(;|$)/);
        const pg = await openPage(browser, { allow: [/Content Security Policy/] });
        const { page } = pg;
        await page.route(srv.url('/csp-probe.html'), (route) =>
            route.fulfill({
                status: 200,
                headers: { 'Content-Type': 'text/html; charset=utf-8', 'Content-Security-Policy': csp },
                body: '<!doctype html><p id="p" onclick="x()">x</p><script>document.title = "ran"</script>',
            }),
        );
        await page.goto(srv.url('/csp-probe.html'));
        await page.locator('#p').click();
        assert.notEqual(await page.title(), 'ran', 'the inline script was blocked');
        const blocked = pg.consoleErrors.filter((e) => /Content Security Policy/.test(e));
        assert.ok(blocked.some((e) => /inline script/.test(e)), pg.consoleErrors.join('\n'));
        await pg.done();
    });
});

describe('the portal\'s home page', () => {
    let srv, browser;
    before(async () => {
        [srv, browser] = await Promise.all([startServer(), launch()]);
    });
    after(async () => {
        await browser?.close();
        await srv?.stop();
    });

    test('loads without console errors and links to 办件查询', async () => {
        // an anonymous visitor: GET /api/auth/session answers {user: null}, no error at all
        const pg = await openPage(browser);
        const { page } = pg;
        await page.goto(srv.url('/'));
        await page.locator('.type-link').first().waitFor();
        assert.equal(await page.getByRole('link', { name: '登录' }).isVisible(), true);
        await screenshot(page, 'landing-desktop');
        const link = page.getByRole('navigation', { name: '主导航' }).getByRole('link', { name: '办件查询' });
        assert.equal(await link.isVisible(), true);
        await link.click();
        await page.locator('#status-form').waitFor({ state: 'visible' });
        assert.equal(page.url(), srv.url('/#/status'));
        assert.equal(await page.locator('.hero').count(), 0);
        await page.getByRole('link', { name: '首页', exact: true }).click();
        await page.locator('.hero').waitFor({ state: 'visible' });
        await pg.done();
    });

    test('logged in (a session cookie), the home page logs nothing at all and names the user', async () => {
        const zs = await as(srv, 'zhangsan');
        const pg = await openPage(browser);
        const { page, context } = pg;
        await context.addCookies([{ name: 'zt_session', value: zs.cookie, url: srv.url('/') }]);
        await page.goto(srv.url('/'));
        await page.locator('.type-link').first().waitFor();
        await page.locator('[data-test=user-menu]', { hasText: '张三' }).waitFor();
        assert.match(await page.locator('[data-test=user-menu]').textContent(), /（.+）/);
        await pg.done();
    });
});
