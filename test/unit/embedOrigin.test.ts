// Which page an embed talks to: the origin its author declared, when the browser agrees that page embeds it.
import { describe, expect, it } from 'vitest';
import { fromHost, hostOrigin } from '../../src/lib/embed/origin';

const HOST = 'https://course.example.org';

describe('hostOrigin', () => {
  it('takes the declared origin when the nearest ancestor is that origin', () => {
    expect(hostOrigin(HOST, { framed: true, ancestorOrigins: [HOST, 'https://lms.example.org'], referrer: '' })).toEqual({ origin: HOST, problem: null });
  });

  it('falls back on the referrer where the browser has no ancestorOrigins', () => {
    expect(hostOrigin(HOST, { framed: true, referrer: `${HOST}/week-3/quiz.html?x=1` })).toEqual({ origin: HOST, problem: null });
  });

  it('talks to no one when another page shows the embed, and says so', () => {
    const seen = { framed: true, ancestorOrigins: ['https://copycat.example.net'], referrer: `${HOST}/` };
    expect(hostOrigin(HOST, seen)).toEqual({
      origin: null,
      problem: `This experiment was set up for ${HOST}, but https://copycat.example.net shows it: it sends that page no events and takes no commands from it.`,
    });
    expect(hostOrigin(HOST, { framed: true, referrer: 'http://course.example.org/' }).origin).toBeNull();
  });

  it('talks to no one without a declared origin, or outside a frame', () => {
    expect(hostOrigin(null, { framed: true, ancestorOrigins: [HOST] })).toEqual({ origin: null, problem: null });
    expect(hostOrigin(HOST, { framed: false, ancestorOrigins: [] })).toEqual({ origin: null, problem: null });
  });

  it('trusts the declared origin when the browser tells nothing (no ancestors, referrer withheld): postMessage still delivers only to it', () => {
    expect(hostOrigin(HOST, { framed: true, referrer: '' })).toEqual({ origin: HOST, problem: null });
    expect(hostOrigin(HOST, { framed: true, ancestorOrigins: ['null'], referrer: '' })).toEqual({ origin: HOST, problem: null });
  });
});

describe('fromHost', () => {
  it('accepts a message only from the parent window at the host origin', () => {
    expect(fromHost({ origin: HOST, fromParent: true }, HOST)).toBe(true);
    expect(fromHost({ origin: 'https://evil.example', fromParent: true }, HOST)).toBe(false);
    // A sibling frame or a popup of the host's own origin is not the host page.
    expect(fromHost({ origin: HOST, fromParent: false }, HOST)).toBe(false);
    expect(fromHost({ origin: 'null', fromParent: true }, HOST)).toBe(false);
    expect(fromHost({ origin: HOST, fromParent: true }, null)).toBe(false);
  });
});
