import { describe, expect, it } from 'vitest';
import { precacheList, serviceWorkerScript } from '../../src/lib/offline/precache';

describe('precacheList', () => {
  it('keeps the built app and leaves out source maps, the worker itself and the datasets', () => {
    const names = ['index.html', 'assets/index-a1.js', 'assets/index-a1.js.map', 'sw.js', 'datasets/mnist/train-images.bin', 'assets\\style-b2.css', 'icon-192.png'];
    expect(precacheList(names)).toEqual(['/assets/index-a1.js', '/assets/style-b2.css', '/icon-192.png', '/index.html']);
  });
});

describe('serviceWorkerScript', () => {
  it('prepends the table and drops the module marker a classic worker cannot hold', () => {
    const script = serviceWorkerScript('abc', ['/index.html'], 'const a = 1;\nexport {};\n');
    expect(script).toBe('const PRECACHE = {"version":"abc","assets":["/index.html"]};\nconst a = 1;\n');
  });
});
