// Entry point: opens the on-device database and renders the app at once from what is stored
// here. Once the first screen has its data, it loads and starts the sync engine (plans,
// including the embedded server's demo plan, arrive through it) and registers the service
// worker: both would otherwise compete with the first screen for IndexedDB and the main thread.
import { render } from 'preact';
import { TrackerDb } from './db/database';
import { FirstResults } from './ui/data/hooks';
import { requestPersistentStorage } from './db/persistence';
import { App } from './ui/app';
import type { SyncEngineApi } from './sync/engine-api';
import './ui/styles.css';

/** Deferred work still starts if the first screen never settles (a query that hangs). */
const SETTLE_TIMEOUT_MS = 3000;

const db = new TrackerDb();
// Opening IndexedDB starts now, while Preact renders, instead of at the first query.
void db.open().catch((e: unknown) => console.error('Opening the database failed', e));
const persistence = requestPersistentStorage();
const root = document.getElementById('app')!;

const firstResults = new FirstResults();
const firstScreenShown = Promise.race([firstResults.settled, new Promise<void>((resolve) => setTimeout(resolve, SETTLE_TIMEOUT_MS))]);
// The results arrived; the browser paints them before the idle callback runs.
const idleAfterFirstScreen = firstScreenShown.then(
  () => new Promise<void>((resolve) => ('requestIdleCallback' in window ? requestIdleCallback(() => resolve(), { timeout: 1000 }) : setTimeout(resolve, 0))),
);

function subscribeUpdate(onReady: (apply: () => void) => void): void {
  void idleAfterFirstScreen.then(() => import('./ui/pwa')).then((m) => m.registerServiceWorker({ onUpdateReady: onReady }));
}

function show(engine?: SyncEngineApi): void {
  render(<App db={db} engine={engine} persistence={persistence} subscribeUpdate={subscribeUpdate} firstResults={firstResults} />, root);
}

show();
void idleAfterFirstScreen.then(async () => {
  const [{ createSyncEngine }, { httpTransport }, { httpLiveTransport }] = await Promise.all([
    import('./sync/engine'),
    import('./sync/transport'),
    import('./sync/live-transport'),
  ]);
  const engine = createSyncEngine({ db, transport: httpTransport(''), live: httpLiveTransport('') });
  await engine.start();
  show(engine);
});
