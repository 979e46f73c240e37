// Accounts and sessions: scrypt password hashes, bearer tokens (random, stored only as their
// SHA-256, with expiry and revocation), login and password change with throttling of failed
// attempts per account and per client address, and the authentication of a request. The token
// alone decides which branches a request may touch.
import { createHash, randomBytes, randomUUID, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { PASSWORD_LENGTH, type LoginResponse, type Role } from '../model/protocol';
import { addressGroup } from './security';
import type { AccountStore, User } from './storage/storage';

export const TOKEN_TTL_MS = 30 * 24 * 60 * 60 * 1000;

/**
 * How failed logins slow guessing (docs/sync-protocol.md, "Throttling"). After `free` failures
 * counted under one key, the next attempt must wait `firstDelayMs` after the latest failure, and
 * the wait doubles with each further failure up to `maxDelayMs`: guessing is slowed to one try per
 * cap, and nobody is ever locked out for longer than the cap. Attempts that come while the delay
 * runs are answered 429 with Retry-After, and counted as nothing.
 */
export interface Throttle {
  readonly free: number;
  readonly firstDelayMs: number;
  readonly maxDelayMs: number;
}
/** Failures of one account (and of one device's secret). */
export const ACCOUNT_THROTTLE: Throttle = { free: 5, firstDelayMs: 1000, maxDelayMs: 5 * 60 * 1000 };
/**
 * Failures from one client address: more of them free, as an office shares one address behind
 * its NAT, but it bounds guessing across many accounts. One account adds at most `perAccount`
 * of its failures, so one person (or one guesser) at one account never slows their colleagues;
 * and its cap is short, as a colleague on a new device waits it out too.
 */
export const ADDRESS_THROTTLE: Throttle & { readonly perAccount: number } = { free: 30, firstDelayMs: 1000, maxDelayMs: 60 * 1000, perAccount: 3 };
/** Failures older than this are forgotten; a successful login forgets its account's at once. */
export const FAILURE_MEMORY_MS = 24 * 60 * 60 * 1000;

/** How long after the latest of `failures` the next attempt must wait. */
export function throttleDelayMs(throttle: Throttle, failures: number): number {
  if (failures < throttle.free) return 0;
  // 2^31 ms is weeks: far beyond any cap, and no overflow of the shift.
  return Math.min(throttle.firstDelayMs * 2 ** Math.min(failures - throttle.free, 31), throttle.maxDelayMs);
}
export const MIN_PASSWORD_LENGTH = PASSWORD_LENGTH.min;
/** A branch id: safe in a path, a file name and a log line. */
export const BRANCH_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

/** The cost of a password hash: scrypt's N (a power of two), r and p. */
export interface PasswordCost {
  readonly N: number;
  readonly r: number;
  readonly p: number;
}
/**
 * OWASP's minimum for scrypt. Each hash takes about 128 MiB (128·N·r bytes) for a moment.
 * Tests pass a lower cost explicitly (to createUser, createApp, the admin command) so that
 * the many users they make do not each cost this much.
 */
export const PASSWORD_COST: PasswordCost = { N: 2 ** 17, r: 8, p: 1 };
const SCRYPT = { keylen: 32, saltBytes: 16 } as const;
/** Upper bounds for parameters read back from a stored hash. */
const SCRYPT_MAX_N = 1 << 20;

function scrypt(password: string, salt: Buffer, keylen: number, { N, r, p }: PasswordCost): Promise<Buffer> {
  // Node refuses above 32 MiB by default; N = 2^17 needs 128 MiB.
  const options: ScryptOptions = { N, r, p, maxmem: 256 * N * r + 1024 * 1024 };
  return new Promise((resolve, reject) => scryptCb(password.normalize('NFC'), salt, keylen, options, (err, key) => (err ? reject(err) : resolve(key))));
}

/** `scrypt$N$r$p$salt$key`: the parameters are kept with the hash, so they can be raised later. */
export async function hashPassword(password: string, cost: PasswordCost = PASSWORD_COST): Promise<string> {
  const salt = randomBytes(SCRYPT.saltBytes);
  const key = await scrypt(password, salt, SCRYPT.keylen, cost);
  return `scrypt$${cost.N}$${cost.r}$${cost.p}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

/** The cost a stored hash was made with, or null when it is not one of ours. */
function costOf(stored: string): PasswordCost | null {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return null;
  const [N, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  if (![N, r, p].every(Number.isSafeInteger) || N < 2 || N > SCRYPT_MAX_N || r < 1 || r > 32 || p < 1 || p > 16) return null;
  return { N, r, p };
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const cost = costOf(stored);
  if (cost === null) return false;
  const parts = stored.split('$');
  const salt = Buffer.from(parts[4]!, 'base64url');
  const expected = Buffer.from(parts[5]!, 'base64url');
  if (expected.length === 0) return false;
  const key = await scrypt(password, salt, expected.length, cost);
  return timingSafeEqual(key, expected);
}

/** A stored hash made with less than `cost` in any parameter: rehashed at the next successful login. */
export function needsRehash(stored: string, cost: PasswordCost): boolean {
  const was = costOf(stored);
  return was === null || was.N < cost.N || was.r < cost.r || was.p < cost.p;
}

/**
 * Compared against when the email is unknown, so a wrong email costs as long as a wrong
 * password (at the same cost). A salt and key nobody's password gives.
 */
const dummyHash = ({ N, r, p }: PasswordCost) => `scrypt$${N}$${r}$${p}$aSIEQ3J3T9mvKObNcEHaxA$k7pfHN75VZ7snBT4IupClwwLXkbNu6hSxURYPX6AhAw`;

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

export async function createUser(
  storage: AccountStore,
  input: { email: string; name: string; password: string },
  now: Date,
  cost: PasswordCost = PASSWORD_COST,
): Promise<User> {
  if (input.password.length < MIN_PASSWORD_LENGTH) throw new AccountError(`password must be at least ${MIN_PASSWORD_LENGTH} characters`);
  const email = normalizeEmail(input.email);
  if (!/^[^\s@]+@[^\s@]+$/.test(email)) throw new AccountError(`not an email address: ${input.email}`);
  const name = input.name.trim();
  if (!name) throw new AccountError('the name is empty');
  const user: User = { id: randomUUID(), email, name, passwordHash: await hashPassword(input.password, cost), createdAt: now.toISOString() };
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
 * An address is counted under a key no email can take (it has no '@'), and so is a device's
 * secret; a name without '@' is no account, so its failures count for the address alone.
 *
 * An attempt is written down as a failure before its password is checked, and checked again
 * with itself included: attempts that arrive at once (scrypt takes a while, and another server
 * instance may be checking at the same moment) see one another, so at most the free number of
 * them get a password checked; those found over it are refused and stay counted. Once the
 * password proves right the rows are taken back: for the account (or device) by clearing its
 * failures, for the address by an "undone" row of the same time under a key of its own, which no
 * email can take either and which ages out with it.
 */
const addressKey = (address: string) => `address:${addressGroup(address)}`;
const accountKey = (email: string) => (email.includes('@') ? email : null);
const deviceKey = (secretHash: string) => `device:${secretHash}`;
const undoneKey = (key: string) => `undone:${encodeURIComponent(key)}`;

interface Counter {
  kind: 'address' | 'account' | 'device';
  key: string;
  throttle: Throttle;
  /** Whether this attempt is written down under the key, or only checked against it. */
  counts: boolean;
}

const since = (now: Date) => new Date(now.getTime() - FAILURE_MEMORY_MS).toISOString();

/**
 * Attempts counted under `counter` and not taken back. An address's "undone" rows are read
 * first: each was written after its attempt's row, so the attempts read next include it, and a
 * write in between can only make the answer too high, never too low.
 */
async function counted(storage: AccountStore, { kind, key }: Counter, now: Date): Promise<number> {
  const undone = kind === 'address' ? await storage.countLoginFailures(undoneKey(key), since(now)) : 0;
  return (await storage.countLoginFailures(key, since(now))) - undone;
}

const tooMany = (waitMs: number): ThrottledOutcome => ({ ok: false, code: 'too_many_attempts', retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)) });

/** An attempt let through the throttle: its rows, written at `at`, count as failures until settled. */
interface Attempt {
  counters: Counter[];
  at: string;
}

/**
 * What an attempt is checked and counted under. With a valid device secret, that device alone:
 * its owner gets through whatever others guessed at the account or from the address, while a
 * stolen secret still buys only slowed guesses. Otherwise the address and the account; an
 * account that has already added its share of failures at the address adds no more there.
 */
async function countersOf(storage: AccountStore, email: string, address: string | null, device: string | null, now: Date): Promise<Counter[]> {
  if (device !== null) return [{ kind: 'device', key: deviceKey(device), throttle: ACCOUNT_THROTTLE, counts: true }];
  const account = accountKey(email);
  const accountCounter: Counter | null = account === null ? null : { kind: 'account', key: account, throttle: ACCOUNT_THROTTLE, counts: true };
  const counters: Counter[] = [];
  if (address !== null) {
    const share = accountCounter === null ? 0 : await counted(storage, accountCounter, now);
    counters.push({ kind: 'address', key: addressKey(address), throttle: ADDRESS_THROTTLE, counts: share < ADDRESS_THROTTLE.perAccount });
  }
  if (accountCounter !== null) counters.push(accountCounter);
  return counters;
}

/**
 * Lets an attempt through the throttle, or refuses it. An attempt is let through when, for every
 * key, the delay since its latest failure has run. It is then written down and counted once
 * more: if attempts of the same key were written meanwhile and, with them, the key is past its
 * free attempts, it is refused (another attempt got there first) and stays counted.
 */
async function beginAttempt(
  storage: AccountStore,
  email: string,
  address: string | null,
  device: string | null,
  now: Date,
): Promise<Attempt | ThrottledOutcome> {
  const counters = await countersOf(storage, email, address, device, now);
  const before = new Map<Counter, number>();
  for (const c of counters) {
    const n = await counted(storage, c, now);
    const delay = throttleDelayMs(c.throttle, n);
    const latest = delay > 0 ? await storage.latestLoginFailure(c.key, since(now)) : null;
    const wait = latest === null ? 0 : Date.parse(latest) + delay - now.getTime();
    // Still waiting: refused without writing anything, so hammering a slowed key neither fills
    // the table nor pushes its delay on.
    if (wait > 0) return tooMany(wait);
    before.set(c, n);
  }
  const at = now.toISOString();
  const written = counters.filter((c) => c.counts);
  for (const c of written) await storage.addLoginFailure(c.key, at, since(now));
  for (const c of written) {
    const others = (await counted(storage, c, now)) - 1;
    if (others > before.get(c)! && throttleDelayMs(c.throttle, others) > 0) return tooMany(throttleDelayMs(c.throttle, others + 1));
  }
  return { counters: written, at };
}

/**
 * The password was right: the failures of the account (or of the device, when it came with its
 * secret: then the account's stay, as someone else may be guessing at it) are forgiven, and the
 * address's row of this attempt is taken back. A wrong password needs nothing: its rows are the
 * failure.
 */
async function attemptSucceeded(storage: AccountStore, attempt: Attempt, now: Date): Promise<void> {
  for (const { kind, key } of attempt.counters) {
    if (kind === 'address') await storage.addLoginFailure(undoneKey(key), attempt.at, since(now));
    else await storage.clearLoginFailures(key);
  }
}

const isAttempt = (outcome: Attempt | ThrottledOutcome): outcome is Attempt => 'counters' in outcome;

/** How many attempts of one address, of one account and of one device this process checks at a time. */
export const ATTEMPTS_AT_ONCE = { address: 4, account: 1, device: 1 } as const;

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

  async run<T>({ email, address, device }: { email: string; address: string | null; device: string | null }, fn: () => Promise<T>): Promise<T> {
    // An attempt with a valid device secret is counted under that device alone (see countersOf),
    // so it waits for no guesser's turn either.
    const slots: [string, number][] = [];
    if (device !== null) slots.push([deviceKey(device), ATTEMPTS_AT_ONCE.device]);
    // Always address first, then account: two attempts never wait for each other in a circle.
    else {
      if (address !== null) slots.push([addressKey(address), ATTEMPTS_AT_ONCE.address]);
      const account = accountKey(email);
      if (account !== null) slots.push([account, ATTEMPTS_AT_ONCE.account]);
    }
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

/** A new token for this user and the answer a login gives with it (with the device's secret when it is a login). */
async function issueSession(storage: AccountStore, user: User, now: Date, deviceSecret?: string): Promise<LoginResponse> {
  const { token, hash } = newToken();
  const expiresAt = new Date(now.getTime() + TOKEN_TTL_MS).toISOString();
  await storage.addToken({ hash, userId: user.id, createdAt: now.toISOString(), expiresAt, revokedAt: null });
  const memberships = await storage.membershipsOf(user.id);
  const branches: LoginResponse['branches'] = [];
  for (const m of memberships) {
    const branch = await storage.getBranch(m.branchId);
    if (branch) branches.push({ id: branch.id, name: branch.name, role: m.role });
  }
  return { token, expiresAt, user: { id: user.id, email: user.email, name: user.name }, branches, ...(deviceSecret !== undefined ? { deviceSecret } : {}) };
}

/**
 * The hash of `secret` when it is a device secret of the account `email`, else null (absent,
 * unknown, or another account's: then the attempt is throttled like any other).
 */
async function validDevice(storage: AccountStore, email: string, secret: string | undefined): Promise<string | null> {
  if (secret === undefined) return null;
  const hash = hashToken(secret);
  const row = await storage.getDeviceSecret(hash);
  if (!row) return null;
  const user = await storage.getUserById(row.userId);
  return user?.email === email ? hash : null;
}

/** A new device secret for this user: the device keeps it, the server only its hash. */
async function issueDeviceSecret(storage: AccountStore, userId: string, now: Date): Promise<string> {
  const { token, hash } = newToken();
  await storage.addDeviceSecret({ hash, userId, createdAt: now.toISOString() });
  return token;
}

export interface LoginInput {
  email: string;
  password: string;
  /** The secret this device got at its last successful login of the account, if any. */
  deviceSecret?: string | undefined;
}

/** What a login and a password change need besides the request: the cost new hashes get. */
export interface AccountOptions {
  now: Date;
  /** The client's (see security.ts), or null when unknown: then only the account is throttled. */
  address: string | null;
  gate: AttemptGate;
  cost: PasswordCost;
}

/**
 * A successful login answers the device's secret: the one it came with when valid, else a new
 * one; and a password hash made at a lower cost than `cost` is made again at it (only now is the
 * password at hand).
 */
export async function login(storage: AccountStore, input: LoginInput, options: AccountOptions): Promise<LoginOutcome> {
  const email = normalizeEmail(input.email);
  const device = await validDevice(storage, email, input.deviceSecret);
  return options.gate.run({ email, address: options.address, device }, () => checkLogin(storage, email, input, device, options));
}

async function checkLogin(
  storage: AccountStore,
  email: string,
  input: LoginInput,
  device: string | null,
  { now, address, cost }: AccountOptions,
): Promise<LoginOutcome> {
  const attempt = await beginAttempt(storage, email, address, device, now);
  if (!isAttempt(attempt)) return attempt;
  const user = await storage.getUserByEmail(email);
  const valid = await verifyPassword(input.password, user?.passwordHash ?? dummyHash(cost));
  // A failure is already counted.
  if (!user || !valid) return { ok: false, code: 'unauthorized' };
  await attemptSucceeded(storage, attempt, now);
  if (needsRehash(user.passwordHash, cost)) await storage.setPasswordHash(user.id, await hashPassword(input.password, cost));
  const deviceSecret = device !== null ? input.deviceSecret! : await issueDeviceSecret(storage, user.id, now);
  return { ok: true, userId: user.id, response: await issueSession(storage, user, now, deviceSecret) };
}

export type PasswordChangeOutcome = { ok: true; response: LoginResponse } | { ok: false; code: 'wrong_password' | 'same_password' } | ThrottledOutcome;

/**
 * The signed-in user sets a new password (its length checked by passwordChangeRequestSchema),
 * proving the current one: a stolen token alone must not take the account over, and failures
 * count as failed logins. Every token of the user is revoked, other devices' too, and this
 * device gets a new one.
 */
export async function changePassword(
  storage: AccountStore,
  user: User,
  input: { currentPassword: string; newPassword: string },
  options: AccountOptions,
): Promise<PasswordChangeOutcome> {
  return options.gate.run({ email: user.email, address: options.address, device: null }, () => checkPasswordChange(storage, user, input, options));
}

async function checkPasswordChange(
  storage: AccountStore,
  user: User,
  input: { currentPassword: string; newPassword: string },
  { now, address, cost }: AccountOptions,
): Promise<PasswordChangeOutcome> {
  const attempt = await beginAttempt(storage, user.email, address, null, now);
  if (!isAttempt(attempt)) return attempt;
  // The password as stored now, not as the session read it: a cached session may predate a
  // change made elsewhere, and the old password must never be enough to set a new one.
  const stored = await storage.getUserById(user.id);
  // A failure is already counted.
  if (!stored || !(await verifyPassword(input.currentPassword, stored.passwordHash))) return { ok: false, code: 'wrong_password' };
  await attemptSucceeded(storage, attempt, now);
  if (input.newPassword.normalize('NFC') === input.currentPassword.normalize('NFC')) return { ok: false, code: 'same_password' };
  await storage.setPasswordHash(user.id, await hashPassword(input.newPassword, cost));
  await storage.revokeTokensOf(user.id, now.toISOString());
  return { ok: true, response: await issueSession(storage, user, now) };
}

/**
 * Ends the session of the token in `authorization` (a sign-out). A token already revoked or
 * expired is answered as done: sign-out is retried by devices that lost the first answer. A
 * token this server never issued is refused like any request with it.
 */
export async function logout(
  storage: AccountStore,
  authorization: string | undefined,
  now: Date,
): Promise<{ ok: true; userId: string } | { ok: false; message: string }> {
  const token = bearerToken(authorization);
  if (token === null) return { ok: false, message: 'Authorization: Bearer <token> is required' };
  const hash = hashToken(token);
  const row = await storage.getToken(hash);
  if (!row) return { ok: false, message: 'the token is not valid' };
  await storage.revokeToken(hash, now.toISOString());
  return { ok: true, userId: row.userId };
}

const bearerToken = (authorization: string | undefined): string | null => /^Bearer ([A-Za-z0-9_-]{20,200})$/.exec(authorization?.trim() ?? '')?.[1] ?? null;

export interface Principal {
  user: User;
  /** Role per branch id: the branches this token may read and write. */
  roles: ReadonlyMap<string, Role>;
  /** When the token expires (ISO 8601). */
  expiresAt: string;
}

export type AuthOutcome = { ok: true; principal: Principal } | { ok: false; code: 'unauthorized' | 'token_expired'; message: string };

export async function authenticate(storage: AccountStore, authorization: string | undefined, now: Date): Promise<AuthOutcome> {
  const token = bearerToken(authorization);
  if (token === null) return { ok: false, code: 'unauthorized', message: 'Authorization: Bearer <token> is required' };
  const session = await storage.getSession(hashToken(token));
  if (!session || session.token.revokedAt !== null) return { ok: false, code: 'unauthorized', message: 'the token is not valid; log in again' };
  if (session.token.expiresAt <= now.toISOString()) return { ok: false, code: 'token_expired', message: 'the token has expired; log in again' };
  const { user, memberships } = session;
  return { ok: true, principal: { user, roles: new Map(memberships.map((m) => [m.branchId, m.role])), expiresAt: session.token.expiresAt } };
}
