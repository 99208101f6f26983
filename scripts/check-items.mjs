#!/usr/bin/env node
// check-items.mjs - validate the demo power-item catalogue (行政权力事项目录).
//
// Usage: node scripts/check-items.mjs [items-file]   (default data/demo/items.json)
//
// Checks every element of DOMAIN.md §2 on every item (present, well-typed, in
// its vocabulary), the cross-references to data/demo/departments.tsv,
// windows.tsv and halls.tsv, and the rules between fields (limits, 即办,
// 联审, 上报, fees, online handling and visits). The format is documented in
// docs/items-data.md. Exit 0 with a summary (counts by type, department,
// kind …) when the file is clean; exit 1 with the list of problems otherwise;
// exit 2 when a file cannot be read or parsed. No dependencies.
import { readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const itemsPath = resolve(process.argv[2] ?? resolve(root, 'data/demo/items.json'));
const MIN_ITEMS = 45; // the demo catalogue promises at least this many items

// ---------------------------------------------------------------- vocabularies
const TYPE_CODES = {
  行政许可: 'XK', 行政处罚: 'CF', 行政强制: 'QZ', 行政征收: 'ZS', 行政给付: 'JF', 行政检查: 'JC',
  行政确认: 'QR', 行政奖励: 'JL', 行政裁决: 'CJ', 公共服务: 'GG', 其他: 'QT',
};
// Types the department starts on its own initiative: no applicant comes to a
// window, so "0 visits" does not imply online handling.
const INITIATED = new Set(['行政处罚', '行政强制', '行政检查']);
const SUBJECTS = new Set(['自然人', '法人', '其他组织']);
const FORMS = new Set(['original', 'copy', 'electronic']);
const CASE_KINDS = new Set(['即办件', '承诺件', '上报件']);
const PROCESS_KINDS = new Set(['licensing', 'on_the_spot', 'joint_review']);
const ONLINE = new Set(['全程网办', '网上预审', '不可网办']);
const RESULT_TYPES = new Set(['证照', '文书', '其他']);
const CHARGES = new Set(['收费', '不收费']);
// 行政许可法 第四十二条: 20 working days for one body, 45 for joint handling.
// A licensing item with a longer legal limit must say why in limit_note.
const XK_DEFAULT_LIMIT = 20;
const XK_JOINT_LIMIT = 45;

const ITEM_KEYS = {
  required: [
    'code', 'name', 'type', 'region_code', 'department', 'implementing_body', 'subjects',
    'legal_basis', 'conditions', 'materials', 'steps', 'legal_limit_days', 'promised_limit_days',
    'case_kind', 'process_kind', 'joint_departments', 'charge', 'fees', 'result', 'place', 'hours',
    'consult_phone', 'complaint_phone', 'online', 'visits',
  ],
  optional: ['limit_note', 'forward_to', 'special_procedures'],
};
const PHONE = /^(0799-\d{7,8}|12345)$/;
const CODE = /^(\d{6}|\d{9})-([A-Z]{2})-([A-Z]+)-(\d{3})$/;
const ARTICLE = /^第[零〇一二三四五六七八九十百千]+条(第[零〇一二三四五六七八九十]+款)?(第[零〇一二三四五六七八九十]+项)?$/;

// ---------------------------------------------------------------- inputs
const die = (msg) => {
  process.stderr.write(`check-items: ${msg}\n`);
  process.exit(2);
};
const readText = (path) => {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    return die(`cannot read ${path}: ${e.message}`);
  }
};
const tsv = (name) =>
  readText(resolve(root, 'data/demo', name))
    .split('\n')
    .filter((l) => l.trim() && !l.startsWith('#'))
    .map((l) => l.split('\t'));

const depts = new Map(tsv('departments.tsv').map(([region, code, name, short]) => [code, { region, code, name, short }]));
const halls = new Map(tsv('halls.tsv').map(([region, name, address, hours]) => [name, { region, name, address, hours }]));
const windows = new Map(tsv('windows.tsv').map(([hall, n, name, dept]) => [`${hall}#${n}`, { hall, number: Number(n), name, dept }]));

