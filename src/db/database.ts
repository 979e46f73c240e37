// The on-device database (IndexedDB through Dexie): the versioned schema, the outbox the sync
// engine drains, and the health of the connection that the UI shows (quota, lost connection,
// an upgrade opened in another tab). One TrackerDb instance is created by the app and passed
// down through context; nothing here is module-level state.
import Dexie, { type EntityTable } from 'dexie';
import * as z from 'zod/mini';
import { DB_ERROR } from './errors';
import { ORDERED_TABLES, upgradeOrders } from '../model/order-key';
import {
  EDITABLE_TABLES,
  type Conflict,
  type History,
  type Item,
  type Kpi,
  type Measurement,
  type Note,
  type Plan,
  type Progress,
  type Section,
} from '../model/schemas';

export const DB_NAME = 'jigyo-keikaku-tracker';

/** The meta row of the signed-in session (the sync layer's; see src/sync/session-store.ts). */
export const SESSION_META_KEY = 'sync.session';
/**
 * The meta row naming the last person signed in on this device: kept at sign-out, so that an
 * edit written after it (a field flushed as the person signs out) is still theirs.
 */
export const LAST_USER_META_KEY = 'sync.lastUser';
/**
 * The meta row of the signed-in person's signing key (`{ userId, key }`, see outbox-seal.ts):
 * written at login, erased at sign-out and when another person signs in.
 */
export const SIGNING_KEY_META_KEY = 'sync.signingKey';
/** Meta rows that survive 「この端末のデータを消す」: the device's own secret, never plan data. */
export const DEVICE_META_PREFIX = 'sync.device';

/**
 * The tables the outbox carries; their names are part of the outbox entries. A person edits the
 * editable ones; a conflict is only ever marked resolved (see resolveConflict). History is
 * written by the server alone.
 */
export const SYNCED_TABLES = [...EDITABLE_TABLES, 'conflicts'] as const;
export type SyncedTable = (typeof SYNCED_TABLES)[number];

/** Who made an outbox entry: the account signed in on the device when it was written. */
export const outboxAuthorSchema = z.object({ id: z.string(), name: z.string() });
export type OutboxAuthor = z.infer<typeof outboxAuthorSchema>;

/**
 * One pending mutation: the changed fields of one record with the values they had before
 * (`base`). The sync engine sends these and removes an entry only once the server
 * acknowledged it.
 */
export const outboxEntrySchema = z.object({
  seq: z.optional(z.number()),
  mutationId: z.string(),
  table: z.enum(SYNCED_TABLES),
  recordId: z.string(),
  planId: z.string(),
  changes: z.record(z.string(), z.unknown()),
  /** The values the edited fields had before (empty for a record created with no template). */
  base: z.record(z.string(), z.unknown()),
  /** The whole record when this device created it; null for an edit. */
  create: z.nullable(z.record(z.string(), z.unknown())),
  createdAt: z.string(),
  /** Set by the sync engine while the entry is in a request; such an entry is never merged into. */
  inFlight: z.optional(z.boolean()),
  /** The edited record's stamps before this entry's edits (for sync's rebase; never sent). */
  baseStamps: z.optional(z.record(z.string(), z.unknown())),
  /**
   * The person who made the entry; it is sent only under their login. Absent when nobody has
   * ever signed in on this device (use without a server): the next person to sign in takes it.
   */
  author: z.optional(outboxAuthorSchema),
  /** The author's seal over the entry (outbox-seal.ts), made when it was written or last folded into. */
  seal: z.optional(z.string()),
});
export type OutboxEntry = z.infer<typeof outboxEntrySchema>;

/** Why a change was not taken: a code the screens put in words (src/ui/messages.ts). */
export const REJECTED_REASON = {
  /** The server answered the mutation `rejected` (its reason, in English, is the detail). */
  refused: 'rejected.refused',
  /** The server refused the whole request because of this mutation: no permission (403) … */
  forbidden: 'rejected.forbidden',
  /** … or a mutation it cannot take (400); the server's message is the detail. */
  badRequest: 'rejected.bad-request',
  /** Never sent: its seal does not verify under its author's key (outbox-seal.ts). */
  unsealed: 'rejected.unsealed',
} as const;
export type RejectedReasonCode = (typeof REJECTED_REASON)[keyof typeof REJECTED_REASON];

