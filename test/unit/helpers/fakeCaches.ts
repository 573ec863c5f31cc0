/**
 * An in-memory Cache Storage with what Hearth uses (keys, open, delete; a cache's
 * keys, match and put), and a service worker container with registrations to remove.
 * `failDelete` makes deleting a cache throw, as a browser can.
 */
export class FakeCacheStorage {
  readonly store = new Map<string, Map<string, Response>>();
  failDelete = false;

  async keys(): Promise<string[]> {
    return [...this.store.keys()];
  }

  async open(name: string): Promise<Cache> {
    let entries = this.store.get(name);
    if (!entries) this.store.set(name, (entries = new Map()));
    const map = entries;
    return {
      keys: async () => [...map.keys()].map((url) => new Request(url)),
      match: async (req: RequestInfo | URL) => map.get(typeof req === 'string' ? req : req instanceof URL ? req.href : req.url)?.clone(),
      put: async (req: RequestInfo | URL, res: Response) => void map.set(typeof req === 'string' ? req : req instanceof URL ? req.href : req.url, res),
    } as unknown as Cache;
  }

  async delete(name: string): Promise<boolean> {
    if (this.failDelete) throw new DOMException('The cache could not be deleted.', 'UnknownError');
    return this.store.delete(name);
  }

  asCacheStorage(): CacheStorage {
    return this as unknown as CacheStorage;
  }
}

export function fakeServiceWorker(count: number) {
  const registrations = Array.from({ length: count }, () => ({ unregistered: false, unregister: async function (this: { unregistered: boolean }) { this.unregistered = true; return true; } }));
  return {
    registrations,
    container: { getRegistrations: async () => registrations } as unknown as ServiceWorkerContainer,
  };
}
