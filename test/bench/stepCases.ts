// The page's side of the Chromium step benchmark: one worker per backend and switch
// setting, each case with its own time limit so a slow case cannot stall the run.
import type { StepReply, StepRequest } from './messages';
import type { StepResult } from './stepRun';

export type StepOutcome = StepResult | { model: string; batchSize: number; error: string };

export function stepCases(req: StepRequest, caseTimeoutMs: number): Promise<StepOutcome[]> {
  const worker = new Worker(new URL('./step.worker.ts', import.meta.url), { type: 'module' });
  const out: StepOutcome[] = [];
  return new Promise((resolve) => {
    let timer: ReturnType<typeof setTimeout>;
    const finish = (error?: string) => {
      clearTimeout(timer);
      worker.terminate();
      // The case in progress gets the reason; those after it were never started.
      req.cases.slice(out.length).forEach((c, i) => out.push({ model: c.model, batchSize: c.batchSize, error: i === 0 && error ? error : 'not run' }));
      resolve(out);
    };
    const arm = () => {
      clearTimeout(timer);
      // The first case also starts the backend (and, on WebGPU, compiles its first shaders): twice the time.
      const limit = out.length === 0 ? 2 * caseTimeoutMs : caseTimeoutMs;
      timer = setTimeout(() => finish(`over the ${limit / 1000} s limit`), limit);
    };
    worker.onmessage = (e: MessageEvent<StepReply>) => {
      if (e.data.type === 'case') {
        out.push(e.data.result);
        arm();
      } else finish(e.data.type === 'error' ? e.data.error : undefined);
    };
    worker.onerror = (e) => finish(e.message || 'the worker failed');
    arm();
    worker.postMessage(req);
  });
}
