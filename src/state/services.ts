/**
 * The page's single worker client and database connection. Everything in
 * src/state shares these so a page never runs two workers or opens the
 * database twice; both are created on first use, which keeps module import
 * free of side effects (tests can import state classes without a browser).
 */
import { TrainingClient } from '../worker/client';
import { ImportClient } from '../worker/importClient';
import { lazyHearthDb, type HearthDb } from '../lib/storage/db';

let client: TrainingClient | null = null;
let importer: ImportClient | null = null;

export function trainingClient(): TrainingClient {
  client ??= new TrainingClient();
  return client;
}

/** Imports run in their own worker so parsing a large file never stalls training or the page. */
export function importClient(): ImportClient {
  importer ??= new ImportClient();
  return importer;
}

/** One database connection for the page, opened on first use. */
export const hearthDb: () => Promise<HearthDb> = lazyHearthDb();

let counter = 0;
/** Ids for worker requests; unique within the page, readable in logs. */
export function newRunId(prefix: string): string {
  counter += 1;
  return `${prefix}-${Date.now().toString(36)}-${counter}`;
}
