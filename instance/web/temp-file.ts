import { open } from 'node:fs/promises';

/**
 * The few file operations a fill performs on its temp file: a seam, so tests can make the disk
 * refuse a write (ENOSPC) without filling a real one.
 */
export interface TempFile {
  write(data: Buffer, position: number): Promise<void>;
  read(into: Buffer, length: number, position: number): Promise<number>;
  datasync(): Promise<void>;
  close(): Promise<void>;
}

export type OpenTempFile = (path: string) => Promise<TempFile>;

export const openTempFile: OpenTempFile = async (path) => {
  // wx: a temp name is never shared; w+ would silently truncate a file a crashed fill left.
  const fh = await open(path, 'wx+', 0o644);
  return {
    async write(data, position) {
      let done = 0;
      while (done < data.length) done += (await fh.write(data, done, data.length - done, position + done)).bytesWritten;
    },
    async read(into, length, position) {
      return (await fh.read(into, 0, length, position)).bytesRead;
    },
    datasync: () => fh.datasync(),
    close: () => fh.close(),
  };
};
