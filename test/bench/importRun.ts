// What the import benchmarks share: one request to the import worker, awaited until
// a given event, and the page's longest gap between animation frames meanwhile.
import type { ImportEvent, ImportRequest } from '../../src/lib/import/protocol';
import type { ImportClient } from '../../src/worker/importClient';

/** Sends `req` and resolves with the first event of type `until` for it; an error event rejects. */
export function ask(client: ImportClient, req: ImportRequest, until: ImportEvent['type']): Promise<ImportEvent> {
  return new Promise<ImportEvent>((resolve, reject) => {
    const off = client.subscribe((ev) => {
      if (ev.jobId !== req.jobId) return;
      if (ev.type === 'error') reject(new Error(ev.message));
      if (ev.type === until) {
        off();
        resolve(ev);
      }
    });
    client.request(req);
  });
}

/** Starts counting the longest gap between animation frames; stop() ends it and gives the gap in ms. */
export function watchFrames(): { stop: () => number } {
  let longest = 0;
  let watching = true;
  let last = performance.now();
  const watch = () => {
    const now = performance.now();
    longest = Math.max(longest, now - last);
    last = now;
    if (watching) requestAnimationFrame(watch);
  };
  requestAnimationFrame(watch);
  return {
    stop: () => {
      watching = false;
      return longest;
    },
  };
}

/** Train + validation + test samples of an imported dataset; 0 for any other event. */
export const storedCount = (ev: ImportEvent) =>
  ev.type === 'imported' ? ev.dataset.splits.train.count + (ev.dataset.splits.val?.count ?? 0) + ev.dataset.splits.test.count : 0;

/** A CSV of `rows` rows: `cols - 2` numeric columns, one categorical, and a 3-class label. */
export function makeCsv(rows: number, cols: number): File {
  const header = [...Array.from({ length: cols - 2 }, (_, i) => `x${i}`), 'colour', 'label'].join(',');
  const lines = [header];
  let seed = 1;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  for (let r = 0; r < rows; r++) {
    const label = r % 3;
    const row = Array.from({ length: cols - 2 }, () => (label + rand() * 2).toFixed(4));
    row.push(['red', 'green', 'blue'][Math.floor(rand() * 3)], `class${label}`);
    lines.push(row.join(','));
  }
  return new File([lines.join('\n')], `bench-${rows}x${cols}.csv`, { type: 'text/csv' });
}
