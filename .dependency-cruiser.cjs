// Import boundaries between layers (see ../shared/ARCHITECTURE.md): dependencies point downward only.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'runtime-knows-no-kinds',
      severity: 'error',
      from: { path: '^src/runtime' },
      to: { path: '^src/(api|controllers|sources|render|apply|artifacts|notify|cli|web)' },
    },
    {
      name: 'kube-knows-no-kinds',
      severity: 'error',
      from: { path: '^src/kube' },
      to: { path: '^src/(api|controllers|sources|render|apply|artifacts|notify|cli|web|runtime)' },
    },
    {
      name: 'libraries-know-no-controllers',
      severity: 'error',
      from: { path: '^src/(api|sources|render|apply|artifacts|notify)' },
      to: { path: '^src/(controllers|cli|web)' },
    },
    {
      name: 'cli-web-not-controller-internals',
      severity: 'error',
      from: { path: '^src/(cli|web)' },
      to: { path: '^src/controllers/[^/]+/(?!setup\\.ts$|index\\.ts$)' },
    },
    {
      name: 'controllers-not-each-others-internals',
      severity: 'error',
      from: { path: '^src/controllers/([^/]+)/' },
      to: { path: '^src/controllers/(?!$1/)[^/]+/(?!index\\.ts$)' },
    },
    {
      // Tiny pure helpers (isRecord, …) that every layer, kube and runtime included, may import.
      name: 'util-imports-nothing-from-src',
      severity: 'error',
      from: { path: '^src/util/' },
      to: { path: '^src/(?!util/)' },
    },
    { name: 'no-circular', severity: 'error', from: {}, to: { circular: true } },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
