// The `xrd-webhook` binary (dist/server.js). It refuses an unsupported Node with one sentence and
// exit code 2 BEFORE the service's bundle (dist/main.js) is loaded: that bundle imports `node:sqlite`
// and APIs an older Node lacks, and would otherwise die on them with a stack trace. The supported
// range is package.json's `engines.node`, compiled in by build.mjs. Then, still before the bundle,
// it restarts itself once with glibc's allocator settings (src/malloc.ts).
import { exitOnUnsupportedNode } from '@xrd/tools/node-engines';
import { restartWithBoundedMalloc } from './malloc.js';

declare const XRD_NODE_ENGINES: string;

exitOnUnsupportedNode('xrd-webhook', XRD_NODE_ENGINES);
restartWithBoundedMalloc();
// Computed specifier: the bundler leaves it to run time (see tools/src/node-engines.ts).
await import(new URL('./main.js', import.meta.url).href);
