import { chunkNameProblem } from './chunk-rule';

/**
 * Who may write where on the FTP server, and where an upload goes once it has arrived. Paths are
 * relative to the user's home, with `/` separators.
 */
export const FTP_ROLES = ['narrator', 'staff', 'partner'] as const;
export type FtpRole = (typeof FTP_ROLES)[number];

/** The folders of a home each role may write into (a partner's home is one shared folder). */
export const WRITABLE: Record<FtpRole, readonly string[]> = {
  narrator: ['audiobooks'],
  staff: ['audiobooks', 'samples', 'podcasts'],
  partner: ['shared'],
};

export function isFtpRole(role: string): role is FtpRole {
  return (FTP_ROLES as readonly string[]).includes(role);
}

/** Whether `role` may create or change `relPath` (a file or folder inside one of its writable folders). */
export function mayWrite(role: FtpRole, relPath: string): boolean {
  const parts = relPath.split('/').filter(Boolean);
  if (parts.length < 2 || parts.some((p) => p === '..' || p === '.')) return false;
  return WRITABLE[role].includes(parts[0]!);
}

export type UploadRoute =
  | { kind: 'chunk'; book: string; file: string }
  | { kind: 'replicate'; relPath: string }
  | { kind: 'keep' }
  | { kind: 'quarantine'; reason: string };

/**
 * Where a finished upload goes, from its path alone (core/chunk-rule.ts; the check of a chunk's bytes comes after):
 * `audiobooks/<book>/<file>.mp3` → S3; `samples/…`, `podcasts/…` → the master copy on replserver;
 * a partner's `shared/…` stays; anything else is quarantined with the reason.
 */
export function routeUpload(role: FtpRole, relPath: string): UploadRoute {
  const parts = relPath.split('/').filter(Boolean);
  if (!mayWrite(role, relPath)) return { kind: 'quarantine', reason: `a ${role} may not upload to ${relPath}` };
  const [top] = parts;
  if (top === 'shared') return { kind: 'keep' };
  if (top === 'samples' || top === 'podcasts') return { kind: 'replicate', relPath: parts.join('/') };
  if (parts.length !== 3) return { kind: 'quarantine', reason: 'an audiobook chunk must be at audiobooks/<book>/<file>.mp3' };
  const [, book, file] = parts as [string, string, string];
  const problem = chunkNameProblem(book, file);
  return problem ? { kind: 'quarantine', reason: problem } : { kind: 'chunk', book, file };
}
