// redflags.test.mjs - `zhengtong trading red-flags`: Cardinal's red-flag
// indicators. The conformance vectors (cardinal-rs docs/examples/R with the
// documented outputs) are read in place from ../shared/vectors/cardinal;
// the fixtures below sit just inside and just outside each threshold.
import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { BIN, REPO, tempDir } from './lib/server.mjs';

const VECTORS = path.join(REPO, '..', 'shared', 'vectors', 'cardinal');
const dir = tempDir('zt-redflags-');
after(() => rmSync(dir, { recursive: true, force: true }));

let seq = 0;
function run(lines, settings, { raw = false } = {}) {
    const file = path.join(dir, `in${++seq}.jsonl`);
    writeFileSync(file, raw ? lines : lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
    const args = ['trading', 'red-flags', file];
    if (settings !== undefined) {
        const ini = path.join(dir, `s${seq}.ini`);
        writeFileSync(ini, settings);
        args.push('--settings', ini);
    }
    return spawnSync(BIN, args, { cwd: REPO, encoding: 'utf8', timeout: 60000 });
}
function flags(lines, settings) {
    const r = run(lines, settings);
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout);
}

describe('conformance: cardinal-rs documented examples', () => {
    test('every vector in expected.txt gives the documented output', () => {
        assert.ok(existsSync(VECTORS), `conformance data missing at ${VECTORS}`);
        const lines = readFileSync(path.join(VECTORS, 'expected.txt'), 'utf8').split('\n');
        let n = 0;
        for (let i = 0; i < lines.length; i++) {
            const m = lines[i].match(/^\$ ocdscardinal indicators --settings docs\/examples\/(?:R\/)?(\S+) --no-meta docs\/examples\/R\/(\S+)$/);
            if (!m) continue;
            const expected = lines[i + 1];
            const r = spawnSync(BIN, ['trading', 'red-flags', path.join(VECTORS, m[2]), '--settings', path.join(VECTORS, m[1])], { encoding: 'utf8' });
            assert.equal(r.status, 0, `${m[2]}: ${r.stderr}`);
            // Cardinal's maps are hash maps: key order is not specified, so compare parsed
            assert.deepEqual(JSON.parse(r.stdout), JSON.parse(expected), m[2]);
            // numbers are written as Cardinal (Rust) writes them: 1.0, 0.16666666666666666
            for (const num of expected.match(/-?\d+(\.\d+)?(e-?\d+)?/g).filter((x) => x.includes('.'))) assert.ok(r.stdout.includes(num), `${m[2]}: ${num}`);
            n++;
        }
        assert.equal(n, 11);
    });
});

const bid = (id, amount, status = 'valid', extra = {}) => ({ status, tenderers: [{ id }], ...(amount === undefined ? {} : { value: { amount, currency: 'USD' } }), ...extra });
const won = (id) => [{ status: 'active', suppliers: [{ id }] }];
const period = (start, end) => ({ tenderPeriod: { startDate: start, endDate: end } });

