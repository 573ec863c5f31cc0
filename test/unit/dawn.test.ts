import { describe, expect, it } from 'vitest';
import { runOnDawn } from '../dawn/harness';

describe('tfjs on WebGPU in Node, through Dawn', () => {
  it('starts the WebGPU backend on SwiftShader and computes on it', async () => {
    const r = await runOnDawn<{ ok: boolean; backend: string; squares: number[] }>('test/dawn/probe.ts');
    expect(r).toMatchObject({ ok: true, backend: 'webgpu', squares: [1, 4, 9] });
  });
});
