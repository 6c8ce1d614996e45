/**
 * What a PDF holds, through pdf-lib (pure JavaScript): its page count, and for OCR engines that read
 * only images (Tesseract) the scanned image of each page. Uploaded PDFs are scans or phone captures:
 * one image per page, JPEG (DCTDecode) or raw pixels (FlateDecode); each page's largest such image is
 * handed out as a JPEG or a binary PNM, which Tesseract reads. Pages drawn as vector text have no
 * image and yield nothing here (Cloud Vision reads them).
 */
import { inflateSync } from 'node:zlib';
import { UnreadableDocumentError } from '../../ports/ocr.port';
import { PDFArray, PDFDict, PDFDocument, PDFName, PDFNumber, PDFRawStream, type PDFObject } from 'pdf-lib';

export async function loadPdf(bytes: Buffer): Promise<PDFDocument> {
  try {
    const doc = await PDFDocument.load(bytes, { ignoreEncryption: true, updateMetadata: false, throwOnInvalidObject: false });
    // A file with a PDF header but no page tree loads, then fails on first use: unreadable, not a crash to retry.
    doc.getPageCount();
    return doc;
  } catch (err) {
    throw new UnreadableDocumentError(`the PDF cannot be parsed: ${err instanceof Error ? err.message : String(err)}`);
  }
}

const nameOf = (o: PDFObject | undefined): string | undefined =>
  o instanceof PDFName ? o.decodeText() : o instanceof PDFArray && o.size() > 0 ? nameOf(o.get(0)) : undefined;
const numberOf = (o: PDFObject | undefined) => (o instanceof PDFNumber ? o.asNumber() : undefined);

/** One page's scanned image as an image file Tesseract reads, or undefined when the page has none it can decode. */
function pageImage(doc: PDFDocument, pageIndex: number): Buffer | undefined {
  const page = doc.getPage(pageIndex);
  const xObjects = page.node.Resources()?.lookupMaybe(PDFName.of('XObject'), PDFDict);
  if (!xObjects) return undefined;
  let best: { stream: PDFRawStream; area: number } | undefined;
  for (const [, ref] of xObjects.entries()) {
    const stream = doc.context.lookup(ref);
    if (!(stream instanceof PDFRawStream) || nameOf(stream.dict.get(PDFName.of('Subtype'))) !== 'Image') continue;
    const area = (numberOf(stream.dict.get(PDFName.of('Width'))) ?? 0) * (numberOf(stream.dict.get(PDFName.of('Height'))) ?? 0);
    if (!best || area > best.area) best = { stream, area };
  }
  if (!best) return undefined;
  const { dict, contents } = best.stream;
  const filter = nameOf(dict.get(PDFName.of('Filter')));
  if (filter === 'DCTDecode') return Buffer.from(contents);
  if (filter !== 'FlateDecode' || dict.get(PDFName.of('DecodeParms')) !== undefined || numberOf(dict.get(PDFName.of('BitsPerComponent'))) !== 8)
    return undefined;
  const width = numberOf(dict.get(PDFName.of('Width')))!;
  const height = numberOf(dict.get(PDFName.of('Height')))!;
  const colorSpace = nameOf(dict.lookup(PDFName.of('ColorSpace')));
  const channels = colorSpace === 'DeviceRGB' ? 3 : colorSpace === 'DeviceGray' ? 1 : 0;
  if (!channels) return undefined;
  const pixels = inflateSync(contents);
  if (pixels.length < width * height * channels) return undefined;
  // Netpbm: P6 (RGB) or P5 (gray), 8 bits per sample: the PDF's samples as they are.
  return Buffer.concat([Buffer.from(`${channels === 3 ? 'P6' : 'P5'}\n${width} ${height}\n255\n`, 'ascii'), pixels.subarray(0, width * height * channels)]);
}

/** The images of the first `maxPages` pages, one entry per page (undefined for a page without a decodable image). */
export function pageImages(doc: PDFDocument, maxPages: number): (Buffer | undefined)[] {
  const count = Math.min(doc.getPageCount(), maxPages);
  return Array.from({ length: count }, (_, i) => {
    try {
      return pageImage(doc, i);
    } catch {
      return undefined; // a malformed page has no image to read, like a vector page
    }
  });
}
