// How the message pane groups lines: consecutive messages of one sender within a few
// minutes share one header (name and time). Pure.
import type { Entry } from './state';

export const GROUP_GAP_MS = 5 * 60 * 1000;

function sender(e: Entry): string | null {
  return e.kind === 'event' ? null : e.user.toLowerCase();
}

/** Whether `next` continues the group `prev` started or continued. */
export function continuesGroup(prev: Entry | undefined, next: Entry): boolean {
  if (!prev) return false;
  const a = sender(prev);
  const b = sender(next);
  return a !== null && a === b && next.ts - prev.ts >= 0 && next.ts - prev.ts < GROUP_GAP_MS;
}

export interface Group {
  /** null for a join/leave line. */
  user: string | null;
  ts: number;
  entries: Entry[];
}

export function groupEntries(entries: Entry[]): Group[] {
  const groups: Group[] = [];
  let prev: Entry | undefined;
  for (const e of entries) {
    if (continuesGroup(prev, e)) groups[groups.length - 1].entries.push(e);
    else groups.push({ user: e.kind === 'event' ? null : e.user, ts: e.ts, entries: [e] });
    prev = e;
  }
  return groups;
}

/** "14:05" today, "Mon 14:05" this week, else "2026-11-30 14:05" (the viewer's time zone). */
export function formatTime(ts: number, now: number): string {
  const d = new Date(ts);
  const hm = `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
  const today = new Date(now);
  if (d.toDateString() === today.toDateString()) return hm;
  if (now - ts < 6 * 24 * 3600 * 1000 && now >= ts)
    return ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'][d.getDay()] + ' ' + hm;
  const ymd = `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
  return `${ymd} ${hm}`;
}
