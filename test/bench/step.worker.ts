// Times training steps on one backend with one setting of the speed-up switches,
// set before the backend starts (see stepRun.ts). Posts one message per case.
import { selectBackend } from '../../src/lib/train/backend';
import { setSpeedups } from '../../src/lib/train/speedups';
import { measureSteps } from './stepRun';
import type { StepReply, StepRequest } from './messages';

self.onmessage = async (e: MessageEvent<StepRequest>) => {
  const { backend, speedups, cases } = e.data;
  try {
    setSpeedups(speedups);
    await selectBackend(backend);
    for (const c of cases) postMessage({ type: 'case', result: await measureSteps(c) } satisfies StepReply);
    postMessage({ type: 'done' } satisfies StepReply);
  } catch (err) {
    postMessage({ type: 'error', error: String((err as Error)?.message ?? err) } satisfies StepReply);
  }
};