describe('fixtures at the thresholds', () => {
    test('R003: 14 days 23:59 is short, 15 days is not; threshold and per-method-details overrides', () => {
        const lines = [
            { ocid: 'short', tender: period('2024-01-01T00:00:00Z', '2024-01-15T23:59:59Z') },
            { ocid: 'ok', tender: period('2024-01-01T00:00:00+08:00', '2024-01-16T00:00:00+08:00') },
            { ocid: 'tz', tender: period('2024-01-01T00:00:00+08:00', '2024-01-15T17:00:00+00:00') }, // 15 days 1h
            { ocid: 'emergency', tender: { procurementMethodDetails: 'emergency', ...period('2024-01-01T00:00:00Z', '2024-01-05T00:00:00Z') } },
            { ocid: 'bad-date', tender: period('2024-02-30T00:00:00Z', '2024-03-01T00:00:00Z') },
        ];
        assert.deepEqual(flags(lines, '[R003]\n'), { OCID: { short: { R003: 1.0 }, emergency: { R003: 1.0 } } });
        assert.deepEqual(flags(lines, '[R003]\nthreshold = 15\n[R003.procurement_method_details]\nemergency = 4\n'), { OCID: { short: { R003: 1.0 } } });
        assert.deepEqual(flags(lines, '[R003]\nthreshold = 16 ; a comment\n'), { OCID: { short: { R003: 1.0 }, ok: { R003: 1.0 }, tz: { R003: 1.0 }, emergency: { R003: 1.0 } } });
        assert.deepEqual(flags(lines, '[R003]\nprocurement_methods = open\n'), {});
    });

    test('R018: one tenderer in an open or selective procedure; not two, not limited', () => {
        const lines = [
            { ocid: 'one', tender: { numberOfTenderers: 1, procurementMethod: 'selective' } },
            { ocid: 'two', tender: { numberOfTenderers: 2, procurementMethod: 'open' } },
            { ocid: 'limited', tender: { numberOfTenderers: 1, procurementMethod: 'limited' } },
        ];
        assert.deepEqual(flags(lines, '[R018]\n'), { OCID: { one: { R018: 1.0 } } });
        assert.deepEqual(flags(lines, '[R018]\nprocurement_methods = limited\n'), { OCID: { limited: { R018: 1.0 } } });
    });

    test('R024 and R058: the ratio at the configured fence is flagged, just beyond it is not', () => {
        const proc = (ocid, w, l) => ({ ocid, bids: { details: [bid('W', w), bid('L' + ocid, l)] }, awards: won('W') });
        const lines = [proc('at', 100, 105), proc('above', 100, 105.01), proc('big', 100, 150), proc('notlowest', 100, 90)];
        assert.deepEqual(flags(lines, '[R024]\nthreshold = 0.05\n'), { OCID: { at: { R024: 0.05 } }, Tenderer: { W: { R024: 0.0 }, Lat: { R024: 0.0 } } });
        assert.deepEqual(flags(lines, '[R058]\nthreshold = 0.5\n'), { OCID: { big: { R058: 0.5 } }, Tenderer: { W: { R058: 0.0 } } });
        assert.deepEqual(flags(lines, '[R058]\nthreshold = 0.50001\n'), {});
        // a procedure whose price is fixed is not compared
        const fixed = lines.map((l) => ({ ...l, tender: { procurementMethodDetails: 'Sorteo de Obras' } }));
        assert.deepEqual(flags(fixed, 'no_price_comparison_procurement_methods = Random Selection|Sorteo de Obras\n[R024]\nthreshold = 0.05\n'), {});
        assert.deepEqual(flags(fixed, 'price_comparison_procurement_methods = Reverse Auction\n[R058]\nthreshold = 0.5\n'), {});
        // another currency than the main one is left out
        const eur = [{ ocid: 'eur', bids: { details: [bid('W', 100), { ...bid('L', 100.5), value: { amount: 100.5, currency: 'EUR' } }] }, awards: won('W') }];
        assert.deepEqual(flags(eur, 'currency = USD\n[R024]\nthreshold = 0.05\n'), {});
    });

    test('R024 and R058 without a threshold use the quartile fences (statrs quantiles)', () => {
        const proc = (ocid, l) => ({ ocid, bids: { details: [bid('W', 100), bid('L', l)] }, awards: won('W') });
        // ratios 0.01 0.10 0.11 0.12 0.13 0.50: Q1 = 0.07, Q3 = 0.2025 -> lower fence -0.13, upper 0.40125
        const lines = [proc('a', 101), proc('b', 110), proc('c', 111), proc('d', 112), proc('e', 113), proc('f', 150)];
        const r = flags(lines, '[R024]\n[R058]\n');
        assert.deepEqual(r.OCID, { f: { R058: 0.5 } });
    });

    test('R025: a top tenderer with a low win ratio; the configured lower fence is strict', () => {
        const lines = [];
        for (let i = 0; i < 8; i++) lines.push({ ocid: `p${i}`, bids: { details: [bid('F'), bid(`X${i}`)] }, awards: won(i < 2 ? 'F' : `X${i}`) });
        assert.deepEqual(flags(lines, '[R025]\nthreshold = 0.3\n'), { Tenderer: { F: { R025: 0.25 } } });
        assert.deepEqual(flags(lines, '[R025]\nthreshold = 0.25\n'), {});
        assert.deepEqual(flags(lines, '[R025]\npercentile = 100\nthreshold = 0.3\n'), {});
    });

    test('R028: the same price from different tenderers; not from the same one', () => {
        const lines = [
            { ocid: 'same', bids: { details: [bid('A', 10), bid('B', 10, 'pending')] } },
            { ocid: 'self', bids: { details: [bid('A', 10), bid('A', 10)] } },
            { ocid: 'differ', bids: { details: [bid('A', 10), bid('B', 10.01)] } },
            { ocid: 'withdrawn', bids: { details: [bid('A', 10), bid('C', 10, 'withdrawn')] } },
        ];
        assert.deepEqual(flags(lines, '[R028]\n'), { OCID: { same: { R028: 1.0 } }, Tenderer: { A: { R028: 1.0 }, B: { R028: 1.0 } } });
    });

    test('R030: a winning bid after the deadline; one at the deadline is not late', () => {
        const proc = (ocid, date) => ({ ocid, tender: { tenderPeriod: { endDate: '2024-03-15T00:00:00Z' } }, bids: { details: [bid('W', undefined, 'valid', { date })] }, awards: won('W') });
        assert.deepEqual(flags([proc('late', '2024-03-15T00:00:01Z'), proc('ontime', '2024-03-15T00:00:00Z')], '[R030]\n'), { OCID: { late: { R030: 1.0 } }, Tenderer: { W: { R030: 1.0 } } });
    });

    test('R035: all but the winner disqualified, at least `threshold` tenderers', () => {
        const lines = [
            { ocid: 'two', bids: { details: [bid('V'), bid('D1', undefined, 'disqualified'), bid('D2', undefined, 'disqualified')] }, awards: won('V') },
            { ocid: 'one', bids: { details: [bid('V'), bid('D1', undefined, 'disqualified')] }, awards: won('V') },
            { ocid: 'pending', bids: { details: [bid('V'), bid('D1', undefined, 'disqualified')] }, awards: [{ status: 'pending', suppliers: [{ id: 'V' }] }] },
        ];
        assert.deepEqual(flags(lines, '[R035]\n'), { OCID: { two: { R035: 2.0 }, one: { R035: 1.0 } }, Tenderer: { V: { R035: 0.0 } } });
        assert.deepEqual(flags(lines, '[R035]\nthreshold = 2\n'), { OCID: { two: { R035: 2.0 } }, Tenderer: { V: { R035: 0.0 } } });
    });

    test('R036: the lowest bid disqualified; not when the lowest is valid or no award is active', () => {
        const lines = [
            { ocid: 'dq', bids: { details: [bid('A', 9.99, 'disqualified'), bid('B', 10)] }, awards: won('B') },
            { ocid: 'valid', bids: { details: [bid('A', 10.01, 'disqualified'), bid('B', 10)] }, awards: won('B') },
            { ocid: 'noaward', bids: { details: [bid('A', 1, 'disqualified'), bid('B', 10)] } },
        ];
        assert.deepEqual(flags(lines, '[R036]\n'), { OCID: { dq: { R036: 1.0 } } });
    });

    test('R038: disqualified ratio per buyer, procuring entity and tenderer against the fence and minimums', () => {
        const lines = [
            { ocid: '1', buyer: { id: 'B' }, tender: { procuringEntity: { id: 'P' } }, bids: { details: [bid('T', undefined, 'disqualified'), bid('U')] } },
            { ocid: '2', buyer: { id: 'B' }, tender: { procuringEntity: { id: 'P' } }, bids: { details: [bid('T', undefined, 'disqualified'), bid('U')] } },
            { ocid: '3', buyer: { id: 'C' }, bids: { details: [bid('T'), bid('U')] } },
        ];
        // B: 2/4, C: 0/2, P: 2/4, T: 2/3, U: 0/3
        assert.deepEqual(flags(lines, '[R038]\nthreshold = 0.5\n'), { Buyer: { B: { R038: 0.5 } }, ProcuringEntity: { P: { R038: 0.5 } }, Tenderer: { T: { R038: 2 / 3 } } });
        assert.deepEqual(flags(lines, '[R038]\nthreshold = 0.6\nminimum_submitted_bids = 4\n'), {});
    });

    test('R048: distinct classification prefixes per supplier against the fence and minimum processes', () => {
        const award = (ocid, id, codes) => ({ ocid, awards: [{ status: 'active', suppliers: [{ id }], items: codes.map((c) => ({ classification: { id: c } })) }] });
        const lines = [award('1', 'H', ['10000000', '11000000', '12000000']), award('2', 'H', ['10100000']), award('3', 'N', ['10000000'])];
        assert.deepEqual(flags(lines, '[R048]\nminimum_contracting_processes = 1\nthreshold = 3\n'), { Tenderer: { H: { R048: 3.0 } } });
        assert.deepEqual(flags(lines, '[R048]\nminimum_contracting_processes = 1\nthreshold = 4\n'), {});
        assert.deepEqual(flags(lines, '[R048]\nminimum_contracting_processes = 1\nthreshold = 4\ndigits = 3\n'), { Tenderer: { H: { R048: 4.0 } } });
        assert.deepEqual(flags(lines, '[R048]\nminimum_contracting_processes = 2\nthreshold = 1\n'), { Tenderer: { H: { R048: 3.0 } } });
    });

    test('cancelled procedures, [exclusions] and releases without an ocid are left out; no settings = all indicators', () => {
        const t = { numberOfTenderers: 1, procurementMethod: 'open' };
        const lines = [
            { ocid: 'c', tender: { ...t, status: 'cancelled' } },
            { ocid: 'x', tender: { ...t, procurementMethodDetails: 'Random Selection' } },
            { tender: t },
            { ocid: 'k', tender: t },
        ];
        assert.deepEqual(flags(lines, '[R018]\n[exclusions]\nprocurement_method_details = Random Selection\n'), { OCID: { k: { R018: 1.0 } } });
        assert.deepEqual(flags(lines), { OCID: { x: { R018: 1.0 }, k: { R018: 1.0 } } });
    });
});

