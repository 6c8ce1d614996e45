/**
 * Uploaded documents are checked and read: a printed Spanish page, as a PNG and as a PDF, goes up
 * through the signed URL, the local storage raises the finalize event, the pipeline reads it with the
 * real Tesseract engine, and the API shows the text with its quality score; a file whose bytes are
 * not what it claims is flagged, and the review queue says so.
 */
import request from 'supertest';
import { getEventBus } from '../../shared/runtime/events';
import { anAccount, requestsAs, type CreatedAccount } from '../support/auth-fixtures';
import { pdfOfImage, printedPage, RESIDENCE_CERTIFICATE } from '../support/printed-page';
import { createTestApp, type TestApp } from '../support/test-app';

let app: TestApp;
let owner: CreatedAccount;
let agent: CreatedAccount;
let png: Buffer;

beforeAll(async () => {
  // One language keeps the engine's start near 3 s; production reads spa+fra+eng (docs/DOCUMENTS.md).
  app = await createTestApp({ env: { OCR_LANGUAGES: 'spa' } });
  owner = await anAccount().withRole('business').create(app);
  await app.database.db.query("UPDATE users SET full_name = 'María Obiang Nsue' WHERE id = $1", [owner.id]);
  agent = await anAccount().withRole('agent', ['M-007', 'M-001']).create(app);
  png = await printedPage(RESIDENCE_CERTIFICATE);
}, 60_000);
afterAll(() => app.close());

const as = requestsAs(() => app);

async function upload(declarationId: string, filename: string, contentType: string, bytes: Buffer): Promise<void> {
  const slot = await as(owner).post(`/api/v1/declarations/${declarationId}/documents`, { filename, contentType, size: bytes.length }).expect(201);
  const url = new URL(slot.body.upload.url);
  let put = request(app.server).put(url.pathname + url.search);
  for (const [name, value] of Object.entries(slot.body.upload.headers as Record<string, string>)) put = put.set(name, value);
  await put.send(bytes).expect(200);
  // The PUT raised the finalize event; wait until the pipeline's delivery is done.
  await getEventBus().drain();
}

const newTaxReturn = async () =>
  (await as(owner).post('/api/v1/declarations', { kind: 'tax_return', taxType: 'vat', period: '2026-07', declaredAmount: 1_000_000 }).expect(201)).body
    .id as string;
const documentsOf = async (id: string) =>
  (await as(agent).get(`/api/v1/declarations/${id}/documents`).expect(200)).body.items as { filename: string; processing: Record<string, unknown> | null }[];

