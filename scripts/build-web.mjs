// build-web.mjs - the served web tree, build/web/, from web/ and node_modules.
//
// No bundler: the browser loads Vue, Vue Router, Element Plus, its icons and
// ECharts as the global builds their packages ship (copied to /vendor/), and
// our own code as native ES modules. What this script does to our code:
//   - web/app/**/*.vue single-file components are compiled with
//     @vue/compiler-sfc (the template becomes a render function ahead of time,
//     so the strict Content-Security-Policy needs no 'unsafe-eval'); their
//     <style> blocks (scoped or not) are collected into /app/app.css;
//   - imports of the vendor packages ('vue', 'vue-router', 'element-plus',
//     '@element-plus/icons-vue', 'echarts') become reads of their globals, and
//     imports of './x.vue' become './x.js';
//   - every other file of web/ is copied as it is.
// The tree is written next to the old one and swapped in with a rename, so a
// server serving build/web never sees half a build.
//
// usage: node scripts/build-web.mjs [out-dir]   (default build/web)
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileScript, compileStyle, parse } from '@vue/compiler-sfc';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SRC = path.join(REPO, 'web');
const OUT = path.resolve(REPO, process.argv[2] || 'build/web');
const NM = path.join(REPO, 'node_modules');

// vendor files: [package file, served name]
const VENDOR = [
    ['vue/dist/vue.runtime.global.prod.js', 'vue.js'],
    ['vue-router/dist/vue-router.global.prod.js', 'vue-router.js'],
    ['element-plus/dist/index.full.min.js', 'element-plus.js'],
    ['element-plus/dist/index.css', 'element-plus.css'],
    ['element-plus/dist/locale/zh-cn.min.js', 'element-plus-zh-cn.js'],
    ['@element-plus/icons-vue/dist/index.iife.min.js', 'element-plus-icons.js'],
    ['echarts/dist/echarts.min.js', 'echarts.js'],
];
// package name -> the global its build defines
const GLOBALS = {
    vue: 'Vue',
    'vue-router': 'VueRouter',
    'element-plus': 'ElementPlus',
    '@element-plus/icons-vue': 'ElementPlusIconsVue',
    echarts: 'echarts',
};

const errors = [];

/** Rewrite `import ... from 'pkg'` of the vendor packages into reads of their globals, and .vue imports into .js. */
export function rewriteImports(code, file) {
    code = code.replace(
        /^\s*import\s+([\s\S]*?)\s+from\s+(['"])([^'"]+)\2;?[ \t]*$/gm,
        (all, what, _q, spec) => {
            const g = GLOBALS[spec];
            if (!g) return all.replace(/\.vue(['"])/, '.js$1');
            what = what.trim();
            const parts = [];
            const ns = /^\*\s+as\s+([\w$]+)$/.exec(what);
            if (ns) return `const ${ns[1]} = globalThis.${g};`;
            let m = /^([\w$]+)\s*(?:,\s*(\{[\s\S]*\}))?$/.exec(what);
            if (m) {
                parts.push(`const ${m[1]} = globalThis.${g};`);
                what = m[2] || '';
            }
            if (what.startsWith('{')) {
                const names = what
                    .slice(1, -1)
                    .split(',')
                    .map((s) => s.trim())
                    .filter(Boolean)
                    .map((s) => s.replace(/^([\w$]+)\s+as\s+([\w$]+)$/, '$1: $2'));
                parts.push(`const { ${names.join(', ')} } = globalThis.${g};`);
            } else if (what) {
                errors.push(`${file}: cannot rewrite the import of '${spec}': ${what}`);
            }
            return parts.join(' ');
        },
    );
    return code;
}

function compileSfc(file, rel, css) {
    const source = readFileSync(file, 'utf8');
    const { descriptor, errors: perr } = parse(source, { filename: rel });
    if (perr.length) {
        for (const e of perr) errors.push(`${rel}: ${e.message}`);
        return '';
    }
    const id = createHash('sha256').update(rel).digest('hex').slice(0, 8);
    const scoped = descriptor.styles.some((s) => s.scoped);
    let code;
    try {
        const script = compileScript(descriptor, {
            id,
            inlineTemplate: true,
            templateOptions: { scoped, compilerOptions: scoped ? { scopeId: `data-v-${id}` } : {} },
        });
        code = script.content;
    } catch (err) {
        errors.push(`${rel}: ${err.message}`);
        return '';
    }
    if (!descriptor.scriptSetup) {
        errors.push(`${rel}: components use <script setup>`);
        return '';
    }
    code = code.replace(/^export default /m, 'const __sfc__ = ');
    if (!code.includes('const __sfc__ = ')) errors.push(`${rel}: no default export after compilation`);
    code += `\n__sfc__.__file = ${JSON.stringify(rel)};\n`;
    if (scoped) code += `__sfc__.__scopeId = "data-v-${id}";\n`;
    code += 'export default __sfc__;\n';
    for (const style of descriptor.styles) {
        const r = compileStyle({ source: style.content, filename: rel, id: `data-v-${id}`, scoped: !!style.scoped });
        for (const e of r.errors) errors.push(`${rel}: style: ${e.message || e}`);
        css.push(`/* ${rel} */\n${r.code}`);
    }
    return rewriteImports(code, rel);
}

function walk(dir, fn) {
    for (const name of readdirSync(dir).sort()) {
        const p = path.join(dir, name);
        if (statSync(p).isDirectory()) walk(p, fn);
        else fn(p);
    }
}

function build() {
    const tmp = `${OUT}.tmp-${process.pid}`;
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(path.join(tmp, 'vendor'), { recursive: true });
    for (const [from, to] of VENDOR) {
        const p = path.join(NM, from);
        if (!existsSync(p)) errors.push(`vendor file missing: node_modules/${from} (run scripts/deps.sh)`);
        else cpSync(p, path.join(tmp, 'vendor', to));
    }
    // Element Plus's stylesheet has no font files to copy (icons are SVG components)
    const css = [];
    walk(SRC, (file) => {
        const rel = path.relative(SRC, file);
        const dest = path.join(tmp, rel);
        mkdirSync(path.dirname(dest), { recursive: true });
        if (rel.endsWith('.vue')) {
            writeFileSync(dest.replace(/\.vue$/, '.js'), compileSfc(file, rel, css));
        } else if (rel.startsWith(`app${path.sep}`) && rel.endsWith('.js')) {
            writeFileSync(dest, rewriteImports(readFileSync(file, 'utf8'), rel));
        } else {
            cpSync(file, dest);
        }
    });
    mkdirSync(path.join(tmp, 'app'), { recursive: true });
    writeFileSync(path.join(tmp, 'app', 'components.css'), css.join('\n'));
    if (errors.length) {
        rmSync(tmp, { recursive: true, force: true });
        console.error(`build-web: ${errors.length} error(s)\n  ${errors.join('\n  ')}`);
        process.exit(1);
    }
    const old = `${OUT}.old-${process.pid}`;
    if (existsSync(OUT)) renameSync(OUT, old);
    renameSync(tmp, OUT);
    rmSync(old, { recursive: true, force: true });
    console.log(`build-web: ${path.relative(REPO, OUT)}/ ready`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) build();
