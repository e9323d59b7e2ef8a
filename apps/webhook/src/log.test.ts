import { URL_PASSWORD } from '@xrd/core/testing';
import { describe, expect, it } from 'vitest';
import { createLogger } from './log.js';

describe('createLogger', () => {
  it('never writes a password given inside a URL, in a message, a field or an error', () => {
    const lines: string[] = [];
    const log = createLogger('debug', ['configured-secret'], (line) => lines.push(line));
    const url = `https://bot:${URL_PASSWORD}@git.example.com/api/v1`;
    log.error(`request to ${url} failed`, {
      apiUrl: url,
      error: new Error(`Request cannot be constructed from a URL that includes credentials: ${url}/repos`),
      token: 'configured-secret',
    });
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain(URL_PASSWORD);
    expect(lines[0]).not.toContain('configured-secret');
    expect(JSON.parse(lines[0] as string)).toMatchObject({
      msg: 'request to https://***@git.example.com/api/v1 failed',
      apiUrl: 'https://***@git.example.com/api/v1',
    });
  });
});
