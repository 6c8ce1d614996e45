import { generateKeyPairSync, createHmac } from 'node:crypto';
import { SignJWT, exportJWK } from 'jose';
import request from 'supertest';
import { createTestApp, type TestApp } from './support/test-app';
import { anAccount, FIXTURE_PASSWORD } from './support/auth-fixtures';
import { mailTo, resetTokenFor } from './support/mail-drop';
import { setRuntime } from '../shared/runtime/runtime';

let app: TestApp;
beforeAll(async () => {
  app = await createTestApp();
});
afterAll(() => app.close());

const api = () => request(app.server);
const STRONG = 'Malabo-2026-sol';

describe('the account flow over HTTP', () => {
  it('register → login → me → refresh → reuse revokes the family → logout', async () => {
    const registered = await api()
      .post('/api/v1/auth/register')
      .send({ email: 'Ana.Nguema@Example.gq', password: STRONG, fullName: 'Ana Nguema', accountType: 'citizen', locale: 'fr' })
      .expect(201);
    expect(registered.body).toMatchObject({ email: 'ana.nguema@example.gq', role: 'citizen', locale: 'fr', status: 'active' });
    expect(registered.body).not.toHaveProperty('passwordHash');

    const login = await api().post('/api/v1/auth/login').send({ email: 'ana.nguema@example.gq', password: STRONG }).expect(200);
    expect(login.body).toMatchObject({ tokenType: 'Bearer', expiresIn: 900 });
    const me = await api().get('/api/v1/auth/me').set('Authorization', `Bearer ${login.body.accessToken}`).expect(200);
    expect(me.body.id).toBe(registered.body.id);

    const rotated = await api().post('/api/v1/auth/refresh').send({ refreshToken: login.body.refreshToken }).expect(200);
    expect(rotated.body.refreshToken).not.toBe(login.body.refreshToken);

    const reuse = await api().post('/api/v1/auth/refresh').send({ refreshToken: login.body.refreshToken }).expect(401);
    expect(reuse.body.detail).toMatch(/already used/);
    // The whole family is gone, including the token the rotation just issued.
    await api().post('/api/v1/auth/refresh').send({ refreshToken: rotated.body.refreshToken }).expect(401);

    const second = await api().post('/api/v1/auth/login').send({ email: 'ana.nguema@example.gq', password: STRONG }).expect(200);
    await api().post('/api/v1/auth/logout').send({ refreshToken: second.body.refreshToken }).expect(204);
    await api().post('/api/v1/auth/refresh').send({ refreshToken: second.body.refreshToken }).expect(401);

    const { rows } = await app.database.db.query<{ action: string }>('SELECT action FROM audit_log ORDER BY id');
    expect(rows.map((r) => r.action)).toEqual(['user.registered', 'login.success', 'token.family_revoked', 'login.success', 'logout']);
  });

  it('takes the role from the account type, never from the client', async () => {
    await api()
      .post('/api/v1/auth/register')
      .send({ email: 'x@example.gq', password: STRONG, fullName: 'X', accountType: 'citizen', role: 'admin' })
      .expect(400);
    const biz = await api()
      .post('/api/v1/auth/register')
      .send({ email: 'biz@example.gq', password: STRONG, fullName: 'Biz S.L.', accountType: 'business', taxId: 'GQ-123456' })
      .expect(201);
    expect(biz.body).toMatchObject({ role: 'business', taxId: 'GQ-123456' });
    const noNif = await api()
      .post('/api/v1/auth/register')
      .send({ email: 'biz2@example.gq', password: STRONG, fullName: 'Biz', accountType: 'business' })
      .expect(400);
    expect(noNif.body.errors).toEqual([{ path: 'body.taxId', message: 'required for a business account' }]);
  });

  it('refuses weak passwords and taken emails with messages that help', async () => {
    const weak = await api()
      .post('/api/v1/auth/register')
      .send({ email: 'w@example.gq', password: 'short', fullName: 'W', accountType: 'citizen' })
      .expect(400);
    expect(weak.body.detail).toContain('at least 10 characters');
    await api().post('/api/v1/auth/register').send({ email: 'dup@example.gq', password: STRONG, fullName: 'D', accountType: 'citizen' }).expect(201);
    const dup = await api()
      .post('/api/v1/auth/register')
      .send({ email: 'DUP@example.gq', password: STRONG, fullName: 'D', accountType: 'citizen' })
      .expect(409);
    expect(dup.body.code).toBe('email_taken');
  });

  it('refuses a suspended account at login', async () => {
    const account = await anAccount().suspended().create(app);
    const res = await api().post('/api/v1/auth/login').send({ email: account.email, password: FIXTURE_PASSWORD }).expect(403);
    expect(res.body.detail).toMatch(/suspended/);
  });
});

