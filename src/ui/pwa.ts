// Registers the service worker with workbox-window. A new version waits until the person
// agrees: the app first flushes what is being typed, then the new worker takes over and the
// page reloads.
import { Workbox } from 'workbox-window';

export interface PwaHooks {
  /** Called when a new version is installed and waiting; `apply` activates it and reloads. */
  onUpdateReady: (apply: () => void) => void;
}

export function registerServiceWorker(hooks: PwaHooks): void {
  if (!('serviceWorker' in navigator) || import.meta.env.DEV) return;
  const wb = new Workbox('/sw.js');
  wb.addEventListener('waiting', () => {
    hooks.onUpdateReady(() => {
      wb.addEventListener('controlling', () => window.location.reload());
      wb.messageSkipWaiting();
    });
  });
  wb.register().catch((e: unknown) => console.error('Service worker registration failed', e));
}
