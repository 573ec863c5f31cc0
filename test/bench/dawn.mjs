// npm run bench -- --dawn …: the per-step benchmark in Node through Dawn (test/dawn/stepBench.ts).
//   npm run bench -- --dawn [bench options]   bundle it and dry-run it here on SwiftShader (tiny sizes unless
//                                             options are given), and write the figures, labelled software
//   npm run bench -- --dawn --pack [DIR]      a self-contained folder (default .gpu-bench/) to copy to a GPU
//                                             machine: the bundle, Dawn's dawn.node, node, libvulkan1, MNIST,
//                                             the PyTorch reference and run.sh
//   npm run bench -- --dawn --report FILE [torch.json]  write the figures of a run elsewhere (its --out JSON)
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { createServer } from 'vite';

const ROOT = resolve(import.meta.dirname, '../..');
const ENTRY = 'test/dawn/stepBench.ts';
/** What a dry run on SwiftShader measures unless told otherwise: every phase, at sizes that finish in minutes in software. */
const DRY_RUN = ['--models', 'mlp,cnn', '--batches', '1', '--steps-per-round', '2', '--rounds', '1', '--variants', 'ends', '--kernel-batch', '1', '--kernel-steps', '1',
  '--data', 'static-datasets/mnist', '--train-limit', '256', '--test-limit', '256', '--epochs', '1', '--timeout', '240'];

async function harness() {
  const server = await createServer({ configFile: false, root: ROOT, logLevel: 'warn', server: { middlewareMode: true, hmr: false }, appType: 'custom' });
  try {
    return await server.ssrLoadModule('/test/dawn/harness.ts');
  } finally {
    await server.close();
  }
}

export async function dawnBench(args, writeSection, machine) {
  const rest = args.filter((a) => a !== '--dawn');
  if (rest[0] === '--pack') return pack(resolve(ROOT, rest[1] ?? '.gpu-bench'));
  if (rest[0] === '--report') {
    const result = JSON.parse(readFileSync(rest[1], 'utf8'));
    const torch = rest[2] ? JSON.parse(readFileSync(rest[2], 'utf8')) : null;
    // A result from SwiftShader (a dry run of the packed folder) goes to the software section, never the GPU one.
    const where = `\`${rest[1].replace(/^.*\//, '')}\` from host ${result.machine.host}`;
    return writeSection(isSoftware(result) ? 'dawn-swiftshader' : 'dawn-gpu', report(result, torch, where));
  }
  const { bundleForDawn, runBundle } = await harness();
  const file = await bundleForDawn(ENTRY);
  const benchArgs = rest.length ? rest : DRY_RUN;
  console.log(`Dawn on SwiftShader: node ${file} ${benchArgs.join(' ')}`);
  const started = Date.now();
  const { code, stdout, stderr } = await runBundle(file, benchArgs);
  rmSync(dirname(file), { recursive: true, force: true });
  process.stderr.write(stderr);
  if (code !== 0) throw new Error(`the Dawn benchmark exited with ${code}`);
  const result = JSON.parse(stdout.trim().split('\n').pop());
  const minutes = ((Date.now() - started) / 60_000).toFixed(1);
  writeSection('dawn-swiftshader', report(result, null, `dry run in software (SwiftShader), ${minutes} min; ${machine}; load average ${loadavg()[0].toFixed(1)} at the end`, benchArgs));
}

function isSoftware(r) {
  const a = r.machine.adapter ?? {};
  return Boolean(a.isFallbackAdapter) || /swiftshader|llvmpipe/i.test(`${a.vendor} ${a.architecture} ${a.description}`);
}

const ms = (v) => (typeof v === 'number' ? v.toFixed(v < 10 ? 2 : 1) : '–');

