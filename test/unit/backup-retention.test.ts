import { backupKey, backupTime, planRetention } from '../../core/backup-retention';

const now = new Date('2026-11-29T15:30:00Z');
const hoursAgo = (h: number, minutes = 0) => new Date(now.getTime() - h * 3600_000 - minutes * 60_000);

describe('backup retention', () => {
  it('names backups by UTC time and reads the time back', () => {
    const key = backupKey('shop', new Date('2026-11-29T15:04:05.123Z'));
    expect(key).toBe('backups/db/shop/2026-11-29T15-04-05Z.sql.gz');
    expect(backupTime(key)?.toISOString()).toBe('2026-11-29T15:04:05.000Z');
  });

  it('keeps one backup per hour for 48 hours and one per day for 30 days, removing the rest', () => {
    // Hourly backups for 40 days, plus a second backup within the latest hour.
    const keys = Array.from({ length: 40 * 24 }, (_, h) => backupKey('shop', hoursAgo(h, 20)));
    keys.push(backupKey('shop', hoursAgo(0, 5)));
    const { keep, remove } = planRetention(keys, now);
    const kept = keep.map((k) => backupTime(k)!);
    // 48 hourly ones (the newest twice counted once), plus the newest of each older day within 30 days.
    expect(kept.filter((t) => t.getTime() > hoursAgo(48).getTime())).toHaveLength(48);
    const olderDays = new Set(kept.filter((t) => t.getTime() <= hoursAgo(48).getTime()).map((t) => t.toISOString().slice(0, 10)));
    expect(olderDays.size).toBeGreaterThanOrEqual(27);
    expect(kept.every((t) => t.getTime() > now.getTime() - 30 * 86400_000)).toBe(true);
    expect(keep.length + remove.length).toBe(keys.length);
    expect(remove).toContain(backupKey('shop', hoursAgo(0, 20))); // the older of the two in the latest hour
  });

  it('never removes the only backup, however old, nor keys that are not backups', () => {
    const old = backupKey('shop', new Date('2020-01-01T00:00:00Z'));
    expect(planRetention([old, 'backups/db/shop/notes.txt'], now)).toEqual({ keep: [old, 'backups/db/shop/notes.txt'], remove: [] });
  });
});
