// The most recent changes, as the bytes a pull sends, kept in memory by the storage: with many
// devices every change is pulled by every device, and serving those pulls from here instead of
// reading and encoding the same rows again is most of a round trip's cost. There is one window
// per branch (versions are per branch, storage.ts). A window only answers when it can prove it
// is complete: it holds every change of its branch with a version in (base, last], and `last`
// equals the version the storage knows the branch has reached (SQLite: its counter, as this
// process committed it, read again after another process wrote; PostgreSQL: what this instance
// committed, the counter read with a catch-up's rows, or at least every second). Otherwise the
// caller reads what is missing from the database. Windows are bounded in entries and in bytes,
// each and all together (big records, e.g. conflicts of long texts, must not hold the server's
// memory), and so are the pages they serve.
import type { BranchVersions, EncodedChangePage, EncodedPullPage } from './storage';

export interface WindowChange {
  key: string;
  branchId: string;
  version: number;
  /** The change as a sync response carries it (see encodeChange). */
  bytes: Uint8Array;
}

interface Entry extends WindowChange {
  /** Rewritten since: the record now lives at a higher version. */
  superseded: boolean;
}

const encoder = new TextEncoder();

/** A change's JSON as bytes in memory of their own size, as a window holds them (see ownBytes). */
export function changeBytes(json: string): Uint8Array {
  return encoder.encode(json);
}

/**
 * The bytes in memory of their own size. A small Buffer (Buffer.from) is a slice of a shared
 * 8 KiB slab, and holding the slice holds the whole slab: a window of such changes held about
 * 8 KiB each, whatever their size, out of sight of its byte bound.
 */
function ownBytes(bytes: Uint8Array): Uint8Array {
  return bytes.byteLength === bytes.buffer.byteLength ? bytes : new Uint8Array(bytes);
}

export class ChangeWindow {
  private entries: Entry[] = [];
  private readonly latest = new Map<string, Entry>();
  private supersededCount = 0;
  /** The bytes of the entries' changes. */
  private bytes = 0;
  private base: number;
  private last: number;

  constructor(
    version: number,
    private readonly maxEntries = 50_000,
    private readonly maxBytes = 16 * 1024 * 1024,
  ) {
    this.base = version;
    this.last = version;
  }

  get lastVersion(): number {
    return this.last;
  }

  /** Forgets everything: the window covers nothing below `version`. */
  reset(version: number): void {
    this.entries = [];
    this.latest.clear();
    this.supersededCount = 0;
    this.bytes = 0;
    this.base = version;
    this.last = version;
  }

  /** The bytes of the changes held (for tests and the benchmark). */
  get heldBytes(): number {
    return this.bytes;
  }

  /** The changes held, rewritten ones included until they are dropped. */
  get heldEntries(): number {
    return this.entries.length;
  }

  /**
   * Adds the changes with a version in (from, to], in version order: every change of the branch
   * in that range (a version missing from them was rewritten within it). Returns false, and
   * changes nothing, when the window does not reach `from` (a change in between is missing).
   */
  append(changes: readonly WindowChange[], from: number, to: number): boolean {
    if (from !== this.last || to < from) return false;
    for (const c of changes) {
      const before = this.latest.get(c.key);
      if (before) {
        before.superseded = true;
        this.supersededCount++;
      }
      // Spelled out, not spread: a spread gave every entry a hidden class of its own (some 200 bytes each).
      const entry: Entry = { key: c.key, branchId: c.branchId, version: c.version, bytes: ownBytes(c.bytes), superseded: false };
      this.entries.push(entry);
      this.bytes += entry.bytes.length;
      this.latest.set(c.key, entry);
    }
    this.last = to;
    this.trim();
    return true;
  }

  private trim(): void {
    // Over a bound: drop the oldest until both are a quarter below their limit.
    if (this.entries.length > this.maxEntries || this.bytes > this.maxBytes) this.dropOldest(Math.floor(this.maxEntries * 0.75), this.maxBytes * 0.75);
    // Dropping the rewritten entries costs a pass over all, so it waits until they are a quarter
    // of them (not half: most edits also add a history record, which is never rewritten).
    if (this.supersededCount > 64 && this.supersededCount * 4 > this.entries.length) {
      this.entries = this.entries.filter((e) => !e.superseded);
      this.bytes = this.entries.reduce((sum, e) => sum + e.bytes.length, 0);
      this.supersededCount = 0;
    }
  }

