import type { ServerResponse } from 'node:http';
import type { SharedBytes } from './fill-window';

/**
 * Writes a body into a response through two reusable buffers: a buffer is filled again only
 * after the socket has taken its previous bytes. So a download holds at most 2 x `size` bytes,
 * whatever the customer's speed, and a busy server allocates nothing per read (the garbage of
 * a fresh buffer per read is what made RSS climb with 64 concurrent downloads). Bytes that are
 * already in memory go out as they are (`sendShared`), under the socket's own backpressure.
 */
export class ResponseWriter {
  // Allocated on first use: a customer served only from a fill's memory never needs them.
  private buffers: Buffer[] | undefined;
  private readonly flushed: Promise<void>[] = [Promise.resolve(), Promise.resolve()];
  private next = 0;
  private readonly gone: Promise<void>;

  constructor(
    private readonly res: ServerResponse,
    private readonly size: number,
  ) {
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
    this.buffers ??= [Buffer.allocUnsafeSlow(this.size), Buffer.allocUnsafeSlow(this.size)];
    return this.buffers[i]!;
  }

  /** Sends the first `length` bytes of the buffer that buffer() returned last. */
  send(length: number): void {
    const i = this.next;
    this.next ^= 1;
    this.flushed[i] = new Promise((resolve) => this.res.write(this.buffers![i]!.subarray(0, length), () => resolve()));
  }

  /**
   * Sends bytes someone else owns as they are, releasing them once the socket took them, then
   * waits while the socket holds more than its high-water mark. False when the customer has gone
   * and nothing was sent.
   */
  async sendShared(shared: SharedBytes): Promise<boolean> {
    if (this.closed) {
      shared.release();
      return false;
    }
    if (!this.res.write(shared.bytes, () => shared.release())) await Promise.race([new Promise((resolve) => this.res.once('drain', resolve)), this.gone]);
    return true;
  }

  /**
   * Waits until the socket has taken what the two buffers hold (or the customer left), so they
   * may go; shared bytes need no wait, the response keeps every write in order.
   */
  async settle(): Promise<void> {
    await Promise.race([Promise.all(this.flushed), this.gone]);
  }

  async end(): Promise<void> {
    await this.settle();
    if (!this.res.destroyed) this.res.end();
  }
}
