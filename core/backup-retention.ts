/**
 * Database backups in S3 and how long they stay: `backups/db/<database>/<UTC time>.sql.gz`, and
 * a retention of the newest backup in each of the last 48 hours and each of the last 30 days.
 */
export const BACKUP_PREFIX = 'backups/db/';

export interface Retention {
  hourly: number;
  daily: number;
}

export const DEFAULT_RETENTION: Retention = { hourly: 48, daily: 30 };

export function backupPrefix(database: string): string {
  return `${BACKUP_PREFIX}${database}/`;
}

/** `2026-11-29T15:04:05Z` → `backups/db/<database>/2026-11-29T15-04-05Z.sql.gz` (sorts by time). */
export function backupKey(database: string, at: Date): string {
  const stamp = at.toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/:/g, '-');
  return `${backupPrefix(database)}${stamp}.sql.gz`;
}

export function backupTime(key: string): Date | undefined {
  const m = /\/(\d{4}-\d{2}-\d{2})T(\d{2})-(\d{2})-(\d{2})Z\.sql\.gz$/.exec(key);
  if (!m) return undefined;
  const t = new Date(`${m[1]}T${m[2]}:${m[3]}:${m[4]}Z`);
  return Number.isNaN(t.getTime()) ? undefined : t;
}

/**
 * Which backups to keep and which to delete at `now`: the newest of each UTC hour in the last
 * `hourly` hours, the newest of each UTC day in the last `daily` days, and always the newest of
 * all. Keys that are not backups, and backups from the future (a skewed clock), are kept.
 */
export function planRetention(keys: readonly string[], now: Date, retention: Retention = DEFAULT_RETENTION): { keep: string[]; remove: string[] } {
  const dated = keys
    .map((key) => ({ key, at: backupTime(key) }))
    .filter((b): b is { key: string; at: Date } => b.at !== undefined)
    .sort((a, b) => b.at.getTime() - a.at.getTime());
  const keep = new Set(keys.filter((k) => backupTime(k) === undefined));
  if (dated[0]) keep.add(dated[0].key);
  const hourStart = now.getTime() - retention.hourly * 3600_000;
  const dayStart = now.getTime() - retention.daily * 86400_000;
  const seenHours = new Set<string>();
  const seenDays = new Set<string>();
  for (const { key, at } of dated) {
    const t = at.getTime();
    if (t > now.getTime()) {
      keep.add(key);
      continue;
    }
    const hour = at.toISOString().slice(0, 13);
    const day = hour.slice(0, 10);
    if (t > hourStart && !seenHours.has(hour)) {
      seenHours.add(hour);
      keep.add(key);
    }
    if (t > dayStart && !seenDays.has(day)) {
      seenDays.add(day);
      keep.add(key);
    }
  }
  return { keep: keys.filter((k) => keep.has(k)), remove: keys.filter((k) => !keep.has(k)) };
}
