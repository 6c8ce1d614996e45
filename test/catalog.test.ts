import request from 'supertest';
import { catalogSource, expectedPayable } from './support/catalog-oracle';
import { createRenderedResponses } from '../shared/http/rendered-responses';
import { createTestApp, type TestApp } from './support/test-app';

let app: TestApp;
beforeAll(async () => {
  app = await createTestApp({ env: { CORS_ORIGINS: 'https://app.taxasge.gq' } });
});
afterAll(() => app.close());

const api = () => request(app.server);

async function allPages(query: string, limit = 100): Promise<{ codes: string[]; totals: number[] }> {
  const codes: string[] = [];
  const totals: number[] = [];
  let cursor: string | null = null;
  do {
    const url: string = `/api/v1/fiscal-services?limit=${limit}${query}${cursor ? `&cursor=${cursor}` : ''}`;
    const res = await api().get(url).expect(200);
    codes.push(...res.body.items.map((i: { code: string }) => i.code));
    totals.push(res.body.total);
    cursor = res.body.nextCursor;
  } while (cursor);
  return { codes, totals };
}

describe('listing and paging', () => {
  it('answers the first page with the total of the whole catalog', async () => {
    const res = await api()
      .get('/api/v1/fiscal-services?limit=5')
      .expect(200)
      .expect('Content-Type', /application\/json/);
    expect(res.body.items).toHaveLength(5);
    expect(res.body.total).toBe(547);
    expect(res.body.items[0]).toMatchObject({ code: 'T-001', name: 'Legalización de Documentos', expeditionAmount: 2000, currency: 'XAF' });
  });

  it('visits every service exactly once through the cursor', async () => {
    const { codes, totals } = await allPages('', 37);
    expect(codes).toHaveLength(547);
    expect(new Set(codes).size).toBe(547);
    expect(new Set(codes)).toEqual(new Set(catalogSource.services.map((s) => s.code)));
    expect(new Set(totals)).toEqual(new Set([547]));
  });

  it('pages through a filtered list too, with the filtered total', async () => {
    const expected = catalogSource.services.filter((s) => s.ministry === 'M-002').map((s) => s.code);
    const { codes, totals } = await allPages('&ministry=M-002', 7);
    expect(codes).toEqual(expected.sort());
    expect(totals[0]).toBe(expected.length);
  });

  it('defaults to 20 items and says when there is no next page', async () => {
    const first = await api().get('/api/v1/fiscal-services').expect(200);
    expect(first.body.items).toHaveLength(20);
    const last = await api().get('/api/v1/fiscal-services?category=C-001&limit=100').expect(200);
    expect(last.body.nextCursor).toBeNull();
  });

  it.each([
    ['sector', 'S-003'],
    ['category', 'C-010'],
    ['ministry', 'm-005'],
  ])('filters by %s', async (field, code) => {
    const res = await api().get(`/api/v1/fiscal-services?${field}=${code}&limit=100`).expect(200);
    const expected = catalogSource.services.filter((s) => s[field as 'sector'] === code.toUpperCase());
    expect(res.body.total).toBe(expected.length);
    expect(res.body.items.every((i: Record<string, { code: string }>) => i[field]!.code === code.toUpperCase())).toBe(true);
  });
});

describe('search', () => {
  it.each([
    ['legalizacion', 'es'],
    ['LEGALIZACIÓN documentos', 'es'],
    ['légalisation', 'fr'],
    ['LEGALISATION de documents', 'fr'],
    ['legalization', 'en'],
    ['document legalization', 'en'],
  ])('finds "Legalización de Documentos" with q=%s (%s), ignoring case and accents', async (q, lang) => {
    const res = await api().get('/api/v1/fiscal-services').query({ q, lang, limit: 100 }).expect(200);
    expect(res.body.items.map((i: { code: string }) => i.code)).toContain('T-001');
    expect(res.body.total).toBeGreaterThan(0);
  });

  it('requires every word to match, and matches an exact code', async () => {
    const both = await api().get('/api/v1/fiscal-services').query({ q: 'legalizacion diplomas', limit: 100 }).expect(200);
    const fold = (v: string) => v.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
    const expected = catalogSource.services
      .filter((s) => ['legalizacion', 'diplomas'].every((w) => fold(`${s.name.es} ${s.name.fr} ${s.name.en}`).includes(w)))
      .map((s) => s.code);
    expect(expected.length).toBeGreaterThan(0);
    expect(both.body.items.map((i: { code: string }) => i.code)).toEqual(expected);
    const byCode = await api().get('/api/v1/fiscal-services').query({ q: 't-007' }).expect(200);
    expect(byCode.body.items.map((i: { code: string }) => i.code)).toEqual(['T-007']);
  });

  it('treats LIKE wildcards as plain characters', async () => {
    const res = await api().get('/api/v1/fiscal-services').query({ q: '%_%' }).expect(200);
    expect(res.body.total).toBe(0);
    expect(res.body.items).toEqual([]);
  });

  it('answers names and documents in the language asked for', async () => {
    const res = await api().get('/api/v1/fiscal-services').query({ q: 'legalizacion', lang: 'fr', limit: 1 }).expect(200);
    expect(res.body.items[0]).toMatchObject({
      code: 'T-001',
      name: 'Légalisation de documents',
      requiredDocuments: ["Document original à légaliser, Pièce d'identité du demandeur"],
    });
    expect(res.body.items[0].ministry.name).toMatch(/^MINISTÈRE/);
  });
});

