import type { BackendName } from '../../src/lib/config';

export interface BareRequest {
  backend: BackendName;
  samples: number;
  epochs: number;
  batchSize: number;
  seed: number;
}

export type BareResult = { ok: true; backend: BackendName; epochSeconds: number[] } | { ok: false; error: string };
