// browser.mjs - real Chromium (Debian's, headless) driven by playwright-core
// for the browser tests, against live zhengtong servers from the API tests'
// harness (tests/api/lib/server.mjs: startServer, as, Client).
//
// openPage() gives a fresh context and page whose console errors and page
// errors are collected: a test ends with `await pg.done()`, which fails on
// any of them. Chromium reports what the CSP blocks (an inline script, an
// inline event handler, eval) as a console error, so a clean page is also a
// CSP-clean page. An expected failed request (a 404 the page provokes on
// purpose) is declared with `allow` and is then not an error.
// Screenshots go to test-output/screenshots/{name}.png.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { PASSWORD, REPO } from '../../api/lib/server.mjs';

export { startServer, as, Client, PASSWORD, REPO } from '../../api/lib/server.mjs';

export const CHROMIUM = process.env.ZT_CHROMIUM || '/usr/bin/chromium';
export const SCREENSHOTS = path.join(REPO, 'test-output', 'screenshots');

export const DESKTOP = { viewport: { width: 1280, height: 800 } };
export const MOBILE = {
    viewport: { width: 390, height: 844 },
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
};

/** Launch headless Chromium (npm's own browser downloads are not used). */
export async function launch() {
    return chromium.launch({
        executablePath: CHROMIUM,
        args: ['--no-sandbox', '--headless=new'],
        timeout: 30000,
    });
}

/**
 * A new context and page. Options: device (DESKTOP, MOBILE), allow: the
 * console errors that are expected, as [{status, path}] of failed
 * responses (Chromium logs "Failed to load resource: the server responded
 * with a status of 404" for every 4xx/5xx) or RegExps of the message.
 * Returns { page, context, errors (the unexpected ones), consoleErrors (all
 * console errors, expected or not), done() }.
 */
export async function openPage(browser, { device = DESKTOP, allow = [] } = {}) {
    const context = await browser.newContext({
        ...device,
        locale: 'zh-CN',
        timezoneId: 'Asia/Shanghai',
    });
    context.setDefaultTimeout(10000);
    const page = await context.newPage();
    const errors = [];
    const consoleErrors = [];
    const allowed = (msg) =>
        allow.some((a) => {
            if (a instanceof RegExp) return a.test(msg.text());
            return (
                /^Failed to load resource: the server responded with a status of (\d+)/.exec(msg.text())?.[1] ===
                    String(a.status) && new URL(msg.location().url || 'about:blank').pathname === a.path
            );
        });
    page.on('console', (msg) => {
        if (msg.type() !== 'error') return;
        consoleErrors.push(msg.text());
        if (allowed(msg)) return;
        const loc = msg.location();
        errors.push(`console error: ${msg.text()}${loc && loc.url ? ` (${loc.url}:${loc.lineNumber})` : ''}`);
    });
    page.on('pageerror', (err) => errors.push(`page error: ${err.stack || err.message}`));
    page.on('crash', () => errors.push('page crashed'));
    return {
        page,
        context,
        errors,
        consoleErrors,
        /** Fail on any console or page error so far; close the context. */
        async done() {
            // let late console messages (an error in an answer's handler) arrive
            await page.evaluate(() => new Promise((r) => setTimeout(r, 50))).catch(() => {});
            await context.close();
            if (errors.length) throw new Error(`the page reported errors:\n  ${errors.join('\n  ')}`);
        },
    };
}

/** Save a full-page screenshot to test-output/screenshots/{name}.png; returns the path. */
export async function screenshot(page, name) {
    mkdirSync(SCREENSHOTS, { recursive: true });
    const file = path.join(SCREENSHOTS, `${name}.png`);
    await page.screenshot({ path: file, fullPage: true });
    return file;
}

/** Log in through the login page (the demo password unless given); does not wait for where it lands. */
export async function loginAs(page, srv, login, password = PASSWORD) {
    await page.goto(srv.url('/#/login'));
    await page.getByLabel('登录名').fill(login);
    await page.getByLabel('密码').fill(password);
    await page.getByRole('button', { name: '登录' }).click();
}

/** Press a button (by its name) of the Element Plus message box that is open, and wait for it to close. */
export async function confirmBox(page, name = '确定') {
    const box = page.locator('.el-message-box');
    await box.waitFor();
    await box.getByRole('button', { name }).click();
    await box.waitFor({ state: 'hidden' });
}
