// admin/routes.js - 系统管理: the directory, accounts and roles, API keys, the
// calendar, the supervision rules and the audit trail.
import UsersPage from './UsersPage.vue';
import KeysPage from './KeysPage.vue';
import OrgPage from './OrgPage.vue';
import CalendarPage from './CalendarPage.vue';
import RulesPage from './RulesPage.vue';
import AuditPage from './AuditPage.vue';

export const adminRoutes = [
    { path: '/admin', component: UsersPage, meta: { title: '用户与角色', menu: '用户与角色', icon: 'User', roles: ['admin', 'dept_head', 'supervisor'] } },
    { path: '/admin/org', component: OrgPage, meta: { title: '组织机构', menu: '组织机构', icon: 'OfficeBuilding', roles: ['admin', 'dept_head'] } },
    { path: '/admin/keys', component: KeysPage, meta: { title: '接口密钥', menu: '接口密钥', icon: 'Key', roles: ['admin', 'dept_head'] } },
    { path: '/admin/calendar', component: CalendarPage, meta: { title: '工作日历', menu: '工作日历', icon: 'Calendar', roles: ['admin'] } },
    { path: '/admin/rules', component: RulesPage, meta: { title: '监察规则', menu: '监察规则', icon: 'SetUp', roles: ['admin', 'supervisor', 'auditor'] } },
    { path: '/admin/audit', component: AuditPage, meta: { title: '审计日志', menu: '审计日志', icon: 'Document', roles: ['admin', 'supervisor', 'auditor'] } },
];
