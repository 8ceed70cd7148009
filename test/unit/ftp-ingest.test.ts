import { mayWrite, routeUpload } from '../../core/ftp-ingest';
import { id3v2Length, isMpegFrameHeader, MP3_FRAME_HEADER } from '../../core/mpeg';

describe('routeUpload', () => {
  it('sends an audiobook chunk to S3 with its book and exact file name', () => {
    expect(routeUpload('narrator', 'audiobooks/B1/red flower+1_1.mp3')).toEqual({ kind: 'chunk', book: 'B1', file: 'red flower+1_1.mp3' });
  });

  it('quarantines chunks at the wrong depth, with a bad book code or not ending in .mp3', () => {
    expect(routeUpload('staff', 'audiobooks/x.mp3')).toMatchObject({ kind: 'quarantine' });
    expect(routeUpload('staff', 'audiobooks/B1/sub/x.mp3')).toMatchObject({ kind: 'quarantine' });
    expect(routeUpload('staff', 'audiobooks/B 1/x.mp3')).toMatchObject({ kind: 'quarantine', reason: 'not a book code: B 1' });
    expect(routeUpload('staff', 'audiobooks/B1/x.wav')).toMatchObject({ kind: 'quarantine' });
  });

  it('replicates staff samples and podcasts, keeps partner files, and refuses other roles\' folders', () => {
    expect(routeUpload('staff', 'podcasts/ep1.mp3')).toEqual({ kind: 'replicate', relPath: 'podcasts/ep1.mp3' });
    expect(routeUpload('partner', 'shared/a.pdf')).toEqual({ kind: 'keep' });
    expect(routeUpload('narrator', 'samples/a.mp3')).toMatchObject({ kind: 'quarantine' });
    expect(mayWrite('narrator', 'audiobooks/../samples/a')).toBe(false);
    expect(mayWrite('partner', 'audiobooks/B1/a.mp3')).toBe(false);
  });
});

describe('MPEG frame check', () => {
  it('accepts a Layer III header and rejects text, reserved versions and bad bitrates', () => {
    expect(isMpegFrameHeader(MP3_FRAME_HEADER)).toBe(true);
    expect(isMpegFrameHeader(Buffer.from('RIFF'))).toBe(false);
    expect(isMpegFrameHeader(Uint8Array.of(0xff, 0xeb, 0x90, 0x64))).toBe(false); // version 01 is reserved
    expect(isMpegFrameHeader(Uint8Array.of(0xff, 0xfb, 0xf0, 0x64))).toBe(false); // bitrate 1111
  });

  it('measures an ID3v2 tag so the frame after it is checked', () => {
    const tag = Uint8Array.of(0x49, 0x44, 0x33, 4, 0, 0, 0, 0, 0x02, 0x01); // 257 bytes of tag body
    expect(id3v2Length(tag)).toBe(10 + 257);
    expect(id3v2Length(MP3_FRAME_HEADER)).toBe(0);
  });
});
