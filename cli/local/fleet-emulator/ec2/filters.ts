import { ApiError } from '../errors';
import { list, str, strs, type QObject, type Tags } from './query';

/**
 * DescribeX Filters as the API reference has them: every filter must match (AND), any of its
 * values may (OR), values take `*` and `?` wildcards, and a filter name the call does not know is
 * an InvalidParameterValue, as AWS answers it.
 */
export interface Filter {
  name: string;
  values: string[];
}

export function parseFilters(q: QObject): Filter[] {
  return list(q, 'Filter').map((f) => ({ name: str(f, 'Name') ?? '', values: strs(f, 'Value') }));
}

function glob(pattern: string): RegExp {
  const body = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`, 's');
}

/** The values a resource has for a filter name; undefined when the call has no such filter. */
export type Fields = (name: string) => readonly (string | undefined)[] | undefined;

export function tagFields(tags: Tags, name: string): string[] | undefined {
  if (name.startsWith('tag:')) return Object.hasOwn(tags, name.slice(4)) ? [tags[name.slice(4)]!] : [];
  if (name === 'tag-key') return Object.keys(tags);
  if (name === 'tag-value') return Object.values(tags);
  return undefined;
}

export function matches(filters: readonly Filter[], fields: Fields): boolean {
  return filters.every((f) => {
    const have = fields(f.name);
    if (have === undefined) throw new ApiError('InvalidParameterValue', `The filter '${f.name}' is invalid`);
    const patterns = f.values.map(glob);
    return have.some((v) => v !== undefined && patterns.some((p) => p.test(v)));
  });
}

/** Checks every filter name once, so an unknown one fails even when nothing is there to match. */
export function checkFilterNames(filters: readonly Filter[], known: readonly string[], tags = true): void {
  for (const f of filters) {
    if (known.includes(f.name)) continue;
    if (tags && tagFields({}, f.name) !== undefined) continue;
    throw new ApiError('InvalidParameterValue', `The filter '${f.name}' is invalid`);
  }
}