let doc;
try {
  doc = JSON.parse(readText(itemsPath));
} catch (e) {
  die(`${itemsPath} is not valid JSON: ${e.message}`);
}

// ---------------------------------------------------------------- helpers
const problems = [];
let where = 'file';
const bad = (msg) => problems.push(`${where}: ${msg}`);
const isObj = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
const isStr = (v) => typeof v === 'string' && v.trim() !== '';
const isInt = (v, min = 0) => Number.isInteger(v) && v >= min;
const str = (o, k, label = k) => {
  if (!isStr(o[k])) bad(`${label} must be a non-empty string`);
  return isStr(o[k]);
};
const strOrEmpty = (o, k, label = k) => {
  if (typeof o[k] !== 'string') bad(`${label} must be a string (may be empty)`);
};
const arr = (o, k, label = k, min = 1) => {
  if (!Array.isArray(o[k]) || o[k].length < min) {
    bad(`${label} must be an array with at least ${min} element(s)`);
    return [];
  }
  return o[k];
};
const keysOnly = (o, allowed, label) => {
  for (const k of Object.keys(o)) if (!allowed.includes(k)) bad(`${label}: unknown field "${k}"`);
};
const oneOf = (o, k, set, label = k) => {
  if (!set.has(o[k])) bad(`${label} is ${JSON.stringify(o[k])}, expected one of ${[...set].join(' / ')}`);
  return set.has(o[k]);
};
const uniqueNames = (list, label) => {
  const seen = new Set();
  for (const x of list) {
    if (isObj(x) && isStr(x.name)) {
      if (seen.has(x.name)) bad(`${label}: duplicate name "${x.name}"`);
      seen.add(x.name);
    }
  }
};

// ---------------------------------------------------------------- header
if (!isObj(doc)) {
  bad('top level must be an object {header, items}');
  doc = {};
}
keysOnly(doc, ['header', 'items'], 'top level');
where = 'header';
const header = isObj(doc.header) ? doc.header : (bad('missing header object'), {});
if (header.demo !== true) bad('demo must be true (this file is demo data)');
str(header, 'notice');
if (header.format !== 'zhengtong.items/1') bad(`format must be "zhengtong.items/1", got ${JSON.stringify(header.format)}`);
str(header, 'code_format');
if (JSON.stringify(header.type_codes) !== JSON.stringify(TYPE_CODES)) bad('type_codes must list the 11 types and their codes exactly as the checker does');

// ---------------------------------------------------------------- items
where = 'items';
const items = Array.isArray(doc.items) ? doc.items : (bad('items must be an array'), []);
if (items.length < MIN_ITEMS) bad(`${items.length} items, the demo catalogue needs at least ${MIN_ITEMS}`);
const codes = new Set();
const namesByDept = new Set();

