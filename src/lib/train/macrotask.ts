/**
 * A macrotask yield, for loops that run many batches in a worker. Promise
 * microtasks would not let the worker's message handler run, nor do a GPU read's
 * (its promise can settle without the worker's other tasks getting a turn), so a
 * 'stop' would wait for the whole pass; setTimeout(0) is clamped to 4 ms after a
 * few nestings, which adds up over thousands of batches.
 */
export function macrotaskYielder(): { next: () => Promise<void>; close: () => void } {
  const channel = new MessageChannel();
  const waiting: (() => void)[] = [];
  channel.port1.onmessage = () => waiting.shift()?.();
  return {
    next: () =>
      new Promise<void>((resolve) => {
        waiting.push(resolve);
        channel.port2.postMessage(null);
      }),
    close: () => {
      channel.port1.close();
      channel.port2.close();
    },
  };
}
