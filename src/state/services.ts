/**
 * The page's single worker client and database connection. Everything in
 * src/state shares these so a page never runs two workers or opens the
 * database twice; both are created on first use, which keeps module import
 * free of side effects (tests can import state classes without a browser).
 */
import { TrainingClient } from '../worker/client';
import { openHearthDb, type HearthDb } from '../lib/storage/db';

let client: TrainingClient | null = null;
let db: Promise<HearthDb> | null = null;

export function trainingClient(): TrainingClient {
  client ??= new TrainingClient();
  return client;
}

export function hearthDb(): Promise<HearthDb> {
  if (!db) {
    db = openHearthDb();
    // A failed open must not be cached: the next call retries.
    db.catch(() => (db = null));
  }
  return db;
}

let counter = 0;
/** Ids for worker requests; unique within the page, readable in logs. */
export function newRunId(prefix: string): string {
  counter += 1;
  return `${prefix}-${Date.now().toString(36)}-${counter}`;
}
