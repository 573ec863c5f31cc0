// Milliseconds per MLP training step on tfjs-WebGPU through Dawn in Node, with
// speedups.pooledUploads on and off, and the uploads and GPU buffers per step
// (test/dawn/uploadsBench.ts). Prints the figures; RESULTS.md's section is written by hand.
//   node test/bench/uploads.mjs [batches=32,128] [steps=8] [rounds=2]
import { createServer } from 'vite';

const server = await createServer({ configFile: false, logLevel: 'warn', appType: 'custom', server: { middlewareMode: true, hmr: false } });
try {
  const { runOnDawn } = await server.ssrLoadModule('/test/dawn/harness.ts');
  const r = await runOnDawn('test/dawn/uploadsBench.ts', process.argv.slice(2));
  console.log(`adapter: ${JSON.stringify(r.adapter)}; ${r.steps} timed steps per run`);
  console.log('| values per upload | pooled uploads | µs per upload (wall) | µs per upload (CPU) |');
  console.log('|---|---|---|---|');
  for (const m of r.micros) console.log(`| ${m.elements} | ${m.pooled ? 'on' : 'off'} | ${m.usPerUpload.toFixed(0)} | ${m.cpuUsPerUpload.toFixed(0)} |`);
  console.log('| batch | pooled uploads | ms per step | uploads per step | bytes uploaded per step | GPU buffers created per step | epoch-2 loss |');
  console.log('|---|---|---|---|---|---|---|');
  for (const x of r.runs) {
    console.log(`| ${x.batch} | ${x.pooled ? 'on' : 'off'} | ${x.msPerStep.toFixed(0)} | ${x.uploadsPerStep} | ${x.bytesPerStep} | ${x.buffersPerStep} | ${x.loss.toFixed(6)} |`);
  }
} finally {
  await server.close();
}
