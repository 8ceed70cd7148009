import { ApiError } from '../errors';

/**
 * EC2's query protocol flattens a request into `Filter.1.Name=…&Filter.1.Value.1=…`. `parseQuery`
 * nests it back (numbered segments stay keys, read in order by `list`); the helpers read it.
 */
export type QValue = string | QObject;
export interface QObject {
  [key: string]: QValue;
}

export function parseQuery(body: string): QObject {
  const root: QObject = {};
  for (const [key, value] of new URLSearchParams(body)) {
    const parts = key.split('.');
    let node = root;
    parts.slice(0, -1).forEach((p) => {
      const next = node[p];
      node = typeof next === 'object' ? next : (node[p] = {});
    });
    node[parts[parts.length - 1]!] = value;
  }
  return root;
}

function at(o: QValue | undefined, path: string): QValue | undefined {
  return path.split('.').reduce<QValue | undefined>((n, p) => (typeof n === 'object' ? n[p] : undefined), o);
}

export function str(o: QValue | undefined, path: string): string | undefined {
  const v = at(o, path);
  return typeof v === 'string' ? v : undefined;
}

export function obj(o: QValue | undefined, path: string): QObject | undefined {
  const v = at(o, path);
  return typeof v === 'object' ? v : undefined;
}

/** The members of a numbered list (`X.1`, `X.2`, …) in order. */
export function list(o: QValue | undefined, path: string): QValue[] {
  const v = at(o, path);
  if (typeof v !== 'object') return [];
  return Object.keys(v)
    .filter((k) => /^\d+$/.test(k))
    .sort((a, b) => Number(a) - Number(b))
    .map((k) => v[k]!);
}

export function strs(o: QValue | undefined, path: string): string[] {
  return list(o, path).filter((v): v is string => typeof v === 'string');
}

export function bool(o: QValue | undefined, path: string): boolean | undefined {
  const v = str(o, path);
  if (v === undefined) return undefined;
  if (v !== 'true' && v !== 'false') throw new ApiError('InvalidParameterValue', `Value (${v}) for parameter ${path} is invalid. Expected a boolean.`);
  return v === 'true';
}

export function int(o: QValue | undefined, path: string): number | undefined {
  const v = str(o, path);
  if (v === undefined) return undefined;
  if (!/^-?\d+$/.test(v)) throw new ApiError('InvalidParameterValue', `Value (${v}) for parameter ${path} is invalid. Expected an integer.`);
  return Number(v);
}

export function required(o: QValue | undefined, path: string): string {
  const v = str(o, path);
  if (v === undefined || v === '') throw new ApiError('MissingParameter', `The request must contain the parameter ${path}`);
  return v;
}

export type Tags = Record<string, string>;

/** `Tag.N.Key`/`Tag.N.Value` (or `TagSpecification.N.Tag.M…`) as a map; a missing value is "". */
export function tagList(o: QValue | undefined, path: string): { key: string; value?: string }[] {
  return list(o, path).map((t) => ({ key: str(t, 'Key') ?? '', value: str(t, 'Value') }));
}

/** The tags a request's TagSpecifications give one resource type. */
export function specTags(o: QValue | undefined, path: string, resourceType: string): Tags {
  const out: Tags = {};
  for (const spec of list(o, path)) {
    if (str(spec, 'ResourceType') !== resourceType) continue;
    for (const t of tagList(spec, 'Tag')) out[t.key] = t.value ?? '';
  }
  return out;
}
