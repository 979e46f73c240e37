// Event-stream readers for the live-channel tests: each opens GET /api/events through the
// client's own live transport (src/sync/live-transport.ts) and keeps every event it reads, so a
// test can wait for the event it expects and then look at everything that came before it.
import { fetchLiveTransport } from '../../src/sync/live-transport';
import type { LiveEvent } from '../../src/model/live-protocol';
import type { FetchLike } from '../../src/sync/transport';

export class EventLog {
  readonly events: LiveEvent[] = [];
  readonly ended: Promise<unknown>;
  private readonly controller = new AbortController();
  private waiters: (() => void)[] = [];

  constructor(fetchFn: FetchLike, token: string, clientId: string, baseUrl = '') {
    this.ended = fetchLiveTransport(fetchFn, { baseUrl })
      .events(token, clientId, (e) => this.push(e), this.controller.signal)
      .then(
        () => null,
        (e: unknown) => e,
      )
      .finally(() => this.push(null));
  }

  private push(event: LiveEvent | null): void {
    if (event) this.events.push(event);
    const waiting = this.waiters;
    this.waiters = [];
    for (const w of waiting) w();
  }

  /** The first event from `from` on that matches, waiting for it if need be (the test's timeout bounds the wait). */
  async until(match: (e: LiveEvent) => boolean, from = 0): Promise<{ event: LiveEvent; index: number }> {
    for (;;) {
      const index = this.events.findIndex((e, i) => i >= from && match(e));
      if (index >= 0) return { event: this.events[index]!, index };
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  changes(): string[][] {
    return this.events.flatMap((e) => (e.type === 'change' ? [e.branches] : []));
  }

  close(): void {
    this.controller.abort();
  }
}

export const isHello = (e: LiveEvent) => e.type === 'hello';
export const isChange = (branch: string) => (e: LiveEvent) => e.type === 'change' && e.branches.includes(branch);
export const presenceOf = (branch: string, match: (entries: Extract<LiveEvent, { type: 'presence' }>['entries']) => boolean) => (e: LiveEvent) =>
  e.type === 'presence' && e.branchId === branch && match(e.entries);
