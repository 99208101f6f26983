// cli.test.mjs - the command line an operator uses: init (twice), user,
// calendar, config, routes, --help, and the errors a mistake gets.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { BIN, REPO, initDemo, startServer, as, tempDir } from './lib/server.mjs';

const FAST = ['--auth.argon2_mem_kib', '8192', '--auth.argon2_ops', '1'];

function zt(args, { input, env } = {}) {
    const e = {};
    for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('ZT_')) e[k] = v;
    return spawnSync(BIN, args, { cwd: REPO, encoding: 'utf8', input, env: { ...e, ...(env || {}) }, timeout: 60000 });
}

describe('zhengtong on the command line', () => {
    let dir;
    before(() => {
        dir = tempDir('zt-cli-');
        initDemo(dir);
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    test('every command has --help, and no command or an unknown one is exit 2', () => {
        for (const c of ['serve', 'init', 'user', 'calendar', 'ledger']) {
            const r = zt([c, '--help']);
            assert.equal(r.status, 0, c);
            assert.match(r.stdout, /usage: zhengtong/, c);
        }
        assert.equal(zt([]).status, 2);
        const r = zt(['frobnicate']);
        assert.equal(r.status, 2);
        assert.match(r.stderr, /unknown command 'frobnicate'/);
    });

    test('init again keeps accounts and data, and the database keeps its key file private', () => {
        const r = zt(['init', '--demo', '--data-dir', dir, ...FAST]);
        assert.equal(r.status, 0, r.stderr);
        assert.match(r.stdout, /admin\s+admin\s+exists, kept/);
        assert.equal(statSync(path.join(dir, 'ledger.key')).mode & 0o777, 0o600);
    });

    test('user add, list, passwd, disable, enable', async () => {
        let r = zt(['user', 'add', '--data-dir', dir, '--login', 'cli_li', '--name', '李四', '--role', 'clerk',
            '--dept', '360300-GA', ...FAST], { input: 'Cli2026pass\n' });
        assert.equal(r.status, 0, r.stderr);
        assert.match(r.stdout, /user cli_li created/);
        r = zt(['user', 'list', '--data-dir', dir, '--role', 'clerk']);
        assert.match(r.stdout, /cli_li\s+clerk\s+active\s+李四 萍乡市公安局/);
        // validation names the problem; exit 2 for bad input
        r = zt(['user', 'add', '--data-dir', dir, '--login', 'cli_x', '--name', 'X', '--role', 'clerk', '--password', 'Cli2026pass', ...FAST]);
        assert.equal(r.status, 2);
        assert.match(r.stderr, /部门/);
        r = zt(['user', 'add', '--data-dir', dir, '--login', 'cli_y', '--name', 'Y', '--role', 'citizen',
            '--id-number', '110105194912310021', '--password', 'Cli2026pass', ...FAST]);
        assert.equal(r.status, 2);
        assert.match(r.stderr, /id_number/);
        r = zt(['user', 'passwd', 'cli_li', '--data-dir', dir, '--password', 'New2026pass', ...FAST]);
        assert.equal(r.status, 0, r.stderr);
        r = zt(['user', 'disable', 'cli_li', '--data-dir', dir]);
        assert.equal(r.status, 0);
        assert.match(zt(['user', 'list', '--data-dir', dir]).stdout, /cli_li\s+clerk\s+disabled/);
        assert.equal(zt(['user', 'enable', 'cli_li', '--data-dir', dir]).status, 0);
        r = zt(['user', 'disable', 'nobody', '--data-dir', dir]);
        assert.notEqual(r.status, 0);
        assert.match(r.stderr, /nobody/);
        // the new password works on a server over the same data
        const srv = await startServer({ dir });
        try {
            await as(srv, 'cli_li', 'New2026pass');
        } finally {
            await srv.stop();
        }
    });

    test('calendar day, add, between, show, set, unset, import', () => {
        let r = zt(['calendar', 'day', '2026-10-08', '--data-dir', dir]);
        assert.match(r.stdout, /2026-10-08 working day \(workday\)/);
        r = zt(['calendar', 'day', '2026-10-10', '--data-dir', dir]);
        assert.match(r.stdout, /working day \(makeup 国庆节\)/);
        assert.equal(zt(['calendar', 'add', '2026-09-29', '3', '--data-dir', dir]).stdout.trim(), '2026-10-09');
        assert.equal(zt(['calendar', 'between', '2026-09-30', '2026-10-09', '--data-dir', dir]).stdout.trim(), '2');
        r = zt(['calendar', 'show', '2026', '--data-dir', dir]);
        assert.match(r.stdout, /2026: covered/);
        assert.match(r.stdout, /2026-10-01\s+休\s+国庆节/);
        assert.equal(zt(['calendar', 'set', '2026-06-15', 'holiday', '市庆', '--data-dir', dir]).status, 0);
        assert.match(zt(['calendar', 'day', '2026-06-15', '--data-dir', dir]).stdout, /rest day \(holiday 市庆\)/);
        assert.equal(zt(['calendar', 'unset', '2026-06-15', '--data-dir', dir]).status, 0);
        assert.match(zt(['calendar', 'day', '2026-06-15', '--data-dir', dir]).stdout, /working day/);
        assert.match(zt(['calendar', 'show', '2027', '--data-dir', dir]).stdout, /NOT covered/);
        // a year file: checked whole, then imported
        const f = path.join(dir, '2027.tsv');
        writeFileSync(f, 'year\t2027\n2027-01-01\tholiday\t元旦\n2027-02-06\tmakeup\t春节\n');
        r = zt(['calendar', 'import', f, '--data-dir', dir]);
        assert.equal(r.status, 0, r.stderr);
        assert.match(zt(['calendar', 'show', '2027', '--data-dir', dir]).stdout, /2027: covered[\s\S]*2027-02-06\s+班\(调休\)\s+春节/);
        writeFileSync(f, 'year\t2028\n2028-02-30\tholiday\tX\n');
        r = zt(['calendar', 'import', f, '--data-dir', dir]);
        assert.equal(r.status, 2);
        assert.match(r.stderr, /line 2/);
        assert.match(zt(['calendar', 'show', '2028', '--data-dir', dir]).stdout, /NOT covered/);
    });

    test('config: defaults < file < environment < flags; mistakes are named', () => {
        const conf = path.join(dir, 'zt.conf');
        writeFileSync(conf, '# a comment\nlisten.port = 9001\nhttp.threads = 3 # inline comment\n');
        let r = zt(['config', '--config', conf]);
        assert.match(r.stdout, /^listen\.port = 9001$/m);
        assert.match(r.stdout, /^http\.threads = 3$/m);
        r = zt(['config', '--config', conf], { env: { ZT_LISTEN_PORT: '9002' } });
        assert.match(r.stdout, /^listen\.port = 9002$/m);
        r = zt(['config', '--config', conf, '--port', '9003'], { env: { ZT_LISTEN_PORT: '9002' } });
        assert.match(r.stdout, /^listen\.port = 9003$/m);
        writeFileSync(conf, 'listen.prot = 1\n');
        r = zt(['config', '--config', conf]);
        assert.equal(r.status, 2);
        assert.match(r.stderr, /zt\.conf:1: unknown configuration key "listen\.prot"/);
        r = zt(['config', '--store.synchronous', 'OFF']);
        assert.equal(r.status, 2);
        assert.match(r.stderr, /store\.synchronous/);
    });

    test('serve without a database says to run init; a busy port is an error, not a hang', async () => {
        const empty = tempDir('zt-cli-empty-');
        try {
            const r = zt(['serve', '--data-dir', empty, '--port', '0']);
            assert.equal(r.status, 2);
            assert.match(r.stderr, /run 'zhengtong init' first/);
        } finally {
            rmSync(empty, { recursive: true, force: true });
        }
        const srv = await startServer({ dir });
        try {
            const r = zt(['serve', '--data-dir', dir, '--port', String(srv.port)]);
            assert.notEqual(r.status, 0);
            assert.match(r.stderr, /cannot listen/);
        } finally {
            await srv.stop();
        }
    });
});
