/**
 * QR codes of receipt URLs, rendered once per instance and kept (bounded, least recently used out):
 * a receipt's code is asked for again and again (its JSON, its page), and each rendering costs a PNG
 * or SVG encoding. The qrcode package loads on the first code, not at the function's cold start.
 */
type Format = 'png-data-url' | 'svg';

const MAX_CODES = 500;
const rendered = new Map<string, Promise<string>>();

async function render(text: string, format: Format): Promise<string> {
  const { default: QRCode } = await import('qrcode');
  return format === 'svg'
    ? QRCode.toString(text, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 })
    : QRCode.toDataURL(text, { errorCorrectionLevel: 'M', margin: 2, scale: 6 });
}

/** The QR code of `text`, as a PNG data URL (scale 6) or an SVG document, error correction M, margin 2. */
export function qrCode(text: string, format: Format): Promise<string> {
  const key = `${format}\n${text}`;
  let code = rendered.get(key);
  if (code) {
    rendered.delete(key); // most recently used last
  } else {
    code = render(text, format);
    // A failed rendering is not kept: the next request tries again.
    code.catch(() => rendered.delete(key));
    if (rendered.size >= MAX_CODES) rendered.delete(rendered.keys().next().value!);
  }
  rendered.set(key, code);
  return code;
}
