// The server process: reads its settings from the environment (PORT, HOST, DATA_DIR,
// DATABASE_URL, DATABASE_POOL_SIZE, SQLITE_CACHE_MB, NODE_ENV), opens PostgreSQL when DATABASE_URL names it and
// SQLite at $DATA_DIR/tracker.sqlite otherwise (storage/open-storage.ts), seeds the demo unless
// in production, and serves /api/* and the built app (dist/) until SIGINT or SIGTERM. `npm
// start` reaches it through start.ts, which builds the app first when needed.
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve } from '@hono/node-server';
import { createApp } from './app';
import { ensureDemo } from './demo';
import { localBus, postgresBus } from './live/bus';
import { LiveHub } from './live/hub';
import { jsonLogger, type Logger } from './log';
import { describeDatabase, openStorage, type OpenedStorage } from './storage/open-storage';
import { splitSchemaParam } from './storage/postgres';

export const PROJECT_ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface ServerSettings {
  port: number;
  host: string;
  dataDir: string;
  /** A postgres:// URL; unset uses SQLite in dataDir. */
  databaseUrl?: string;
  /** Most PostgreSQL connections this process opens (the storage's default when unset). */
  poolSize?: number;
  /** SQLite's page cache in MiB (the storage's default when unset). */
  sqliteCacheMb?: number;
  production: boolean;
  /** The built app; null serves the API alone. */
  staticDir: string | null;
}

export function settingsFromEnv(env: NodeJS.ProcessEnv = process.env): ServerSettings {
  const port = env.PORT === undefined || env.PORT === '' ? 8080 : Number(env.PORT);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PORT must be a port number, not ${env.PORT}`);
  const poolSize = env.DATABASE_POOL_SIZE ? Number(env.DATABASE_POOL_SIZE) : undefined;
  if (poolSize !== undefined && (!Number.isInteger(poolSize) || poolSize < 1 || poolSize > 1000))
    throw new Error(`DATABASE_POOL_SIZE must be a whole number from 1 to 1000, not ${env.DATABASE_POOL_SIZE}`);
  const sqliteCacheMb = env.SQLITE_CACHE_MB ? Number(env.SQLITE_CACHE_MB) : undefined;
  if (sqliteCacheMb !== undefined && (!Number.isInteger(sqliteCacheMb) || sqliteCacheMb < 1 || sqliteCacheMb > 65536))
    throw new Error(`SQLITE_CACHE_MB must be a whole number from 1 to 65536, not ${env.SQLITE_CACHE_MB}`);
  return {
    port,
    host: env.HOST || '127.0.0.1',
    dataDir: resolve(env.DATA_DIR || './data'),
    ...(env.DATABASE_URL ? { databaseUrl: env.DATABASE_URL } : {}),
    ...(poolSize !== undefined ? { poolSize } : {}),
    ...(sqliteCacheMb !== undefined ? { sqliteCacheMb } : {}),
    production: env.NODE_ENV === 'production',
    staticDir: join(PROJECT_ROOT, 'dist'),
  };
}

export interface RunningServer {
  url: string;
  close(): Promise<void>;
}

export async function startServer(settings: ServerSettings, log: Logger = jsonLogger()): Promise<RunningServer> {
  const storage = await openStorage({
    databaseUrl: settings.databaseUrl,
    dataDir: settings.dataDir,
    ...(settings.poolSize !== undefined ? { poolSize: settings.poolSize } : {}),
    ...(settings.sqliteCacheMb !== undefined ? { sqliteCacheMb: settings.sqliteCacheMb } : {}),
  });
  // A storage that is open must be closed again if the server does not come up.
  try {
    return await listen(settings, storage, log);
  } catch (e) {
    await storage.close();
    throw e;
  }
}

async function listen(settings: ServerSettings, storage: OpenedStorage, log: Logger): Promise<RunningServer> {
  const demoAccounts = await ensureDemo(storage, { production: settings.production, log, now: new Date() });
  // Instances on one PostgreSQL hear each other's commits; SQLite has one instance.
  const bus =
    storage.dialect === 'postgres' && settings.databaseUrl ? await postgresBus(splitSchemaParam(settings.databaseUrl).url, storage.schema, log) : localBus();
  const live = new LiveHub(bus);
  const app = createApp({ storage, log, demoAccounts, live, ...(settings.staticDir ? { staticDir: settings.staticDir } : {}) });
  const server = serve({ fetch: app.fetch, port: settings.port, hostname: settings.host });
  await new Promise<void>((ok, fail) => {
    server.once('listening', ok);
    server.once('error', fail);
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${settings.host.includes(':') ? `[${settings.host}]` : settings.host}:${port}`;
  log.info('listening', { url, dataDir: settings.dataDir, database: describeDatabase(settings), production: settings.production, demo: demoAccounts !== null });
  return {
    url,
    async close() {
      await new Promise<void>((ok) => {
        server.close(() => ok());
        // Keep-alive connections would hold close() open; the listener is closed already.
        (server as import('node:http').Server).closeAllConnections?.();
      });
      await live.close();
      await bus.close();
      await storage.close();
    },
  };
}

/** Runs until a signal, then closes the listener and the database. */
export async function runFromEnv(settings: ServerSettings = settingsFromEnv()): Promise<void> {
  const log = jsonLogger();
  const running = await startServer(settings, log);
  const stop = (signal: string) => {
    log.info('stopping', { signal });
    running.close().then(
      () => process.exit(0),
      (e: unknown) => {
        log.error('stop failed', { error: e });
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await runFromEnv();
}
