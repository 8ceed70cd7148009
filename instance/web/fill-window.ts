/**
 * The latest bytes of a fill, kept in memory for the customers at its head. S3's pieces are
 * copied into a few fixed slabs that are used again and again, rather than kept as they came:
 * kept pieces outlive V8's young generation, and tens of MB of them then wait for a full GC
 * (that was the peak RSS of 4 concurrent fills). A slab is written over only once it has left the
 * window and no response still holds bytes of it (`refs`), so a queued socket write never sends
 * bytes that changed under it.
 */
interface Slab {
  buf: Buffer;
  /** The chunk position of buf[0]. */
  at: number;
  used: number;
  /** Shares handed out and not yet released. */
  refs: number;
}

export interface SharedBytes {
  bytes: Buffer;
  /** Call once the bytes are no longer needed (the socket took them); safe to call twice. */
  release(): void;
}

export const SLAB_BYTES = 256 * 1024;
// Slabs kept for reuse beyond the window; more are left to the GC.
const MAX_SPARE = 4;

export class FillWindow {
  private slabs: Slab[] = [];
  private spare: Slab[] = [];
  private bytes = 0;
  /** The chunk position after the last byte stored. */
  end = 0;

  /** @param keepBytes what the window holds at least, once its bytes are on disk. */
  constructor(private readonly keepBytes: number) {}

  /** Copies the next piece of the chunk in; returns where it now lies (one or two slab views), for the disk. */
  store(piece: Buffer): Buffer[] {
    const views: Buffer[] = [];
    for (let off = 0; off < piece.length; ) {
      let tail = this.slabs[this.slabs.length - 1];
      if (!tail || tail.used === tail.buf.length) {
        tail = this.takeSlab(this.end);
        this.slabs.push(tail);
      }
      const n = piece.copy(tail.buf, tail.used, off);
      views.push(tail.buf.subarray(tail.used, tail.used + n));
      tail.used += n;
      this.bytes += n;
      this.end += n;
      off += n;
    }
    return views;
  }

  /** The first chunk position still in memory. */
  get start(): number {
    return this.slabs[0]?.at ?? this.end;
  }

  /**
   * Up to `length` bytes from `position`, shared (not copied) and held until released; undefined
   * when the position is no longer (or not yet) in memory.
   */
  share(position: number, length: number): SharedBytes | undefined {
    if (position < this.start || position >= this.end || length <= 0) return undefined;
    // Readers sit near the head, so look from the newest slab back.
    for (let i = this.slabs.length - 1; i >= 0; i--) {
      const slab = this.slabs[i]!;
      if (position < slab.at) continue;
      const from = position - slab.at;
      slab.refs++;
      let held = true;
      return {
        bytes: slab.buf.subarray(from, Math.min(slab.used, from + length)),
        release: () => {
          if (held) slab.refs--;
          held = false;
        },
      };
    }
    return undefined;
  }

  /** Lets go of the oldest slabs beyond `keepBytes`, but only those wholly below `written` (on disk). */
  trim(written: number): void {
    const s = this.slabs;
    // Never the slab being filled (the last one).
    while (s.length > 1 && this.bytes - s[0]!.used >= this.keepBytes && s[0]!.at + s[0]!.used <= written) {
      const slab = s.shift()!;
      this.bytes -= slab.used;
      if (this.spare.length < MAX_SPARE) this.spare.push(slab);
    }
  }

  private takeSlab(at: number): Slab {
    const i = this.spare.findIndex((s) => s.refs === 0);
    const slab = i >= 0 ? this.spare.splice(i, 1)[0]! : { buf: Buffer.allocUnsafeSlow(SLAB_BYTES), at, used: 0, refs: 0 };
    slab.at = at;
    slab.used = 0;
    return slab;
  }
}
