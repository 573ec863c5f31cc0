// Anonymising a table before import: which columns are suggested as identifiers, and
// that a column marked as one (or simply not used) leaves no value anywhere in the database.
import { beforeEach, describe, expect, it } from 'vitest';
import { freshDb } from './helpers/fakeDb';
import { csvFile, deps, expectNothingStored, failure } from './helpers/importPipeline';
import { distinctTextReason, headerWords, identifierReason, identifyingHeader } from '../../src/lib/import/identifiers';
import { forgetTable, MAX_LISTED_COLUMNS } from '../../src/lib/import/importTabular';
import { inspectCsv, runImport } from '../../src/lib/import/pipeline';
import type { CsvImportOptions } from '../../src/lib/import/protocol';
import type { RawTable } from '../../src/lib/import/csv';
import type { HearthDb } from '../../src/lib/storage/db';
import { listDatasets } from '../../src/lib/storage/datasets';

beforeEach(() => forgetTable());

const FIRST = ['Ada', 'Grace', 'Alan', 'Edsger', 'Barbara', 'Donald', 'Frances', 'Niklaus', 'Radia', 'Tim'];
const LAST = ['Lovelace', 'Hopper', 'Turing', 'Dijkstra', 'Liskov', 'Knuth', 'Allen', 'Wirth', 'Perlman', 'Berners'];

/** 60 people: a full name, an e-mail address, a member number, a phone, two measurements and a class. */
function peopleCsv(): { text: string; secrets: string[] } {
  const lines = ['member_id,full name,E-mail,phone,height,weight,notes,group'];
  const secrets: string[] = [];
  for (let i = 0; i < 60; i++) {
    const name = `${FIRST[i % 10]} ${LAST[Math.floor(i / 10) % 10]}${i}`;
    const email = `${FIRST[i % 10].toLowerCase()}.${i}@example.org`;
    const phone = `+44 20 7946 ${String(1000 + i * 7).padStart(4, '0')}`;
    const member = `M-${90210 + i * 13}`;
    secrets.push(name, email, phone, member);
    const tall = i % 2 === 1;
    lines.push(`${member},${name},${email},${phone},${(tall ? 180 : 160) + (i % 7)},${(tall ? 80 : 60) + (i % 5)},note ${i} private,${tall ? 'tall' : 'short'}`);
  }
  return { text: lines.join('\n') + '\n', secrets };
}

const table = (columns: string[], rows: string[][]): RawTable => ({ fileName: 't.csv', columns, rows });

/** Every string in the database, and every stored byte array read as Latin-1 and as UTF-8 text. */
async function everythingStored(db: HearthDb): Promise<string> {
  const out: string[] = [];
  const latin1 = new TextDecoder('latin1');
  const utf8 = new TextDecoder('utf-8');
  const walk = (v: unknown): void => {
    if (typeof v === 'string') out.push(v);
    else if (v instanceof ArrayBuffer || ArrayBuffer.isView(v)) {
      const bytes = v instanceof ArrayBuffer ? new Uint8Array(v) : new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
      out.push(latin1.decode(bytes), utf8.decode(bytes));
    } else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) (out.push(k), walk(x));
  };
  for (const store of Array.from(db.objectStoreNames)) {
    walk(await db.getAll(store));
    walk(await db.getAllKeys(store));
  }
  return out.join('\n');
}

describe('identifier suggestions', () => {
  it('reads the words of a header however it is written', () => {
    expect(headerWords('customerID')).toEqual(['customer', 'id']);
    expect(headerWords('E-mail address')).toEqual(['email', 'address']);
    expect(headerWords('First_Name')).toEqual(['first', 'name']);
    expect(headerWords('HTTPStatus')).toEqual(['http', 'status']);
  });

  it('knows headers that name a person or a record, and leaves measurements alone', () => {
    for (const h of ['id', 'ID', 'customer_id', 'userId', 'name', 'Full name', 'surname', 'e-mail', 'Email', 'phone number', 'Mobile', 'street address', 'SSN', 'passport_number'])
      expect([h, identifyingHeader(h)]).toEqual([h, true]);
    for (const h of ['width', 'grid', 'valid', 'idea', 'room number', 'class', 'species', 'age', 'naming_score', 'x1', ''])
      expect([h, identifyingHeader(h)]).toEqual([h, false]);
  });

  it('recognises e-mail addresses and phone numbers by their values, whatever the header', () => {
    const t = table(
      ['a', 'b', 'c', 'd'],
      [
        ['x@y.org', '+1 (555) 010-2000', '5550102000', 'red'],
        ['NA', '555-010-2001', '5550102001', 'blue'],
        ['z.w@mail.example.com', '020 7946 0018', '5550102002', 'red'],
        ['not an address', '+49 30 1234567', '5550102003', 'green'],
      ],
    );
    expect([0, 1, 2, 3].map((c) => identifierReason(t, c, 'categorical'))).toEqual(['email', 'phone', null, null]);
    // A column of plain numbers is not read for addresses or phone numbers, only its header.
    expect(identifierReason(t, 2, 'numeric')).toBeNull();
    expect(identifierReason(table(['patient_id'], [['17']]), 0, 'numeric')).toBe('name');
  });

  it('suggests text in which no value repeats, once there are enough rows to tell', () => {
    expect(distinctTextReason({ type: 'categorical', distinct: 20, missing: 2 }, 22)).toBe('distinct');
    expect(distinctTextReason({ type: 'categorical', distinct: 19, missing: 0 }, 19)).toBeNull();
    expect(distinctTextReason({ type: 'categorical', distinct: 29, missing: 0 }, 30)).toBeNull();
    // Numbers that all differ are usually measurements.
    expect(distinctTextReason({ type: 'numeric', distinct: 50, missing: 0 }, 50)).toBeNull();
  });

  it('the preview marks the columns', async () => {
    const preview = await inspectCsv(csvFile('people.csv', peopleCsv().text));
    expect(preview.columns.map((c) => [c.name, c.identifier ?? null])).toEqual([
      ['member_id', 'name'],
      ['full name', 'name'],
      ['E-mail', 'email'],
      ['phone', 'phone'],
      ['height', null],
      ['weight', null],
      ['notes', 'distinct'],
      ['group', null],
    ]);
    expect(preview.suggestedLabel).toBe('group');
  });

  it('does not suggest an identifier as the label', async () => {
    const rows = Array.from({ length: 30 }, (_, i) => `${i % 3},${i % 2 ? 'x' : 'y'},p${i}@example.org`);
    const preview = await inspectCsv(csvFile('last.csv', ['a,kind,contact', ...rows].join('\n')));
    expect(preview.columns.map((c) => c.identifier ?? null)).toEqual([null, null, 'email']);
    expect(preview.suggestedLabel).toBe('kind');
  });
});

