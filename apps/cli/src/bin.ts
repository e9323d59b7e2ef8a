// The `xrd` binary (dist/xrd.js). It refuses an unsupported Node with one sentence and exit code 2
// BEFORE the CLI's bundle (dist/main.js) is loaded: that bundle uses APIs and syntax an older Node
// lacks, and would otherwise die on them with a stack trace. The supported range is package.json's
// `engines.node`, compiled in by build.mjs.
import { exitOnUnsupportedNode } from '@xrd/tools/node-engines';

declare const XRD_NODE_ENGINES: string;

exitOnUnsupportedNode('xrd', XRD_NODE_ENGINES);
// A computed specifier, so that esbuild leaves this import to run time instead of inlining main.
await import(new URL('./main.js', import.meta.url).href);
