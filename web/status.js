// The status page (#/status): a case's state by its number and query
// password, without login — where the receipt's QR code lands
// ({public.url}/#/status?no=…&pw=…). The two values travel in the URL
// fragment, which browsers never send to a server; once the answer is shown
// the password is taken out of the address bar and the history entry.
// API: POST /api/public/case-status {number, password} (docs/services.md).

const $ = (s) => document.querySelector(s);
const TZ = 'Asia/Shanghai';

const TIME = new Intl.DateTimeFormat('zh-CN', {
  timeZone: TZ, year: 'numeric', month: 'numeric', day: 'numeric',
  hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
});

/** "2026-09-24T10:00:00+08:00" -> "2026年9月24日 10:00" (in Asia/Shanghai). */
export function formatTime(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  const p = Object.fromEntries(TIME.formatToParts(d).map((x) => [x.type, x.value]));
  return `${p.year}年${Number(p.month)}月${Number(p.day)}日 ${p.hour}:${p.minute}`;
}

/** "2026-10-12" -> "2026年10月12日" (a calendar day: no time zone). */
export function formatDay(day) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day || '');
  return m ? `${m[1]}年${Number(m[2])}月${Number(m[3])}日` : (day || '');
}

/** Fen -> "120.00 元". */
function formatFee(fen) {
  return `${(fen / 100).toFixed(2)} 元`;
}

// the badge's colour by what the state means to the applicant (every flow's states)
const BADGE = {
  submitted: 'pending', pre_reviewed: 'pending', received: 'pending',
  supplementing: 'warn',
  handling_suspended: 'paused', review_suspended: 'paused', suspended: 'paused',
  completed: 'done', answered: 'done', closed: 'done',
  denied: 'refused', not_accepted: 'refused', rejected: 'refused', voided: 'refused',
  withdrawn: 'ended',
};

// what a step told the applicant (the public fields of the timeline)
const FIELD_LABELS = [
  ['reason', '原因'], ['legal_basis', '法律依据'], ['remedy_notice', '救济途径'],
  ['missing_materials', '需补正的材料'], ['type', '特别程序'], ['days', '期限（工作日）'],
  ['result_type', '办理结果'], ['certificate_no', '证照编号'], ['fee_charged', '收费'], ['delivery', '送达方式'],
];

function fieldText(key, v) {
  if (key === 'fee_charged' && typeof v === 'number') return formatFee(v);
  if (Array.isArray(v)) return v.map((x) => (typeof x === 'object' && x ? (x.name || x.material || JSON.stringify(x)) : String(x))).join('、');
  if (typeof v === 'object' && v) return JSON.stringify(v);
  return String(v);
}

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined && text !== null) e.textContent = text;
  return e;
}

function fact(dl, term, value) {
  const row = el('div');
  row.append(el('dt', null, term), el('dd', null, value));
  dl.appendChild(row);
}

function timeEl(iso, cls) {
  const t = el('time', cls, formatTime(iso));
  if (iso) t.dateTime = iso;
  return t;
}

