// Moments (ISO timestamps: a last sync, a save, who changed what when) as people read them: the
// day in 和暦 and the local time, through the one formatter of src/model/wareki.ts.
import { formatMoment, localMoment } from '../model/wareki';

/** '2026-12-03T04:57:00Z' → 令和8年12月3日 13:57 in Japan; the text itself when it is no timestamp. */
export function dateTimeText(iso: string): string {
  const ms = Date.parse(iso);
  // The device's offset at that moment (summer time elsewhere), east of UTC.
  const moment = Number.isNaN(ms) ? null : localMoment(iso, -new Date(ms).getTimezoneOffset());
  return moment ? formatMoment(moment) : iso;
}
