// main.js - the web application: Vue 3 + Vue Router (hash history) + Element Plus (zh-CN).
import { createApp } from 'vue';
import { createRouter, createWebHashHistory } from 'vue-router';
import ElementPlus from 'element-plus';
import * as Icons from '@element-plus/icons-vue';
import App from './App.vue';
import { routes } from './routes.js';
import { onUnauthorized } from './api.js';
import { forget, hasRole, loadSession, session } from './session.js';

const router = createRouter({
    history: createWebHashHistory(),
    routes,
    scrollBehavior: (to, from, saved) => saved || { top: 0 },
});

router.beforeEach(async (to) => {
    if (!session.loaded) {
        try {
            await loadSession();
        } catch {
            session.loaded = true; // the server is unreachable: pages show their own errors
        }
    }
    const roles = to.meta.roles;
    if (roles && roles.length) {
        if (!session.user) return { path: '/login', query: { redirect: to.fullPath } };
        if (!hasRole(roles)) return { path: '/login', query: { redirect: to.fullPath, denied: '1' } };
    }
    return true;
});

router.afterEach((to) => {
    document.title = `${to.meta.title ? to.meta.title + ' · ' : ''}政通 · 萍乡市统一电子政务与电子监察平台`;
});

// a 401 from the API: the session ended (expired, logged out elsewhere)
onUnauthorized(() => {
    if (!session.user) return;
    forget();
    const here = router.currentRoute.value;
    if (here.meta.roles && here.meta.roles.length)
        router.replace({ path: '/login', query: { redirect: here.fullPath, expired: '1' } });
});

const app = createApp(App);
app.use(router);
app.use(ElementPlus, { locale: globalThis.ElementPlusLocaleZhCn });
for (const [name, comp] of Object.entries(Icons)) app.component(`Icon${name}`, comp);
app.mount('#app');
