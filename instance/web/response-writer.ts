import type { ServerResponse } from 'node:http';

/**
 * Writes a body into a response through two reusable buffers: a buffer is filled again only
 * after the socket has taken its previous bytes. So a download holds at most 2 x `size` bytes,
 * whatever the customer's speed, and a busy server allocates nothing per read (the garbage of
 * a fresh buffer per read is what made RSS climb with 64 concurrent downloads).
 */
export class ResponseWriter {
  private readonly buffers: Buffer[];
  private readonly flushed: Promise<void>[] = [Promise.resolve(), Promise.resolve()];
  private next = 0;
  private readonly gone: Promise<void>;

  constructor(
    private readonly res: ServerResponse,
    size: number,
  ) {
    this.buffers = [Buffer.allocUnsafeSlow(size), Buffer.allocUnsafeSlow(size)];
    this.gone = new Promise((resolve) => res.once('close', () => resolve()));
  }

  /** True once the customer has gone (or the response ended). */
  get closed(): boolean {
    return this.res.destroyed;
  }

  /** The next free buffer, once the socket has taken what it held before. */
  async buffer(): Promise<Buffer> {
    const i = this.next;
    await Promise.race([this.flushed[i], this.gone]);
    return this.buffers[i]!;
  }

  /** Sends the first `length` bytes of the buffer that buffer() returned last. */
  send(length: number): void {
    const i = this.next;
    this.next ^= 1;
    this.flushed[i] = new Promise((resolve) => this.res.write(this.buffers[i]!.subarray(0, length), () => resolve()));
  }

  /** Waits until the socket has taken every byte sent so far (or the customer left). */
  async settle(): Promise<void> {
    await Promise.race([Promise.all(this.flushed), this.gone]);
  }

  async end(): Promise<void> {
    await this.settle();
    if (!this.res.destroyed) this.res.end();
  }
}
