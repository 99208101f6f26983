#!/usr/bin/env node
// import-calendar.mjs - write data/calendar.tsv, the official working-day
// calendar (工作日历: 法定节假日 and 调休上班 days), from the npm package
// `chinese-days`.
//
// Usage: node scripts/import-calendar.mjs [out-file]   (default data/calendar.tsv, "-" = stdout)
//
// Source: chinese-days dist/chinese-days.json, three maps from "YYYY-MM-DD"
// to "English name,中文名,N" (N = statutory days of that holiday that year):
//   holidays    every rest day of a holiday period, weekends inside it included;
//   workdays    make-up working days (调休上班), always a Saturday or Sunday;
//   inLieuDays  the weekdays that are rest days only because a weekend was
//               moved onto them (调休). Each one is also in `holidays`, so it
//               is written as a holiday like the rest of its period; the map
//               adds nothing to the working-day rule and is only cross-checked.
// The script refuses data it does not understand (a make-up day on a weekday,
// a day both rest and work, an in-lieu day that is not a holiday) instead of
// guessing: the C side computes legal deadlines from this file.
//
// Output is sorted (years, then days by date) and names no time or host, so
// reruns are byte-identical for the same package version.
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

// The package keeps the short names of the State Council's English-keyed
// table; the notices (国务院办公厅关于…部分节假日安排的通知) say 清明节, 端午节,
// 中秋节. The 2015 one-off day is 74 bytes of UTF-8, over the 63-byte limit of
// a listing's name in src/base/calendar.h, so it gets its usual short form.
const OFFICIAL_NAME = {
  清明: '清明节',
  端午: '端午节',
  中秋: '中秋节',
  中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日: '抗战胜利70周年纪念日',
};
const NAME_MAX_BYTES = 63;

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'package.json'));
const pkgDir = dirname(require.resolve('chinese-days/package.json'));
const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
const data = JSON.parse(readFileSync(join(pkgDir, 'dist', 'chinese-days.json'), 'utf8'));

const fail = (msg) => {
  process.stderr.write(`import-calendar: ${msg}\n`);
  process.exit(1);
};

for (const key of ['holidays', 'workdays', 'inLieuDays']) {
  if (typeof data[key] !== 'object' || data[key] === null) fail(`dist/chinese-days.json has no "${key}" map`);
}

// 0 = Sunday ... 6 = Saturday; UTC so the host's zone cannot shift the date.
const weekday = (date) => new Date(`${date}T00:00:00Z`).getUTCDay();
const isWeekend = (date) => weekday(date) === 0 || weekday(date) === 6;

const checkDate = (date) => {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  const d = m && new Date(`${date}T00:00:00Z`);
  // The round trip rejects 2026-02-30 and friends, which Date would roll over.
  if (!m || Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== date) fail(`bad date "${date}"`);
};

// "National Day,国庆节,3" -> "国庆节": the Chinese field is the first one with a
// CJK character; the English name and the day count are dropped.
const chineseName = (date, desc) => {
  const field = String(desc)
    .split(',')
    .map((s) => s.trim())
    .find((s) => /\p{Script=Han}/u.test(s));
  if (!field) fail(`${date}: no Chinese name in "${desc}"`);
  const name = OFFICIAL_NAME[field] ?? field;
  if (/[\t\n\r]/.test(name)) fail(`${date}: name "${name}" contains a tab or newline`);
  if (Buffer.byteLength(name, 'utf8') > NAME_MAX_BYTES) fail(`${date}: name "${name}" is over ${NAME_MAX_BYTES} bytes`);
  return name;
};

const days = new Map(); // date -> { kind, name }
for (const [date, desc] of Object.entries(data.holidays)) {
  checkDate(date);
  days.set(date, { kind: 'holiday', name: chineseName(date, desc) });
}
for (const [date, desc] of Object.entries(data.workdays)) {
  checkDate(date);
  if (days.has(date)) fail(`${date} is both a holiday and a make-up working day`);
  if (!isWeekend(date)) fail(`${date} is a make-up working day on a weekday`);
  days.set(date, { kind: 'makeup', name: chineseName(date, desc) });
}
for (const date of Object.keys(data.inLieuDays)) {
  checkDate(date);
  if (days.get(date)?.kind !== 'holiday') fail(`in-lieu day ${date} is not listed as a holiday`);
  if (isWeekend(date)) fail(`in-lieu day ${date} is on a weekend`);
}

// A year is covered when the package lists any day in it. Every year from the
// first to the last must be there: a gap would silently fall back to the
// weekday rule for a whole year.
const years = [...new Set([...days.keys()].map((d) => Number(d.slice(0, 4))))].sort((a, b) => a - b);
if (years.length === 0) fail('no days in chinese-days');
for (let y = years[0]; y <= years[years.length - 1]; y++) {
  if (!years.includes(y)) fail(`year ${y} has no listed days`);
}

const dates = [...days.keys()].sort();
const count = (kind) => dates.filter((d) => days.get(d).kind === kind).length;
const lines = [
  '# calendar.tsv - official working-day calendar (工作日历) of mainland China:',
  '# rest days of the statutory holidays (法定节假日, weekends inside a holiday',
  '# period included) and make-up working days on weekends (调休上班).',
  `# Source: npm package ${pkg.name} ${pkg.version} (${pkg.license}), dist/chinese-days.json,`,
  '# after the State Council notices (国务院办公厅关于部分节假日安排的通知).',
  '# Generated by scripts/import-calendar.mjs; do not edit, rerun the script.',
  `# Years ${years[0]}-${years[years.length - 1]}: ${count('holiday')} holiday days, ${count('makeup')} make-up days.`,
  '# Format (TAB-separated): "year<TAB>YYYY" marks a covered year;',
  '# "YYYY-MM-DD<TAB>holiday|makeup<TAB>name" lists a day.',
  ...years.map((y) => `year\t${y}`),
  ...dates.map((d) => `${d}\t${days.get(d).kind}\t${days.get(d).name}`),
];
const text = lines.join('\n') + '\n';

const out = process.argv[2] ?? join(root, 'data', 'calendar.tsv');
if (out === '-') {
  process.stdout.write(text);
} else {
  mkdirSync(dirname(resolve(out)), { recursive: true });
  writeFileSync(out, text);
  process.stderr.write(
    `import-calendar: wrote ${out}: years ${years[0]}-${years[years.length - 1]}, ` +
      `${count('holiday')} holiday days, ${count('makeup')} make-up days\n`,
  );
}