  /** Drops the oldest changes until at most `entries` and `bytes` are held: the window then covers nothing below the last one dropped. */
  dropOldest(entries: number, bytes: number): void {
    let drop = Math.max(0, this.entries.length - entries);
    let held = this.bytes;
    for (let i = 0; i < drop; i++) held -= this.entries[i]!.bytes.length;
    while (drop < this.entries.length && held > bytes) held -= this.entries[drop++]!.bytes.length;
    if (drop === 0) return;
    for (const e of this.entries.slice(0, drop)) {
      if (this.latest.get(e.key) === e) this.latest.delete(e.key);
      else if (e.superseded) this.supersededCount--;
    }
    this.base = drop === this.entries.length ? this.last : this.entries[drop - 1]!.version;
    this.entries = this.entries.slice(drop);
    this.bytes = held;
  }

  /**
   * The changes after `after` in these branches, or null when the window cannot answer for
   * certain (the cursor is older than the window, or the database moved on without it).
   */
  page(branchIds: ReadonlySet<string>, after: number, limit: number, maxBytes: number, databaseVersion: number): EncodedChangePage | null {
    if (databaseVersion !== this.last || after < this.base || after > this.last) return null;
    let lo = 0;
    let hi = this.entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.entries[mid]!.version <= after) lo = mid + 1;
      else hi = mid;
    }
    const parts: Uint8Array[] = [];
    let count = 0;
    let bytes = 0;
    let lastVersion: number | null = null;
    let hasMore = false;
    for (let i = lo; i < this.entries.length; i++) {
      const e = this.entries[i]!;
      if (e.superseded || !branchIds.has(e.branchId)) continue;
      if (count === limit || (count > 0 && bytes + 1 + e.bytes.length > maxBytes)) {
        hasMore = true;
        break;
      }
      if (count++) {
        parts.push(COMMA);
        bytes++;
      }
      parts.push(e.bytes);
      bytes += e.bytes.length;
      lastVersion = e.version;
    }
    return { chunks: parts, count, lastVersion, hasMore };
  }
}

const COMMA = new Uint8Array([0x2c]);

/** Per branch at most: a busy meeting's edits, and what the pulls after a signal ask for is the last few. */
const BRANCH_WINDOW_ENTRIES = 10_000;
const BRANCH_WINDOW_BYTES = 4 * 1024 * 1024;
/**
 * All branches together at most (some fifty in a deployment): about 24 MiB of changes and
 * 50,000 entries of a few hundred bytes each besides, some 40 MB an instance once the windows
 * have filled at the pace of the edits; then the busiest window gives up its older half.
 */
const TOTAL_ENTRIES = 50_000;
const TOTAL_BYTES = 24 * 1024 * 1024;

export interface WindowsHeld {
  entries: number;
  bytes: number;
}

/** The windows of every branch this storage has served or written, within bounds of their own and together. */
export class BranchWindows {
  private readonly windows = new Map<string, ChangeWindow>();
  private entries = 0;
  private bytes = 0;

  constructor(
    private readonly maxEntries = BRANCH_WINDOW_ENTRIES,
    private readonly maxBytes = BRANCH_WINDOW_BYTES,
    private readonly totalEntries = TOTAL_ENTRIES,
    private readonly totalBytes = TOTAL_BYTES,
  ) {}

  /** The version up to which the branch's window is complete; undefined when there is none. */
  lastVersion(branch: string): number | undefined {
    return this.windows.get(branch)?.lastVersion;
  }

  /** Adds a branch's changes in (from, to]; false when the window does not reach `from`. A new window starts at `from`. */
  append(branch: string, changes: readonly WindowChange[], from: number, to: number): boolean {
    let window = this.windows.get(branch);
    if (!window) {
      window = new ChangeWindow(from, this.maxEntries, this.maxBytes);
      this.windows.set(branch, window);
    }
    const appended = this.counting(window, () => window.append(changes, from, to));
    if (this.entries > this.totalEntries || this.bytes > this.totalBytes) this.shrink();
    return appended;
  }

