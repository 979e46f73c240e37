// The server as the load benchmark runs it, in its own process (so the load generator does not
// share its event loop): SQLite in the given folder with the demo seeded, createApp on
// @hono/node-server at 127.0.0.1 on a free port, request logs as JSON lines to a file there.
// Prints {"url": …} on stdout once listening; stops on SIGTERM.
import { createWriteStream } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { serve } from '@hono/node-server';
import { createApp } from '../../src/server/app';
import { ensureDemo } from '../../src/server/demo';
import { jsonLogger } from '../../src/server/log';
import { openSqliteStorage } from '../../src/server/storage/sqlite';

const dir = process.argv[2];
if (!dir) throw new Error('usage: server-process.ts DATA_DIR');
const logFile = createWriteStream(join(dir, 'server.log'));
const log = jsonLogger((line) => logFile.write(line));
const storage = await openSqliteStorage(join(dir, 'tracker.sqlite'));
const demoAccounts = await ensureDemo(storage, { production: false, log, now: new Date() });
const server = serve({ fetch: createApp({ storage, log, demoAccounts }).fetch, port: 0, hostname: '127.0.0.1' }, (info: AddressInfo) => {
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${info.port}` })}\n`);
});
process.once('SIGTERM', () => {
  server.close();
  (server as import('node:http').Server).closeAllConnections();
  void storage.close().then(() => logFile.end(() => process.exit(0)));
});
