/**
 * The managed block of a hosts file: the lines between `# BEGIN shelfstack` and `# END shelfstack`
 * are ours, everything else belongs to the machine and is kept byte for byte.
 */
export const BLOCK_BEGIN = '# BEGIN shelfstack';
export const BLOCK_END = '# END shelfstack';

export interface HostsMerge {
  text: string;
  changed: boolean;
  /** What the block held before (undefined when there was no block). */
  previous: string[] | undefined;
}

/** The published hosts file's lines that belong in the block: no blank lines, no markers of our own. */
export function blockLines(published: string): string[] {
  return published
    .split(/\r?\n/)
    .map((l) => l.trimEnd())
    .filter((l) => l.trim() !== '' && l.trim() !== BLOCK_BEGIN && l.trim() !== BLOCK_END);
}

/**
 * Puts `published` into `current` as the managed block: replaces the first block in place, drops
 * any later or unterminated duplicates, and appends the block when there is none.
 */
export function mergeHostsBlock(current: string, published: string): HostsMerge {
  const lines = current === '' ? [] : current.replace(/\r?\n$/, '').split(/\r?\n/);
  const block = [BLOCK_BEGIN, ...blockLines(published), BLOCK_END];
  const kept: string[] = [];
  let previous: string[] | undefined;
  let insertAt: number | undefined;
  for (let i = 0; i < lines.length; i++) {
    if (lines[i]!.trim() !== BLOCK_BEGIN) {
      kept.push(lines[i]!);
      continue;
    }
    const end = lines.findIndex((l, j) => j > i && l.trim() === BLOCK_END);
    // An unterminated block (a crash of some other editor) runs to the end of the file.
    const stop = end < 0 ? lines.length : end;
    if (insertAt === undefined) {
      insertAt = kept.length;
      previous = lines.slice(i + 1, stop);
    }
    i = stop;
  }
  if (insertAt === undefined) {
    if (kept.length && kept[kept.length - 1]!.trim() !== '') kept.push('');
    insertAt = kept.length;
  }
  kept.splice(insertAt, 0, ...block);
  const text = `${kept.join('\n')}\n`;
  return { text, changed: text !== current, previous };
}

/** The cloud-init drop-in that stops `manage_etc_hosts` from rewriting /etc/hosts at boot. */
export const CLOUD_INIT_HOSTS_OVERRIDE = `# Written by shelfstack init: /etc/hosts holds a managed block that cloud-init must not rewrite.
manage_etc_hosts: false
`;