export const rejectedReasonSchema = z.object({
  code: z.enum(Object.values(REJECTED_REASON) as [RejectedReasonCode, ...RejectedReasonCode[]]),
  detail: z.optional(z.string()),
});
export type RejectedReason = z.infer<typeof rejectedReasonSchema>;

/** A reason with a code this version does not know (a newer version wrote it): shown as a refusal. */
const unknownRejectedReasonSchema = z.object({ code: z.string(), detail: z.optional(z.string()) });
export type UnknownRejectedReason = z.infer<typeof unknownRejectedReasonSchema>;

/** A mutation the server refused (e.g. no permission): kept so the person sees what did not go through. */
export const rejectedEntrySchema = z.object({
  id: z.optional(z.number()),
  mutationId: z.string(),
  table: z.enum(SYNCED_TABLES),
  recordId: z.string(),
  planId: z.string(),
  changes: z.record(z.string(), z.unknown()),
  /** A free text in rows stored before reasons had codes: shown as it is. */
  reason: z.union([rejectedReasonSchema, unknownRejectedReasonSchema, z.string()]),
  at: z.string(),
});
export type RejectedEntry = z.infer<typeof rejectedEntrySchema>;

export interface MetaRow {
  key: string;
  value: unknown;
}

/** The connection's trouble, with the code of what people are told (src/ui/messages.ts). */
export type DbHealth =
  | { state: 'ok' }
  | { state: 'quota'; code: typeof DB_ERROR.quota }
  /** `closed`: a write failed on it; `connectionLost`: nothing was being written. */
  | { state: 'closed'; code: typeof DB_ERROR.closed | typeof DB_ERROR.connectionLost }
  | { state: 'upgrade'; code: typeof DB_ERROR.upgrade };

/** A small observable for the connection's health, owned by the database instance. */
export class HealthStore {
  private current: DbHealth = { state: 'ok' };
  private readonly listeners = new Set<(h: DbHealth) => void>();

  get value(): DbHealth {
    return this.current;
  }

  set(h: DbHealth): void {
    this.current = h;
    for (const l of this.listeners) l(h);
  }

