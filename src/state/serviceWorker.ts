/**
 * Registers the service worker in a built app (never on the dev server, where
 * import.meta.env.PROD is false and no sw.js exists). A browser without service
 * workers, or one that refuses (private modes can), still runs Hearth online.
 */
import { SERVICE_WORKER_URL } from '../lib/offline/precache';

export function registerServiceWorker(): void {
  if (!import.meta.env.PROD || typeof navigator === 'undefined' || !('serviceWorker' in navigator)) return;
  navigator.serviceWorker.register(SERVICE_WORKER_URL).catch((err: unknown) => {
    console.warn('Hearth will not work offline: the service worker did not register.', err);
  });
}
