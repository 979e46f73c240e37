// Timers for the sync engine's tests that run only when the test moves the clock, in the order
// they fall due (a timer set by another one runs in the same advance when it is due by then).
export class ManualTimers {
  now = 0;
  private next = 1;
  readonly pending = new Map<number, { due: number; run: () => void }>();
  set = (run: () => void, ms: number): number => {
    const id = this.next++;
    this.pending.set(id, { due: this.now + ms, run });
    return id;
  };
  clear = (id: unknown): void => {
    this.pending.delete(id as number);
  };
  /** Delays of the timers now waiting, from now. */
  delays(): number[] {
    return [...this.pending.values()].map((t) => t.due - this.now);
  }
  advance(ms: number): void {
    const until = this.now + ms;
    for (;;) {
      const due = [...this.pending].filter(([, t]) => t.due <= until).sort((a, b) => a[1].due - b[1].due)[0];
      if (!due) break;
      this.now = due[1].due;
      this.pending.delete(due[0]);
      due[1].run();
    }
    this.now = until;
  }
}
