#!/usr/bin/env node
// The wxmedia command: the compiled CLI in ../dist (built by `npm install` in a clone, shipped in the package).
import('../dist/main.js').catch((e) => {
  if (e?.code === 'ERR_MODULE_NOT_FOUND' && String(e.message).includes(new URL('../dist/main.js', import.meta.url).pathname)) {
    process.stderr.write('wxmedia: not built yet: run `npm run build` in the wxmedia repository\n');
    process.exit(1);
  }
  throw e;
});