describe('a printed page read by OCR', () => {
  it('reads a PNG: the text, its quality score, the language, and the owner found in it', async () => {
    const id = await newTaxReturn();
    await upload(id, 'certificado.png', 'image/png', png);
    const [doc] = await documentsOf(id);
    expect(doc!.processing).toMatchObject({
      outcome: 'read',
      flags: [],
      detectedType: 'image/png',
      pageCount: 1,
      provider: 'tesseract',
      language: 'es',
      hints: { taxIdFound: true, nameFound: true },
    });
    const text = doc!.processing!.text as string;
    for (const line of ['Certificado de residencia fiscal', 'Se expide el presente certificado en Malabo.']) expect(text).toContain(line);
    expect(doc!.processing!.quality).toBeGreaterThan(0.8);
  }, 60_000);

  it('reads the same page as a PDF', async () => {
    const id = await newTaxReturn();
    await upload(id, 'certificado.pdf', 'application/pdf', await pdfOfImage(png));
    const [doc] = await documentsOf(id);
    expect(doc!.processing).toMatchObject({ outcome: 'read', flags: [], detectedType: 'application/pdf', pageCount: 1, provider: 'tesseract', language: 'es' });
    expect(doc!.processing!.text).toContain('Ministerio de Hacienda y Presupuestos');
    expect(doc!.processing!.quality).toBeGreaterThan(0.8);
  }, 60_000);

  it('flags a PDF with a header but no pages as unreadable, once, instead of failing until it is dead-lettered', async () => {
    const id = await newTaxReturn();
    await upload(id, 'vacio.pdf', 'application/pdf', Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n'));
    const [doc] = await documentsOf(id);
    expect(doc!.processing).toMatchObject({ outcome: 'flagged', flags: ['unreadable'], detectedType: 'application/pdf' });
    expect(app.logs.filter((l) => l.includes('event handler failed') && l.includes('process-document'))).toEqual([]);
  }, 60_000);

  it('flags a file whose bytes are not what it claims, and the review queue shows it', async () => {
    const id = await newTaxReturn();
    await upload(id, 'pasaporte.pdf', 'application/pdf', Buffer.from('#!/bin/sh\necho this is no PDF\n'));
    await upload(id, 'foto.png', 'image/png', await printedPage(['Fotografía'], 'jpeg'));
    const docs = await documentsOf(id);
    expect(docs.find((d) => d.filename === 'pasaporte.pdf')!.processing).toMatchObject({
      outcome: 'flagged',
      flags: ['type_unknown'],
      detectedType: null,
      provider: null,
      text: null,
    });
    expect(docs.find((d) => d.filename === 'foto.png')!.processing).toMatchObject({
      outcome: 'flagged',
      flags: expect.arrayContaining(['type_mismatch']),
      detectedType: 'image/jpeg',
      provider: 'tesseract',
    });

    await as(owner).post(`/api/v1/declarations/${id}/submit`, {}).expect(200);
    const queue = await as(agent).get('/api/v1/agent/queue').expect(200);
    const item = (queue.body.items as { declaration: { id: string }; documents: unknown }[]).find((i) => i.declaration.id === id);
    expect(item!.documents).toEqual({ count: 2, flagged: 2, unprocessed: 0 });
  }, 60_000);

  it("downloads a document under the declaration's reference and the type its bytes are, not the uploader's name", async () => {
    const id = await newTaxReturn();
    const { reference } = (await as(owner).get(`/api/v1/declarations/${id}`).expect(200)).body as { reference: string };
    await upload(id, 'factura\u202efdp.pdf', 'application/pdf', Buffer.from('#!/bin/sh\necho this is no PDF\n'));
    // Documents are numbered in upload order: a second later, as a real upload would be (the clock is fixed).
    app.clock.advance(1000);
    await upload(id, 'foto.png', 'image/png', await printedPage(['Fotografía'], 'jpeg'));
    const docs = (await as(agent).get(`/api/v1/declarations/${id}/documents`).expect(200)).body.items as { filename: string; downloadUrl: string }[];
    const dispositions = await Promise.all(
      docs.map(async (d) => {
        const url = new URL(d.downloadUrl);
        return (
          await request(app.server)
            .get(url.pathname + url.search)
            .expect(200)
        ).headers['content-disposition'];
      }),
    );
    // The uploader's names are still shown in the list, as data.
    expect(docs.map((d) => d.filename)).toEqual(['factura\u202efdp.pdf', 'foto.png']);
    expect(dispositions).toEqual([
      `attachment; filename="${reference}-1.bin"; filename*=UTF-8''${reference}-1.bin`,
      `attachment; filename="${reference}-2.jpg"; filename*=UTF-8''${reference}-2.jpg`,
    ]);
  }, 60_000);

  it('handles a finalize event once, however often it is delivered', async () => {
    const id = await newTaxReturn();
    await upload(id, 'nota.pdf', 'application/pdf', Buffer.from('not a pdf at all, twice'));
    const { rows } = await app.database.db.query<{ event_id: string }>(
      "SELECT event_id FROM processed_events WHERE subscription = 'process-document' AND event_id LIKE $1",
      [`local/declarations/${id}/%`],
    );
    expect(rows).toHaveLength(1);
    const [event] = (
      await app.database.db.query<{ processed_at: Date }>(
        'SELECT p.processed_at FROM document_processing p JOIN declaration_documents d ON d.id = p.document_id WHERE d.declaration_id = $1',
        [id],
      )
    ).rows;
    const { objectFinalizedEvent } = await import('../../shared/adapters/storage/object-finalized');
    const [, name, generation] = /^local\/(.+)#(\d+)$/.exec(rows[0]!.event_id)!;
    app.clock.advance(60_000);
    await getEventBus().publish(
      'document-uploads',
      objectFinalizedEvent({
        bucket: 'local',
        name: name!,
        generation: generation!,
        contentType: 'application/pdf',
        size: 23,
        timeCreated: new Date().toISOString(),
      }),
    );
    await getEventBus().drain();
    const again = (
      await app.database.db.query<{ processed_at: Date }>(
        'SELECT p.processed_at FROM document_processing p JOIN declaration_documents d ON d.id = p.document_id WHERE d.declaration_id = $1',
        [id],
      )
    ).rows;
    expect(again).toEqual([event]);
  });
});