describe('untrusted input', () => {
    test('a malformed line is exit 2 naming its line; blank lines are skipped; an empty file is {}', () => {
        let r = run('{"ocid":"a"}\n\n   \n{"ocid": nope}\n', '[R003]\n', { raw: true });
        assert.equal(r.status, 2);
        assert.match(r.stderr, /line 4: invalid JSON/);
        assert.equal(r.stdout, '');
        r = run('{"ocid":"a"}\n[1,2]\n', undefined, { raw: true });
        assert.equal(r.status, 2);
        assert.match(r.stderr, /line 2: not a JSON object/);
        r = run('{"ocid":"a\u0000"}\n', undefined, { raw: true });
        assert.equal(r.status, 2);
        r = run('', '[R003]\n', { raw: true });
        assert.equal(r.status, 0, r.stderr);
        assert.equal(r.stdout, '{}\n');
    });

    test('a bad settings file is exit 2 naming its line', () => {
        for (const [ini, re] of [
            ['[R024]\nthreshold = abc\n', /:2: .*threshold/],
            ['[R999]\n', /:1: unknown section/],
            ['[R028]\nthreshold = 1\n', /:2: /],
            ['bogus = 1\n', /:1: /],
            ['[R025\n', /:1: /],
        ]) {
            const r = run([{ ocid: 'a' }], ini);
            assert.equal(r.status, 2, ini);
            assert.match(r.stderr, re, ini);
        }
        const r = spawnSync(BIN, ['trading', 'red-flags', path.join(dir, 'missing.jsonl')], { encoding: 'utf8' });
        assert.equal(r.status, 2);
        assert.match(r.stderr, /cannot open/);
        assert.equal(spawnSync(BIN, ['trading'], { encoding: 'utf8' }).status, 2);
        assert.equal(spawnSync(BIN, ['trading', '--help'], { encoding: 'utf8' }).status, 0);
    });
});
