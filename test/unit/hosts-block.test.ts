import { BLOCK_BEGIN, BLOCK_END, mergeHostsBlock } from '../../core/hosts-block';

const published = '10.0.0.5 dbserver\n10.0.0.6 replserver\n';

describe('mergeHostsBlock', () => {
  it('appends the block after the existing lines, keeping them byte for byte', () => {
    const current = '127.0.0.1 localhost\n::1 localhost ip6-localhost\n';
    const merged = mergeHostsBlock(current, published);
    expect(merged.text).toBe(`${current}\n${BLOCK_BEGIN}\n10.0.0.5 dbserver\n10.0.0.6 replserver\n${BLOCK_END}\n`);
    expect(merged.changed).toBe(true);
    expect(merged.previous).toBeUndefined();
  });

  it('replaces a stale block in place and keeps the lines before and after it', () => {
    const current = `127.0.0.1 localhost\n${BLOCK_BEGIN}\n10.0.0.1 dbserver\n${BLOCK_END}\n192.168.1.1 printer\n`;
    const merged = mergeHostsBlock(current, published);
    expect(merged.text).toBe(`127.0.0.1 localhost\n${BLOCK_BEGIN}\n10.0.0.5 dbserver\n10.0.0.6 replserver\n${BLOCK_END}\n192.168.1.1 printer\n`);
    expect(merged.previous).toEqual(['10.0.0.1 dbserver']);
  });

  it('reports no change when the block already holds the published lines', () => {
    const once = mergeHostsBlock('127.0.0.1 localhost\n', published).text;
    const twice = mergeHostsBlock(once, published);
    expect(twice.changed).toBe(false);
    expect(twice.text).toBe(once);
  });

  it('drops a duplicate block and an unterminated one rather than keeping two', () => {
    const current = `a\n${BLOCK_BEGIN}\nold1\n${BLOCK_END}\nb\n${BLOCK_BEGIN}\nold2\n`;
    const merged = mergeHostsBlock(current, published);
    expect(merged.text.split(BLOCK_BEGIN)).toHaveLength(2);
    expect(merged.text).toBe(`a\n${BLOCK_BEGIN}\n10.0.0.5 dbserver\n10.0.0.6 replserver\n${BLOCK_END}\nb\n`);
  });

  it('ignores blank lines and marker lines inside the published file', () => {
    const merged = mergeHostsBlock('', `\n${BLOCK_END}\n10.0.0.5 dbserver\n\n`);
    expect(merged.text).toBe(`${BLOCK_BEGIN}\n10.0.0.5 dbserver\n${BLOCK_END}\n`);
  });
});
