// The `xrd-webhook` binary (dist/server.js). It refuses an unsupported Node with one sentence and
// exit code 2 BEFORE the service's bundle (dist/main.js) is loaded: that bundle imports `node:sqlite`
// and APIs an older Node lacks, and would otherwise die on them with a stack trace. The supported
// range is package.json's `engines.node`, compiled in by build.mjs.
import { startOnSupportedNode } from '@xrd/tools/node-engines';

declare const XRD_NODE_ENGINES: string;

await startOnSupportedNode('xrd-webhook', XRD_NODE_ENGINES, new URL('./main.js', import.meta.url));