describe('access tokens that must be refused', () => {
  let account: Awaited<ReturnType<ReturnType<typeof anAccount>['create']>>;
  beforeAll(async () => {
    account = await anAccount().create(app);
  });
  const meWith = (token: string) => api().get('/api/v1/auth/me').set('Authorization', `Bearer ${token}`);
  const claims = () => ({ role: 'citizen', ministries: [] });
  const { issuer, audience } = { issuer: 'https://api.taxasge.gq', audience: 'taxasge-api' };

  it('accepts the genuine token', async () => {
    await meWith(account.accessToken).expect(200);
  });

  it('refuses an expired token', async () => {
    app.clock.advance(16 * 60 * 1000);
    const res = await meWith(account.accessToken).expect(401);
    expect(res.body.detail).toMatch(/expired/);
    app.clock.advance(-16 * 60 * 1000);
  });

  it('refuses a token signed with another key under a known kid', async () => {
    const { privateKey } = generateKeyPairSync('ed25519');
    const kid = JSON.parse(Buffer.from(account.accessToken.split('.')[0]!, 'base64url').toString()).kid;
    const forged = await new SignJWT(claims())
      .setProtectedHeader({ alg: 'EdDSA', kid, typ: 'at+jwt' })
      .setSubject(account.id)
      .setIssuer(issuer)
      .setAudience(audience)
      .setIssuedAt()
      .setExpirationTime('10m')
      .sign(privateKey);
    await meWith(forged).expect(401);
  });

  it('refuses a token with an unknown kid', async () => {
    const { privateKey } = generateKeyPairSync('ed25519');
    const forged = await new SignJWT(claims())
      .setProtectedHeader({ alg: 'EdDSA', kid: 'attacker', typ: 'at+jwt' })
      .setSubject(account.id)
      .setIssuer(issuer)
      .setAudience(audience)
      .setIssuedAt()
      .setExpirationTime('10m')
      .sign(privateKey);
    await meWith(forged).expect(401);
  });

  it('refuses alg none', async () => {
    const [header, payload] = account.accessToken.split('.');
    const h = JSON.parse(Buffer.from(header!, 'base64url').toString());
    const none = `${Buffer.from(JSON.stringify({ ...h, alg: 'none' })).toString('base64url')}.${payload}.`;
    await meWith(none).expect(401);
  });

  it('refuses HS256 signed with the public key (algorithm confusion)', async () => {
    const jwks = (await api().get('/.well-known/jwks.json').expect(200)).body.keys;
    const [, payload] = account.accessToken.split('.');
    const header = Buffer.from(JSON.stringify({ alg: 'HS256', kid: jwks[0].kid, typ: 'at+jwt' })).toString('base64url');
    const signature = createHmac('sha256', JSON.stringify(jwks[0])).update(`${header}.${payload}`).digest('base64url');
    await meWith(`${header}.${payload}.${signature}`).expect(401);
    const signature2 = createHmac('sha256', Buffer.from(jwks[0].x, 'base64url')).update(`${header}.${payload}`).digest('base64url');
    await meWith(`${header}.${payload}.${signature2}`).expect(401);
  });

  it('refuses a tampered payload', async () => {
    const [header, payload, signature] = account.accessToken.split('.');
    const body = JSON.parse(Buffer.from(payload!, 'base64url').toString());
    const tampered = Buffer.from(JSON.stringify({ ...body, role: 'admin' })).toString('base64url');
    await meWith(`${header}.${tampered}.${signature}`).expect(401);
  });

  it.each([
    ['issuer', { iss: 'https://evil.example', aud: audience }],
    ['audience', { iss: issuer, aud: 'other-api' }],
  ])('refuses the wrong %s', async (_what, { iss, aud }) => {
    const { getKeyRing } = await import('../shared/runtime/identity');
    const ring = getKeyRing();
    const token = await new SignJWT(claims())
      .setProtectedHeader({ alg: 'EdDSA', kid: ring.activeKid, typ: 'at+jwt' })
      .setSubject(account.id)
      .setIssuer(iss)
      .setAudience(aud)
      .setIssuedAt(Math.floor(app.clock.now().getTime() / 1000))
      .setExpirationTime(Math.floor(app.clock.now().getTime() / 1000) + 600)
      .sign(ring.signingKey);
    const res = await meWith(token).expect(401);
    expect(res.body.code).toBe('unauthenticated');
  });

  it('refuses a correctly signed token that lives longer than the service issues them, or was issued in the future', async () => {
    const { getKeyRing } = await import('../shared/runtime/identity');
    const ring = getKeyRing();
    const now = Math.floor(app.clock.now().getTime() / 1000);
    const signed = (iat: number, exp: number) =>
      new SignJWT(claims())
        .setProtectedHeader({ alg: 'EdDSA', kid: ring.activeKid, typ: 'at+jwt' })
        .setSubject(account.id)
        .setIssuer(issuer)
        .setAudience(audience)
        .setIssuedAt(iat)
        .setExpirationTime(exp)
        .sign(ring.signingKey);
    const tenYears = await meWith(await signed(now, now + 10 * 365 * 24 * 3600)).expect(401);
    expect(tenYears.body.detail).toMatch(/lives longer/);
    // Issued in the future, so that its age never grows past the lifetime.
    await meWith(await signed(now + 3600, now + 3600 + 600)).expect(401);
    // The same key, the issued lifetime: accepted.
    await meWith(await signed(now, now + 15 * 60)).expect(200);
  });

  it('refuses a missing or malformed Authorization header', async () => {
    await api().get('/api/v1/auth/me').expect(401).expect('WWW-Authenticate', 'Bearer');
    await api().get('/api/v1/auth/me').set('Authorization', 'Basic abc').expect(401);
    await meWith('not-a-jwt').expect(401);
  });

  it('stops honouring tokens of an account once it is suspended', async () => {
    const other = await anAccount().create(app);
    await meWith(other.accessToken).expect(200);
    await app.database.db.query("UPDATE users SET status = 'suspended' WHERE id = $1", [other.id]);
    await app.runtime.cache.del(`account:${other.id}`);
    await meWith(other.accessToken).expect(401);
  });

  it('publishes the verification keys as a JWKS', async () => {
    const res = await api().get('/.well-known/jwks.json').expect(200);
    expect(res.body.keys[0]).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', use: 'sig' });
    expect(res.body.keys[0]).not.toHaveProperty('d');
    expect(await exportJWK(generateKeyPairSync('ed25519').publicKey)).toHaveProperty('x');
  });
});

