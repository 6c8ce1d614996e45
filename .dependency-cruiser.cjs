/**
 * The layers of shared/ and functions/, enforced by `npm run lint` (dependency-cruiser resolves each
 * import to its file, so a rule names folders, not import strings). docs/ARCHITECTURE.md draws them.
 * test/architecture/layers.test.ts breaks each rule on purpose and checks that it is reported.
 * (SQL outside repositories is an ESLint rule: eslint.config.mjs.)
 */
const test = '\\.test\\.ts$|\\.contract(\\.test)?\\.ts$';

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'An import cycle: a module that needs itself through others, loaded half-built.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'ports-are-leaves',
      severity: 'error',
      comment: 'A port is an interface the domain needs: it names only other ports and the error model.',
      from: { path: '^shared/ports/' },
      to: { path: '^shared/', pathNot: ['^shared/ports/', '^shared/errors/'] },
    },
    {
      name: 'domain-imports-ports-only',
      severity: 'error',
      comment: 'The domain holds the rules: it imports its own kind, ports, the error model and the topology names, never HTTP, SQL drivers, adapters, wiring or config.',
      from: { path: '^shared/domain/', pathNot: test },
      to: { path: '^shared/', pathNot: ['^shared/domain/', '^shared/ports/', '^shared/errors/', '^shared/topology/'] },
    },
    {
      name: 'domain-no-sdk',
      severity: 'error',
      comment: 'The domain uses no SDK or driver: those belong to an adapter behind a port. zod (event payload schemas) and jose (token signing, no I/O) are libraries of computation.',
      from: { path: '^shared/domain/', pathNot: test },
      to: { dependencyTypes: ['npm', 'npm-dev', 'npm-optional', 'npm-peer', 'npm-no-pkg', 'npm-unknown'], pathNot: ['node_modules/(zod|jose)/'] },
    },
    {
      name: 'adapters-not-services',
      severity: 'error',
      comment: 'An adapter implements a port; it never reaches a service, repository, the wiring or HTTP.',
      from: { path: '^shared/adapters/', pathNot: test },
      to: { path: '^shared/(domain/.*\\.(service|repository|handler)\\.ts$|runtime/|http/|api/)' },
    },
    {
      name: 'functions-independent',
      severity: 'error',
      comment: 'Each function deploys alone: one function never imports another.',
      from: { path: '^functions/([^/]+)/' },
      to: { path: '^functions/', pathNot: '^functions/$1/' },
    },
    {
      name: 'shared-not-functions',
      severity: 'error',
      comment: 'The shared library is beneath the functions: it never imports an entry.',
      from: { path: '^shared/' },
      to: { path: '^functions/' },
    },
    {
      name: 'inner-not-wiring',
      severity: 'error',
      comment: 'Only entries (functions/, scripts/, tests) and the wiring itself read the per-instance wiring in shared/runtime.',
      from: { path: '^shared/', pathNot: ['^shared/runtime/', test] },
      to: { path: '^shared/runtime/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    exclude: { path: '^(dist|coverage|bench)/' },
  },
};
