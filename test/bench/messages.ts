import type { BackendName } from '../../src/lib/config';
import type { Speedups } from '../../src/lib/train/speedups';
import type { StepCase, StepResult } from './stepRun';

export interface BareRequest {
  backend: BackendName;
  samples: number;
  epochs: number;
  batchSize: number;
  seed: number;
}

export type BareResult = { ok: true; backend: BackendName; epochSeconds: number[] } | { ok: false; error: string };

export interface StepRequest {
  backend: BackendName;
  speedups: Speedups;
  cases: StepCase[];
}

export type StepReply = { type: 'case'; result: StepResult } | { type: 'done' } | { type: 'error'; error: string };
