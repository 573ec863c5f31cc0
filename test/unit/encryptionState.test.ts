// Encryption as the page's state sees it, in a whole Hearth on fake workers: a locked start
// lists nothing and reports nothing as damaged, the unlock fills the lists and hands the key
// (never the passphrase) to both workers, and turning it on and off works through the state.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { settle, testHearth } from './helpers/hearth';
import { freshDb, tinyDataset } from './helpers/fakeDb';
import { writeDataset } from '../../src/lib/storage/datasets';
import { announceVault, runPass, turnOn, watchVault } from '../../src/lib/storage/encryptInPlace';
import { heldKey, isSealed, setKey } from '../../src/lib/storage/vault';
import type { HearthDb } from '../../src/lib/storage/db';

const PASS = 'a long enough passphrase';

afterEach(() => setKey('hearth', null));

/** A database holding one dataset, encrypted, as a tab that has closed left it. */
async function encryptedDb(): Promise<HearthDb> {
  const { db } = await freshDb();
  const { meta, data } = tinyDataset('tiny', { train: 6, test: 3 }, 4);
  await writeDataset(db, meta, data, { locks: null });
  await turnOn(db, PASS);
  await runPass(db);
  setKey(db.name, null);
  return db;
}

/** The key messages a fake worker was posted, as what they carried: a key or null. */
const keyMessages = (sent: unknown[]) =>
  sent.filter((m): m is { vaultKey: { key: CryptoKey } | null } => typeof m === 'object' && m !== null && 'vaultKey' in m).map((m) => (m.vaultKey ? 'key' : null));

// PBKDF2 at 600,000 iterations is slow on purpose: on a loaded machine a test needs more than the default 5 s.
describe('Encryption state', () => {
  it('starts locked with nothing listed and nothing damaged; a wrong passphrase is refused, the right one lists the data', async () => {
    const { hearth, training } = await testHearth({ db: await encryptedDb() });
    const { encryption, library, errors } = hearth;
    hearth.start('');
    await settle();
    expect(encryption.status).toBe('locked');
    expect(library.datasets).toEqual([]);
    expect(library.problems).toEqual([]);
    expect(errors.message).toBeNull();

    await encryption.unlock('not the passphrase');
    expect(encryption.status).toBe('locked');
    expect(encryption.message).toMatch(/^That passphrase is not the one this data was encrypted with/);

    await encryption.unlock(PASS);
    expect(encryption.status).toBe('unlocked');
    expect(encryption.message).toBeNull();
    await vi.waitFor(() => expect(library.datasets.map((d) => d.name)).toEqual(['Tiny tiny']), { timeout: 20_000 });
    // The backend probe started the training worker; it was given the key, a CryptoKey, and nothing else about it.
    const sent = training.sent() as unknown[];
    expect(keyMessages(sent)).toEqual(['key']);
    expect(JSON.stringify(sent.map((m) => (typeof m === 'object' && m && 'vaultKey' in m ? Object.keys(m) : null)))).not.toContain('passphrase');
    const message = sent.find((m) => typeof m === 'object' && m !== null && 'vaultKey' in m) as { vaultKey: { key: CryptoKey } };
    expect(message.vaultKey.key).toBeInstanceOf(CryptoKey);
  });

  it('gives a worker started after the unlock the key before its first request', async () => {
    const { hearth, imports } = await testHearth({ db: await encryptedDb() });
    hearth.start('');
    await settle();
    await hearth.encryption.unlock(PASS);
    hearth.services.imports.request({ type: 'cancel', jobId: 'job-1' });
    expect(imports.sent().map((m) => ('vaultKey' in (m as object) ? 'key' : (m as { type: string }).type))).toEqual(['key', 'cancel']);
  });

  it('turns encryption on (passphrases must match), then off again, telling the workers each time', async () => {
    const { db } = await freshDb();
    const { meta, data } = tinyDataset('tiny', { train: 6, test: 3 }, 4);
    await writeDataset(db, meta, data, { locks: null });
    const { hearth, training } = await testHearth({ db });
    const { encryption } = hearth;
    hearth.start('');
    await settle();
    expect(encryption.status).toBe('off');

    await encryption.turnOn(PASS, `${PASS}!`);
    expect(encryption.message).toBe('The two passphrases differ. Type the same one twice.');
    expect(encryption.status).toBe('off');

    await encryption.turnOn(PASS, PASS);
    expect([encryption.status, encryption.stored, encryption.progress]).toEqual(['unlocked', 'on', null]);
    expect((await db.getAll('shards')).every(isSealed)).toBe(true);

    await encryption.turnOff();
    expect([encryption.status, encryption.stored]).toEqual(['off', null]);
    expect((await db.getAll('shards')).some(isSealed)).toBe(false);
    expect(heldKey('hearth')).toBeNull();
    expect(keyMessages(training.sent() as unknown[])).toEqual(['key', null]);
  });

  it('refuses to start a pass while a run or an import is under way', async () => {
    const { hearth } = await testHearth();
    hearth.start('');
    await settle();
    hearth.importer.stage = 'importing';
    await hearth.encryption.turnOn(PASS, PASS);
    expect(hearth.encryption.message).toMatch(/^Let the run, the load or the import finish/);
    expect(hearth.encryption.status).toBe('off');
  });

  it('follows another tab: locks when encryption was turned on there, and goes off when it was turned off', async () => {
    const { db } = await freshDb();
    const { hearth, training } = await testHearth({ db });
    hearth.start('');
    await settle();
    // The other tab turned it on: its key is its own, this tab holds none.
    await turnOn(db, PASS);
    setKey(db.name, null);
    await hearth.encryption.recheck();
    expect([hearth.encryption.status, hearth.encryption.stored]).toEqual(['locked', 'encrypting']);

    await hearth.encryption.unlock(PASS);
    expect(hearth.encryption.status).toBe('unlocked');
    // ...and turned it off and finished: the vault is gone, so this tab forgets the key, here and in its worker.
    await db.delete('vault', 'vault');
    await hearth.encryption.recheck();
    expect([hearth.encryption.status, heldKey(db.name)]).toEqual(['off', null]);
    expect(keyMessages(training.sent() as unknown[]).at(-1)).toBeNull();
  });

  it('hears other pages announce a change of the vault, not its own announcements', async () => {
    const heard: number[] = [];
    const stop = watchVault('hearth-vault-test', () => heard.push(1));
    announceVault('hearth-vault-test');
    const other = new BroadcastChannel('hearth-vault-test:vault');
    other.postMessage({ sender: 'another page' });
    await settle();
    other.close();
    stop();
    expect(heard).toEqual([1]);
  });
});
