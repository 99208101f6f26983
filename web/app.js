// The foundation's page: login, the working-day calendar and the directory,
// against the real API, and the status page (#/status, web/status.js) where
// the receipt's QR code lands. The full portal, console and dashboard come
// with issue #6 (Vue 3 + Element Plus).
import { showStatus } from './status.js';

const $ = (s) => document.querySelector(s);
let csrf = '';

async function api(method, path, body) {
  const opts = { method, headers: {}, credentials: 'same-origin' };
  if (body !== undefined) {
    opts.headers['Content-Type'] = 'application/json';
    opts.body = JSON.stringify(body);
  }
  if (csrf && method !== 'GET') opts.headers['X-CSRF-Token'] = csrf;
  const res = await fetch(path, opts);
  const data = res.status === 204 ? null : await res.json();
  if (!res.ok) throw new Error(data && data.error ? data.error.message : `HTTP ${res.status}`);
  return data;
}

function showUser(user) {
  $('#who').textContent = user ? `${user.name}（${user.role_label}）` : '未登录';
  $('#logout').hidden = !user;
}

async function loadMe() {
  try {
    const me = await api('GET', '/api/auth/me');
    csrf = me.csrf_token || '';
    showUser(me.user);
  } catch { showUser(null); }
}

$('#login').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const f = new FormData(ev.target);
  $('#login-error').textContent = '';
  try {
    const r = await api('POST', '/api/auth/login', { login: f.get('login'), password: f.get('password') });
    csrf = r.csrf_token;
    showUser(r.user);
  } catch (e) { $('#login-error').textContent = e.message; }
});

$('#logout').addEventListener('click', async () => {
  try { await api('POST', '/api/auth/logout'); } catch { /* already gone */ }
  csrf = '';
  showUser(null);
});

$('#cal').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const f = new FormData(ev.target);
  const out = $('#cal-result');
  try {
    const d = await api('GET', `/api/calendar/day/${f.get('date')}`);
    const a = await api('GET', `/api/calendar/add?start=${f.get('date')}&days=${f.get('days')}`);
    out.textContent = `${d.date}（${d.weekday_label}）：${d.working ? '工作日' : '休息日'}，${d.reason_label}${d.name ? '·' + d.name : ''}；`
      + `其后第 ${a.days} 个工作日是 ${a.date}。`;
  } catch (e) { out.textContent = e.message; }
});

function node(r) {
  const li = document.createElement('li');
  const depts = r.departments ? r.departments.length : 0;
  li.textContent = `${r.name}（${r.code}）`;
  const c = document.createElement('span');
  c.className = 'count';
  c.textContent = `${depts} 个部门`;
  li.appendChild(c);
  if (r.children && r.children.length) {
    const ul = document.createElement('ul');
    r.children.forEach((ch) => ul.appendChild(node(ch)));
    li.appendChild(ul);
  }
  return li;
}

async function loadTree() {
  try {
    const t = await api('GET', '/api/regions/tree?departments=1');
    t.items.forEach((r) => $('#org').appendChild(node(r)));
    $('#org-loading').remove();
  } catch (e) { $('#org-loading').textContent = `加载失败：${e.message}`; }
}

// Routes live in the fragment: #/status?no=…&pw=… is the status page,
// anything else the landing page. The status page is public: it asks
// nothing of the session (who is logged in shows once the landing page ran).
const HOME_TITLE = document.title;
let homeLoaded = false;

function route() {
  const m = /^#\/status(?:\?(.*))?$/.exec(location.hash);
  $('#home').hidden = !!m;
  $('#status-page').hidden = !m;
  const here = m ? '#nav-status' : '#nav-home';
  for (const a of document.querySelectorAll('header nav a')) a.removeAttribute('aria-current');
  $(here).setAttribute('aria-current', 'page');
  $('#who').hidden = !!m && !homeLoaded;
  if (m) {
    showStatus(new URLSearchParams(m[1] || ''));
  } else {
    document.title = HOME_TITLE;
    if (!homeLoaded) {
      homeLoaded = true;
      loadMe();
      loadTree();
    }
  }
}

document.querySelector('#cal input[name=date]').value = new Date().toISOString().slice(0, 10);
window.addEventListener('hashchange', route);
route();