describe('one service', () => {
  it('returns T-001 with its names in the three languages and its fee in XAF', async () => {
    const res = await api().get('/api/v1/fiscal-services/T-001').expect(200);
    expect(res.body).toMatchObject({
      code: 'T-001',
      names: { es: 'Legalización de Documentos', fr: 'Légalisation de documents', en: 'Document legalization' },
      expeditionAmount: 2000,
      renewalAmount: null,
      currency: 'XAF',
      payableOnline: true,
      catalogVersion: 1,
      sameNameInCategory: ['T-008'],
    });
  });

  it('never prices an unknown, suspect or fractional fee', async () => {
    const zero = await api().get('/api/v1/fiscal-services/T-007').expect(200);
    expect(zero.body).toMatchObject({ expeditionAmount: null, renewalAmount: null, payableOnline: false, flags: ['zero_amounts_in_source'] });
    const fractional = await api().get('/api/v1/fiscal-services/T-015').expect(200);
    expect(fractional.body).toMatchObject({ expeditionAmount: null, payableOnline: false, source: { expeditionAmount: '3.503', renewalAmount: '0' } });
    expect(fractional.body.flags).toEqual(expect.arrayContaining(['suspect_small_amount', 'non_integer_amount']));
  });

  it('marks exactly the services with a missing, suspect or unusable fee as not payable online', async () => {
    const { codes } = await allPages('');
    expect(codes).toHaveLength(547);
    const page = await Promise.all(
      [0, 100, 200, 300, 400, 500].map((offset) =>
        api().get(`/api/v1/fiscal-services?limit=100${offset ? `&cursor=${Buffer.from(`after:${codes[offset - 1]}`).toString('base64url')}` : ''}`),
      ),
    );
    const payable = new Map(page.flatMap((r) => r.body.items.map((i: { code: string; payableOnline: boolean }) => [i.code, i.payableOnline] as const)));
    const mismatches = catalogSource.services.filter((s) => payable.get(s.code) !== expectedPayable(s)).map((s) => s.code);
    expect(mismatches).toEqual([]);
    expect([...payable.values()].filter((p) => !p)).toHaveLength(102);
  });

  it('answers 404 problem+json for an unknown code and 400 for a malformed one', async () => {
    const missing = await api()
      .get('/api/v1/fiscal-services/T-999')
      .expect(404)
      .expect('Content-Type', /application\/problem\+json/);
    expect(missing.body).toMatchObject({ status: 404, code: 'not_found', instance: '/api/v1/fiscal-services/T-999' });
    expect(missing.body.detail).toContain('T-999');
    const malformed = await api().get('/api/v1/fiscal-services/abc').expect(400);
    expect(malformed.body.errors).toEqual([{ path: 'params.code', message: 'expected a service code like T-001' }]);
  });
});

describe('the ministries tree', () => {
  it('lists 14 ministries, 16 sectors and 86 categories with counts that add up to the catalog', async () => {
    const res = await api().get('/api/v1/ministries?lang=en').expect(200);
    const ministries = res.body.ministries as { code: string; name: string; services: number; payableOnline: number; sectors: { categories: unknown[] }[] }[];
    expect(ministries).toHaveLength(14);
    expect(ministries.flatMap((m) => m.sectors)).toHaveLength(16);
    expect(ministries.flatMap((m) => m.sectors.flatMap((s) => s.categories))).toHaveLength(86);
    expect(ministries.reduce((n, m) => n + m.services, 0)).toBe(547);
    expect(ministries.reduce((n, m) => n + m.payableOnline, 0)).toBe(547 - 102);
    expect(ministries[0]).toMatchObject({ code: 'M-001', name: 'MINISTRY OF FOREIGN AFFAIRS AND COOPERATION', services: 14 });
  });
});

