// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these are GitHub Actions expressions, not JS templates.
// GitHub's expression language, checked with the examples of GitHub's docs "Evaluate expressions in
// workflows and actions" (literals, operators, coercion, functions) and the run-name idioms real
// clients use.
import { describe, expect, it } from 'vitest';
import { evaluateExpression as ev, interpolate, type Value } from './expressions.js';
import { renderTemplate } from './template.js';

const github: Value = {
  event_name: 'push',
  ref: 'refs/heads/main',
  event: {
    issue: { labels: [{ name: 'bug' }, { name: 'help wanted' }, { id: 7 }] },
  },
};
const ctx: Record<string, Value> = { github, inputs: { id: 'abc', empty: '' } };
const e = (src: string) => ev(src, ctx);

describe('literals (docs: "Literals")', () => {
  it('reads null, booleans, numbers in every documented form, and quoted strings', () => {
    expect(e('null')).toBe(null);
    expect(e('false')).toBe(false);
    expect(e('true')).toBe(true);
    expect(e('711')).toBe(711);
    expect(e('-9.2')).toBe(-9.2);
    expect(e('0xff')).toBe(255);
    expect(e('-2.99e-2')).toBe(-0.0299);
    expect(e("'Mona the Octocat'")).toBe('Mona the Octocat');
    expect(e("'It''s open source!'")).toBe("It's open source!");
  });
});

describe('operators (docs: "Operators")', () => {
  it('( ), [ ], . and the * object filter', () => {
    expect(e('(true)')).toBe(true);
    expect(e("github['event_name']")).toBe('push');
    expect(e('github.event.issue.labels[1].name')).toBe('help wanted');
    expect(e('github.event.issue.labels.*.name')).toEqual(['bug', 'help wanted']);
    expect(e('github.nothing.deeper')).toBe(null);
  });

  it('! && || give an operand, so `a && b || c` is a conditional', () => {
    expect(e('!true')).toBe(false);
    expect(e("!''")).toBe(true);
    expect(e("inputs.id && inputs.id || 'N/A'")).toBe('abc');
    expect(e("inputs.empty && inputs.empty || 'N/A'")).toBe('N/A');
    expect(e("inputs.missing && inputs.missing || 'N/A'")).toBe('N/A');
    expect(
      e("github.ref == 'refs/heads/main' && 'value_for_main_branch' || 'value_for_other_branches'"),
    ).toBe('value_for_main_branch');
    expect(e("0 || 'fallback'")).toBe('fallback');
    expect(e("'x' && 0")).toBe(0);
  });

  it('< <= > >= == != compare, ignoring case for strings', () => {
    expect(e('1 < 2')).toBe(true);
    expect(e('2 <= 2')).toBe(true);
    expect(e('3 > 2')).toBe(true);
    expect(e('2 >= 3')).toBe(false);
    expect(e("'abc' == 'ABC'")).toBe(true);
    expect(e("'abc' != 'abd'")).toBe(true);
    expect(e("'a' < 'B'")).toBe(true);
    expect(e('null == null')).toBe(true);
  });
});

describe('coercion for comparisons (docs table: null 0, booleans 1/0, strings as JSON numbers, "" 0)', () => {
  it('compares values of different types as numbers', () => {
    expect(e('null == 0')).toBe(true);
    expect(e('true == 1')).toBe(true);
    expect(e('false == 0')).toBe(true);
    expect(e("'' == 0")).toBe(true);
    expect(e("'42' == 42")).toBe(true);
    expect(e("'0x1A' == 26")).toBe(true);
    expect(e("' 3 ' == 3")).toBe(true);
    expect(e("'abc' == 0")).toBe(false);
    expect(e("'1' == true")).toBe(true);
  });

  it('NaN is equal to nothing, itself included; arrays and objects only to the same instance', () => {
    // 'x' and an array both coerce to NaN: still not equal.
    expect(e("'x' == fromJSON('[]')")).toBe(false);
    expect(e("'x' < 1")).toBe(false);
    expect(e("'x' >= 1")).toBe(false);
    expect(e("'x' != 1")).toBe(true);
    expect(e('github.event == github.event')).toBe(true);
    expect(e("fromJSON('[]') == fromJSON('[]')")).toBe(false);
    expect(e("github.event == 'x'")).toBe(false);
  });
});