/** RESULTS.md text for one run's JSON (and, optionally, the PyTorch reference's on the same machine). */
export function report(r, torch, where, benchArgs) {
  const m = r.machine;
  const a = m.adapter ?? {};
  const software = isSoftware(r);
  const lines = [`## Per-step overhead on Dawn (Node): ${software ? 'SOFTWARE dry run on SwiftShader, not a GPU figure' : a.description || a.vendor} (${r.date.slice(0, 10)})`, ''];
  lines.push(
    `The app's own \`train()\` (src/lib/train/loop.ts) on tfjs's WebGPU backend in Node through Dawn (npm \`webgpu\`), bundled into one file by test/dawn/harness.ts and fed from memory (a few batches of random pixels made up front, cycled), so the loop and the backend are measured, not IndexedDB. Adam, learning rate 0.001, the app's MLP (784-512-256-128-10) and CNN presets. Each row: a fresh process and backend with the speed-up switches set first, one warm-up round, then timed rounds of a fixed number of steps, each round one \`train()\` epoch ending in its read-back; ms/step is the median round. Each phase has a ${r.timeoutS} s timeout.`,
    '',
    `Where: ${where}. Node ${m.node}, ${m.cpu}, ${m.memoryGiB} GiB${m.nvidiaSmi ? `, ${m.nvidiaSmi}` : ''}; adapter ${JSON.stringify({ vendor: a.vendor, architecture: a.architecture, device: a.device, description: a.description })}, isFallbackAdapter ${a.isFallbackAdapter}, timestamp-query ${a.timestampQuery}; tfjs ${m.tfjs}.${benchArgs ? ` Options: \`${benchArgs.join(' ')}\`.` : ''}`,
    '',
  );
  if (r.steps) {
    const s = r.steps;
    const variants = [...new Set(s.rows.map((x) => x.variant))];
    lines.push(`### ms per step (${s.rounds} rounds of ${s.steps} steps)`, '', `| model | batch | ${variants.join(' | ')} |`, `|---|---|${variants.map(() => '---|').join('')}`);
    for (const model of s.models) {
      for (const batch of s.batches) {
        const cells = variants.map((v) => {
          const x = s.rows.find((row) => row.model === model && row.batchSize === batch && row.variant === v);
          return x?.error ? `failed: ${x.error.split('\n')[0].slice(0, 80)}` : `${ms(x?.msPerStep)} (${ms(x?.minMs)}–${ms(x?.maxMs)})`;
        });
        lines.push(`| ${model.toUpperCase()} | ${batch} | ${cells.join(' | ')} |`);
      }
    }
    lines.push('', 'Cells: median ms/step (fastest–slowest round).', '');
  }
  if (r.kernels) {
    const k = r.kernels;
    if (k.error) lines.push(`### Kernels of a step: not measured (${k.error})`, '');
    else {
      lines.push(
        `### Kernels of one ${k.model.toUpperCase()} step at batch ${k.batchSize} (tf.profile over ${k.steps} steps after a warm-up round)`,
        '',
        `${k.launchesPerStep.toFixed(0)} kernel launches per step; ${k.timed ? `${ms(k.kernelMsPerStep)} ms of kernel time per step (timestamp queries) against ${ms(k.wallMsPerStep)} ms of wall time while profiling` : `no kernel times (the adapter has no timestamp queries); ${ms(k.wallMsPerStep)} ms of wall time per step while profiling`}.`,
        '',
        '| kernel | launches per step | kernel ms per step |',
        '|---|---|---|',
        ...k.kernels.slice(0, 15).map((x) => `| ${x.name} | ${x.calls.toFixed(1)} | ${k.timed ? ms(x.ms) : '–'} |`),
        '',
      );
    }
  }
  if (r.seed) {
    const s = r.seed;
    lines.push(
      '### Seed run',
      '',
      s.error
        ? `Not measured: ${s.error}`
        : `MLP, ${s.trainSamples.toLocaleString('en')} MNIST training images × ${s.epochs} epoch(s), batch ${s.batchSize}: ${s.trainSeconds.toFixed(1)} s of training (${ms(s.msPerStep)} ms/step; epochs ${s.epochSeconds.map((x) => x.toFixed(1)).join(', ')} s), test accuracy ${(s.accuracy * 100).toFixed(2)} % on ${s.testSamples.toLocaleString('en')} test images.`,
      '',
    );
  }
  if (torch) lines.push(...torchReport(torch));
  return `${lines.join('\n')}\n`;
}

function torchReport(t) {
  const rows = t.steps.map((x) => `| ${x.model.toUpperCase()} | ${x.batch_size} | ${ms(x.ms_per_step)} |`);
  const seed = t.seed ? `Seed run: ${t.seed.train_samples.toLocaleString('en')} images × ${t.seed.epochs} epochs, batch ${t.seed.batch_size}: ${t.seed.train_seconds.toFixed(1)} s, test accuracy ${(t.seed.accuracy * 100).toFixed(2)} %.` : '';
  return [`### PyTorch reference on the same machine (${t.device}, torch ${t.torch})`, '', '| model | batch | ms/step |', '|---|---|---|', ...rows, '', seed, ''];
}

