// Accounts and sessions: scrypt password hashes, bearer tokens (random, stored only as their
// SHA-256, with expiry and revocation), login with throttling of failed attempts, and the
// authentication of a request. The token alone decides which branches a request may touch.
import { createHash, randomBytes, randomUUID, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import type { LoginResponse, Role } from '../sync/protocol';
import type { Storage, User } from './storage/storage';

export const TOKEN_TTL_MS = 30 * 24 * 60 * 60 * 1000;
/** Failed logins of one email within the window after which login answers 429 until it passes. */
export const LOGIN_THROTTLE = { failures: 5, windowMs: 15 * 60 * 1000 } as const;
export const MIN_PASSWORD_LENGTH = 8;

const SCRYPT = { N: 16384, r: 8, p: 1, keylen: 32, saltBytes: 16 } as const;
/** Upper bounds for parameters read back from a stored hash. */
const SCRYPT_MAX_N = 1 << 20;

function scrypt(password: string, salt: Buffer, keylen: number, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => scryptCb(password.normalize('NFC'), salt, keylen, options, (err, key) => (err ? reject(err) : resolve(key))));
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(SCRYPT.saltBytes);
  const key = await scrypt(password, salt, SCRYPT.keylen, { N: SCRYPT.N, r: SCRYPT.r, p: SCRYPT.p });
  return `scrypt$${SCRYPT.N}$${SCRYPT.r}$${SCRYPT.p}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [N, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  if (![N, r, p].every(Number.isSafeInteger) || N > SCRYPT_MAX_N || r > 32 || p > 16) return false;
  const salt = Buffer.from(parts[4]!, 'base64url');
  const expected = Buffer.from(parts[5]!, 'base64url');
  if (expected.length === 0) return false;
  const key = await scrypt(password, salt, expected.length, { N, r, p, maxmem: 256 * N * r + 1024 * 1024 });
  return timingSafeEqual(key, expected);
}

/**
 * Compared against when the email is unknown, so a wrong email costs as long as a wrong
 * password. The hash of a random password nobody kept.
 */
const DUMMY_HASH = 'scrypt$16384$8$1$aSIEQ3J3T9mvKObNcEHaxA$k7pfHN75VZ7snBT4IupClwwLXkbNu6hSxURYPX6AhAw';

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export function newToken(): { token: string; hash: string } {
  const token = randomBytes(32).toString('base64url');
  return { token, hash: hashToken(token) };
}

export function generatePassword(): string {
  return randomBytes(12).toString('base64url');
}

export async function createUser(storage: Storage, input: { email: string; name: string; password: string }, now: Date): Promise<User> {
  if (input.password.length < MIN_PASSWORD_LENGTH) throw new AccountError(`password must be at least ${MIN_PASSWORD_LENGTH} characters`);
  const email = normalizeEmail(input.email);
  if (!/^[^\s@]+@[^\s@]+$/.test(email)) throw new AccountError(`not an email address: ${input.email}`);
  const name = input.name.trim();
  if (!name) throw new AccountError('the name is empty');
  const user: User = { id: randomUUID(), email, name, passwordHash: await hashPassword(input.password), createdAt: now.toISOString() };
  await storage.addUser(user);
  return user;
}

export class AccountError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AccountError';
  }
}

export type LoginOutcome = { ok: true; response: LoginResponse; userId: string } | { ok: false; code: 'unauthorized' | 'too_many_attempts' };

export async function login(storage: Storage, emailInput: string, password: string, now: Date): Promise<LoginOutcome> {
  const email = normalizeEmail(emailInput);
  const since = new Date(now.getTime() - LOGIN_THROTTLE.windowMs).toISOString();
  if ((await storage.countLoginFailures(email, since)) >= LOGIN_THROTTLE.failures) return { ok: false, code: 'too_many_attempts' };
  const user = await storage.getUserByEmail(email);
  const valid = await verifyPassword(password, user?.passwordHash ?? DUMMY_HASH);
  if (!user || !valid) {
    await storage.addLoginFailure(email, now.toISOString(), since);
    return { ok: false, code: 'unauthorized' };
  }
  await storage.clearLoginFailures(email);
  const { token, hash } = newToken();
  const expiresAt = new Date(now.getTime() + TOKEN_TTL_MS).toISOString();
  await storage.addToken({ hash, userId: user.id, createdAt: now.toISOString(), expiresAt, revokedAt: null });
  const memberships = await storage.membershipsOf(user.id);
  const branches: LoginResponse['branches'] = [];
  for (const m of memberships) {
    const branch = await storage.getBranch(m.branchId);
    if (branch) branches.push({ id: branch.id, name: branch.name, role: m.role });
  }
  return { ok: true, userId: user.id, response: { token, expiresAt, user: { id: user.id, email: user.email, name: user.name }, branches } };
}

export interface Principal {
  user: User;
  /** Role per branch id: the branches this token may read and write. */
  roles: ReadonlyMap<string, Role>;
}

export type AuthOutcome = { ok: true; principal: Principal } | { ok: false; code: 'unauthorized' | 'token_expired'; message: string };

export async function authenticate(storage: Storage, authorization: string | undefined, now: Date): Promise<AuthOutcome> {
  const match = /^Bearer ([A-Za-z0-9_-]{20,200})$/.exec(authorization?.trim() ?? '');
  if (!match) return { ok: false, code: 'unauthorized', message: 'Authorization: Bearer <token> is required' };
  const session = await storage.getSession(hashToken(match[1]!));
  if (!session || session.token.revokedAt !== null) return { ok: false, code: 'unauthorized', message: 'the token is not valid; log in again' };
  if (session.token.expiresAt <= now.toISOString()) return { ok: false, code: 'token_expired', message: 'the token has expired; log in again' };
  const { user, memberships } = session;
  return { ok: true, principal: { user, roles: new Map(memberships.map((m) => [m.branchId, m.role])) } };
}
