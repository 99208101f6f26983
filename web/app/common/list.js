// list.js - a paged list bound to a GET route answering {items, total, page, per_page}.
//
//   const list = usePagedList('/api/items', () => ({ q: filters.q }), { perPage: 20 });
//   list.load()        fetch page list.page with the current filters
//   list.search()      back to page 1, then load
// list.items / total / page / perPage / loading / error are reactive; error is
// the ApiError of the last failed load (shown in place by <ApiError>).
import { reactive } from 'vue';
import { api } from '../api.js';

export function usePagedList(path, filters = () => ({}), { perPage = 20 } = {}) {
    const list = reactive({
        items: [],
        total: 0,
        page: 1,
        perPage,
        loading: false,
        error: null,
        loaded: false,
        async load() {
            list.loading = true;
            list.error = null;
            const seq = ++list.seq;
            try {
                const p = typeof path === 'function' ? path() : path;
                const res = await api.get(p, { ...filters(), page: list.page, per_page: list.perPage });
                if (seq !== list.seq) return; // a newer load is on its way
                list.items = res.items || [];
                list.total = res.total ?? list.items.length;
                list.loaded = true;
            } catch (err) {
                if (seq !== list.seq) return;
                list.error = err;
                list.items = [];
                list.total = 0;
            } finally {
                if (seq === list.seq) list.loading = false;
            }
        },
        search() {
            list.page = 1;
            return list.load();
        },
        seq: 0,
    });
    return list;
}
