/** The Content-Disposition both adapters serve a named download with (RFC 6266, with an RFC 8187 UTF-8 name). */

// encodeURIComponent leaves these unescaped, but RFC 8187's attr-char does not allow them.
const encodeExtValue = (value: string) => encodeURIComponent(value).replace(/['()*!]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/**
 * A download name a browser cannot be fooled by: no control or format characters (the bidi overrides
 * that turn `invoice\u202efdp.exe` into "invoiceexe.pdf", zero-width marks), no path separators.
 */
export function safeDownloadName(fileName: string): string {
  return (
    fileName
      .replace(/[\p{Cc}\p{Cf}]/gu, '')
      .replace(/[/\\]/g, '_')
      .trim() || 'download'
  );
}

export function attachmentDisposition(rawName: string): string {
  const fileName = safeDownloadName(rawName);
  // Old clients read only `filename`: keep it to printable ASCII without quotes or backslashes.
  const fallback =
    fileName
      .normalize('NFKD')
      .replace(/[^\x20-\x7e]/g, '')
      .replace(/["\\]/g, '')
      .trim() || 'download';
  return `attachment; filename="${fallback}"; filename*=UTF-8''${encodeExtValue(fileName)}`;
}
