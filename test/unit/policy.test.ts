import { describe, expect, it } from 'vitest';
import { parsePolicy, selfOnly, sourcesFor, tallyRequests } from '../../src/lib/privacy/policy';

describe('the page policy read in plain terms', () => {
  const policy = "default-src 'self'; img-src 'self' data: blob:; object-src 'none'; ";

  it('splits directives and sources', () => {
    expect(parsePolicy(policy)).toEqual([
      ['default-src', ["'self'"]],
      ['img-src', ["'self'", 'data:', 'blob:']],
      ['object-src', ["'none'"]],
    ]);
  });

  it('falls back to default-src for a directive not named, as browsers do', () => {
    const d = parsePolicy(policy);
    expect(sourcesFor(d, 'connect-src')).toEqual(["'self'"]);
    expect(selfOnly(d, 'connect-src')).toBe(true);
    expect(selfOnly(d, 'img-src')).toBe(false);
    expect(selfOnly(parsePolicy("script-src 'self'"), 'connect-src')).toBe(false);
    expect(selfOnly(parsePolicy("connect-src 'self' https://api.example"), 'connect-src')).toBe(false);
  });
});

describe('tallyRequests', () => {
  it('counts network requests and names those to other origins', () => {
    const urls = ['https://a.test/', 'https://a.test/x.js', 'data:,', 'blob:https://a.test/1', 'https://b.test/t.gif', 'http://a.test/'];
    expect(tallyRequests(urls, 'https://a.test')).toEqual({ total: 4, foreign: ['https://b.test/t.gif', 'http://a.test/'] });
  });
});
