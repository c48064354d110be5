// The shape the render layer hands to apply: a Kubernetes object as plain JSON-compatible data.

/** A Kubernetes object as parsed from YAML: apiVersion, kind and metadata.name are guaranteed; the rest is opaque. */
export type KubeObject = {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    [key: string]: unknown;
  };
  [key: string]: unknown;
};
