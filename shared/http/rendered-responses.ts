/**
 * Answers already serialised, kept per instance for reads whose key names everything they depend
 * on (a catalog page: version, query, language). The body is kept as bytes with its ETag, so a hit
 * costs neither UTF-8 encoding nor hashing, and a client holding the ETag gets a 304. Bounded: the
 * least recently used go first, so arbitrary search strings cannot grow it, and the keys of an old
 * catalog version simply age out.
 */
import { createHash } from 'node:crypto';

export interface RenderedResponse {
  body: Buffer;
  etag: string;
}

export interface RenderedResponses {
  get(key: string): RenderedResponse | undefined;
  /** Serialises `value`, keeps it under `key` and returns it. */
  set(key: string, value: unknown): RenderedResponse;
}

export function createRenderedResponses(maxEntries = 500): RenderedResponses {
  const entries = new Map<string, RenderedResponse>();
  return {
    get(key) {
      const hit = entries.get(key);
      if (hit !== undefined) {
        entries.delete(key);
        entries.set(key, hit);
      }
      return hit;
    },
    set(key, value) {
      const body = Buffer.from(JSON.stringify(value));
      const rendered = { body, etag: `"${createHash('sha1').update(body).digest('base64url')}"` };
      entries.delete(key);
      if (entries.size >= maxEntries) entries.delete(entries.keys().next().value!);
      entries.set(key, rendered);
      return rendered;
    },
  };
}
