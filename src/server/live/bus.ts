// How the server instances tell each other what the live channel carries: a commit's branches
// and presence updates, and that accounts changed (tokens, passwords, roles: the storages forget
// their cached sessions, kysely-storage.ts). With the embedded SQLite there is one instance and
// the bus is in-process; with PostgreSQL every instance keeps one dedicated connection that
// LISTENs on a channel named after the schema and publishes with pg_notify, so a commit on one
// instance reaches the devices connected to every other. Each instance also delivers its own
// messages to itself at once (and skips their echo from PostgreSQL), so a device on the
// committing instance never waits for the database's round trip; and it checks that it still
// hears, by notifications to itself (BUS_ECHO).
import { createHash, randomUUID } from 'node:crypto';
import pg from 'pg';
import * as z from 'zod/mini';
import { presenceAtSchema } from '../../model/live-protocol';
import type { Logger } from '../log';
import type { SignalPage } from '../sync';

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
type WireMessage = z.infer<typeof busMessageSchema>;
/**
 * A message as the instance's own listeners hear it. A commit's pages (S49) stay in the
 * instance that made the commit: never sent on the channel, where any role that may connect to
 * the database could read them (every branch's records) or forge them (records and cursors for
 * every device); the other instances' devices pull.
 */
export type BusMessage =
  | Exclude<WireMessage, { kind: 'change' }>
  | (Extract<WireMessage, { kind: 'change' }> & { pages?: Readonly<Record<string, SignalPage>> });

/** A message as it goes on the channel: without pages. */
function onTheWire(message: BusMessage): WireMessage {
  if (message.kind !== 'change' || message.pages === undefined) return message;
  const { pages: _, ...rest } = message;
  return rest;
}

export interface LiveBus {
  publish(message: BusMessage): void;
  subscribe(listener: (message: BusMessage) => void): () => void;
  /**
   * Told at once, and at every change, whether this process hears the other processes'
   * messages as they commit (PostgreSQL: while its notifications to itself come back, BUS_ECHO).
   * One process alone (SQLite) hears none.
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

/** A message on the channel, and the instance that sent it ('database' for what the database sends). */
const envelopeSchema = z.object({ from: z.string(), message: busMessageSchema });

/** What the database sends on the channel when accounts changed: from no instance, so every one hears it. */
export const ACCOUNTS_CHANGED_PAYLOAD = JSON.stringify({ from: 'database', message: { kind: 'accounts' } satisfies BusMessage });

const RECONNECT_FIRST_MS = 500;
const RECONNECT_MAX_MS = 15_000;

/**
 * A connection can die without a word (a firewall dropping an idle flow, a pooler that accepts
 * LISTEN and delivers nothing), so the bus sends itself a notification every `everyMs` and
 * counts as hearing only while each comes back within `withinMs`; after `deafMs` without one it
 * connects again. A change another process announces is then missed for at most
 * everyMs + withinMs before the storage stops trusting its cached sessions.
 */
export const BUS_ECHO = { everyMs: 1_000, withinMs: 2_000, deafMs: 15_000 };

/**
 * Several instances on one PostgreSQL. `url` is the connection URL without the schema parameter.
 * Resolves once the first LISTEN is in place, so a message published after it is heard.
 */
export async function postgresBus(url: string, schema: string, log: Logger, echo = BUS_ECHO): Promise<LiveBus> {
  const local = localBus();
  const instance = randomUUID();
  const channel = channelOf(schema);
  let client: pg.Client | null = null;
  let closed = false;
  let delay = RECONNECT_FIRST_MS;
  let retry: ReturnType<typeof setTimeout> | null = null;
  /** The last notification sent: the next waits for it. */
  let sending: Promise<void> = Promise.resolve();
  /** A notification of this bus to itself (checkEcho). */
  const echoSchema = z.object({ from: z.literal(instance), echo: z.number() });
  const hearingListeners = new Set<(heard: boolean) => void>();
  /** Whether this bus's own notifications come back (see BUS_ECHO). */
  let heard = false;
  /** The notification to itself awaited, and when it was sent. */
  let awaited: { seq: number; at: number } | null = null;
  let echoes = 0;
  /** When one last came back on this connection (or the connection was made). */
  let lastEcho = 0;
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
    const own = echoSchema.safeParse(raw);
    if (own.success) {
      if (own.data.echo !== awaited?.seq) return;
      awaited = null;
      lastEcho = performance.now();
      setHeard(true);
      return;
    }
    const envelope = envelopeSchema.safeParse(raw);
    if (!envelope.success || envelope.data.from === instance) return;
    local.publish(envelope.data.message);
  }

  /** One query at a time on the connection (pg queues overlapping ones, and will refuse them). */
  function send(c: pg.Client, payload: string): void {
    sending = sending
      .then(() => c.query('SELECT pg_notify($1, $2)', [channel, payload]))
      .then(
        () => undefined,
        (e: unknown) => log.error('live bus publish failed', { error: e }),
      );
  }

  function checkEcho(): void {
    const c = client;
    if (!c) return;
    const now = performance.now();
    if (now - lastEcho > echo.deafMs) {
      log.error('live bus hears nothing, not even itself: connecting again', { silentMs: Math.round(now - lastEcho) });
      drop(c);
      return;
    }
    if (awaited && now - awaited.at > echo.withinMs) setHeard(false);
    if (awaited) return;
    awaited = { seq: ++echoes, at: now };
    send(c, JSON.stringify({ from: instance, echo: awaited.seq }));
  }
  const echoTimer = setInterval(checkEcho, echo.everyMs);
  echoTimer.unref?.();

  async function connect(): Promise<void> {
    // keepAlive: the kernel also notices a peer that vanished, in time. Named after its channel
    // in pg_stat_activity, for whoever looks for it.
    const c = new pg.Client({ connectionString: url, keepAlive: true, application_name: `live bus ${channel}` });
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
    // Never behind a query of the connection before, which may hang where it died.
    sending = Promise.resolve();
    delay = RECONNECT_FIRST_MS;
    lastEcho = performance.now();
    awaited = null;
    // Heard once its first notification to itself comes back.
    checkEcho();
  }

  function drop(c: pg.Client): void {
    if (client !== c) return;
    client = null;
    awaited = null;
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

  try {
    await connect();
  } catch (e) {
    clearInterval(echoTimer);
    throw e;
  }

  return {
    publish(message) {
      local.publish(message);
      const c = client;
      if (!c) return;
      send(c, JSON.stringify({ from: instance, message: onTheWire(message) }));
    },
    subscribe: (listener) => local.subscribe(listener),
    hearing(listener) {
      hearingListeners.add(listener);
      listener(heard);
      return () => hearingListeners.delete(listener);
    },
    async close() {
      closed = true;
      clearInterval(echoTimer);
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