  subscribe(listener: (h: DbHealth) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

const userRowSchema = z.object({ user: outboxAuthorSchema });

/** The user a session or last-user meta row names (both keep `{ user: { id, name, … } }`). */
async function readUserRow(meta: { get(key: string): Promise<MetaRow | undefined> }, key: string): Promise<OutboxAuthor | null> {
  const parsed = userRowSchema.safeParse((await meta.get(key))?.value);
  return parsed.success ? { id: parsed.data.user.id, name: parsed.data.user.name } : null;
}

const signingKeyRowSchema = z.object({ userId: z.string(), key: z.string().check(z.regex(/^[0-9a-f]{64}$/)) });

/** The signing key of `userId` when it is on the device (they are signed in with a password). */
export async function signingKeyOf(db: TrackerDb, userId: string): Promise<string | null> {
  const parsed = signingKeyRowSchema.safeParse((await db.meta.get(SIGNING_KEY_META_KEY))?.value);
  return parsed.success && parsed.data.userId === userId ? parsed.data.key : null;
}

/**
 * The author of an edit written now — the signed-in user, else the last one (see
 * LAST_USER_META_KEY) — and the key it is sealed with (only while that author is signed in).
 */
export async function currentAuthor(db: TrackerDb): Promise<{ author: OutboxAuthor; key: string | null } | null> {
  const signedIn = await readUserRow(db.meta, SESSION_META_KEY);
  if (signedIn) return { author: signedIn, key: await signingKeyOf(db, signedIn.id) };
  const last = await readUserRow(db.meta, LAST_USER_META_KEY);
  return last ? { author: last, key: null } : null;
}

/** Meta rows `sync.server:<table>:<id>`: the server's copy of a record while edits of it are pending. */
export const SERVER_COPY_PREFIX = 'sync.server:';

export function recordKey(table: string, id: string): string {
  return `${table}:${id}`;
}

export function serverCopyKey(key: string): string {
  return SERVER_COPY_PREFIX + key;
}

export class TrackerDb extends Dexie {
  plans!: EntityTable<Plan, 'id'>;
  sections!: EntityTable<Section, 'id'>;
  items!: EntityTable<Item, 'id'>;
  progress!: EntityTable<Progress, 'id'>;
  notes!: EntityTable<Note, 'id'>;
  kpis!: EntityTable<Kpi, 'id'>;
  measurements!: EntityTable<Measurement, 'id'>;
  conflicts!: EntityTable<Conflict, 'id'>;
  history!: EntityTable<History, 'id'>;
  outbox!: EntityTable<OutboxEntry, 'seq'>;
  rejected!: EntityTable<RejectedEntry, 'id'>;
  meta!: EntityTable<MetaRow, 'key'>;

  readonly health = new HealthStore();

  constructor(name: string = DB_NAME, options?: ConstructorParameters<typeof Dexie>[1]) {
    super(name, options);
    this.version(1).stores({
      plans: 'id',
      sections: 'id, planId',
      items: 'id, planId, sectionId',
      progress: 'id, planId, itemId, [planId+periodId]',
      notes: 'id, planId, itemId',
      kpis: 'id, planId',
      measurements: 'id, planId, kpiId',
      outbox: '++seq, recordId, planId',
      meta: 'key',
    });
    // Sync: conflicts and history come from the server; rejected mutations stay visible here.
    this.version(2).stores({
      conflicts: 'id, planId, itemId, recordId',
      history: 'id, planId, recordId, itemId',
      rejected: '++id, planId, recordId',
    });
    // Outbox entries name their author. Entries written before that were made by whoever was
    // signed in then, which is the session still stored (or the last one known).
    this.version(3)
      .stores({})
      .upgrade(async (tx) => {
        const author = (await readUserRow(tx.table('meta'), SESSION_META_KEY)) ?? (await readUserRow(tx.table('meta'), LAST_USER_META_KEY));
        if (!author) return;
        await tx
          .table('outbox')
          .toCollection()
          .modify((entry: { author?: OutboxAuthor }) => {
            entry.author ??= author;
          });
      });
    // Sibling order became an order key (src/model/order-key.ts). An integer order turns into the
    // key the server's migration 003 gives it, without looking at siblings, so the records, the
    // server's copies and the conflicts here agree with the server without pulling anything.
    // Outbox entries are sealed by their author: the sync layer turns theirs before sending
    // (keyLegacyOrders in src/sync/round-trip.ts).
    this.version(4)
      .stores({})
      .upgrade(async (tx) => {
        for (const table of [...ORDERED_TABLES, 'conflicts']) {
          await tx
            .table(table)
            .toCollection()
            .modify((row: Record<string, unknown>, ref: { value: Record<string, unknown> }) => {
              ref.value = upgradeOrders(table, row);
            });
        }
        await tx
          .table('meta')
          .where('key')
          .startsWith(SERVER_COPY_PREFIX)
          .modify((row: MetaRow) => {
            const table = row.key.slice(SERVER_COPY_PREFIX.length).split(':')[0]!;
            const copy = row.value as { record?: unknown } | null;
            if (copy?.record && typeof copy.record === 'object') row.value = { ...copy, record: upgradeOrders(table, copy.record as Record<string, unknown>) };
          });
      });
    // Only the indexes a screen or the sync layer queries (a pulled page writes every index of
    // its records, so each unused one slows a first sync of a branch): a plan's progress by
    // planId is read through [planId+periodId] (Dexie uses a compound index's first part as an
    // index of its own); nothing looks up items by section, measurements by KPI, conflicts by
    // record, or history by plan or record. Dropping an index keeps every row.
    this.version(5).stores({
      items: 'id, planId',
      progress: 'id, itemId, [planId+periodId]',
      measurements: 'id, planId',
      conflicts: 'id, planId, itemId',
      history: 'id, itemId',
    });
    // The progress of an item is read by its ids (progressId: `progress:<itemId>:<periodId>`, a
    // primary key range), so its own index on itemId, written for every pulled progress record
    // (most of a plan's records), goes.
    this.version(6).stores({
      progress: 'id, [planId+periodId]',
    });
    // Another tab opened a newer schema: let it upgrade, and ask this tab to reload.
    this.on('versionchange', () => {
      this.close({ disableAutoOpen: true });
      this.health.set({ state: 'upgrade', code: DB_ERROR.upgrade });
      return false;
    });
    this.on('close', () => {
      if (this.health.value.state === 'ok') {
        this.health.set({ state: 'closed', code: DB_ERROR.connectionLost });
      }
    });
  }

  /** Opens the connection again after it was lost (e.g. iOS backgrounding). */
  async reopen(): Promise<void> {
    if (!this.isOpen()) await this.open();
    this.health.set({ state: 'ok' });
  }
}
