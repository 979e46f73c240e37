// Months, dates and periods checked against what exists (issue 10, item 6): a measurement's
// month lies in its plan's fiscal year, a note's date between 2000-01-01 and a year after the
// server's today, a progress record's period is one its plan defines. The demo plan is FY 2024
// (2024-04 … 2025-03), by halves; the test server's today is 2026-05-01.
import { afterEach, beforeEach, expect, it } from 'vitest';
import { DEMO_PLAN_ID } from '../../src/model/demo';
import { measurementId } from '../../src/model/schemas';
import { describeEachStorage } from './backends';
import { client, ITEM, progressCreate, startTestServer, type TestServer } from './helpers';

const KPI = `${DEMO_PLAN_ID}/k-mail-rate`;

describeEachStorage('months, dates and periods', (openStorage) => {
  let s: TestServer;
  beforeEach(async () => {
    s = await startTestServer({ openStorage });
  });
  afterEach(async () => {
    await s.storage.close();
  });

  async function statusOf(m: Parameters<ReturnType<typeof client>['m']>[0]): Promise<string | undefined> {
    const staff = await s.login('staff@demo');
    const c = client('values');
    const res = await s.sync(staff, { clientId: c.clientId, mutations: [c.m(m)] });
    return res.results[0]?.status;
  }

  const measurement = (month: string) => {
    const id = measurementId(KPI, month);
    return {
      table: 'measurements' as const,
      recordId: id,
      planId: DEMO_PLAN_ID,
      changes: { value: 50 },
      base: { value: null },
      create: { id, planId: DEMO_PLAN_ID, kpiId: KPI, month, value: 50 },
    };
  };
  const note = (date: string) => {
    const id = `note-${date}`;
    return {
      table: 'notes' as const,
      recordId: id,
      planId: DEMO_PLAN_ID,
      changes: {},
      base: {},
      create: { id, planId: DEMO_PLAN_ID, itemId: ITEM, date, author: 'me', text: '訪問した' },
    };
  };

  it('S12: takes a measurement only for a month of the plan’s fiscal year: 9999-12 never becomes a KPI’s latest value', async () => {
    for (const month of ['2024-03', '2025-04']) {
      expect(await statusOf(measurement(month)), month).toBe('rejected');
      expect(await s.record('measurements', measurementId(KPI, month)), month).toBeUndefined();
    }
    // A month of no plan's years fails the record schema itself: the request is refused whole.
    for (const month of ['9999-12', '0000-01']) {
      await expect(statusOf(measurement(month)), month).rejects.toThrow(/400/);
      expect(await s.record('measurements', measurementId(KPI, month)), month).toBeUndefined();
    }
    for (const month of ['2024-04', '2025-03']) expect(await statusOf(measurement(month)), month).toBe('applied');
  });

  it('S12: takes a note dated from 2000-01-01 to a year after today', async () => {
    for (const date of ['0000-01-01', '1999-12-31', '2027-05-02', '9999-12-31']) expect(await statusOf(note(date)), date).toBe('rejected');
    for (const date of ['2000-01-01', '2026-05-01', '2027-05-01']) expect(await statusOf(note(date)), date).toBe('applied');
  });

  it('S12: takes progress only for a period the plan defines', async () => {
    for (const period of ['2024-H9', '2024-H3', '2025-H1', '2024-Q1', '2024-05'])
      expect(await statusOf(progressCreate(ITEM, period, { done: 'x' })), period).toBe('rejected');
    expect(await statusOf(progressCreate(ITEM, '2024-H2', { done: 'x' }))).toBe('applied');
  });
});
