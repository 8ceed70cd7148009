import { parseXML } from '@aws-sdk/xml-builder';
import { ApiError } from '../errors';

/** Route 53's XML request bodies, parsed by the SDK's own XML parser: elements as keys, text as strings. */
export type XmlValue = string | XmlObject | XmlValue[];
export interface XmlObject {
  [key: string]: XmlValue;
}

export function parseBody(body: string): XmlObject {
  try {
    return parseXML(body) as XmlObject;
  } catch (e: unknown) {
    throw new ApiError('InvalidInput', `Invalid XML: ${e instanceof Error ? e.message : String(e)}`);
  }
}

export function field(x: XmlValue | undefined, name: string): XmlValue | undefined {
  return x && typeof x === 'object' && !Array.isArray(x) ? x[name] : undefined;
}

/** One element parses as itself, several as a list: either way, a list. */
export function asList(x: XmlValue | undefined): XmlValue[] {
  if (x === undefined || x === '') return [];
  return Array.isArray(x) ? x : [x];
}
