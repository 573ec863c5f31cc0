/**
 * Columns that probably say who a row is about (names, e-mail addresses, phone
 * numbers, ids), so the CSV form can offer to leave them out of what is stored.
 * These are suggestions for a person to confirm; none of them decides anything.
 */
import { isMissing, type ColumnType } from './columns';
import type { RawTable } from './csv';

/**
 * Why a column looks like an identifier. 'name': its header (customer_id, e-mail,
 * first name); 'email' / 'phone': most of its values look like one; 'distinct': text
 * in which no value repeats, as names and codes do and categories do not.
 */
export type IdentifierReason = 'name' | 'email' | 'phone' | 'distinct';

/** Header words that name a person or a record. */
const IDENTIFYING_WORDS = new Set(['email', 'mail', 'phone', 'telephone', 'mobile', 'ssn', 'uuid', 'guid', 'passport', 'username', 'surname', 'firstname', 'lastname', 'fullname']);
/** The last word of a header that names an identifier: customer_id, first_name, street_address. */
const IDENTIFYING_LAST = new Set(['id', 'name', 'address', 'email', 'phone', 'number']);
/** A last word of "number" alone is too loose (room number): only these come before it. */
const NUMBER_OWNERS = new Set(['phone', 'telephone', 'mobile', 'passport', 'account', 'card', 'insurance', 'social', 'security', 'customer', 'patient', 'employee', 'student', 'member']);

/** "customerID", "e-mail address", "First_Name" -> ["customer", "id"], ["email", "address"], ["first", "name"]. */
export function headerWords(header: string): string[] {
  return header
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .toLowerCase()
    .replace(/e-mail/g, 'email')
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
}

export function identifyingHeader(header: string): boolean {
  const words = headerWords(header);
  if (words.length === 0) return false;
  const joined = words.join('');
  if (IDENTIFYING_WORDS.has(joined) || words.some((w) => IDENTIFYING_WORDS.has(w))) return true;
  const last = words[words.length - 1];
  if (last === 'number') return words.length > 1 && NUMBER_OWNERS.has(words[words.length - 2]);
  return IDENTIFYING_LAST.has(last);
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@.]+$/;
/** Digits with the marks people write phone numbers with; at least one mark, so plain numbers do not count. */
const PHONE = /^\+?[\d\s().-]+$/;
function isPhone(value: string): boolean {
  if (!PHONE.test(value) || !/[\s().+-]/.test(value)) return false;
  const digits = value.replace(/\D/g, '').length;
  return digits >= 7 && digits <= 15;
}

/** Values looked at per column: enough to tell, few enough for a table of thousands of columns. */
const SAMPLE = 200;
/** Fewer values than this and "no value repeats" says little: a small file's categories can all differ. */
export const MIN_DISTINCT_ROWS = 20;

/** Whether most of the first SAMPLE values present pass the test; a column where few of the first 20 do is not read further. */
function mostly(table: RawTable, c: number, test: (value: string) => boolean): boolean {
  let seen = 0;
  let hits = 0;
  for (let r = 0; r < table.rows.length && seen < SAMPLE; r++) {
    const cell = table.rows[r][c];
    if (isMissing(cell)) continue;
    seen++;
    if (test(cell.trim())) hits++;
    if (seen >= 20 && hits * 3 < seen) return false;
  }
  return seen > 0 && hits / seen >= 0.5;
}

/**
 * Why column c of the table looks like an identifier, or null. Only text columns are
 * read: a column of plain numbers holds no e-mail address, and a phone number written
 * with spaces or dashes is not a plain number.
 */
export function identifierReason(table: RawTable, c: number, type: ColumnType): IdentifierReason | null {
  if (type === 'categorical') {
    if (mostly(table, c, (v) => EMAIL.test(v))) return 'email';
    if (mostly(table, c, isPhone)) return 'phone';
  }
  if (identifyingHeader(table.columns[c])) return 'name';
  return null;
}

/**
 * Adds the 'distinct' reason, which needs the column's counts: text (not numbers,
 * which are often all different measurements) in which every value is different.
 */
export function distinctTextReason(column: { type: ColumnType; distinct: number; missing: number }, rowCount: number): IdentifierReason | null {
  const present = rowCount - column.missing;
  return column.type === 'categorical' && present >= MIN_DISTINCT_ROWS && column.distinct === present ? 'distinct' : null;
}

export const IDENTIFIER_REASONS: Record<IdentifierReason, string> = {
  name: 'its name suggests an identifier',
  email: 'its values look like e-mail addresses',
  phone: 'its values look like phone numbers',
  distinct: 'every value is different',
};
