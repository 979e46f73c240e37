// Runs SQLite's WAL checkpoints on a worker thread with its own connection. better-sqlite3 is
// synchronous, so a checkpoint on the server's connection (tens of ms to copy thousands of pages
// back and fsync) stalls every request behind it; a PASSIVE checkpoint elsewhere never blocks
// the writer, and the automatic one on the server's connection stays only as a backstop.
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

// Plain JavaScript evaluated in the worker, so it runs the same under tsx, Vitest and node.
const WORKER_SOURCE = `
const { workerData, parentPort } = require('node:worker_threads');
const Database = require(workerData.module);
const db = new Database(workerData.path);
db.pragma('busy_timeout = 5000');
const timer = setInterval(() => {
  try { db.pragma('wal_checkpoint(PASSIVE)'); } catch (e) { parentPort.postMessage({ error: String(e) }); }
}, workerData.intervalMs);
parentPort.on('message', () => { clearInterval(timer); db.close(); parentPort.close(); });
`;

export interface Checkpointer {
  stop(): Promise<void>;
}

export function startCheckpointer(path: string, options: { intervalMs: number; onError: (message: string) => void }): Checkpointer {
  const module = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { path, module, intervalMs: options.intervalMs } });
  worker.on('message', (m: { error?: string }) => m.error && options.onError(m.error));
  worker.on('error', (e) => options.onError(String(e)));
  // A worker that died (its database could not be opened, it threw) fires no second exit: stop()
  // must not wait for one, or a shutdown hangs.
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  // A server that is otherwise done must not be kept alive by its checkpointer.
  worker.unref();
  return {
    stop: () => {
      // Referenced again while stopping: the caller awaits the exit.
      worker.ref();
      worker.postMessage('stop');
      return exited;
    },
  };
}