/** A folder that runs the benchmark on a Linux x64 machine with a GPU driver and nothing else. */
async function pack(dir) {
  mkdirSync(join(dir, 'mnist'), { recursive: true });
  const { bundleForDawn } = await harness();
  const bundle = await bundleForDawn(ENTRY, dir);
  execFileSync('xz', ['-9', '-f', '-T0', bundle]);
  const dawn = join(ROOT, 'node_modules/webgpu/dist/linux-x64/dawn.node');
  const web = join(dir, 'webgpu');
  mkdirSync(web, { recursive: true });
  for (const f of ['package.json', 'index.js', 'LICENSE.md']) copyFileSync(join(ROOT, 'node_modules/webgpu', f), join(web, f));
  const dawnXz = join(web, 'dawn.node.xz');
  if (!fresh(dawnXz, dawn)) writeFileSync(dawnXz, execFileSync('xz', ['-9', '-c', '-T0', dawn], { maxBuffer: 1 << 30 }));
  const nodeXz = join(dir, 'node.xz');
  if (!fresh(nodeXz, process.execPath)) {
    console.log(`Compressing ${process.execPath} (Node ${process.version}) with xz -9…`);
    writeFileSync(nodeXz, execFileSync('xz', ['-9', '-c', '-T0', process.execPath], { maxBuffer: 1 << 30 }));
  }
  if (!readdirSync(dir).some((f) => /^libvulkan1_.*\.deb$/.test(f))) execFileSync('apt-get', ['download', 'libvulkan1'], { cwd: dir, stdio: 'inherit' });
  for (const f of ['train-images.idx', 'train-labels.idx', 'test-images.idx', 'test-labels.idx']) {
    const src = join(ROOT, 'static-datasets/mnist', f);
    const out = join(dir, 'mnist', `${f}.gz`);
    if (!fresh(out, src)) writeFileSync(out, gzipSync(readFileSync(src), { level: 9 }));
  }
  copyFileSync(join(ROOT, 'test/bench/torch_reference.py'), join(dir, 'torch_reference.py'));
  writeFileSync(join(dir, 'run.sh'), RUN_SH);
  chmodSync(join(dir, 'run.sh'), 0o755);
  const total = readdirSync(dir, { recursive: true }).map((f) => join(dir, f)).filter((f) => statSync(f).isFile()).reduce((n, f) => n + statSync(f).size, 0);
  console.log(`Packed ${dir}: ${(total / 2 ** 20).toFixed(1)} MiB. On the GPU machine: sh ${dir.replace(`${ROOT}/`, '')}/run.sh [bench options]`);
}

const fresh = (out, src) => existsSync(out) && statSync(out).mtimeMs >= statSync(src).mtimeMs;

// Unpacks into /tmp (the folder itself may be read-only), then runs the Dawn bench and the PyTorch reference.
// Results go to $OUT when set (the device tool's return folder), else beside run.sh.
const RUN_SH = `#!/bin/sh
# Hearth per-step benchmark on a GPU machine: sh run.sh [options for stepBench.mjs]
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=\${OUT:-$HERE}
W=/tmp/hearth-gpu-bench
mkdir -p "$W/node_modules/webgpu/dist/linux-x64" "$W/vulkan"
[ -x "$W/node" ] || { xz -dc "$HERE/node.xz" > "$W/node"; chmod +x "$W/node"; }
cp "$HERE/webgpu/package.json" "$HERE/webgpu/index.js" "$W/node_modules/webgpu/"
[ -f "$W/node_modules/webgpu/dist/linux-x64/dawn.node" ] || xz -dc "$HERE/webgpu/dawn.node.xz" > "$W/node_modules/webgpu/dist/linux-x64/dawn.node"
xz -dc "$HERE/stepBench.mjs.xz" > "$W/stepBench.mjs"
for f in "$HERE"/libvulkan1_*.deb; do dpkg -x "$f" "$W/vulkan"; done
export LD_LIBRARY_PATH="$W/vulkan/usr/lib/x86_64-linux-gnu\${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export VK_ICD_FILENAMES="\${VK_ICD_FILENAMES:-/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json}"
SMI=
if command -v nvidia-smi >/dev/null; then
  nvidia-smi --query-gpu=timestamp,utilization.gpu,memory.used --format=csv -lms 500 > "$OUT/nvidia-smi.csv" 2>&1 &
  SMI=$!
fi
"$W/node" "$W/stepBench.mjs" --data "$HERE/mnist" --out "$OUT/dawn-results.json" "$@" 2> "$OUT/dawn-log.txt" > /dev/null || echo "stepBench failed: see dawn-log.txt"
tail -n 5 "$OUT/dawn-log.txt"
if [ "\${SKIP_TORCH:-}" = "" ] && python3 -c 'import torch' 2>/dev/null; then
  python3 "$HERE/torch_reference.py" --data "$HERE/mnist" --out "$OUT/torch-results.json" || echo "torch_reference.py failed"
fi
[ -n "$SMI" ] && kill "$SMI" || true
`;