describe('import with identifiers left out', () => {
  const options: CsvImportOptions = {
    name: 'People',
    label: 'group',
    features: ['height', 'weight'],
    identifiers: ['member_id', 'full name', 'E-mail', 'phone'],
    task: 'classification',
    missing: 'drop',
    seed: 3,
  };

  it('stores no value of an identifier or an unused column anywhere, and reports them by name', async () => {
    const { db } = await freshDb();
    const { text, secrets } = peopleCsv();
    const result = await runImport({ kind: 'csv', file: csvFile('people.csv', text), options }, deps(db));
    expect(result.dataset.importReport).toEqual({
      skipped: [],
      droppedRows: 0,
      droppedColumns: { identifiers: ['member_id', 'full name', 'E-mail', 'phone'], unused: ['notes'] },
    });
    expect(result.dataset.tabular!.featureNames).toEqual(['height', 'weight']);
    const stored = await everythingStored(db);
    // The check can fail: the kept columns and the label are there.
    expect(stored).toContain('tall');
    expect(stored).toContain('height');
    for (const secret of [...secrets, 'private', '@example.org', 'Lovelace', '7946']) expect(stored).not.toContain(secret);
    expect(await listDatasets(db)).toEqual([result.dataset]);
  });

  it('the same file with the e-mail column as a feature does store the addresses (the search finds them)', async () => {
    const { db } = await freshDb();
    const { text } = peopleCsv();
    // 60 different addresses become 60 one-hot columns, each named by its address.
    await runImport({ kind: 'csv', file: csvFile('people.csv', text), options: { ...options, features: ['height', 'E-mail'], identifiers: [] } }, deps(db));
    expect(await everythingStored(db)).toContain('ada.0@example.org');
  });

  it('refuses a column marked as an identifier that is also asked for as a feature or the label, and keeps nothing', async () => {
    const { db } = await freshDb();
    const { text } = peopleCsv();
    const file = csvFile('people.csv', text);
    expect(await failure(runImport({ kind: 'csv', file, options: { ...options, features: ['height', 'phone'] } }, deps(db)), 'people.csv')).toBe(
      'people.csv: column "phone" is marked as an identifier, so it is never stored; it cannot also be a feature.',
    );
    expect(await failure(runImport({ kind: 'csv', file, options: { ...options, label: 'E-mail', task: 'classification' } }, deps(db)), 'people.csv')).toBe(
      'people.csv: column "E-mail" is marked as an identifier, so it is never stored; it cannot also be the label.',
    );
    await expectNothingStored(db);
  });

  it('lists identifiers first, and counts unused columns past the listed ones', async () => {
    const { db } = await freshDb();
    const width = MAX_LISTED_COLUMNS + 50;
    const header = ['name', ...Array.from({ length: width }, (_, i) => `c${i}`), 'label'];
    const rows = Array.from({ length: 30 }, (_, r) => [`person ${r}`, ...Array.from({ length: width }, (_, i) => String((r + i) % 5)), r % 2 ? 'a' : 'b']);
    const file = csvFile('wide.csv', [header, ...rows].map((r) => r.join(',')).join('\n'));
    const { dataset } = await runImport(
      { kind: 'csv', file, options: { ...options, label: 'label', features: ['c0'], identifiers: ['name'] } },
      deps(db),
    );
    const dropped = dataset.importReport!.droppedColumns!;
    expect(dropped.identifiers).toEqual(['name']);
    expect(dropped.unused).toHaveLength(MAX_LISTED_COLUMNS - 1);
    expect(dropped.unused[0]).toBe('c1');
    expect(dropped.unlisted).toBe(width - 1 - (MAX_LISTED_COLUMNS - 1));
  });
});
