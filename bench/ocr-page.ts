/**
 * The cost of reading one page with Tesseract, as process-document pays it: the engine's start
 * (worker thread, WebAssembly, trained data), the first page, then a warm page; wall time and the
 * process's peak RSS. `npx tsx bench/ocr-page.ts [spa|spa+fra+eng]` prints one JSON line.
 */
import { createTesseractOcr, type TesseractLanguage } from '../shared/adapters/ocr/tesseract-ocr';
import { pdfOfImage, printedPage, RESIDENCE_CERTIFICATE } from '../test/support/printed-page';

async function main(): Promise<void> {
  const languages = (process.argv[2] ?? 'spa+fra+eng').split('+') as TesseractLanguage[];
  const png = await printedPage(RESIDENCE_CERTIFICATE);
  const pdf = await pdfOfImage(png);
  const rssBefore = process.memoryUsage().rss;
  let peak = rssBefore;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  const ocr = createTesseractOcr({ languages });
  const timed = async (input: Parameters<typeof ocr.read>[0]) => {
    const started = performance.now();
    const result = await ocr.read(input);
    return { ms: Math.round(performance.now() - started), quality: result.quality };
  };
  const cold = await timed({ bytes: png, contentType: 'image/png' });
  const warm = await timed({ bytes: png, contentType: 'image/png' });
  const warmPdf = await timed({ bytes: pdf, contentType: 'application/pdf' });
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage().rss);
  await ocr.close();
  const mb = (n: number) => Math.round(n / 1e6);
  console.log(
    JSON.stringify({
      languages: languages.join('+'),
      page: '1100x392 px PNG, 6 lines',
      coldFirstPageMs: cold.ms,
      warmPageMs: warm.ms,
      warmPdfPageMs: warmPdf.ms,
      quality: warm.quality,
      rssBeforeMb: mb(rssBefore),
      peakRssMb: mb(peak),
    }),
  );
}

void main();
