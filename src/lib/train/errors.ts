/**
 * Failures a run can meet, and how each reaches the page: an ErrorKind the UI
 * can act on and a message a person understands.
 */
import { ConfigError } from '../config';
import type { ErrorKind } from '../protocol';
import { describeStorageError, isQuotaError } from '../storage/db';

export class DatasetMissingError extends Error {
  override name = 'DatasetMissingError';
}
export class ModelMissingError extends Error {
  override name = 'ModelMissingError';
}
export class BackendError extends Error {
  override name = 'BackendError';
}
/** Input that passed the config gate but does not fit the data, e.g. too few samples or a wrongly sized drawing. */
export class InputError extends Error {
  override name = 'InputError';
}
export class DeviceLostError extends Error {
  override name = 'DeviceLostError';
  constructor(reason: string) {
    super(deviceLostMessage(reason));
  }
}

export function deviceLostMessage(reason: string): string {
  return `The GPU stopped responding (device lost: ${reason.trim().replace(/\.+$/, '')}). Training was halted; your datasets and saved models are safe. Reload the page to start again.`;
}

/**
 * An error raised by the WebGPU API itself (a GPUBuffer that cannot be mapped, a
 * GPUDevice that is gone). Chromium rejects the pending read-back with an
 * AbortError when the device dies, and device.lost may settle much later or, for
 * a destroyed device, not at all; by its name alone it would pass for a storage error.
 */
export function gpuFailure(err: unknown): string | null {
  const message = err instanceof Error ? err.message : typeof err === 'string' ? err : '';
  return /\bGPU(Buffer|Device|Queue|Adapter|CommandEncoder)\b|\bmapAsync\b|device (was |is )?lost/i.test(message) ? message : null;
}

/** DOMException names IndexedDB uses; describeStorageError words them for people. */
const STORAGE_ERRORS = new Set(['AbortError', 'VersionError', 'InvalidStateError', 'UnknownError', 'SecurityError', 'DataError', 'TransactionInactiveError', 'ReadOnlyError', 'ConstraintError', 'NotFoundError']);

/**
 * deviceLost: when the GPU is gone, whatever error the failing op raised is a
 * symptom; the lost device is what the person needs to hear about.
 */
export function describeError(err: unknown, deviceLost: string | null = null): { kind: ErrorKind; message: string } {
  if (err instanceof DeviceLostError) return { kind: 'device-lost', message: err.message };
  if (deviceLost !== null) return { kind: 'device-lost', message: deviceLostMessage(deviceLost) };
  const gpu = gpuFailure(err);
  if (gpu !== null) return { kind: 'device-lost', message: deviceLostMessage(gpu) };
  if (isQuotaError(err)) return { kind: 'quota', message: describeStorageError(err) };
  if (err instanceof ConfigError) return { kind: 'bad-config', message: `The experiment settings are not valid: ${err.message}` };
  if (err instanceof InputError) return { kind: 'bad-config', message: err.message };
  if (err instanceof DatasetMissingError) return { kind: 'dataset-missing', message: err.message };
  if (err instanceof ModelMissingError) return { kind: 'model-missing', message: err.message };
  if (err instanceof BackendError) return { kind: 'backend', message: err.message };
  const name = (err as { name?: unknown } | null)?.name;
  if (typeof name === 'string' && STORAGE_ERRORS.has(name)) return { kind: 'internal', message: describeStorageError(err) };
  const detail = err instanceof Error ? err.message : String(err);
  return { kind: 'internal', message: `Something went wrong in the training worker: ${detail}` };
}
