/**
 * Progress for long work: a bar redrawn in place on a terminal, or a plain line every few
 * seconds when stderr is a file or a pipe (so logs stay greppable).
 */
export interface Progress {
  total(n: number): void;
  tick(n?: number, note?: string): void;
  done(): void;
}

export function createProgress(label: string, stream: NodeJS.WriteStream = process.stderr, everyMs = 5000): Progress {
  let total = 0;
  let count = 0;
  // A log gets its first line after `everyMs`: short work shows only its summary.
  let lastDraw = stream.isTTY ? 0 : Date.now();
  let note = '';
  const started = Date.now();
  const tty = Boolean(stream.isTTY);

  const draw = (force = false) => {
    const now = Date.now();
    if (!force && now - lastDraw < (tty ? 100 : everyMs)) return;
    lastDraw = now;
    const secs = ((now - started) / 1000).toFixed(1);
    const of = total ? `/${total}` : '';
    if (tty) {
      const width = 30;
      const filled = total ? Math.min(width, Math.round((count / total) * width)) : 0;
      const pct = total ? `${String(Math.floor((count / total) * 100)).padStart(3)}%` : '    ';
      const line = `${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${pct} ${count}${of} ${secs}s ${note}`;
      stream.write(`\r${line.slice(0, (stream.columns || 100) - 1).padEnd(Math.min(stream.columns || 100, 100) - 1)}`);
    } else {
      stream.write(`${label}: ${count}${of} after ${secs}s${note ? ` (${note})` : ''}\n`);
    }
  };

  return {
    total(n) {
      total = n;
    },
    tick(n = 1, text) {
      count += n;
      if (text !== undefined) note = text;
      draw();
    },
    done() {
      if (tty) {
        draw(true);
        stream.write('\n');
      }
    },
  };
}

/** A Progress that shows nothing (for --quiet and tests). */
export const noProgress: Progress = { total() {}, tick() {}, done() {} };
