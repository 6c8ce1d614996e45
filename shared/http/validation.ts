/** Zod failures become one 400 problem listing every field, each named by where it came from. */
import type { z } from 'zod';
import { ValidationError, type FieldError } from '../errors/app-error';

export type InputLocation = 'params' | 'query' | 'body' | 'headers';

export function toFieldErrors(location: InputLocation, error: z.ZodError): FieldError[] {
  return error.issues.flatMap((issue) => {
    const base = [location, ...issue.path.map(String)].join('.');
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ path: `${base}.${key}`, message: `unknown ${location === 'query' ? 'parameter' : 'field'}` }));
    }
    return [{ path: base, message: issue.message }];
  });
}

export function parseInput<S extends z.ZodType>(location: InputLocation, schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const errors = toFieldErrors(location, result.error);
  throw new ValidationError(
    `The ${location === 'body' ? 'request body' : location} did not validate: ${errors.map((e) => `${e.path} ${e.message}`).join('; ')}`,
    errors,
  );
}
