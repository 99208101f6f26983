// data/routes.js - the data centre (数据共享): the resource catalogue, sharing
// requests, grants and their calls, drafting and checking catalogue records
// (docs/exchange.md). The data office (data_officer) lands on the catalogue.
import CataloguePage from './CataloguePage.vue';
import RequestsPage from './RequestsPage.vue';
import GrantsPage from './GrantsPage.vue';
import ResourcesPage from './ResourcesPage.vue';
import MonitorPage from './MonitorPage.vue';

const DEPT = ['clerk', 'dept_head'];
const READERS = [...DEPT, 'data_officer', 'admin', 'supervisor', 'auditor'];

export const dataRoutes = [
    { path: '/data', component: CataloguePage, meta: { title: '政务信息资源目录', menu: '资源目录', icon: 'Collection', roles: READERS } },
    { path: '/data/requests', component: RequestsPage, meta: { title: '共享申请', menu: '共享申请', icon: 'Tickets', roles: READERS } },
    { path: '/data/grants', component: GrantsPage, meta: { title: '共享授权与调用记录', menu: '授权与调用', icon: 'Key', roles: READERS } },
    { path: '/data/monitor', component: MonitorPage, meta: { title: '运行监测', menu: '运行监测', icon: 'Monitor', roles: READERS } },
    {
        path: '/data/resources',
        component: ResourcesPage,
        meta: { title: '目录编制与审核', menu: '目录编制', icon: 'EditPen', roles: [...DEPT, 'data_officer', 'admin'] },
    },
];
