// session.js - who is logged in (reactive), and what each role sees first.
import { reactive } from 'vue';

export const session = reactive({ user: null, csrf: null, loaded: false });

export const PEOPLE = ['citizen', 'enterprise'];
export const STAFF = [
    'clerk',
    'dept_head',
    'legal_reviewer',
    'supervisor',
    'trading_officer',
    'finance_officer',
    'data_officer',
    'auditor',
    'admin',
];
/** Roles that work in the department console (工作台). */
export const DEPT_ROLES = ['clerk', 'dept_head', 'legal_reviewer', 'trading_officer', 'finance_officer', 'data_officer'];

/** Does the logged-in user have one of these roles? (no roles: anyone) */
export function hasRole(roles) {
    if (!roles || !roles.length) return true;
    return !!session.user && roles.includes(session.user.role);
}

/** Where a role lands after logging in. */
export function homeFor(user) {
    if (!user) return '/';
    switch (user.role) {
        case 'citizen':
        case 'enterprise':
            return '/my/cases';
        case 'supervisor':
            return '/sv';
        case 'auditor':
            return '/sv/ledger';
        case 'admin':
            return '/admin';
        case 'legal_reviewer':
            return '/staff/review';
        case 'trading_officer':
            return '/staff/trading';
        case 'expert':
            return '/expert/me';
        case 'data_officer':
            return '/data';
        default:
            return '/staff';
    }
}

function set(body) {
    session.user = (body && body.user) || null;
    session.csrf = (body && body.csrf_token) || null;
    session.loaded = true;
}

/** Ask the server who we are (GET /api/auth/session: {user: null} when not logged in). */
export async function loadSession() {
    const res = await fetch('/api/auth/session', { headers: { Accept: 'application/json' }, credentials: 'same-origin' });
    set(res.ok ? await res.json() : null);
    return session.user;
}

/** Log in; throws the ApiError of a refusal. */
export async function login(api, loginName, password) {
    set(await api.post('/api/auth/login', { login: loginName, password }));
    return session.user;
}

export async function logout(api) {
    try {
        await api.post('/api/auth/logout', {});
    } finally {
        set(null);
    }
}

/** The session ended on the server (a 401): forget it here too. */
export function forget() {
    set(null);
}
