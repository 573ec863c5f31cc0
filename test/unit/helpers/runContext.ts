/** A RunContext for runTraining in Node tests: events collected, and a "crash" (a throw from post) where asked. */
import type { HearthDb } from '../../../src/lib/storage/db';
import type { WorkerEvent } from '../../../src/lib/protocol';
import type { RunContext } from '../../../src/lib/train/run';

export class Crash extends Error {}

export function runContext(db: HearthDb, crashAt?: (ev: WorkerEvent) => boolean): { events: WorkerEvent[]; ctx: RunContext } {
  const events: WorkerEvent[] = [];
  const ctx: RunContext = {
    db,
    post: (ev) => {
      events.push(ev);
      if (crashAt?.(ev)) throw new Crash('the worker died');
    },
    shouldStop: () => false,
    deviceLost: () => null,
    reportEveryMs: 0,
  };
  return { events, ctx };
}
