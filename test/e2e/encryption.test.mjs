// Encryption at rest in Chromium: turned on, what is stored is sealed; after a reload the
// page asks for the passphrase (nothing shown as broken), refuses a wrong one, and the
// right one unlocks the library and trains, the new run and model stored sealed too.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { appReady, storedRecords, useApp } from '../browser.mjs';

/** The built app in a fresh profile; closing it fails on any CSP violation. */
let session;
useApp((s) => (session = s), 'encryption-');

const PASSPHRASE = 'kestrel over the fens';

/** Per sealed store: how many records are stored, and how many of them are sealed; and the vault record as text. */
async function storedForm(page) {
  const sealable = ['datasets', 'shards', 'models', 'modelWeights', 'runs', 'checkpoints'];
  const stored = await storedRecords(page, [...sealable, 'vault']);
  const stores = Object.fromEntries(sealable.map((store) => [store, { records: stored[store].length, sealed: stored[store].filter((v) => v.$sealed === 1).length }]));
  const [vault] = stored.vault;
  return { stores, vault: vault ? JSON.stringify({ ...vault, kdf: { ...vault.kdf, salt: vault.kdf.salt.length } }) : null };
}

test('encryption on, reload, a wrong passphrase refused, the right one unlocks and trains', { timeout: 600_000 }, async () => {
  const { app, page } = session;
  const byId = (id) => page.getByTestId(id);
  await page.goto(`${app.origin}/?datasetId=spiral&model=tabular-mlp&epochs=1&batchSize=32&backend=cpu`);
  await appReady(page);
  await byId('load-spiral').click();
  await page.locator('[data-testid="dataset-spiral"].in-use').waitFor();

  await page.getByRole('heading', { name: 'Your data' }).click();
  const encryption = byId('encryption');
  assert.equal(await encryption.getAttribute('data-status'), 'off');
  await byId('encrypt-passphrase').fill(PASSPHRASE);
  await byId('encrypt-repeat').fill(PASSPHRASE);
  await byId('encrypt-start').click();
  await page.locator('[data-testid="encryption"][data-status="unlocked"][data-stored="on"]').waitFor();
  assert.match(await byId('encryption-badge').textContent(), /encrypted, unlocked/);

  const sealed = await storedForm(page);
  assert.ok(sealed.stores.shards.records >= 2, JSON.stringify(sealed.stores));
  for (const [store, { records, sealed: n }] of Object.entries(sealed.stores)) assert.equal(n, records, `every ${store} record is sealed`);
  const vault = JSON.parse(sealed.vault);
  assert.deepEqual([vault.state, vault.kdf.name, vault.kdf.hash, vault.kdf.iterations, vault.kdf.salt], ['on', 'PBKDF2', 'SHA-256', 600000, 16]);
  assert.ok(!sealed.vault.includes(PASSPHRASE), 'the passphrase is not stored');

  // A new session: the page asks for the passphrase and lists nothing as damaged.
  await page.reload();
  await byId('unlock').waitFor();
  assert.equal(await byId('error').count(), 0, 'no error banner while locked');
  assert.equal(await byId('dataset-spiral').count(), 0, 'nothing listed while locked');
  assert.equal(await page.getByText('cannot be opened').count(), 0);

  await byId('unlock-passphrase').fill('kestrel over the fen');
  await byId('unlock-submit').click();
  await byId('unlock-message').waitFor();
  assert.match(await byId('unlock-message').textContent(), /That passphrase is not the one this data was encrypted with/);
  assert.equal(await byId('unlock').count(), 1, 'still locked');

  await byId('unlock-passphrase').fill(PASSPHRASE);
  await byId('unlock-submit').click();
  await byId('unlock').waitFor({ state: 'detached' });
  await appReady(page);
  await page.locator('[data-testid="dataset-spiral"].in-use').waitFor();

  await byId('train').click();
  await byId('run').and(page.locator('[data-state="done"]')).waitFor();
  assert.equal(await byId('epoch-row').count(), 1);
  await byId('model-row').first().waitFor();

  // The training worker got the key: its run and model went to storage sealed.
  const after = await storedForm(page);
  assert.equal(after.stores.runs.records, 1);
  assert.equal(after.stores.models.records, 1);
  for (const [store, { records, sealed: n }] of Object.entries(after.stores)) assert.equal(n, records, `every ${store} record is sealed`);
});
