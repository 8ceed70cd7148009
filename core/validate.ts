import type { z } from 'zod';
import { ValidationError } from './errors';

/** Parses JSON text, or throws a ValidationError that says what was expected. */
export function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new ValidationError(`${what} is not JSON`);
  }
}

/** JSON text checked against a schema; the error names the first offending path. */
export function parseJsonWith<S extends z.ZodType>(schema: S, text: string, what: string): z.infer<S> {
  const parsed = schema.safeParse(parseJson(text, what));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ValidationError(`invalid ${what} at ${issue?.path.join('.') || '(root)'}: ${issue?.message}`);
  }
  return parsed.data;
}
