import { open } from 'node:fs/promises';

/**
 * The few file operations a fill performs on its temp file: a seam, so tests can make the disk
 * refuse a write (ENOSPC) without filling a real one.
 */
export interface TempFile {
  /** Writes the pieces one after the other from `position` (one writev, no copy into one buffer). */
  write(pieces: readonly Buffer[], position: number): Promise<void>;
  read(into: Buffer, length: number, position: number): Promise<number>;
  datasync(): Promise<void>;
  close(): Promise<void>;
}

export type OpenTempFile = (path: string) => Promise<TempFile>;

export const openTempFile: OpenTempFile = async (path) => {
  // wx: a temp name is never shared; w+ would silently truncate a file a crashed fill left.
  const fh = await open(path, 'wx+', 0o644);
  return {
    async write(pieces, position) {
      let rest = [...pieces];
      let at = position;
      while (rest.length) {
        let n = (await fh.writev(rest, at)).bytesWritten;
        at += n;
        // A short write: drop what went, keep the unwritten tail.
        while (rest.length && n >= rest[0]!.length) n -= rest.shift()!.length;
        if (rest.length && n > 0) rest[0] = rest[0]!.subarray(n);
      }
    },
    async read(into, length, position) {
      return (await fh.read(into, 0, length, position)).bytesRead;
    },
    datasync: () => fh.datasync(),
    close: () => fh.close(),
  };
};
