// Finds a Python 3 with PyTorch, NumPy and pyflakes for the tests that run and check the
// exported training scripts, installing Debian's packages of them (first run only, as
// root) when there is none, as test/browser.mjs does for Chromium.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const CANDIDATES = [process.env.PYTHON, 'python3', '/usr/bin/python3'].filter((p): p is string => Boolean(p));
const PACKAGES = ['python3-torch', 'python3-numpy', 'python3-pyflakes'];
const IMPORTS = 'import torch, numpy, pyflakes';
/** Whether the modules are there, without importing torch: that alone takes seconds, and the tests that need it import it anyway. */
const FIND = `import importlib.util, sys; sys.exit(0 if all(importlib.util.find_spec(m) for m in ('torch', 'numpy', 'pyflakes')) else 1)`;
/** Vitest runs test files in parallel: one install at a time, and a later one finds the packages there. */
const LOCK = '/tmp/hearth-python-torch.lock';

const hasTorch = (python: string) => spawnSync(python, ['-c', FIND], { stdio: 'ignore' }).status === 0;

/** A Python interpreter that imports torch, numpy and pyflakes. */
export function ensurePythonTorch(): string {
  const found = CANDIDATES.find(hasTorch);
  if (found) return found;
  const isRoot = process.getuid?.() === 0;
  if (!isRoot || !existsSync('/usr/bin/apt-get') || !existsSync('/usr/bin/flock')) {
    throw new Error(`No Python 3 with torch, numpy and pyflakes was found. Install them (Debian: apt-get install ${PACKAGES.join(' ')}) or set PYTHON.`);
  }
  console.log('Installing PyTorch from Debian packages (first run only)…');
  const script = `/usr/bin/python3 -c '${IMPORTS}' 2>/dev/null || { apt-get update -qq && apt-get install -y -qq ${PACKAGES.join(' ')}; }`;
  const r = spawnSync('/usr/bin/flock', [LOCK, 'sh', '-c', script], {
    stdio: 'inherit',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  if (r.status !== 0 || !hasTorch('/usr/bin/python3')) throw new Error(`apt-get install ${PACKAGES.join(' ')} failed.`);
  return '/usr/bin/python3';
}
