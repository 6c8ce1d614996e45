import { attachmentDisposition, safeDownloadName } from './content-disposition';

describe('download names', () => {
  it('drop bidi overrides, zero-width and control characters, and path separators, in both names', () => {
    expect(safeDownloadName('invoice\u202efdp.exe')).toBe('invoicefdp.exe');
    expect(safeDownloadName('a\u2066b\u200bc\u0000d\r\n.pdf')).toBe('abcd.pdf');
    expect(safeDownloadName('../../etc/passwd')).toBe('.._.._etc_passwd');
    expect(safeDownloadName('\u202e')).toBe('download');
    const header = attachmentDisposition('factura\u202efdp.exe');
    expect(header).toBe(`attachment; filename="facturafdp.exe"; filename*=UTF-8''facturafdp.exe`);
    expect(attachmentDisposition('résumé.pdf')).toBe(`attachment; filename="resume.pdf"; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf`);
  });
});