describe('bad input is a 400 problem naming the field, never a 500', () => {
  it.each([
    ['limit=0', 'query.limit'],
    ['limit=abc', 'query.limit'],
    ['limit=101', 'query.limit'],
    ['limit=1.5', 'query.limit'],
    ['ministry=M-999', 'query.ministry'],
    ['sector=S-999', 'query.sector'],
    ['category=C-999', 'query.category'],
    ['category=xyz', 'query.category'],
    ['cursor=garbage!', 'query.cursor'],
    ['cursor=Z2FyYmFnZQ', 'query.cursor'],
    ['lang=de', 'query.lang'],
    ['colour=blue', 'query.colour'],
    ['limit=5&limit=6', 'query.limit'],
    [`q=${'a'.repeat(101)}`, 'query.q'],
  ])('%s', async (query, path) => {
    const res = await api()
      .get(`/api/v1/fiscal-services?${query}`)
      .expect(400)
      .expect('Content-Type', /application\/problem\+json/);
    expect(res.body).toMatchObject({ status: 400, code: 'validation_failed', type: expect.stringContaining('validation-failed') });
    expect(res.body.errors.map((e: { path: string }) => e.path)).toContain(path);
    expect(res.body.detail).toContain(path);
  });
});

describe('HTTP behaviour', () => {
  it('answers an unknown path with 404 problem+json', async () => {
    const res = await api()
      .get('/api/v1/nothing-here')
      .expect(404)
      .expect('Content-Type', /application\/problem\+json/);
    expect(res.body.code).toBe('route_not_found');
    const inside = await api().get('/api/v1/fiscal-services/T-001/extra').expect(404);
    expect(inside.body.code).toBe('route_not_found');
  });

  it('answers a wrong method with 405 and Allow', async () => {
    const res = await api().delete('/api/v1/fiscal-services').expect(405);
    expect(res.headers.allow).toBe('GET');
    expect(res.body.code).toBe('method_not_allowed');
  });

  it('answers a malformed JSON body with a 400 problem, not an HTML page', async () => {
    const res = await api().post('/api/v1/fiscal-services').set('Content-Type', 'application/json').send('{"oops"').expect(400);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.body.code).toBe('malformed_json');
  });

  it('allows CORS only for the configured origins', async () => {
    const ok = await api().get('/api/v1/fiscal-services?limit=1').set('Origin', 'https://app.taxasge.gq').expect(200);
    expect(ok.headers['access-control-allow-origin']).toBe('https://app.taxasge.gq');
    const other = await api().get('/api/v1/fiscal-services?limit=1').set('Origin', 'https://evil.example').expect(200);
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
    const preflight = await api().options('/api/v1/fiscal-services').set('Origin', 'https://app.taxasge.gq').expect(204);
    expect(preflight.headers['access-control-allow-methods']).toBe('GET');
  });

  it('answers HEAD like GET without a body', async () => {
    const res = await api().head('/api/v1/fiscal-services/T-001').expect(200);
    expect(res.text).toBeUndefined();
  });

  it('redirects the root to the docs page', async () => {
    await api().get('/').expect(302).expect('Location', '/api/v1/docs');
  });
});

describe('caching', () => {
  it('serves repeated reads from the cache until the catalog version changes', async () => {
    const first = await api().get('/api/v1/fiscal-services/T-002').expect(200);
    await app.database.db.query("UPDATE fiscal_services SET name_es = 'Cambiado' WHERE code = 'T-002'");
    const cached = await api().get('/api/v1/fiscal-services/T-002').expect(200);
    expect(cached.body.name).toBe(first.body.name);

    // A correction made on another instance: the shared cache loses the version, this instance
    // keeps serving what it holds until it re-checks (every 5 s).
    await app.database.db.query("INSERT INTO catalog_versions (version, note) VALUES (2, 'test edit')");
    await app.runtime.cache.del('catalog:taxonomy');
    const held = await api().get('/api/v1/fiscal-services/T-002').expect(200);
    expect(held.body.name).toBe(first.body.name);
    app.clock.advance(5_000);
    const fresh = await api().get('/api/v1/fiscal-services/T-002').expect(200);
    expect(fresh.body.name).toBe('Cambiado');
    const listed = await api().get('/api/v1/fiscal-services?q=T-002').expect(200);
    expect(listed.body.items[0].name).toBe('Cambiado');
  });

  it('serves a listed page again with its ETag, and 304 to a client that holds it', async () => {
    const first = await api().get('/api/v1/fiscal-services?limit=3&lang=fr').expect(200);
    const again = await api().get('/api/v1/fiscal-services?limit=3&lang=fr').expect(200);
    expect(again.body).toEqual(first.body);
    expect(again.headers.etag).toBe(first.headers.etag);
    await api().get('/api/v1/fiscal-services?limit=3&lang=fr').set('If-None-Match', first.headers.etag!).expect(304);
    const english = await api().get('/api/v1/fiscal-services?limit=3&lang=en').expect(200);
    expect(english.headers.etag).not.toBe(first.headers.etag);
  });

  it('keeps rendered pages bounded: the least recently used page is rendered again', () => {
    const pages = createRenderedResponses(2);
    pages.set('a', { n: 1 });
    pages.set('b', { n: 2 });
    pages.get('a');
    pages.set('c', { n: 3 });
    expect(pages.get('b')).toBeUndefined();
    expect(JSON.parse(pages.get('a')!.body.toString())).toEqual({ n: 1 });
    expect(pages.get('c')).toBeDefined();
  });
});
