// Entry point: opens the on-device database, loads the demo plan on first run, asks for
// persistent storage, registers the service worker and renders the app.
import { render } from 'preact';
import { TrackerDb } from './db/database';
import { requestPersistentStorage } from './db/persistence';
import { App } from './ui/app';
import { registerServiceWorker } from './ui/pwa';
import './ui/styles.css';

const db = new TrackerDb();
const persistence = requestPersistentStorage();
// Not awaited, and loaded as its own chunk: the plan list is a live query and shows the demo
// plan as soon as it is stored.
void db
  .demoLoaded()
  .then(async (loaded) => loaded || (await import('./db/demo')).loadDemoPlanOnFirstRun(db))
  .catch((e: unknown) => console.error('Loading the demo plan failed', e));

function subscribeUpdate(onReady: (apply: () => void) => void): void {
  registerServiceWorker({ onUpdateReady: onReady });
}

render(<App db={db} persistence={persistence} subscribeUpdate={subscribeUpdate} />, document.getElementById('app')!);
