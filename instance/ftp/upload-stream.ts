import { open, unlink, type FileHandle } from 'node:fs/promises';
import { Writable } from 'node:stream';

/**
 * What an FTP STOR writes into: a file of its own (`incoming/<id>.part`, never the name the client
 * gave, so two sessions storing one name never share a file), handed over by `onComplete` before
 * the stream finishes. ftp-srv answers 226 only after `finish`, so an acknowledged upload is
 * always in the spool; if handing it over fails, the client gets 550 instead. A broken transfer
 * removes its part file.
 */
export class UploadStream extends Writable {
  private handle: FileHandle | undefined;
  private handedOver = false;

  constructor(
    /** ftp-srv reports this as the upload's server path. */
    readonly path: string,
    private readonly onComplete: (file: string) => Promise<void>,
  ) {
    super();
  }

  override _construct(callback: (error?: Error | null) => void): void {
    open(this.path, 'wx').then(
      (h) => {
        this.handle = h;
        callback();
      },
      (e: Error) => callback(e),
    );
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.handle!.write(chunk).then(
      () => callback(),
      (e: Error) => callback(e),
    );
  }

  override _final(callback: (error?: Error | null) => void): void {
    const handle = this.handle!;
    this.handle = undefined;
    handle
      .close()
      .then(() => this.onComplete(this.path))
      .then(() => {
        this.handedOver = true;
        callback();
      }, (e: Error) => callback(e));
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    const handle = this.handle;
    this.handle = undefined;
    const cleanUp = async () => {
      await handle?.close().catch(() => undefined);
      if (!this.handedOver) await unlink(this.path).catch(() => undefined);
    };
    cleanUp().then(() => callback(error));
  }
}
