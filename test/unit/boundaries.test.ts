// Imports go one way: ui → state → worker client → lib. These checks hold the line
// that a lint rule would: the page never pulls in tfjs, lib never touches the UI.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '../..');

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : /\.(ts|svelte)$/.test(name) ? [path] : [];
  });
}

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:^|\n)\s*import\s[^'"]*?['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)]
    .filter((m) => !/^\s*import\s+type\s/.test(m[0].trim()))
    .map((m) => m[1] ?? m[2]);
}

function violations(dir: string, forbidden: RegExp): string[] {
  return filesUnder(join(root, dir)).flatMap((file) =>
    importsOf(file)
      .filter((spec) => forbidden.test(spec))
      .map((spec) => `${relative(root, file)} imports ${spec}`),
  );
}

describe('import boundaries', () => {
  it('finds the imports it is meant to police', () => {
    // Guards the checker itself: a regex that matched nothing would pass every test below.
    const libImports = filesUnder(join(root, 'src/lib')).flatMap(importsOf);
    expect(libImports).toContain('@tensorflow/tfjs');
    expect(libImports).toContain('idb');
  });

  it('keeps tfjs and idb out of the page (ui and state)', () => {
    expect(violations('src/ui', /^@tensorflow\/|^idb$|storage\/modelIO|train\/|model\/build/)).toEqual([]);
    expect(violations('src/state', /^@tensorflow\/|storage\/modelIO|train\/|model\/build/)).toEqual([]);
  });

  it('keeps lib free of Svelte and of the layers above it', () => {
    expect(violations('src/lib', /^svelte|\.svelte$|\/state\/|\/ui\/|\/worker\//)).toEqual([]);
  });

  it('keeps the UI talking to the worker only through state', () => {
    expect(violations('src/ui', /\/worker\/|\/lib\/storage\//)).toEqual([]);
  });
});