  /** Forgets the branch's changes: its window covers nothing below `version`. */
  reset(branch: string, version: number): void {
    const window = this.windows.get(branch);
    if (window) this.counting(window, () => window.reset(version));
    else this.windows.set(branch, new ChangeWindow(version, this.maxEntries, this.maxBytes));
  }

  /** Runs a change of one window, keeping the totals. */
  private counting<T>(window: ChangeWindow, change: () => T): T {
    this.entries -= window.heldEntries;
    this.bytes -= window.heldBytes;
    const result = change();
    this.entries += window.heldEntries;
    this.bytes += window.heldBytes;
    return result;
  }

  /** Over the total: the busiest windows (by the measure that is over) give up their older half until a quarter below it. */
  private shrink(): void {
    for (;;) {
      const byEntries = this.entries > this.totalEntries * 0.75;
      if (!byEntries && this.bytes <= this.totalBytes * 0.75) return;
      const size = (w: ChangeWindow) => (byEntries ? w.heldEntries : w.heldBytes);
      let busiest: ChangeWindow | undefined;
      for (const w of this.windows.values()) if (!busiest || size(w) > size(busiest)) busiest = w;
      if (!busiest || busiest.heldEntries === 0) return;
      const w = busiest;
      this.counting(w, () => w.dropOldest(Math.floor(w.heldEntries / 2), w.heldBytes / 2));
    }
  }

  /** The branch's changes after `after`, or null when its window cannot answer for `known` (see ChangeWindow.page). */
  page(branch: string, after: number, limit: number, maxBytes: number, known: number): EncodedChangePage | null {
    return this.windows.get(branch)?.page(new Set([branch]), after, limit, maxBytes, known) ?? null;
  }

  /** What the windows of every branch hold (for tests and the benchmark). */
  held(): WindowsHeld {
    return { entries: this.entries, bytes: this.bytes };
  }
}

/**
 * A pull page over the branches of `after`, in branch id order, each branch's page read by
 * `pageOf` with what is left of the limits. A branch whose first change would pass `maxBytes`
 * after others' changes is left for the next page; the first change of a page always goes in.
 * `hasMore` says whether any change follows (a full page looks at the branches after it).
 */
export async function pageAcrossBranches(
  after: BranchVersions,
  limit: number,
  maxBytes: number,
  pageOf: (branch: string, after: number, limit: number, maxBytes: number) => EncodedChangePage | Promise<EncodedChangePage>,
): Promise<EncodedPullPage> {
  const chunks: Uint8Array[] = [];
  const lastVersions: Record<string, number> = {};
  let count = 0;
  let bytes = 0;
  const branches = Object.keys(after).sort();
  for (const [i, branch] of branches.entries()) {
    const full = count === limit || (count > 0 && bytes + 1 >= maxBytes);
    const page = full ? null : await pageOf(branch, after[branch]!, limit - count, count ? maxBytes - bytes - 1 : maxBytes);
    const size = page ? page.chunks.reduce((sum, c) => sum + c.length, 0) : 0;
    if (!page || (count > 0 && page.count > 0 && bytes + 1 + size > maxBytes)) {
      let hasMore = page !== null;
      for (const rest of branches.slice(page ? i + 1 : i)) {
        if (hasMore) break;
        hasMore = (await pageOf(rest, after[rest]!, 1, 1)).count > 0;
      }
      return { chunks, count, lastVersions, hasMore };
    }
    if (page.count === 0) continue;
    if (count > 0) chunks.push(COMMA);
    chunks.push(...page.chunks);
    bytes += size + (count > 0 ? 1 : 0);
    count += page.count;
    lastVersions[branch] = page.lastVersion!;
    if (page.hasMore) return { chunks, count, lastVersions, hasMore: true };
  }
  return { chunks, count, lastVersions, hasMore: false };
}
