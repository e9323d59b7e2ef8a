import { sign } from '@octokit/webhooks-methods';
import { describe, expect, it } from 'vitest';
import { signBody, verifySignature } from './signature.js';

const secret = "It's a Secret to Everybody";
const body = Buffer.from('Hello, World!');

describe('verifySignature', () => {
  it("matches GitHub's documented test vector", () => {
    // https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries#testing-the-webhook-payload-validation
    expect(signBody(secret, body)).toBe('757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17');
  });

  it('accepts a valid GitHub X-Hub-Signature-256 and the same from @octokit/webhooks-methods', async () => {
    const header = await sign(secret, body.toString());
    expect(verifySignature('github', secret, body, { 'x-hub-signature-256': header })).toBe(true);
  });

  it('rejects a wrong secret, a changed body, a missing or malformed header', () => {
    const good = `sha256=${signBody(secret, body)}`;
    expect(verifySignature('github', 'other', body, { 'x-hub-signature-256': good })).toBe(false);
    expect(
      verifySignature('github', secret, Buffer.from('Hello, World?'), { 'x-hub-signature-256': good }),
    ).toBe(false);
    expect(verifySignature('github', secret, body, {})).toBe(false);
    expect(verifySignature('github', secret, body, { 'x-hub-signature-256': signBody(secret, body) })).toBe(
      false,
    );
    expect(verifySignature('github', secret, body, { 'x-hub-signature-256': 'sha256=abc' })).toBe(false);
  });

  it('GitHub deliveries must use X-Hub-Signature-256: a bare X-Gitea-Signature is not enough', () => {
    expect(verifySignature('github', secret, body, { 'x-gitea-signature': signBody(secret, body) })).toBe(
      false,
    );
  });

  it('accepts Gitea bare-hex X-Gitea-Signature, alone or with X-Hub-Signature-256', () => {
    const hex = signBody(secret, body);
    expect(verifySignature('gitea', secret, body, { 'x-gitea-signature': hex })).toBe(true);
    expect(verifySignature('gitea', secret, body, { 'x-hub-signature-256': `sha256=${hex}` })).toBe(true);
    expect(
      verifySignature('forgejo', secret, body, {
        'x-gitea-signature': hex,
        'x-forgejo-signature': hex.toUpperCase(),
      }),
    ).toBe(true);
  });

  it('rejects a forged header next to a valid one', () => {
    const hex = signBody(secret, body);
    expect(
      verifySignature('gitea', secret, body, {
        'x-gitea-signature': hex,
        'x-hub-signature-256': `sha256=${'0'.repeat(64)}`,
      }),
    ).toBe(false);
  });
});
