// Moments (ISO timestamps: a last sync, who changed what when) as people read them: the day in
// 和暦 and the local time, with the 西暦 year beside them.
import { localIsoDate, warekiDate } from '../model/wareki';

/** '2026-11-22T09:30:00Z' → 令和8年11月22日 18:30（2026年） in Japan; the text itself when it is no time. */
export function bothDateTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const time = `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
  // The month and day are the same in both calendars; only the year needs its 西暦 beside it.
  return `${warekiDate(localIsoDate(d))} ${time}（${d.getFullYear()}年）`;
}
