// Milliseconds per MNIST-MLP Adam step on tfjs-WebGPU through Dawn in Node, with
// speedups.fusedOptimizer off and on, and the kernels, dispatches and uploads of one
// step (test/dawn/fusedOptimizer.ts). Prints the figures; RESULTS.md's section is written by hand.
//   node test/bench/fusedOptimizer.mjs [steps=20]
import { createServer } from 'vite';

const server = await createServer({ configFile: false, logLevel: 'warn', appType: 'custom', server: { middlewareMode: true, hmr: false } });
try {
  const { runOnDawn } = await server.ssrLoadModule('/test/dawn/harness.ts');
  const r = await runOnDawn('test/dawn/fusedOptimizer.ts', ['bench', process.argv[2] ?? '20']);
  console.log(`adapter: ${JSON.stringify(r.adapter)}`);
  console.log('| batch | ms per step, fused off | ms per step, fused on | on / off |');
  console.log('|---|---|---|---|');
  for (const x of r.rows) console.log(`| ${x.batch} | ${x.off.toFixed(1)} | ${x.on.toFixed(1)} | ${(x.on / x.off).toFixed(2)} |`);
  console.log('| fused optimizer | tfjs kernels | GPU dispatches | queue.writeBuffer | mapped uploads |');
  console.log('|---|---|---|---|---|');
  for (const [name, c] of Object.entries(r.counts)) console.log(`| ${name} | ${c.kernels} | ${c.dispatches} | ${c.writeBuffer} | ${c.mappedBuffers} |`);
} finally {
  await server.close();
}
