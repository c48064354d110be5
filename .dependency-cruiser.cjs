// Import boundaries between layers (see ../shared/ARCHITECTURE.md): dependencies point downward only.
// Every top-level folder of src/ and src/main.ts is covered by at least one rule.
// From the bottom: util → api, kube → runtime → libraries (sources, render, apply, artifacts, notify),
// install → controllers → main.ts, cli, devenv (the entry points and the dev/test infrastructure).

// Tests and their helpers may reach into the dev infrastructure (a Git server, a control plane).
const testCode = '(\\.test\\.ts|/test-[a-z-]+\\.ts)$';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      // Tiny pure helpers (isRecord, …) that every layer, kube and runtime included, may import.
      name: 'util-imports-nothing-from-src',
      severity: 'error',
      from: { path: '^src/util/' },
      to: { path: '^src/(?!util/)' },
    },
    {
      // Kinds, schemas and constants: pure data every layer shares, so it can depend on nothing else.
      name: 'api-is-the-bottom-layer',
      severity: 'error',
      from: { path: '^src/api/' },
      to: { path: '^src/(?!(api|util)/)' },
    },
    {
      name: 'kube-knows-no-kinds',
      severity: 'error',
      from: { path: '^src/kube/' },
      to: { path: '^src/(?!(kube|util)/)' },
    },
    {
      name: 'runtime-knows-no-kinds',
      severity: 'error',
      from: { path: '^src/runtime/' },
      to: { path: '^src/(?!(runtime|kube|util)/)' },
    },
    {
      name: 'libraries-know-no-controllers',
      severity: 'error',
      from: { path: '^src/(api|sources|render|apply|artifacts|notify)/' },
      to: { path: '^src/((controllers|cli|web|install|config)/|main\\.ts$)' },
    },
    {
      // The install manifests are built from the API and applied with the apply library, nothing more.
      name: 'install-uses-only-api-kube-apply',
      severity: 'error',
      from: { path: '^src/install/' },
      to: { path: '^src/(?!(install|api|kube|apply|util)/)' },
    },
    {
      // Flags and defaults as plain data; reading them is the entry points' job.
      name: 'config-is-plain-data',
      severity: 'error',
      from: { path: '^src/config/' },
      to: { path: '^src/(?!(config|api|runtime|util)/)' },
    },
    {
      // Controllers and libraries get their settings passed in, never from the manager's config.
      name: 'only-entry-points-read-config',
      severity: 'error',
      from: { path: '^src/', pathNot: `^src/(config|cli|devenv)/|^src/main\\.ts$|${testCode}` },
      to: { path: '^src/config/' },
    },
    {
      name: 'only-entry-points-use-install',
      severity: 'error',
      from: { path: '^src/', pathNot: `^src/(install|cli|devenv)/|${testCode}` },
      to: { path: '^src/install/' },
    },
    {
      // The wiring is loaded by `driftless run` and `driftless dev` only.
      name: 'only-entry-points-import-main',
      severity: 'error',
      from: { path: '^src/', pathNot: `^src/(cli|devenv)/|${testCode}` },
      to: { path: '^src/main\\.ts$' },
    },
    {
      name: 'main-is-not-dev-infrastructure',
      severity: 'error',
      from: { path: '^src/main\\.ts$' },
      to: { path: '^src/(cli|devenv)/' },
    },
    {
      // The local control plane and Git servers are for `driftless dev`, tests and benchmarks.
      name: 'devenv-is-dev-infrastructure',
      severity: 'error',
      from: { path: '^src/', pathNot: `^src/(devenv|cli)/|${testCode}` },
      to: { path: '^src/devenv/' },
    },
    {
      name: 'nothing-imports-the-cli',
      severity: 'error',
      from: { path: '^src/', pathNot: `^src/cli/|${testCode}` },
      to: { path: '^src/cli/' },
    },
    {
      name: 'cli-web-not-controller-internals',
      severity: 'error',
      from: { path: '^src/(cli|web)/' },
      to: { path: '^src/controllers/[^/]+/(?!setup\\.ts$)' },
    },
    {
      name: 'controllers-not-each-others-internals',
      severity: 'error',
      from: { path: '^src/controllers/([^/]+)/' },
      to: { path: '^src/controllers/(?!$1/)[^/]+/' },
    },
    { name: 'no-circular', severity: 'error', from: {}, to: { circular: true } },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
