// experts/routes.js - the bid-evaluation expert pool (评标专家库) and its draws
// (docs/experts.md): the trading centre's pool and draws with their log, the
// supervisor's watch of a draw, the expert's own profile (see ../routes.js for meta).
import PoolPage from './PoolPage.vue';
import DrawsPage from './DrawsPage.vue';
import DrawDetail from './DrawDetail.vue';
import MyProfile from './MyProfile.vue';
import DrawCheck from './DrawCheck.vue';
import ApplyPage from './ApplyPage.vue';

const CENTRE = ['trading_officer'];
const WATCH = ['trading_officer', 'supervisor'];

export const expertRoutes = [
    { path: '/experts', component: PoolPage, meta: { title: '评标专家库', menu: '专家库', icon: 'UserFilled', roles: [...CENTRE, 'supervisor', 'admin', 'auditor'] } },
    { path: '/experts/draws', component: DrawsPage, meta: { title: '专家抽取', menu: '专家抽取', icon: 'Aim', roles: WATCH } },
    { path: '/experts/draws/:number', component: DrawDetail, meta: { title: '专家抽取记录', roles: WATCH } },
];

/** The expert's own page and the public re-check of a draw, in the portal. */
export const expertPortalRoutes = [
    { path: '/expert/me', component: MyProfile, meta: { title: '我的专家信息', roles: ['expert', 'citizen'] } },
    { path: '/expert/apply', component: ApplyPage, meta: { title: '申请成为评标专家', roles: ['citizen'] } },
    { path: '/draws/:number', component: DrawCheck, meta: { title: '复核专家抽取' } },
];
