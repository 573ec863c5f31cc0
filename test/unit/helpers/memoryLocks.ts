/**
 * Exclusive Web Locks in memory, for Node tests: one instance stands for the
 * browser's lock manager, shared by every "tab" a test plays.
 */
import type { Locks } from '../../../src/lib/storage/locks';

export function memoryLocks(): Locks & { held: Set<string> } {
  const held = new Set<string>();
  const waiting = new Map<string, (() => void)[]>();
  const release = (name: string) => {
    const next = waiting.get(name)?.shift();
    if (next) next();
    else held.delete(name);
  };
  return {
    held,
    async request(name, options, callback) {
      if (held.has(name)) {
        if (options.ifAvailable) return callback(null);
        await new Promise<void>((resolve) => waiting.set(name, [...(waiting.get(name) ?? []), resolve]));
      } else held.add(name);
      try {
        return await callback({ name });
      } finally {
        release(name);
      }
    },
  };
}
