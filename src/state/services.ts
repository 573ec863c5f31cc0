/**
 * What the state classes need from outside the page's state: the two worker
 * clients, the database and ids for requests. createServices makes the real
 * ones for one Hearth instance; tests pass clients on fake workers and a
 * fake-indexeddb database instead. Nothing starts until it is first used
 * (a worker on its first request, the database on its first read), so
 * building the state has no side effects.
 */
import { TrainingClient, trainingWorker } from '../worker/client';
import { ImportClient, importWorker } from '../worker/importClient';
import { DB_NAME, lazyHearthDb, type HearthDb } from '../lib/storage/db';

export interface Services {
  training: TrainingClient;
  /** Imports run in their own worker so parsing a large file never stalls training or the page. */
  imports: ImportClient;
  /** The instance's database connection, opened on first use. */
  db: () => Promise<HearthDb>;
}

/** The real services for an instance whose data lives in the database `dbName`. */
export function createServices(dbName: string = DB_NAME): Services {
  return {
    training: new TrainingClient(trainingWorker(dbName)),
    imports: new ImportClient(importWorker(dbName)),
    db: lazyHearthDb(undefined, dbName),
  };
}

let counter = 0;
/** Ids for worker requests; unique within the page, readable in logs. */
export function newRunId(prefix: string): string {
  counter += 1;
  return `${prefix}-${Date.now().toString(36)}-${counter}`;
}
