/** The instance's error banner. Showing an error never resets any other state. */
import { describeStorageError } from '../lib/storage/db';

export class ErrorBanner {
  message = $state<string | null>(null);

  show(message: string): void {
    this.message = message;
  }

  /** For failed storage calls: turns quota and browser errors into a sentence. */
  showStorage(err: unknown): void {
    this.message = describeStorageError(err);
  }

  dismiss(): void {
    this.message = null;
  }
}