describe('functions (docs: "Functions")', () => {
  it('contains: a substring ignoring case, or an item of an array', () => {
    expect(e("contains('Hello world', 'llo')")).toBe(true);
    expect(e("contains('Hello world', 'LLO')")).toBe(true);
    expect(e("contains(github.event.issue.labels.*.name, 'bug')")).toBe(true);
    expect(e('contains(fromJSON(\'["push", "pull_request"]\'), github.event_name)')).toBe(true);
    expect(e("contains(fromJSON('[1, 2]'), '2')")).toBe(true);
  });

  it('startsWith and endsWith ignore case', () => {
    expect(e("startsWith('Hello world', 'He')")).toBe(true);
    expect(e("startsWith('Hello world', 'he')")).toBe(true);
    expect(e("endsWith('Hello world', 'ld')")).toBe(true);
    expect(e("endsWith('Hello world', 'xx')")).toBe(false);
  });

  it('format replaces {N}, with {{ and }} for braces', () => {
    expect(e("format('Hello {0} {1} {2}', 'Mona', 'the', 'Octocat')")).toBe('Hello Mona the Octocat');
    expect(e("format('{{Hello {0} {1} {2}!}}', 'Mona', 'the', 'Octocat')")).toBe('{Hello Mona the Octocat!}');
    expect(e("format('{0} is {1}', 3, true)")).toBe('3 is true');
    expect(() => e("format('{1}', 'a')")).toThrow(/argument 1/);
  });

  it('join joins an array with a separator (default ","), and returns a string as it is', () => {
    expect(e("join(github.event.issue.labels.*.name, ', ')")).toBe('bug, help wanted');
    expect(e('join(github.event.issue.labels.*.name)')).toBe('bug,help wanted');
    expect(e("join('abc')")).toBe('abc');
  });

  it('toJSON pretty-prints, fromJSON parses (the documented matrix and number idioms)', () => {
    expect(e('toJSON(github.event.issue.labels[0])')).toBe('{\n  "name": "bug"\n}');
    expect(e('fromJSON(\'{"include":[{"project":"foo"}]}\').include[0].project')).toBe('foo');
    expect(e("fromJSON('true')")).toBe(true);
    expect(e("fromJSON('42') == 42")).toBe(true);
  });

  it('names functions in any case, and rejects unknown functions and wrong arities', () => {
    expect(e("STARTSWITH('abc', 'a')")).toBe(true);
    expect(() => e('nope(1)')).toThrow(/Unrecognized function/);
    expect(() => e("contains('a')")).toThrow(/Wrong number of arguments/);
  });
});

describe('${{ }} in run-name and step names', () => {
  it('renders each expression as text: null empty, booleans and numbers as words', () => {
    expect(interpolate('Build ${{ inputs.id }} ${{ inputs.missing }}!', ctx)).toBe('Build abc !');
    expect(interpolate('${{ 1 == 1 }} ${{ 0.5 }} ${{ null }}', ctx)).toBe('true 0.5 ');
    expect(interpolate("${{ 'a}}b' }}", ctx)).toBe('a}}b');
  });

  it('renders the conditional run-name of issue 17 from a dispatch', () => {
    const base = {
      clientPayload: undefined,
      eventName: 'workflow_dispatch',
      ref: 'refs/heads/main',
      refName: 'main',
      sha: 'a'.repeat(40),
      runNumber: 4,
      actor: 'xrd-bot',
    };
    const template = "Deploy ${{ inputs.id && inputs.id || 'N/A' }} #${{ github.run_number }}";
    expect(renderTemplate(template, { ...base, inputs: { id: 'xrd-42' } })).toBe('Deploy xrd-42 #4');
    expect(renderTemplate(template, { ...base, inputs: {} })).toBe('Deploy N/A #4');
    expect(
      renderTemplate('${{ github.event.inputs.id }} ${{ github.event_name }}', {
        ...base,
        inputs: { id: 'i' },
      }),
    ).toBe('i workflow_dispatch');
    expect(
      renderTemplate('${{ github.event.client_payload.sha }} ${{ github.event.action }}', {
        ...base,
        inputs: {},
        eventName: 'repository_dispatch',
        eventType: 'build',
        clientPayload: { sha: 'x1' },
      }),
    ).toBe('x1 build');
  });
});
