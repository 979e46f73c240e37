// Accounts and sessions: scrypt password hashes, bearer tokens (random, stored only as their
// SHA-256, with expiry and revocation), login and password change with throttling of failed
// attempts per account and per client address, and the authentication of a request. The token
// alone decides which branches a request may touch.
import { createHash, randomBytes, randomUUID, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { PASSWORD_LENGTH, type LoginResponse, type Role } from '../sync/protocol';
import { addressGroup } from './security';
import type { Storage, User } from './storage/storage';

export const TOKEN_TTL_MS = 30 * 24 * 60 * 60 * 1000;
/** Failed logins of one email within the window after which login answers 429 until it passes. */
export const LOGIN_THROTTLE = { failures: 5, windowMs: 15 * 60 * 1000 } as const;
/**
 * Failed logins from one client address within the window after which it gets 429 for every
 * account: higher than an account's, as an office shares one address behind its NAT, but it
 * bounds guessing across many accounts.
 */
export const ADDRESS_THROTTLE = { failures: 30, windowMs: 15 * 60 * 1000 } as const;
export const MIN_PASSWORD_LENGTH = PASSWORD_LENGTH.min;
/** A branch id: safe in a path, a file name and a log line. */
export const BRANCH_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

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

export type ThrottledOutcome = { ok: false; code: 'too_many_attempts'; retryAfterSeconds: number };
export type LoginOutcome = { ok: true; response: LoginResponse; userId: string } | { ok: false; code: 'unauthorized' } | ThrottledOutcome;

/**
 * Attempts are counted in the database (login_failures), so every server instance sees them.
 * An address is counted under a key no email can take (it has no '@'); a name without '@' is
 * no account, so its failures count for the address alone and cannot throttle an address.
 *
 * An attempt is written down as a failure before its password is checked, and checked against
 * the limit with itself included: attempts that arrive at once (scrypt takes ~50 ms, and another
 * server instance may be checking at the same moment) see one another, so at most the limit of
 * them get a password checked; those found over the limit are refused and stay counted (more
 * attempts at once than the limit are what the throttle is for). Once the password proves right
 * the rows are taken back: for the account by clearing its failures (a right password forgives
 * them, as it always did), for the address by an "undone" row of the same time under a key of
 * its own, which no email can take either (it has no '@') and which ages out of the window with it.
 */
const addressKey = (address: string) => `address:${addressGroup(address)}`;
const accountKey = (email: string) => (email.includes('@') ? email : null);
const undoneKey = (key: string) => `undone:${encodeURIComponent(key)}`;

type Limit = { readonly failures: number; readonly windowMs: number };
interface Counter {
  kind: 'address' | 'account';
  key: string;
  limit: Limit;
}

/** What an attempt is counted under: its address, then its account. */
function countersOf(email: string, address: string | null): Counter[] {
  const counters: Counter[] = [];
  if (address !== null) counters.push({ kind: 'address', key: addressKey(address), limit: ADDRESS_THROTTLE });
  const account = accountKey(email);
  if (account !== null) counters.push({ kind: 'account', key: account, limit: LOGIN_THROTTLE });
  return counters;
}

/** Rows older than this are of no window any more; each write forgets them. */
const forgetBefore = (now: Date) => new Date(now.getTime() - Math.max(LOGIN_THROTTLE.windowMs, ADDRESS_THROTTLE.windowMs)).toISOString();

/**
 * Attempts counted under `key` within the window and not taken back. An address's "undone" rows
 * are read first: each was written after its attempt's row, so the attempts read next include
 * it, and a write in between can only make the answer too high, never too low.
 */
async function counted(storage: Storage, { kind, key, limit }: Counter, now: Date): Promise<number> {
  const since = new Date(now.getTime() - limit.windowMs).toISOString();
  const undone = kind === 'address' ? await storage.countLoginFailures(undoneKey(key), since) : 0;
  return (await storage.countLoginFailures(key, since)) - undone;
}

/** Retry-After is an upper bound: the count falls below the limit once the oldest counted failure is out of the window. */
const tooMany = (limit: Limit): ThrottledOutcome => ({ ok: false, code: 'too_many_attempts', retryAfterSeconds: Math.ceil(limit.windowMs / 1000) });

/** An attempt let through the throttle: its rows, written at `at`, count as failures until settled. */
interface Attempt {
  counters: Counter[];
  at: string;
}

/**
 * Lets an attempt through the throttle, or refuses it. An attempt is let through only when,
 * counting itself and every attempt written before its count was read, it is within every limit:
 * however attempts interleave, at most the limit of them are let through in a window.
 */
async function beginAttempt(storage: Storage, email: string, address: string | null, now: Date): Promise<Attempt | ThrottledOutcome> {
  const counters = countersOf(email, address);
  // Already at the limit: refused without writing anything, so hammering a throttled account or
  // address neither fills the table nor moves the end of its window.
  for (const c of counters) if ((await counted(storage, c, now)) >= c.limit.failures) return tooMany(c.limit);
  const at = now.toISOString();
  for (const c of counters) await storage.addLoginFailure(c.key, at, forgetBefore(now));
  // Others got there first: refused, and counted like them.
  for (const c of counters) if ((await counted(storage, c, now)) > c.limit.failures) return tooMany(c.limit);
  return { counters, at };
}

/**
 * The password was right: the account's failures are forgiven, and the address's row of this
 * attempt is taken back. A wrong password needs nothing: its rows are the failure.
 */
async function attemptSucceeded(storage: Storage, attempt: Attempt, now: Date): Promise<void> {
  for (const { kind, key } of attempt.counters) {
    if (kind === 'account') {
      await storage.clearLoginFailures(key);
    } else {
      await storage.addLoginFailure(undoneKey(key), attempt.at, forgetBefore(now));
    }
  }
}

const isAttempt = (outcome: Attempt | ThrottledOutcome): outcome is Attempt => 'counters' in outcome;

/** How many attempts of one address, and of one account, this process checks at a time. */
export const ATTEMPTS_AT_ONCE = { address: 4, account: 1 } as const;

/**
 * Runs the attempts of one address (and of one account) a few at a time in this process; the
 * rest wait their turn. The throttle counts an attempt from the moment it starts, so without
 * this a burst of right passwords from one office (one address behind its router) would count
 * as that many failures while their passwords are checked, and refuse the last of them. A burst
 * of guesses is still refused as soon as the failures reach the limit. One per app instance.
 */
export class AttemptGate {
  private readonly running = new Map<string, number>();
  private readonly queued = new Map<string, (() => void)[]>();

  async run<T>(email: string, address: string | null, fn: () => Promise<T>): Promise<T> {
    // Always address first, then account: two attempts never wait for each other in a circle.
    const slots: [string, number][] = [];
    if (address !== null) slots.push([addressKey(address), ATTEMPTS_AT_ONCE.address]);
    const account = accountKey(email);
    if (account !== null) slots.push([account, ATTEMPTS_AT_ONCE.account]);
    const held: string[] = [];
    try {
      for (const [key, max] of slots) {
        await this.acquire(key, max);
        held.push(key);
      }
      return await fn();
    } finally {
      for (const key of held.reverse()) this.release(key);
    }
  }

  private acquire(key: string, max: number): Promise<void> {
    const n = this.running.get(key) ?? 0;
    if (n < max) {
      this.running.set(key, n + 1);
      return Promise.resolve();
    }
    return new Promise((resolve) => this.queued.set(key, [...(this.queued.get(key) ?? []), resolve]));
  }

  private release(key: string): void {
    const waiting = this.queued.get(key);
    const next = waiting?.shift();
    if (waiting && waiting.length === 0) this.queued.delete(key);
    // The slot passes to the next in line as it is; with nobody waiting it is given back.
    if (next) next();
    else if ((this.running.get(key) ?? 1) <= 1) this.running.delete(key);
    else this.running.set(key, this.running.get(key)! - 1);
  }
}

/** A new token for this user and the answer a login gives with it. */
async function issueSession(storage: Storage, user: User, now: Date): Promise<LoginResponse> {
  const { token, hash } = newToken();
  const expiresAt = new Date(now.getTime() + TOKEN_TTL_MS).toISOString();
  await storage.addToken({ hash, userId: user.id, createdAt: now.toISOString(), expiresAt, revokedAt: null });
  const memberships = await storage.membershipsOf(user.id);
  const branches: LoginResponse['branches'] = [];
  for (const m of memberships) {
    const branch = await storage.getBranch(m.branchId);
    if (branch) branches.push({ id: branch.id, name: branch.name, role: m.role });
  }
  return { token, expiresAt, user: { id: user.id, email: user.email, name: user.name }, branches };
}

/** `address` is the client's (see security.ts), or null when unknown: then only the account is throttled. */
export async function login(storage: Storage, emailInput: string, password: string, now: Date, address: string | null, gate: AttemptGate): Promise<LoginOutcome> {
  const email = normalizeEmail(emailInput);
  return gate.run(email, address, () => checkLogin(storage, email, password, now, address));
}

async function checkLogin(storage: Storage, email: string, password: string, now: Date, address: string | null): Promise<LoginOutcome> {
  const attempt = await beginAttempt(storage, email, address, now);
  if (!isAttempt(attempt)) return attempt;
  const user = await storage.getUserByEmail(email);
  const valid = await verifyPassword(password, user?.passwordHash ?? DUMMY_HASH);
  // A failure is already counted.
  if (!user || !valid) return { ok: false, code: 'unauthorized' };
  await attemptSucceeded(storage, attempt, now);
  return { ok: true, userId: user.id, response: await issueSession(storage, user, now) };
}

export type PasswordChangeOutcome = { ok: true; response: LoginResponse } | { ok: false; code: 'wrong_password' | 'same_password' } | ThrottledOutcome;

/**
 * The signed-in user sets a new password (its length checked by passwordChangeRequestSchema),
 * proving the current one: a stolen token alone must not take the account over, and failures
 * count as failed logins. Every token of the user is revoked, other devices' too, and this
 * device gets a new one.
 */
export async function changePassword(storage: Storage, user: User, input: { currentPassword: string; newPassword: string }, now: Date, address: string | null, gate: AttemptGate): Promise<PasswordChangeOutcome> {
  return gate.run(user.email, address, () => checkPasswordChange(storage, user, input, now, address));
}

async function checkPasswordChange(storage: Storage, user: User, input: { currentPassword: string; newPassword: string }, now: Date, address: string | null): Promise<PasswordChangeOutcome> {
  const attempt = await beginAttempt(storage, user.email, address, now);
  if (!isAttempt(attempt)) return attempt;
  // A failure is already counted.
  if (!(await verifyPassword(input.currentPassword, user.passwordHash))) return { ok: false, code: 'wrong_password' };
  await attemptSucceeded(storage, attempt, now);
  if (input.newPassword.normalize('NFC') === input.currentPassword.normalize('NFC')) return { ok: false, code: 'same_password' };
  await storage.setPasswordHash(user.id, await hashPassword(input.newPassword));
  await storage.revokeTokensOf(user.id, now.toISOString());
  return { ok: true, response: await issueSession(storage, user, now) };
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
