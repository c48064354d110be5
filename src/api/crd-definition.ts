// The data that describes one CustomResourceDefinition; crd.ts turns it into the manifest.
import type { TSchema } from '@sinclair/typebox';

/** An `additionalPrinterColumns` entry. */
export type PrinterColumn = {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  jsonPath: string;
  description?: string;
  priority?: number;
};

/** Everything needed to generate the CRD of one kind; add a kind by adding one of these to crd.ts. */
export type CrdDefinition = {
  group: string;
  version: string;
  kind: string;
  plural: string;
  singular: string;
  shortNames: readonly string[];
  categories: readonly string[];
  /** Root description shown by `kubectl explain`. */
  description: string;
  specSchema: TSchema;
  /** Omitted for kinds without status (Flux's Provider and Alert); then no status subresource either. */
  statusSchema?: TSchema;
  printerColumns: readonly PrinterColumn[];
  /** Defaults to `Namespaced`. */
  scope?: 'Namespaced' | 'Cluster';
  /** CEL rules on the whole object (`x-kubernetes-validations` at the root), e.g. a fixed name. */
  validations?: readonly { rule: string; message: string }[];
};

/** Flux's `Age` column. */
export const AgeColumn: PrinterColumn = { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' };

/** Flux's `Ready` column: the Ready condition's status. */
export const ReadyColumn: PrinterColumn = {
  name: 'Ready',
  type: 'string',
  jsonPath: '.status.conditions[?(@.type=="Ready")].status',
};

/** Flux's `Status` column: the Ready condition's message. */
export const StatusColumn: PrinterColumn = {
  name: 'Status',
  type: 'string',
  jsonPath: '.status.conditions[?(@.type=="Ready")].message',
};
