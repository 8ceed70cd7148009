/** `1 chunk`, `2 chunks`: a count with its noun, for every summary line the verbs print. */
export function countOf(n: number, singular: string, plural = `${singular}s`): string {
  return `${n} ${n === 1 ? singular : plural}`;
}
