import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { DB_NAME, DB_VERSION, STORES, lazyHearthDb } from '../../src/lib/storage/db';

describe('lazyHearthDb', () => {
  it('opens the database once and shares the connection', async () => {
    const db = lazyHearthDb(new IDBFactory());
    const first = await db();
    expect(await db()).toBe(first);
    expect(first.name).toBe(DB_NAME);
    expect(first.version).toBe(DB_VERSION);
    expect([...first.objectStoreNames].sort()).toEqual(Object.values(STORES).sort());
    first.close();
  });

  it('tries again after a failed open instead of keeping the failure', async () => {
    const real = new IDBFactory();
    let calls = 0;
    const flaky = {
      open: (name: string, version?: number) => {
        calls++;
        if (calls === 1) throw new DOMException('The user denied permission to access the database.', 'UnknownError');
        return real.open(name, version);
      },
    } as unknown as IDBFactory;
    const db = lazyHearthDb(flaky);
    await expect(db()).rejects.toThrow('denied permission');
    const opened = await db();
    expect(opened.version).toBe(DB_VERSION);
    expect(calls).toBe(2);
    opened.close();
  });
});
