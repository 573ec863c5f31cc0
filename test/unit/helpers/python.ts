// Finds a Python 3 with PyTorch and NumPy for the tests that run the exported
// training script, installing Debian's python3-torch (first run only, as root)
// when there is none, as test/browser.mjs does for Chromium.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const CANDIDATES = [process.env.PYTHON, 'python3', '/usr/bin/python3'].filter((p): p is string => Boolean(p));

const hasTorch = (python: string) => spawnSync(python, ['-c', 'import torch, numpy'], { stdio: 'ignore' }).status === 0;

/** A Python interpreter that imports torch and numpy. */
export function ensurePythonTorch(): string {
  const found = CANDIDATES.find(hasTorch);
  if (found) return found;
  const isRoot = process.getuid?.() === 0;
  if (!isRoot || !existsSync('/usr/bin/apt-get')) {
    throw new Error('No Python 3 with torch and numpy was found. Install them (Debian: apt-get install python3-torch python3-numpy) or set PYTHON.');
  }
  console.log('Installing PyTorch from Debian packages (first run only)…');
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
  const r = spawnSync('apt-get', ['install', '-y', '-qq', 'python3-torch', 'python3-numpy'], {
    stdio: 'inherit',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  if (r.status !== 0 || !hasTorch('/usr/bin/python3')) throw new Error('apt-get install python3-torch python3-numpy failed.');
  return '/usr/bin/python3';
}