function render(s) {
  $('#sr-item').textContent = s.item_name;
  const badge = $('#sr-state');
  badge.textContent = s.state_label;
  badge.className = `badge badge-${BADGE[s.state] || 'active'}`;
  $('#sr-number').textContent = s.number;
  $('#sr-dept').textContent = s.department_name;
  $('#sr-applicant').textContent = s.applicant_name;
  $('#sr-submitted').replaceChildren(s.submitted_at ? timeEl(s.submitted_at) : '—');
  $('#sr-accepted').replaceChildren(s.accepted_at ? timeEl(s.accepted_at) : '尚未受理');
  $('#sr-promised').textContent = s.promised_due ? formatDay(s.promised_due) : (s.accepted_at ? '—' : '受理后确定');

  const out = $('#sr-result');
  const list = $('#sr-result-list');
  list.replaceChildren();
  const r = s.result;
  out.hidden = !r;
  if (r) {
    if (r.result_type) fact(list, '办理结果', r.result_type);
    if (r.certificate_no) fact(list, '证照编号', r.certificate_no);
    if (typeof r.fee_charged === 'number') fact(list, '收费', r.fee_charged ? formatFee(r.fee_charged) : '不收费');
    if (r.closed_at) fact(list, '办结时间', formatTime(r.closed_at));
  }

  const ol = $('#sr-timeline');
  ol.replaceChildren();
  for (const ev of s.timeline || []) {
    const li = el('li', 'tl-step');
    const head = el('div', 'tl-head');
    head.append(el('strong', 'tl-label', ev.label), timeEl(ev.at, 'tl-time'));
    li.appendChild(head);
    if (ev.department) li.appendChild(el('div', 'tl-dept', ev.department));
    if (ev.to_label) li.appendChild(el('div', 'tl-state', `状态：${ev.to_label}`));
    const f = ev.fields || {};
    const extra = FIELD_LABELS.filter(([k]) => f[k] !== undefined && f[k] !== null && f[k] !== '');
    if (extra.length) {
      const dl = el('dl', 'tl-fields');
      for (const [k, label] of extra) fact(dl, label, fieldText(k, f[k]));
      li.appendChild(dl);
    }
    ol.appendChild(li);
  }
  $('#sr-printed-at').textContent = `查询时间：${formatTime(new Date().toISOString())}`;
  $('#status-result').hidden = false;
}

/** The message to show for a failed query. */
async function failure(res) {
  if (res.status === 404) return '办件编号或查询密码不正确';
  if (res.status === 429) {
    const secs = Number(res.headers.get('Retry-After'));
    return secs > 0 ? `查询过于频繁，请稍后再试（约 ${secs} 秒后可再次查询）` : '查询过于频繁，请稍后再试';
  }
  let msg = '';
  try {
    const data = await res.json();
    msg = data && data.error && data.error.message;
  } catch { /* not JSON */ }
  return msg ? `查询失败：${msg}` : `查询失败（HTTP ${res.status}），请稍后再试`;
}

let seq = 0; // the latest query: answers to older ones are dropped

function setBusy(busy) {
  $('#status-submit').disabled = busy;
  $('#status-form').setAttribute('aria-busy', busy ? 'true' : 'false');
  $('#status-loading').textContent = busy ? '正在查询，请稍候…' : '';
}

// the address bar keeps the number (a reload shows the form filled), never the password
function forgetPassword(number) {
  const h = number ? `#/status?no=${encodeURIComponent(number)}` : '#/status';
  if (location.hash !== h) history.replaceState(history.state, '', h);
}

async function query(number, password) {
  const my = ++seq;
  $('#status-error').textContent = '';
  $('#status-result').hidden = true;
  setBusy(true);
  let message = '';
  let data = null;
  try {
    const res = await fetch('/api/public/case-status', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      credentials: 'omit',
      cache: 'no-store',
      body: JSON.stringify({ number, password }),
    });
    if (res.ok) data = await res.json();
    else message = await failure(res);
  } catch {
    message = '网络连接失败，请检查网络后重试';
  }
  if (my !== seq) return;
  setBusy(false);
  forgetPassword(number);
  if (data) {
    render(data);
    $('#sr-item').focus();
  } else {
    $('#status-error').textContent = message;
  }
}

let wired = false;

function wire() {
  if (wired) return;
  wired = true;
  $('#status-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const number = $('#status-no').value.trim();
    const password = $('#status-pw').value.trim();
    if (!number || !password) return;
    query(number, password);
  });
  $('#sr-print').addEventListener('click', () => window.print());
}

/**
 * Show the page for the fragment's query string (params: URLSearchParams of
 * "no=…&pw=…"): fill the form, and query at once when both are there.
 */
export function showStatus(params) {
  wire();
  document.title = '办件查询 · 政通';
  const no = (params.get('no') || '').trim();
  const pw = (params.get('pw') || '').trim();
  if (no) $('#status-no').value = no;
  if (pw) $('#status-pw').value = pw;
  if (no && pw) {
    query(no, pw);
  } else {
    forgetPassword(no);
    (no ? $('#status-pw') : $('#status-no')).focus();
  }
}
