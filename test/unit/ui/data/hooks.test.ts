import { describe, expect, it } from 'vitest';
import { FirstResults } from '../../../../src/ui/data/hooks';

const settledYet = async (r: FirstResults) => {
  let settled = false;
  void r.settled.then(() => (settled = true));
  await Promise.resolve();
  await Promise.resolve();
  return settled;
};

describe('FirstResults', () => {
  it('settles once every query subscribed so far has delivered', async () => {
    const r = new FirstResults();
    const a = r.begin();
    const b = r.begin();
    a();
    expect(await settledYet(r)).toBe(false);
    b();
    expect(await settledYet(r)).toBe(true);
  });

  it('counts a query once however often it reports, and one that went away as done', async () => {
    const r = new FirstResults();
    const a = r.begin();
    const gone = r.begin();
    a();
    a();
    expect(await settledYet(r)).toBe(false);
    gone();
    expect(await settledYet(r)).toBe(true);
  });

  it('ignores queries that start after it settled', async () => {
    const r = new FirstResults();
    r.begin()();
    expect(await settledYet(r)).toBe(true);
    const late = r.begin();
    late();
    expect(await settledYet(r)).toBe(true);
  });

  it('does not settle before any query subscribed', async () => {
    expect(await settledYet(new FirstResults())).toBe(false);
  });
});