items.forEach((it, i) => {
  where = `item ${i + 1}${isObj(it) && isStr(it.code) ? ` (${it.code}${isStr(it.name) ? ` ${it.name}` : ''})` : ''}`;
  if (!isObj(it)) return bad('must be an object');
  for (const k of ITEM_KEYS.required) if (!(k in it)) bad(`missing field ${k}`);
  keysOnly(it, [...ITEM_KEYS.required, ...ITEM_KEYS.optional], 'item');

  // -- basic elements: code, name, type, department, implementing body
  oneOf(it, 'type', new Set(Object.keys(TYPE_CODES)));
  const dept = depts.get(it.department);
  if (!dept) bad(`department ${JSON.stringify(it.department)} is not in departments.tsv`);
  if (!/^(\d{6}|\d{9})$/.test(String(it.region_code))) bad('region_code must be a 6- or 9-digit region code');
  else if (dept && dept.region !== it.region_code) bad(`region_code ${it.region_code} but department ${dept.code} belongs to ${dept.region}`);
  if (str(it, 'code')) {
    if (codes.has(it.code)) bad(`duplicate code ${it.code}`);
    codes.add(it.code);
    const m = CODE.exec(it.code);
    if (!m) bad(`code ${it.code} does not match {region}-{type code}-{dept suffix}-{NNN}`);
    else {
      const [, region, tc, suffix] = m;
      if (region !== it.region_code) bad(`code region ${region} differs from region_code ${it.region_code}`);
      if (TYPE_CODES[it.type] && tc !== TYPE_CODES[it.type]) bad(`code type ${tc} differs from ${TYPE_CODES[it.type]} (${it.type})`);
      if (isStr(it.department) && suffix !== it.department.slice(it.department.indexOf('-') + 1)) bad(`code suffix ${suffix} does not match department ${it.department}`);
    }
  }
  if (str(it, 'name')) {
    const key = `${it.department}#${it.name}`;
    if (namesByDept.has(key)) bad(`department ${it.department} has two items named ${it.name}`);
    namesByDept.add(key);
  }
  str(it, 'implementing_body');
  const subjects = arr(it, 'subjects');
  for (const s of subjects) if (!SUBJECTS.has(s)) bad(`subjects: ${JSON.stringify(s)} is not one of ${[...SUBJECTS].join(' / ')}`);
  if (new Set(subjects).size !== subjects.length) bad('subjects: duplicates');

  // -- legal basis: law in 《》, article like 第四十条 or null (cited without article)
  arr(it, 'legal_basis').forEach((b, j) => {
    const lbl = `legal_basis[${j}]`;
    if (!isObj(b)) return bad(`${lbl} must be an object`);
    keysOnly(b, ['law', 'article', 'summary'], lbl);
    if (!isStr(b.law) || !/^《.+》$/.test(b.law)) bad(`${lbl}.law must be a title in 《》`);
    if (b.article !== null && !(typeof b.article === 'string' && ARTICLE.test(b.article))) bad(`${lbl}.article must be like "第四十条" or null`);
    strOrEmpty(b, 'summary', `${lbl}.summary`);
  });

  // -- guide: conditions, materials
  arr(it, 'conditions').forEach((c, j) => {
    if (!isStr(c)) bad(`conditions[${j}] must be a non-empty string`);
  });
  const materials = arr(it, 'materials');
  materials.forEach((m, j) => {
    const lbl = `materials[${j}]`;
    if (!isObj(m)) return bad(`${lbl} must be an object`);
    keysOnly(m, ['name', 'form', 'count', 'required', 'notes'], lbl);
    str(m, 'name', `${lbl}.name`);
    oneOf(m, 'form', FORMS, `${lbl}.form`);
    if (!isInt(m.count, 1)) bad(`${lbl}.count must be an integer ≥ 1`);
    if (typeof m.required !== 'boolean') bad(`${lbl}.required must be true or false`);
    strOrEmpty(m, 'notes', `${lbl}.notes`);
  });
  uniqueNames(materials, 'materials');
  if (materials.length && !materials.some((m) => m?.required === true)) bad('materials: at least one must be required');

  // -- steps and limits
  const steps = arr(it, 'steps');
  steps.forEach((s, j) => {
    const lbl = `steps[${j}]`;
    if (!isObj(s)) return bad(`${lbl} must be an object`);
    keysOnly(s, ['name', 'limit_days', 'description', 'parallel'], lbl);
    str(s, 'name', `${lbl}.name`);
    if (!isInt(s.limit_days)) bad(`${lbl}.limit_days must be an integer ≥ 0`);
    strOrEmpty(s, 'description', `${lbl}.description`);
    if ('parallel' in s && s.parallel !== true) bad(`${lbl}.parallel, when present, must be true`);
  });
  uniqueNames(steps, 'steps');
  const legal = it.legal_limit_days;
  const promised = it.promised_limit_days;
  const limitsOk = isInt(legal) && isInt(promised);
  if (!isInt(legal)) bad('legal_limit_days must be an integer ≥ 0 (working days)');
  if (!isInt(promised)) bad('promised_limit_days must be an integer ≥ 0 (working days)');
  if (limitsOk && promised > legal) bad(`promised limit ${promised} exceeds legal limit ${legal}`);
  // Step rule. The legal clock of a case runs from acceptance (受理) to the
  // decision or completion; the steps are consecutive stages of that one
  // interval (the parallel opinions of a joint review are one step whose limit
  // is their shared time). Supervision watches each step against its own limit
  // and the case against the promised and legal limits (DOMAIN.md §4), so the
  // parts must fit in the whole: if the step limits added up to more, a case
  // could keep every step on time and still break the promise or the law.
  // Hence sum(step limits) ≤ promised limit ≤ legal limit. Time in special
  // procedures (听证, 鉴定, 专家评审 …) is outside both and is not a step.
  const stepSum = steps.reduce((a, s) => a + (isInt(s?.limit_days) ? s.limit_days : 0), 0);
  if (limitsOk && stepSum > legal) bad(`step limits add up to ${stepSum}, more than the legal limit ${legal}`);
  else if (limitsOk && stepSum > promised) bad(`step limits add up to ${stepSum}, more than the promised limit ${promised}`);
  if ('limit_note' in it) str(it, 'limit_note');
  if (it.type === '行政许可' && limitsOk) {
    const cap = it.process_kind === 'joint_review' ? XK_JOINT_LIMIT : XK_DEFAULT_LIMIT;
    if (legal > cap && !isStr(it.limit_note)) bad(`legal limit ${legal} is above the 行政许可法 default ${cap}: name the special rule in limit_note`);
  }

  // -- kinds: 即办 / 承诺 / 上报, licensing / on_the_spot / joint_review
  oneOf(it, 'case_kind', CASE_KINDS);
  oneOf(it, 'process_kind', PROCESS_KINDS);
  const onSpot = it.process_kind === 'on_the_spot';
  if (onSpot !== (it.case_kind === '即办件')) bad(`即办件 and process_kind on_the_spot go together (case_kind ${it.case_kind}, process_kind ${it.process_kind})`);
  if (onSpot) {
    if (legal !== 0 || promised !== 0) bad(`即办件 must have legal and promised limits 0 (has ${legal}/${promised})`);
    if (steps.some((s) => s?.limit_days !== 0)) bad('即办件: every step limit must be 0');
  } else if (limitsOk && promised < 1) bad('only 即办件 (on_the_spot) may have a promised limit of 0');
  if ((it.case_kind === '上报件') !== ('forward_to' in it)) bad('上报件 and forward_to go together');
  if ('forward_to' in it) str(it, 'forward_to');
  const joint = Array.isArray(it.joint_departments) ? it.joint_departments : (bad('joint_departments must be an array'), []);
  const parallel = steps.filter((s) => s?.parallel === true).length;
  if (it.process_kind === 'joint_review') {
    if (new Set(joint).size !== joint.length) bad('joint_departments: duplicates');
    if (new Set(joint).size < 2) bad(`joint review needs at least 2 co-reviewing departments, has ${joint.length}`);
    for (const d of joint) {
      if (!depts.has(d)) bad(`joint_departments: ${JSON.stringify(d)} is not in departments.tsv`);
      if (d === it.department) bad('joint_departments must not repeat the competent department');
    }
    if (parallel < 1) bad('joint review needs a step marked parallel (the co-reviewers\' opinions)');
  } else {
    if (joint.length) bad('joint_departments must be empty unless process_kind is joint_review');
    if (parallel) bad('only joint-review items have parallel steps');
  }
  if ('special_procedures' in it) {
    arr(it, 'special_procedures').forEach((p, j) => {
      const lbl = `special_procedures[${j}]`;
      if (!isObj(p)) return bad(`${lbl} must be an object`);
      keysOnly(p, ['name', 'basis', 'note'], lbl);
      str(p, 'name', `${lbl}.name`);
      str(p, 'basis', `${lbl}.basis`);
      strOrEmpty(p, 'note', `${lbl}.note`);
    });
  }

  // -- fees
  oneOf(it, 'charge', CHARGES);
  const fees = Array.isArray(it.fees) ? it.fees : (bad('fees must be an array'), []);
  if (it.charge === '不收费' && fees.length) bad('charge is 不收费 but fees are listed');
  if (it.charge === '收费' && !fees.length) bad('charge is 收费 but no fee is listed');
  fees.forEach((f, j) => {
    const lbl = `fees[${j}]`;
    if (!isObj(f)) return bad(`${lbl} must be an object`);
    keysOnly(f, ['name', 'standard', 'amount_yuan', 'unit', 'basis'], lbl);
    str(f, 'name', `${lbl}.name`);
    str(f, 'standard', `${lbl}.standard`);
    str(f, 'unit', `${lbl}.unit`);
    str(f, 'basis', `${lbl}.basis`);
    if (!(f.amount_yuan === null || (typeof f.amount_yuan === 'number' && Number.isFinite(f.amount_yuan) && f.amount_yuan >= 0)))
      bad(`${lbl}.amount_yuan must be a number ≥ 0, or null when the amount is computed (rate, area …)`);
  });
  uniqueNames(fees, 'fees');

  // -- result
  if (!isObj(it.result)) bad('result must be an object {name, type}');
  else {
    keysOnly(it.result, ['name', 'type'], 'result');
    str(it.result, 'name', 'result.name');
    oneOf(it.result, 'type', RESULT_TYPES, 'result.type');
  }

  // -- place, hours, phones
  if (!isObj(it.place)) bad('place must be an object {hall, window, address}');
  else {
    keysOnly(it.place, ['hall', 'window', 'address'], 'place');
    const hall = halls.get(it.place.hall);
    const win = windows.get(`${it.place.hall}#${it.place.window}`);
    if (!hall) bad(`place.hall ${JSON.stringify(it.place.hall)} is not in halls.tsv`);
    if (!isInt(it.place.window, 1)) bad('place.window must be a window number ≥ 1');
    else if (hall && !win) bad(`window ${it.place.window} of ${it.place.hall} is not in windows.tsv`);
    else if (win && win.dept !== it.department) bad(`window ${it.place.window} of ${it.place.hall} belongs to ${win.dept}, not to ${it.department}`);
    if (str(it.place, 'address', 'place.address') && hall) {
      if (!it.place.address.includes(hall.name) || !it.place.address.includes(`${it.place.window}号窗口`))
        bad(`place.address must name the hall and "${it.place.window}号窗口"`);
    }
    if (str(it, 'hours') && hall && !it.hours.startsWith(hall.hours)) bad(`hours must start with the hall's hours "${hall.hours}"`);
  }
  for (const k of ['consult_phone', 'complaint_phone']) if (!PHONE.test(String(it[k]))) bad(`${k} ${JSON.stringify(it[k])} must look like 0799-1234567 (or 12345)`);

  // -- online handling and visits
  oneOf(it, 'online', ONLINE);
  if (!isInt(it.visits) || it.visits > 2) bad('visits must be 0, 1 or 2');
  if (it.online === '全程网办' && it.visits !== 0) bad(`全程网办 means 0 visits, has ${it.visits}`);
  if (it.visits === 0 && it.online !== '全程网办' && !INITIATED.has(it.type)) bad(`0 visits needs 全程网办 (online is ${it.online})`);
});

