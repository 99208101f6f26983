// fieldError.js - put the server's error on the form field it names.
//
// const errs = fieldErrors();  errs.from(err)  then  :error="errs.name" on <el-form-item>
// The server names fields as JSON paths ("materials[0].upload_id"); a form item
// matches its prop or the path's first segment.
import { reactive } from 'vue';

export function fieldErrors() {
    const errs = reactive({
        from(err) {
            errs.clear();
            if (err && err.field) {
                errs[err.field] = err.message;
                const head = err.field.split(/[.[]/)[0];
                if (head !== err.field) errs[head] = err.message;
            }
        },
        clear() {
            for (const k of Object.keys(errs)) if (typeof errs[k] === 'string') delete errs[k];
        },
    });
    return errs;
}
