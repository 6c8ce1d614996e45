import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';
import security from 'eslint-plugin-security';

/** A string that starts an SQL statement (this code writes SQL in capitals). */
const SQL_STATEMENT = String.raw`/^\s*(SELECT|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|WITH\s+\w+\s+AS)\s/`;
const SQL_MESSAGE = 'SQL belongs in a repository (*.repository.ts): call a function there instead.';

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'dist-test-*/', 'coverage/', '.data/', 'bench/results/', 'artifacts/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node, ...globals.jest } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'env', message: 'Read configuration through shared/config (parsed once, validated).' },
      ],
    },
  },
  // The usual Node security mistakes (eslint-plugin-security), tuned so what passes passes for a reason.
  security.configs.recommended,
  {
    // Errors, not warnings (npm run lint fails only on errors).
    rules: Object.fromEntries(Object.keys(security.configs.recommended.rules).map((rule) => [rule, 'error'])),
  },
  {
    // Flags every obj[key] (200+ here): keys are typed, and request input reaches code only through zod's strict objects.
    rules: { 'security/detect-object-injection': 'off' },
  },
  {
    // Tools and tests: they read and write the repository's own files and temporary folders, build patterns from fixtures, and compare test secrets.
    files: ['scripts/**', 'test/**', 'bench/**', '**/*.test.ts'],
    rules: {
      'security/detect-non-literal-fs-filename': 'off',
      'security/detect-non-literal-require': 'off',
      'security/detect-non-literal-regexp': 'off',
      'security/detect-unsafe-regex': 'off',
      'security/detect-possible-timing-attacks': 'off',
      'security/detect-child-process': 'off',
    },
  },
  {
    // Paths from configuration or the code, never from a request: DATA_DIR (embedded PostgreSQL, local storage, whose object
    // names are checked against OBJECT_NAME and resolved inside its root first), the migrations folder, the docs
    // function's own folder, the OCR engine's language data.
    files: [
      'shared/adapters/db/embedded-postgres.ts',
      'shared/adapters/storage/local-folder-storage.ts',
      'shared/migrations/migration-files.ts',
      'shared/adapters/ocr/tesseract-ocr.ts',
      'functions/docs/*.ts',
    ],
    rules: { 'security/detect-non-literal-fs-filename': 'off', 'security/detect-non-literal-require': 'off' },
  },
  {
    // Built from constants or the route table (service-code prefixes, route paths), never from input.
    files: ['shared/api/catalog.routes.ts', 'shared/http/path-matcher.ts', 'shared/http/framework-express.ts'],
    rules: { 'security/detect-non-literal-regexp': 'off', 'security/detect-non-literal-require': 'off' },
  },
  {
    // Reviewed: each repetition is delimited by a character its body cannot match, so matching is linear
    // (trace header, object names, domain names, digit grouping, SQL comments, metric and log-field names).
    files: [
      'shared/logging/trace.ts',
      'shared/ports/object-storage.port.ts',
      'shared/config/config.ts',
      'shared/domain/notifications/xaf-format.ts',
      'shared/metrics/instrumentation.ts',
      'shared/metrics/metric-registry.ts',
      'shared/metrics/log-filter.ts',
    ],
    rules: { 'security/detect-unsafe-regex': 'off' },
  },
  {
    // SQL lives in repositories (*.repository.ts): services hold the rules, entries and the pipeline call them.
    // (Adapters, migrations and metrics collectors are the database's own code and are not listed.)
    files: ['shared/domain/**/*.ts', 'shared/events/**/*.ts', 'shared/http/**/*.ts', 'shared/runtime/**/*.ts', 'functions/**/*.ts'],
    ignores: ['**/*.repository.ts', '**/*.test.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        { selector: `Literal[value=${SQL_STATEMENT}]`, message: SQL_MESSAGE },
        { selector: `TemplateLiteral > TemplateElement:first-child[value.raw=${SQL_STATEMENT}]`, message: SQL_MESSAGE },
      ],
    },
  },
  {
    files: ['shared/config/**', 'scripts/**', 'test/**', '**/*.cjs', '*.js', '*.mjs'],
    rules: { 'no-restricted-properties': 'off', '@typescript-eslint/no-require-imports': 'off' },
  },
);
