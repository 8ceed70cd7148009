import { open, stat } from 'node:fs/promises';
import { chunkContentProblem } from '../core/chunk-rule';

/** Why the file at `filePath` cannot be an audiobook chunk (core/chunk-rule.ts), or undefined. */
export async function chunkFileProblem(filePath: string): Promise<string | undefined> {
  const { size } = await stat(filePath);
  const handle = await open(filePath, 'r');
  try {
    return await chunkContentProblem(size, async (offset, length) => {
      const buf = Buffer.alloc(length);
      const { bytesRead } = await handle.read(buf, 0, length, offset);
      return buf.subarray(0, bytesRead);
    });
  } finally {
    await handle.close();
  }
}
