import { describe, expect, it } from 'vitest';
import { checkTemplate, PR_VARIABLES, renderTemplate, templateVariables } from './template.js';

describe('templates', () => {
  it('renders variables with or without spaces, and leaves other text alone', () => {
    expect(
      renderTemplate('PR #{{ pr.number }} at {{pr.head.sha}} {x} {{  source.repo  }}', {
        'pr.number': '7',
        'pr.head.sha': 'abc',
        'source.repo': 'acme/source',
      }),
    ).toBe('PR #7 at abc {x} acme/source');
  });

  it('lists the variables a template uses', () => {
    expect(templateVariables('{{ a }}-{{b.c}}')).toEqual(['a', 'b.c']);
  });

  it('names an unknown variable and what is available', () => {
    expect(checkTemplate('{{ pr.numbr }}', PR_VARIABLES)).toMatchInlineSnapshot(
      `"uses unknown variable {{ pr.numbr }}; available here: pr.number, pr.title, pr.url, pr.head.sha, pr.head.ref, pr.base.ref"`,
    );
    expect(checkTemplate('{{ pr.number }}', PR_VARIABLES)).toBeUndefined();
  });
});
