import QRCode from 'qrcode';
import { qrCode } from './qr-codes';

describe('receipt QR codes', () => {
  const url = 'https://taxasge.gq/api/v1/receipts/REC-2026-00000001?s=abc';

  it('renders what qrcode renders, PNG data URL and SVG', async () => {
    expect(await qrCode(url, 'png-data-url')).toBe(await QRCode.toDataURL(url, { errorCorrectionLevel: 'M', margin: 2, scale: 6 }));
    expect(await qrCode(url, 'svg')).toBe(await QRCode.toString(url, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 }));
  });

  it('renders a code once and answers it again from the instance', async () => {
    const spy = jest.spyOn(QRCode, 'toDataURL');
    const other = `${url}-again`;
    await qrCode(other, 'png-data-url');
    await qrCode(other, 'png-data-url');
    expect(spy).toHaveBeenCalledTimes(1);
    spy.mockRestore();
  });
});
