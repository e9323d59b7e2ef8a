import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkActionMetadata, checkActions, lintWorkflow, workflowFiles } from './actions-check.ts';
import { REPOSITORY_ROOT } from './paths.ts';

const ACTION_YML = readFileSync(join(REPOSITORY_ROOT, 'apps/action/action.yml'), 'utf8');

describe('actionlint over workflows', () => {
  it('covers the examples and the project’s own CI on GitHub and Gitea', () => {
    const files = workflowFiles(REPOSITORY_ROOT);
    expect(files).toEqual(expect.arrayContaining(['.gitea/workflows/ci.yml', '.github/workflows/ci.yml']));
    expect(files.filter((f) => f.startsWith('examples/'))).toEqual([
      'examples/cross-repo-dispatch/source.yml',
      'examples/cross-repo-dispatch/target.yml',
      'examples/gitea/build-from-pr.yml',
      'examples/gitea/dispatch-build.yml',
      'examples/gitea/release-source.yml',
      'examples/gitea/release-target.yml',
      'examples/github/fan-out.yml',
      'examples/github/release-source.yml',
      'examples/github/release-target.yml',
      'examples/github/source.yml',
      'examples/github/target.yml',
    ]);
  });

  it('finds nothing in them', async () => {
    expect((await checkActions(REPOSITORY_ROOT)).findings).toEqual([]);
  });

  it('reports a mistake with its file, line and actionlint rule', async () => {
    const broken = [
      'on: push',
      'jobs:',
      '  build:',
      '    runs-on: ubuntu-latest',
      '    steps:',
      '      - uses: https://github.com/xrd-dev/xrd/apps/action@v1',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a GitHub Actions expression.
      '      - run: echo "${{ github.event.pull_request.nope }}"',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a GitHub Actions expression.
      '        if: ${{ steps.missing.outputs.x }}',
    ].join('\n');
    const findings = await lintWorkflow(broken, 'broken.yml');
    expect(findings.map((f) => [f.file, f.line, f.message.replace(/^.* \[(\w+(-\w+)*)\]$/, '$1')])).toEqual(
      expect.arrayContaining([
        ['broken.yml', 6, 'action'],
        ['broken.yml', 8, 'expression'],
      ]),
    );
  });
});

describe('action.yml against the action metadata schema', () => {
  it('accepts the action as it is (runs.using: node24, through the patched enum)', () => {
    expect(ACTION_YML).toContain('using: "node24"');
    expect(checkActionMetadata(ACTION_YML, 'action.yml')).toEqual([]);
  });

  it('still enforces the rest of the schema', () => {
    const unknownRuntime = ACTION_YML.replace('using: "node24"', 'using: "node99"');
    expect(checkActionMetadata(unknownRuntime, 'action.yml')).not.toEqual([]);
    const misspeltKey = ACTION_YML.replace('post-if: "cancelled()"', 'post_if: "cancelled()"');
    expect(checkActionMetadata(misspeltKey, 'action.yml')).not.toEqual([]);
    const noDescription = ACTION_YML.replace(/^description: >-\n(?: {2}.*\n)+/m, '');
    expect(noDescription).not.toContain('\ndescription:');
    expect(checkActionMetadata(noDescription, 'action.yml')).not.toEqual([]);
  });
});
