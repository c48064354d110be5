// Public surface of the API layer: kinds, shared schemas, constants and pure helpers.
export * from './constants.ts';
export * from './duration.ts';
export * from './errors.ts';
export * from './meta.ts';
export * from './schema-types.ts';
export * from './inventory.ts';
export * from './git-repository.ts';
export * from './kustomization.ts';
