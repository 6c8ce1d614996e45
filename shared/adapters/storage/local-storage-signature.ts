/** HMAC-SHA256 signatures of the local storage URLs: what a URL allows, bound to a secret, checked in constant time. */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** Everything a local URL grants; the method is signed too, so a download URL never works for an upload. */
export type SignedGrant =
  | { method: 'PUT'; objectName: string; expires: number; contentType: string; contentLength: number }
  | { method: 'GET'; objectName: string; expires: number; downloadName?: string };

const VERSION = 'taxasge-local-storage-v1';
/** 32 random bytes as base64url is 43 characters. */
export const MIN_SECRET_LENGTH = 43;

// A JSON array keeps the fields apart whatever they contain: no two grants sign the same string.
function stringToSign(grant: SignedGrant): string {
  return grant.method === 'PUT'
    ? JSON.stringify([VERSION, 'PUT', grant.objectName, grant.expires, grant.contentType, grant.contentLength])
    : JSON.stringify([VERSION, 'GET', grant.objectName, grant.expires, grant.downloadName ?? null]);
}

export function createGrantSigner(secret: string) {
  if (typeof secret !== 'string' || secret.length < MIN_SECRET_LENGTH) {
    throw new Error(`local storage secret: expected at least ${MIN_SECRET_LENGTH} characters (32 random bytes, base64url)`);
  }
  const sign = (grant: SignedGrant): string => createHmac('sha256', secret).update(stringToSign(grant)).digest('base64url');
  return {
    sign,
    verify(grant: SignedGrant, signature: string): boolean {
      // Compared as text, not decoded: base64 decoding skips stray characters, which would let altered signatures pass.
      const expected = Buffer.from(sign(grant));
      const given = Buffer.from(signature);
      // The length of a signature is public; only equal-length buffers can be compared in constant time.
      return given.length === expected.length && timingSafeEqual(given, expected);
    },
  };
}

export type GrantSigner = ReturnType<typeof createGrantSigner>;
