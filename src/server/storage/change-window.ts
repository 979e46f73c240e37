// The most recent changes, as the bytes a pull sends, kept in memory by the storage that
// committed them: with many devices every change is pulled by every device, and serving those
// pulls from here instead of reading and encoding the same rows again is most of a round
// trip's cost. The window only answers when it can prove it is complete: it holds every
// change with a version in (base, last], and `last` equals the database's version counter
// (so no other process, e.g. the admin command, wrote meanwhile). Otherwise the caller reads
// the database, and resets the window when it was behind. It is bounded in entries and in
// bytes (big records, e.g. conflicts of long texts, must not hold the server's memory), and so
// are the pages it serves.
import type { EncodedChangePage } from './storage';

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

  /** Adds one committed transaction's changes, in version order. */
  append(changes: readonly WindowChange[], committedVersion: number): void {
    if (changes.length === 0 || changes[0]!.version !== this.last + 1) {
      // Something else wrote in between (or nothing was written here): start over from now.
      if (committedVersion !== this.last || changes.length) this.reset(committedVersion);
      return;
    }
    for (const c of changes) {
      const before = this.latest.get(c.key);
      if (before) {
        before.superseded = true;
        this.supersededCount++;
      }
      const entry: Entry = { ...c, superseded: false };
      this.entries.push(entry);
      this.bytes += entry.bytes.length;
      this.latest.set(c.key, entry);
      this.last = c.version;
    }
    if (this.last !== committedVersion) this.reset(committedVersion);
    else this.trim();
  }

  private trim(): void {
    if (this.entries.length > this.maxEntries || this.bytes > this.maxBytes) {
      // Drop the oldest until both bounds are a quarter below their limit.
      let drop = Math.max(0, this.entries.length - Math.floor(this.maxEntries * 0.75));
      let bytes = this.bytes;
      for (let i = 0; i < drop; i++) bytes -= this.entries[i]!.bytes.length;
      while (drop < this.entries.length && bytes > this.maxBytes * 0.75) bytes -= this.entries[drop++]!.bytes.length;
      for (const e of this.entries.slice(0, drop)) {
        if (this.latest.get(e.key) === e) this.latest.delete(e.key);
        else if (e.superseded) this.supersededCount--;
      }
      this.base = this.entries[drop - 1]!.version;
      this.entries = this.entries.slice(drop);
      this.bytes = bytes;
    }
    if (this.supersededCount > 1000 && this.supersededCount * 2 > this.entries.length) {
      this.entries = this.entries.filter((e) => !e.superseded);
      this.bytes = this.entries.reduce((sum, e) => sum + e.bytes.length, 0);
      this.supersededCount = 0;
    }
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
