import { ConfigError, parseConfig } from './config';

describe('parseConfig', () => {
  it('gives local defaults for an empty environment', () => {
    expect(parseConfig({})).toMatchObject({
      environment: 'development',
      port: 8080,
      logLevel: 'info',
      databaseUrl: undefined,
      dbPoolMax: 10,
      dataDir: './.data',
      upstash: undefined,
      corsOrigins: [],
      responseValidation: true,
    });
  });

  it('reads every variable it knows', () => {
    const config = parseConfig({
      ENVIRONMENT: 'production',
      PORT: '9000',
      LOG_LEVEL: 'warning',
      DATABASE_URL: 'postgresql://u:p@db/taxasge',
      DB_POOL_MAX: '4',
      UPSTASH_REDIS_REST_URL: 'https://eu1.upstash.io',
      UPSTASH_REDIS_REST_TOKEN: 't',
      CORS_ORIGINS: 'https://a.gq, https://b.gq',
      AUTH_SIGNING_KEYS: JSON.stringify([{ kty: 'OKP', crv: 'Ed25519', kid: 'k1', x: 'x', d: 'd' }]),
      STORAGE_BUCKET: 'taxasge-prod-documents',
      MAILGUN_API_KEY: 'key-1',
      MAILGUN_DOMAIN: 'mg.taxasge.gq',
    });
    expect(config).toMatchObject({
      environment: 'production',
      port: 9000,
      logLevel: 'warning',
      dbPoolMax: 4,
      upstash: { url: 'https://eu1.upstash.io', token: 't' },
      corsOrigins: ['https://a.gq', 'https://b.gq'],
      responseValidation: false,
      notifications: { mailgun: { domain: 'mg.taxasge.gq', from: 'TaxasGE <no-reply@mg.taxasge.gq>' }, twilio: undefined, fcm: undefined },
    });
  });

  it('lists every problem at once, each saying what was expected', () => {
    let error: unknown;
    try {
      parseConfig({
        PORT: 'eighty',
        DB_POOL_MAX: '0',
        LOG_LEVEL: 'loud',
        DATABASE_URL: 'mysql://x',
        UPSTASH_REDIS_REST_TOKEN: 't',
        ENVIRONMENT: 'production',
        DEMO_PASSWORD: 'x',
      });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems).toEqual(
      expect.arrayContaining([
        'PORT: expected a whole number between 1 and 65535',
        'DB_POOL_MAX: expected a whole number between 1 and 100',
        expect.stringMatching(/^LOG_LEVEL: /),
        'DATABASE_URL: expected a postgres:// or postgresql:// connection URL',
        'UPSTASH_REDIS_REST_URL: UPSTASH_REDIS_REST_URL and UPSTASH_REDIS_REST_TOKEN must be set together',
        'DEMO_PASSWORD: demo accounts are never created in production; unset it',
      ]),
    );
    expect((error as Error).message).toContain('Invalid configuration:\n  - PORT');
  });

  it('requires a database outside development', () => {
    expect(() => parseConfig({ ENVIRONMENT: 'staging' })).toThrow('DATABASE_URL: required when ENVIRONMENT=staging');
  });

  it('requires signing keys outside development and checks their shape', () => {
    expect(() => parseConfig({ ENVIRONMENT: 'production', DATABASE_URL: 'postgres://db/x' })).toThrow(
      'AUTH_SIGNING_KEYS: required when ENVIRONMENT=production',
    );
    expect(() => parseConfig({ AUTH_SIGNING_KEYS: 'not json' })).toThrow('AUTH_SIGNING_KEYS: expected a JSON array of private Ed25519 JWKs');
    expect(() => parseConfig({ AUTH_SIGNING_KEYS: JSON.stringify([{ kty: 'OKP', crv: 'Ed25519', kid: 'a', x: 'x' }]) })).toThrow(/AUTH_SIGNING_KEYS.0.d/);
    const twice = JSON.stringify([
      { kty: 'OKP', crv: 'Ed25519', kid: 'a', x: 'x', d: 'd' },
      { kty: 'OKP', crv: 'Ed25519', kid: 'a', x: 'y', d: 'e' },
    ]);
    expect(() => parseConfig({ AUTH_SIGNING_KEYS: twice })).toThrow('kids must be unique');
  });

  it('treats empty variables as unset', () => {
    expect(parseConfig({ DATABASE_URL: '', UPSTASH_REDIS_REST_URL: ' ', UPSTASH_REDIS_REST_TOKEN: '' })).toMatchObject({
      databaseUrl: undefined,
      upstash: undefined,
    });
  });
});
