// The one place the engine and the CLI load @kubernetes/client-node at run time (elsewhere it is only
// imported as types). `npm run build` replaces this module's compiled output with a one-file bundle of
// the package's KubeConfig (scripts/build.js): loading the whole package costs about a CPU-second at
// every start, the bundle about a tenth of that.

/** client-node's kubeconfig loader: contexts, TLS material and credential plugins, resolved as kubectl does. */
export { KubeConfig } from '@kubernetes/client-node';