describe('rate limits', () => {
  it('answers the sixth failed login within a minute with 429 and Retry-After', async () => {
    const account = await anAccount().create(app);
    for (let i = 0; i < 5; i++) {
      await api().post('/api/v1/auth/login').send({ email: account.email, password: 'wrong-password-1' }).expect(401);
    }
    const limited = await api().post('/api/v1/auth/login').send({ email: account.email, password: FIXTURE_PASSWORD }).expect(429);
    expect(limited.headers['retry-after']).toMatch(/^\d+$/);
    expect(limited.body.code).toBe('rate_limited');
    app.clock.advance(61_000);
    await api().post('/api/v1/auth/login').send({ email: account.email, password: FIXTURE_PASSWORD }).expect(200);
  });
});

describe('password reset', () => {
  it('always answers 202, emails a single-use token, and ends sessions on reset', async () => {
    const account = await anAccount().create(app);
    await api().post('/api/v1/auth/password/forgot').send({ email: 'nobody@example.gq' }).expect(202, { status: 'accepted' });
    const session = await api().post('/api/v1/auth/login').send({ email: account.email, password: FIXTURE_PASSWORD }).expect(200);
    await api().post('/api/v1/auth/password/forgot').send({ email: account.email }).expect(202, { status: 'accepted' });

    const token = (await resetTokenFor(app, account.email))!;
    expect(await mailTo(app, account.email)).toHaveLength(1);
    const { rows: stored } = await app.database.db.query<{ token_hash: Buffer }>('SELECT token_hash FROM password_resets');
    expect(stored.every((r) => !r.token_hash.toString('utf8').includes(token))).toBe(true);

    await api().post('/api/v1/auth/password/reset').send({ token, password: 'weak' }).expect(400);
    await api().post('/api/v1/auth/password/reset').send({ token, password: 'Nuevo-Passw0rd' }).expect(204);
    const again = await api().post('/api/v1/auth/password/reset').send({ token, password: 'Otro-Passw0rd1' }).expect(400);
    expect(again.body.errors[0].path).toBe('body.token');

    await api().post('/api/v1/auth/refresh').send({ refreshToken: session.body.refreshToken }).expect(401);
    await api().post('/api/v1/auth/login').send({ email: account.email, password: 'Nuevo-Passw0rd' }).expect(200);
  });

  it('does the same work for any address, queues the email for the notifications consumer, and stores the link redacted', async () => {
    const account = await anAccount().create(app);
    const queued = async () =>
      (
        await app.database.db.query<{ event: { data: Record<string, unknown> } }>(
          "SELECT event FROM event_outbox WHERE event->>'type' = 'account.password_reset_requested'",
        )
      ).rows;
    const before = (await queued()).length;
    await api().post('/api/v1/auth/password/forgot').send({ email: 'nobody-else@example.gq' }).expect(202, { status: 'accepted' });
    await api().post('/api/v1/auth/password/forgot').send({ email: account.email }).expect(202, { status: 'accepted' });
    const events = (await queued()).slice(before);
    expect(events.map((e) => Object.keys(e.event.data).sort())).toEqual([
      ['email', 'requestId'],
      ['email', 'requestId'],
    ]);
    expect(await resetTokenFor(app, account.email)).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await mailTo(app, 'nobody-else@example.gq')).toEqual([]);
    const { rows } = await app.database.db.query<{ payload: { link: string } }>(
      "SELECT payload FROM notification_outbox WHERE recipient = $1 AND template = 'password-reset'",
      [account.email],
    );
    expect(rows.map((r) => r.payload.link)).toEqual(['[redacted]']);
  });

  it('answers 202 while the mail provider is down: the request never calls it', async () => {
    const down = await createTestApp({ env: { MAILGUN_API_KEY: 'key-test', MAILGUN_DOMAIN: 'mg.example.gq', MAILGUN_BASE_URL: 'https://127.0.0.1:9' } });
    try {
      const account = await anAccount().create(down);
      await request(down.server).post('/api/v1/auth/password/forgot').send({ email: account.email }).expect(202, { status: 'accepted' });
    } finally {
      await down.close();
      setRuntime(app.runtime);
    }
  });

  it('refuses a reset token older than an hour', async () => {
    const account = await anAccount().create(app);
    await api().post('/api/v1/auth/password/forgot').send({ email: account.email }).expect(202);
    const token = (await resetTokenFor(app, account.email))!;
    app.clock.advance(61 * 60 * 1000);
    await api().post('/api/v1/auth/password/reset').send({ token, password: 'Nuevo-Passw0rd' }).expect(400);
  });
});

