// The session's side of the on-device database: this device's client id, the signed-in
// session with its signing key, each account's device secret, and where the pull stands (the
// cursor with the scope it was pulled for). All are meta rows, parsed when read.
import * as z from 'zod/mini';
import { deviceSecretSchema, loginResponseSchema, type LoginResponse } from '../model/protocol';
import { LAST_USER_META_KEY, SESSION_META_KEY, SIGNING_KEY_META_KEY, type OutboxAuthor, type TrackerDb } from '../db/database';
import { newId } from '../db/repository';
export const META = {
  clientId: 'sync.clientId',
  session: SESSION_META_KEY,
  cursor: 'sync.cursor',
  lastSyncAt: 'sync.lastSyncAt',
  deviceSecrets: 'sync.deviceSecrets',
} as const;

async function readMeta<T>(db: TrackerDb, key: string, schema: z.ZodMiniType<T>): Promise<T | null> {
  const row = await db.meta.get(key);
  if (!row) return null;
  const parsed = schema.safeParse(row.value);
  return parsed.success ? parsed.data : null;
}

const clientIdSchema = z.string().check(z.minLength(8));

/**
 * This device database's id in the protocol, made once. Read before every round trip, so the
 * usual case is a plain read: a write transaction on meta would queue behind any other one
 * (a cursor, a draft) and delay the push of an edit a colleague is waiting to see.
 */
export async function getClientId(db: TrackerDb): Promise<string> {
  const known = await readMeta(db, META.clientId, clientIdSchema);
  if (known) return known;
  return db.transaction('rw', db.meta, async () => {
    const existing = await readMeta(db, META.clientId, clientIdSchema);
    if (existing) return existing;
    const id = newId();
    await db.meta.put({ key: META.clientId, value: id });
    return id;
  });
}

export function getSession(db: TrackerDb): Promise<LoginResponse | null> {
  return readMeta(db, META.session, loginResponseSchema);
}

/**
 * Stores the signed-in session with the person's signing key (outbox-seal.ts), or forgets both
 * (sign-out; the key never outlives the session on the device). Signing in also records the
 * person as the device's last user. Entries are never given an author or a seal here: whatever
 * this device's storage says about them (a missing author, an earlier session, an earlier key)
 * could have been written by someone else with the browser's tools, so an entry is sent only if
 * it carries a seal made with its author's key when it was written (the same password gives the
 * same key at the next login).
 */
export async function setSession(db: TrackerDb, session: LoginResponse | null, signingKey?: string): Promise<void> {
  if (!session) {
    await db.meta.bulkDelete([META.session, SIGNING_KEY_META_KEY]);
    return;
  }
  const author: OutboxAuthor = { id: session.user.id, name: session.user.name };
  await db.transaction('rw', db.meta, async () => {
    await db.meta.bulkPut([
      { key: META.session, value: session },
      { key: LAST_USER_META_KEY, value: { user: author } },
    ]);
    if (signingKey) await db.meta.put({ key: SIGNING_KEY_META_KEY, value: { userId: author.id, key: signingKey } });
    else await db.meta.delete(SIGNING_KEY_META_KEY);
  });
}

/**
 * The device secret each account got at its last login here (by lower-cased email), sent with
 * its next login so that its owner is never throttled out by others' guesses. Kept across
 * sign-out: that is when it is needed.
 */
const deviceSecretsSchema = z.record(z.string(), deviceSecretSchema);
const deviceSecretKey = (email: string) => email.trim().toLowerCase();

export async function getDeviceSecret(db: TrackerDb, email: string): Promise<string | null> {
  const secrets = await readMeta(db, META.deviceSecrets, deviceSecretsSchema);
  return secrets?.[deviceSecretKey(email)] ?? null;
}

export function setDeviceSecret(db: TrackerDb, email: string, secret: string): Promise<void> {
  return db.transaction('rw', db.meta, async () => {
    const secrets = (await readMeta(db, META.deviceSecrets, deviceSecretsSchema)) ?? {};
    await db.meta.put({ key: META.deviceSecrets, value: { ...secrets, [deviceSecretKey(email)]: secret } });
  });
}

/**
 * Where the pull stands, and for whom: a cursor only means something for the branches it was
 * pulled with, so it is kept with that scope (see scopeOf).
 */
export interface SavedCursor {
  cursor: string;
  scope: string;
}

const savedCursorSchema = z.object({ cursor: z.string(), scope: z.string() });

export function getCursor(db: TrackerDb): Promise<SavedCursor | null> {
  return readMeta(db, META.cursor, savedCursorSchema);
}

/** The scope of a session's pull: its user and the branches it reads. */
export function scopeOf(session: LoginResponse): string {
  return JSON.stringify([session.user.id, session.branches.map((b) => b.id).sort()]);
}

export function getLastSyncAt(db: TrackerDb): Promise<string | null> {
  return readMeta(db, META.lastSyncAt, z.string());
}
