// chart.js - an ECharts instance bound to a component's element: created on
// mount, resized with the window and the element, re-created when the theme
// changes (the big screen's dark mode), disposed on unmount.
//
//   const el = ref(null);
//   const chart = useChart(el, () => option, { dark: () => full.value });
//   chart.update()   set the option again (after new data)
import { onBeforeUnmount, onMounted, watch } from 'vue';
import * as echarts from 'echarts';

export function useChart(el, optionFn, { dark = () => false } = {}) {
    let inst = null;
    let observer = null;
    const resize = () => inst && inst.resize();

    function create() {
        if (!el.value) return;
        if (inst) inst.dispose();
        inst = echarts.init(el.value, dark() ? 'dark' : null, { renderer: 'canvas' });
        update();
    }
    function update() {
        if (!inst) return;
        const opt = optionFn();
        if (dark()) opt.backgroundColor = 'transparent';
        inst.setOption(opt, { notMerge: true });
    }

    onMounted(() => {
        create();
        window.addEventListener('resize', resize);
        if (globalThis.ResizeObserver && el.value) {
            observer = new ResizeObserver(resize);
            observer.observe(el.value);
        }
    });
    watch(dark, () => create());
    onBeforeUnmount(() => {
        window.removeEventListener('resize', resize);
        if (observer) observer.disconnect();
        if (inst) inst.dispose();
        inst = null;
    });
    return { update, resize };
}
