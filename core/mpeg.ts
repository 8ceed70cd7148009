/**
 * Just enough of MPEG audio to tell an mp3 chunk from something else: an optional ID3v2 tag, then
 * a frame header (11-bit sync, a real version, layer, bitrate and sample rate).
 */

/** Bytes taken by an ID3v2 tag at the start of `head` (10 bytes are enough), or 0 when there is none. */
export function id3v2Length(head: Uint8Array): number {
  if (head.length < 10 || head[0] !== 0x49 || head[1] !== 0x44 || head[2] !== 0x33) return 0; // "ID3"
  const size = [6, 7, 8, 9].map((i) => head[i]!);
  if (size.some((b) => b & 0x80)) return 0; // not a syncsafe integer: not a tag
  const body = (size[0]! << 21) | (size[1]! << 14) | (size[2]! << 7) | size[3]!;
  const footer = head[5]! & 0x10 ? 10 : 0;
  return 10 + body + footer;
}

/** Whether these 4 bytes are a valid MPEG audio frame header. */
export function isMpegFrameHeader(b: Uint8Array): boolean {
  if (b.length < 4) return false;
  if (b[0] !== 0xff || (b[1]! & 0xe0) !== 0xe0) return false; // frame sync
  const version = (b[1]! >> 3) & 0x3; // 01 is reserved
  const layer = (b[1]! >> 1) & 0x3; // 00 is reserved
  const bitrate = (b[2]! >> 4) & 0xf; // 1111 is invalid; 0000 (free format) is not what our encoders write
  const sampleRate = (b[2]! >> 2) & 0x3; // 11 is reserved
  return version !== 1 && layer !== 0 && bitrate !== 0xf && bitrate !== 0 && sampleRate !== 3;
}

/** A valid MPEG-1 Layer III frame header (128 kbit/s, 44.1 kHz), for tests and fixtures. */
export const MP3_FRAME_HEADER = Uint8Array.of(0xff, 0xfb, 0x90, 0x64);
