// Entry point: opens the on-device database and renders the app at once from what is stored
// here; then loads and starts the sync engine (plans, including the embedded server's demo
// plan, arrive through it) and registers the service worker, both off the first screen's path.
import { render } from 'preact';
import { TrackerDb } from './db/database';
import { requestPersistentStorage } from './db/persistence';
import { App } from './ui/app';
import type { SyncEngineApi } from './sync/engine-api';
import './ui/styles.css';

const db = new TrackerDb();
// Opening IndexedDB starts now, while Preact renders, instead of at the first query.
void db.open().catch((e: unknown) => console.error('Opening the database failed', e));
const persistence = requestPersistentStorage();
const root = document.getElementById('app')!;

function subscribeUpdate(onReady: (apply: () => void) => void): void {
  void import('./ui/pwa').then((m) => m.registerServiceWorker({ onUpdateReady: onReady }));
}

function show(engine?: SyncEngineApi): void {
  render(<App db={db} engine={engine} persistence={persistence} subscribeUpdate={subscribeUpdate} />, root);
}

show();
// Once the first screen has rendered from local data: loading and starting the engine competes
// with it for the one main thread.
function startSync(): void {
  void Promise.all([import('./sync/engine'), import('./sync/transport')]).then(async ([{ createSyncEngine }, { httpTransport }]) => {
    const engine = createSyncEngine({ db, transport: httpTransport('') });
    await engine.start();
    show(engine);
  });
}
if ('requestIdleCallback' in window) requestIdleCallback(startSync, { timeout: 1000 });
else setTimeout(startSync, 0);
