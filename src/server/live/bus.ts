// How the server instances tell each other what the live channel carries: a commit's branches
// and presence updates, and that accounts changed (tokens, passwords, roles: the storages
// forget their cached sessions, kysely-storage.ts). With the embedded SQLite there is one instance and the bus is in-process;
// with PostgreSQL every instance keeps one dedicated connection that LISTENs on a channel named
// after the schema and publishes with pg_notify, so a commit on one instance reaches the devices
// connected to every other. Each instance also delivers its own messages to itself at once (and
// skips their echo from PostgreSQL), so a device on the committing instance never waits for the
// database's round trip.
import { createHash, randomUUID } from 'node:crypto';
import pg from 'pg';
import * as z from 'zod/mini';
import { presenceAtSchema } from '../../model/live-protocol';
import type { Logger } from '../log';

export const busMessageSchema = z.union([
  z.object({
    kind: z.literal('change'),
    branches: z.array(z.string()),
    /** The version each branch reached (absent from an instance of the release before per-branch versions). */
    versions: z.optional(z.record(z.string(), z.number().check(z.int(), z.nonnegative()))),
    clientId: z.nullable(z.string()),
  }),
  z.object({
    kind: z.literal('presence'),
    userId: z.string(),
    name: z.string(),
    sessionId: z.string(),
    /** null: the tab left. */
    at: z.nullable(presenceAtSchema),
  }),
  /** Sent by the database itself, in the transaction of the change (postgres.ts), so whoever made it: an instance or the admin command. */
  z.object({ kind: z.literal('accounts') }),
]);
export type BusMessage = z.infer<typeof busMessageSchema>;

export interface LiveBus {
  publish(message: BusMessage): void;
  subscribe(listener: (message: BusMessage) => void): () => void;
  /**
   * Told at once, and at every change, whether this process hears the other processes'
   * messages as they commit (PostgreSQL: while its LISTEN connection is up). One process alone
   * (SQLite) hears none.
   */
  hearing(listener: (heard: boolean) => void): () => void;
  close(): Promise<void>;
}

/** One process: messages go straight to its listeners. */
export function localBus(): LiveBus {
  const listeners = new Set<(m: BusMessage) => void>();
  return {
    publish(message) {
      for (const l of [...listeners]) l(message);
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    hearing(listener) {
      listener(false);
      return () => undefined;
    },
    async close() {
      listeners.clear();
    },
  };
}

/** The NOTIFY channel of a schema: instances on other schemas of the same database never hear it. */
export function channelOf(schema: string): string {
  return `tracker_live_${createHash('sha256').update(schema).digest('hex').slice(0, 24)}`;
}

/** What the database sends on the channel when accounts changed: from no instance, so every one hears it. */
export const ACCOUNTS_CHANGED_PAYLOAD = JSON.stringify({ from: 'database', message: { kind: 'accounts' } satisfies BusMessage });

const RECONNECT_FIRST_MS = 500;
const RECONNECT_MAX_MS = 15_000;

/**
 * Several instances on one PostgreSQL. `url` is the connection URL without the schema parameter.
 * Resolves once the first LISTEN is in place, so a message published after it is heard.
 */
export async function postgresBus(url: string, schema: string, log: Logger): Promise<LiveBus> {
  const local = localBus();
  const instance = randomUUID();
  const channel = channelOf(schema);
  let client: pg.Client | null = null;
  let closed = false;
  let delay = RECONNECT_FIRST_MS;
  let retry: ReturnType<typeof setTimeout> | null = null;
  /** The last notification sent: the next waits for it. */
  let sending: Promise<void> = Promise.resolve();
  const hearingListeners = new Set<(heard: boolean) => void>();
  /** Whether LISTEN is in place on a live connection. */
  let heard = false;
  function setHeard(now: boolean): void {
    if (heard === now) return;
    heard = now;
    for (const l of [...hearingListeners]) l(now);
  }

  function onNotification(n: pg.Notification): void {
    if (n.channel !== channel || n.payload === undefined) return;
    let raw: unknown;
    try {
      raw = JSON.parse(n.payload);
    } catch {
      return;
    }
    const envelope = z.object({ from: z.string(), message: busMessageSchema }).safeParse(raw);
    if (!envelope.success || envelope.data.from === instance) return;
    local.publish(envelope.data.message);
  }

  async function connect(): Promise<void> {
    const c = new pg.Client({ connectionString: url });
    c.on('notification', onNotification);
    // A lost connection is taken up again; messages sent meanwhile are lost, which the
    // devices' periodic pull makes good.
    c.on('error', (e) => {
      log.error('live bus connection failed', { error: e });
      drop(c);
    });
    c.on('end', () => drop(c));
    await c.connect();
    await c.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
    client = c;
    delay = RECONNECT_FIRST_MS;
    setHeard(true);
  }

  function drop(c: pg.Client): void {
    if (client !== c) return;
    client = null;
    setHeard(false);
    c.end().catch(() => undefined);
    if (!closed) scheduleReconnect();
  }

  function scheduleReconnect(): void {
    if (retry !== null || closed) return;
    retry = setTimeout(() => {
      retry = null;
      connect().catch((e: unknown) => {
        log.error('live bus reconnect failed', { error: e });
        delay = Math.min(delay * 2, RECONNECT_MAX_MS);
        scheduleReconnect();
      });
    }, delay);
  }

  await connect();

  return {
    publish(message) {
      local.publish(message);
      const c = client;
      if (!c) return;
      const payload = JSON.stringify({ from: instance, message });
      // One query at a time on the connection (pg queues overlapping ones, and will refuse them).
      sending = sending
        .then(() => c.query('SELECT pg_notify($1, $2)', [channel, payload]))
        .then(
          () => undefined,
          (e: unknown) => log.error('live bus publish failed', { error: e }),
        );
    },
    subscribe: (listener) => local.subscribe(listener),
    hearing(listener) {
      hearingListeners.add(listener);
      listener(heard);
      return () => hearingListeners.delete(listener);
    },
    async close() {
      closed = true;
      if (retry !== null) clearTimeout(retry);
      const c = client;
      client = null;
      setHeard(false);
      hearingListeners.clear();
      await local.close();
      await c?.end().catch(() => undefined);
    },
  };
}
