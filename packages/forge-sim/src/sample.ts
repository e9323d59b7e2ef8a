// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these are GitHub Actions expressions, not JS templates.
// The ready-made sample served without a seed (docs/architecture.md, "The sample"): acme/target with
// build.yml (uploads build-output), release.yml (artifacts and remote outputs), fail.yml and
// build-from-pr.yml (the Gitea walkthrough), plus on GitHub dialects the two
// repository_dispatch workflows of the reference action; acme/source with open pull request #1.
import type { Dialect, SimSeed, WorkflowInputSpec, WorkflowSpec } from './types.js';

const DISPATCH_INPUTS: Record<string, WorkflowInputSpec> = {
  pr_number: { required: false, description: 'Source pull request number' },
  pr_head_sha: { required: false, description: 'Head commit of the source pull request' },
  pr_head_ref: { required: false, description: 'Head branch of the source pull request' },
  source_repo: { required: false, description: 'owner/repo of the source' },
  correlation_id: { required: false, description: 'Set by xrd to find the run' },
};

export function sampleWorkflows(dialect: Dialect): WorkflowSpec[] {
  const github = dialect === 'github' || dialect.startsWith('ghes-');
  const list: WorkflowSpec[] = [
    {
      file: 'build.yml',
      name: 'Build',
      on: { workflow_dispatch: { inputs: DISPATCH_INPUTS } },
      runName: 'Build ${{ inputs.correlation_id }}',
      jobs: [
        {
          name: 'build',
          steps: ['Checkout', 'Build', 'Upload'],
          durationMs: 3000,
          log: ['Checking out', 'Building', 'Build succeeded'],
        },
      ],
      artifacts: [{ name: 'build-output', files: { 'build.log': 'Build succeeded\n' } }],
    },
    {
      file: 'fail.yml',
      name: 'Fail',
      on: { workflow_dispatch: { inputs: DISPATCH_INPUTS } },
      runName: 'Fail ${{ inputs.correlation_id }}',
      jobs: [
        { name: 'lint', steps: ['Checkout', 'Lint'], durationMs: 2000 },
        {
          name: 'test',
          steps: ['Checkout', 'Run tests', 'Report'],
          durationMs: 3000,
          conclusion: 'failure',
          failStep: 'Run tests',
          log: ['Running 12 tests', 'FAIL src/app.test.ts > adds', 'Tests: 1 failed, 11 passed'],
        },
      ],
    },
    {
      file: 'build-from-pr.yml',
      name: 'Build from upstream PR',
      on: { workflow_dispatch: { inputs: DISPATCH_INPUTS } },
      runName: 'Build PR #${{ inputs.pr_number }} ${{ inputs.correlation_id }}',
      jobs: [
        {
          name: 'build',
          steps: [
            'Checkout PR head ${{ inputs.pr_head_sha }}',
            'Build',
            'Report to ${{ inputs.source_repo }}',
          ],
          durationMs: 3000,
        },
      ],
    },
    {
      // A target that brings results back: build artifacts, and outputs in the xrd-outputs artifact
      // (examples/github/target.yml publishes them the same way).
      file: 'release.yml',
      name: 'Release',
      on: { workflow_dispatch: { inputs: DISPATCH_INPUTS } },
      runName: 'Release ${{ inputs.correlation_id }}',
      jobs: [
        {
          name: 'package',
          steps: ['Checkout', 'Package', 'Upload dist', 'Publish outputs'],
          durationMs: 3000,
        },
      ],
      artifacts: [
        {
          name: 'dist',
          files: {
            'app-linux-x64.tar.gz.sha256': `${'0'.repeat(64)}  app-linux-x64.tar.gz\n`,
            'README.txt': 'The release packages of acme/target.\n',
            'docs/CHANGELOG.md': '# 1.4.0\n\n- Faster builds\n',
          },
        },
        { name: 'test-report', files: { 'junit.xml': '<testsuites tests="12" failures="0"/>\n' } },
        {
          name: 'xrd-outputs',
          files: {
            'outputs.json': `${JSON.stringify({ version: '1.4.0', image: 'registry.example.com/acme/target:1.4.0', tests: 12 })}\n`,
          },
        },
      ],
    },
  ];
  if (github) {
    list.push(
      {
        file: 'on-dispatch.yml',
        name: 'On dispatch',
        on: { repository_dispatch: { types: ['build'] } },
        runName: 'Dispatch ${{ github.event.client_payload.correlation_id }}',
        jobs: [{ name: 'build', steps: ['Checkout', 'Build'], durationMs: 3000 }],
      },
      {
        file: 'step-marker.yml',
        name: 'Step marker',
        on: { repository_dispatch: {} },
        jobs: [
          {
            name: 'identify-run',
            steps: ['${{ github.event.client_payload.sha }}', 'Build'],
            durationMs: 3000,
          },
        ],
      },
    );
  }
  return list;
}

export function sampleSeed(dialect: Dialect): SimSeed {
  return {
    repos: [
      { owner: 'acme', repo: 'target', defaultBranch: 'main', workflows: sampleWorkflows(dialect) },
      {
        owner: 'acme',
        repo: 'source',
        defaultBranch: 'main',
        pulls: [{ number: 1, title: 'Add feature x', head: { ref: 'feature/x' }, base: 'main' }],
      },
    ],
  };
}
