// routes.js - every page of the three faces and the administration.
//
// Each area lists its own routes (portal/, staff/, supervise/, admin/routes.js).
// meta: title (the tab title and the heading), layout ('portal' or 'console'),
// roles (who may open it; none: anyone), menu (shown in the console's side
// menu under the area's heading, in order), icon (an Element Plus icon name).
import { portalRoutes } from './portal/routes.js';
import { staffRoutes } from './staff/routes.js';
import { superviseRoutes } from './supervise/routes.js';
import { adminRoutes } from './admin/routes.js';
import { tradingPortalRoutes, tradingConsoleRoutes } from './trading/routes.js';
import { expertRoutes, expertPortalRoutes } from './experts/routes.js';
import { dataRoutes } from './data/routes.js';
import { PEOPLE, STAFF } from './session.js';
import LoginPage from './common/LoginPage.vue';
import NotFound from './common/NotFound.vue';
import InboxPage from './common/InboxPage.vue';
import AccountPage from './common/AccountPage.vue';

/** The console areas, in the side menu's order. */
export const AREAS = [
    { key: 'staff', title: '工作台', routes: [...staffRoutes, ...tradingConsoleRoutes] },
    { key: 'sv', title: '电子监察', routes: superviseRoutes },
    { key: 'data', title: '数据共享', routes: dataRoutes },
    { key: 'admin', title: '系统管理', routes: adminRoutes },
    { key: 'experts', title: '评标专家', routes: expertRoutes },
];

const console_ = (rs, area) => rs.map((r) => ({ ...r, meta: { layout: 'console', area, ...(r.meta || {}) } }));

export const routes = [
    ...[...portalRoutes, ...tradingPortalRoutes].map((r) => ({ ...r, meta: { layout: 'portal', ...(r.meta || {}) } })),
    ...console_([...staffRoutes, ...tradingConsoleRoutes], 'staff'),
    ...console_(superviseRoutes, 'sv'),
    ...console_(dataRoutes, 'data'),
    ...console_(adminRoutes, 'admin'),
    ...console_(expertRoutes, 'experts'),
    ...expertPortalRoutes.map((r) => ({ ...r, meta: { layout: 'portal', ...(r.meta || {}) } })),
    // the console for staff, the portal for citizens and enterprises (App.vue)
    { path: '/inbox', component: InboxPage, meta: { title: '消息通知', layout: 'auto', roles: [...PEOPLE, ...STAFF] } },
    { path: '/account', component: AccountPage, meta: { title: '账号与密码', layout: 'auto', roles: [...PEOPLE, ...STAFF] } },
    { path: '/login', component: LoginPage, meta: { title: '登录', layout: 'portal' } },
    { path: '/:rest(.*)*', component: NotFound, meta: { title: '页面不存在', layout: 'portal' } },
];
