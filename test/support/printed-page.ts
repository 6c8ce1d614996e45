/**
 * A printed page made in the test: lines of text rendered in DejaVu Sans (Debian's fonts-dejavu-core,
 * which .ci/run installs when missing) to a PNG or JPEG with pureimage, and the same image as a
 * one-page PDF with pdf-lib, the way a scanner or a phone produces documents.
 */
import { existsSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import { PDFDocument } from 'pdf-lib';
import * as PImage from 'pureimage';

/** A certificate of fiscal residence as a ministry prints it: the page the OCR tests and bench read. */
export const RESIDENCE_CERTIFICATE = [
  'REPÚBLICA DE GUINEA ECUATORIAL',
  'Ministerio de Hacienda y Presupuestos',
  'Certificado de residencia fiscal',
  'Nombre: María Obiang Nsue',
  'NIF: GQ-NIF-1234',
  'Se expide el presente certificado en Malabo.',
];

export const PAGE_FONT = '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf';
let fontLoaded: Promise<void> | undefined;

async function encoded(encode: (stream: PassThrough) => Promise<void>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const stream = new PassThrough();
  stream.on('data', (c: Buffer) => chunks.push(c));
  await encode(stream);
  return Buffer.concat(chunks);
}

export async function printedPage(lines: readonly string[], format: 'png' | 'jpeg' = 'png'): Promise<Buffer> {
  if (!existsSync(PAGE_FONT)) throw new Error(`${PAGE_FONT} is missing: apt-get install fonts-dejavu-core (.ci/run does)`);
  fontLoaded ??= PImage.registerFont(PAGE_FONT, 'DejaVuSans').load();
  await fontLoaded;
  const image = PImage.make(1100, 80 + lines.length * 52);
  const ctx = image.getContext('2d');
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, image.width, image.height);
  ctx.fillStyle = '#000000';
  ctx.font = "26pt 'DejaVuSans'";
  lines.forEach((line, i) => ctx.fillText(line, 40, 64 + i * 52));
  return encoded((s) => (format === 'png' ? PImage.encodePNGToStream(image, s) : PImage.encodeJPEGToStream(image, s, 90)));
}

/** The image as the only content of a one-page PDF, sized to it. */
export async function pdfOfImage(png: Buffer): Promise<Buffer> {
  const pdf = await PDFDocument.create();
  const image = await pdf.embedPng(png);
  pdf.addPage([image.width, image.height]).drawImage(image, { x: 0, y: 0, width: image.width, height: image.height });
  return Buffer.from(await pdf.save());
}
