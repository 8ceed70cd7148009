/** One line of `shelfstack doctor`: what was checked, what was found, and the fix when it failed. */
export interface CheckResult {
  check: string;
  status: 'ok' | 'fail' | 'skip';
  detail: string;
  fix?: string;
}

export const ok = (check: string, detail: string): CheckResult => ({ check, status: 'ok', detail });
export const fail = (check: string, detail: string, fix: string): CheckResult => ({ check, status: 'fail', detail, fix });
export const skip = (check: string, detail: string): CheckResult => ({ check, status: 'skip', detail });

const MARK = { ok: '✓', fail: '✗', skip: '-' } as const;

export function formatResult(r: CheckResult): string {
  return `${MARK[r.status]} ${r.check}: ${r.detail}${r.fix ? ` — fix: ${r.fix}` : ''}`;
}

/** The AWS error's code (the SDK's `name`), or the network error's (ECONNREFUSED, …). */
export function errorCode(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  const errno = (e as NodeJS.ErrnoException).code ?? (e.cause as NodeJS.ErrnoException | undefined)?.code;
  return errno ?? e.name;
}

export function errorText(e: unknown): string {
  return e instanceof Error ? `${errorCode(e)}: ${e.message.split('\n')[0]}` : String(e);
}

/** "3m ago" from seconds, for timestamps the checks show. */
export function ago(seconds: number): string {
  if (seconds < 120) return `${Math.max(0, Math.round(seconds))}s ago`;
  if (seconds < 7200) return `${Math.round(seconds / 60)}m ago`;
  if (seconds < 172800) return `${Math.round(seconds / 3600)}h ago`;
  return `${Math.round(seconds / 86400)}d ago`;
}