// ---------------------------------------------------------------- report
const rel = relative(process.cwd(), itemsPath).startsWith('..') ? itemsPath : relative(process.cwd(), itemsPath);
if (problems.length) {
  process.stderr.write(`check-items: ${rel}: ${problems.length} problem(s)\n`);
  for (const p of problems) process.stderr.write(`  - ${p}\n`);
  process.exit(1);
}

const count = (f) => {
  const m = new Map();
  for (const it of items) {
    const k = f(it);
    m.set(k, (m.get(k) ?? 0) + 1);
  }
  return m;
};
const table = (title, m, label = (k) => k) => {
  const rows = [...m].sort((a, b) => b[1] - a[1] || String(a[0]).localeCompare(String(b[0])));
  console.log(`\n${title}`);
  for (const [k, n] of rows) console.log(`  ${String(n).padStart(3)}  ${label(k)}`);
};
console.log(`check-items: ${rel}: ${items.length} items, all checks passed (demo data)`);
table('by type (事项类型)', count((it) => it.type));
table('by process kind', count((it) => it.process_kind));
table('by case kind (办件类型)', count((it) => it.case_kind));
table('by online handling (网上办理)', count((it) => it.online));
table('by visits (到现场次数)', count((it) => it.visits));
table('by fee (收费)', count((it) => it.charge));
table('by region (区划)', count((it) => it.region_code));
table('by department (部门)', count((it) => it.department), (k) => `${k} ${depts.get(k).name}`);
