import { expect, test } from 'vitest';
import { readTriggers, undeclaredInputs } from './workflow-file.js';

test('declared inputs of a workflow_dispatch map', () => {
  const triggers = readTriggers(`
name: Build
run-name: Build \${{ inputs.correlation_id }}
on:
  workflow_dispatch:
    inputs:
      pr_number:
        required: true
      correlation_id: {}
jobs: {}
`);
  expect(triggers).toEqual({ workflowDispatch: true, inputs: ['pr_number', 'correlation_id'] });
  expect(undeclaredInputs(['pr_number', 'correlation_id', 'extra'], triggers!)).toEqual(['extra']);
});

test('short forms of on', () => {
  expect(readTriggers('on: workflow_dispatch\njobs: {}')).toEqual({ workflowDispatch: true, inputs: [] });
  expect(readTriggers('on: [push, workflow_dispatch]\n')).toEqual({ workflowDispatch: true, inputs: [] });
  expect(readTriggers('on:\n  workflow_dispatch:\n')).toEqual({ workflowDispatch: true, inputs: [] });
  expect(readTriggers('on: push\n')).toEqual({ workflowDispatch: false, inputs: [] });
  expect(readTriggers('on:\n  push:\n    branches: [main]\n')).toEqual({
    workflowDispatch: false,
    inputs: [],
  });
});

test('a YAML 1.1 style boolean key still counts', () => {
  expect(readTriggers('true:\n  workflow_dispatch:\n    inputs:\n      a: {}\n')).toEqual({
    workflowDispatch: true,
    inputs: ['a'],
  });
});

test('not a workflow', () => {
  expect(readTriggers('jobs: {}')).toBeUndefined();
  expect(readTriggers(': : :\n  - [')).toBeUndefined();
  expect(readTriggers('just text')).toBeUndefined();
});