describe('logs', () => {
  it('never contain a password, token or secret from the whole suite', () => {
    const text = app.logs.join('\n');
    expect(text.length).toBeGreaterThan(0);
    for (const secret of [STRONG, FIXTURE_PASSWORD, 'Nuevo-Passw0rd', 'wrong-password-1']) expect(text).not.toContain(secret);
    expect(text).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}/);
  });
});

describe('the general limit on public routes', () => {
  it('answers 429 with Retry-After past the per-address limit, per address', async () => {
    // One proxy in front (Cloud Run's front end) appends the client's address.
    const limited = await createTestApp({ env: { RATE_LIMIT_PUBLIC_PER_MINUTE: '3', TRUSTED_PROXY_HOPS: '1' } });
    try {
      for (let i = 0; i < 3; i++) await request(limited.server).get('/health/live').set('X-Forwarded-For', '203.0.113.7').expect(200);
      const res = await request(limited.server).get('/api/v1/ministries').set('X-Forwarded-For', '203.0.113.7').expect(429);
      expect(res.headers['retry-after']).toMatch(/^\d+$/);
      // A forged first hop does not escape the limit: the last entry is what Google's front end saw.
      await request(limited.server).get('/health/live').set('X-Forwarded-For', '198.51.100.1, 203.0.113.7').expect(429);
      await request(limited.server).get('/health/live').set('X-Forwarded-For', '203.0.113.8').expect(200);
    } finally {
      await limited.close();
    }
  });
});
