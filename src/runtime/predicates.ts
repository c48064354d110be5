import type { KubeObject } from '../kube/types.ts';

/** Decides whether an update event is worth a reconcile. */
export type UpdatePredicate = (oldObj: KubeObject, newObj: KubeObject) => boolean;

/** The spec changed (metadata.generation moved). */
export const generationChanged: UpdatePredicate = (o, n) => o.metadata.generation !== n.metadata.generation;

/** A user asked for a reconcile by changing an annotation's value (e.g. `flux reconcile`). */
export const annotationChanged =
  (key: string): UpdatePredicate =>
  (o, n) =>
    (o.metadata.annotations?.[key] ?? '') !== (n.metadata.annotations?.[key] ?? '');

/** Deletion started. */
export const deletionStarted: UpdatePredicate = (o, n) =>
  !o.metadata.deletionTimestamp && !!n.metadata.deletionTimestamp;

/** Any of the predicates holds. */
export const anyOf =
  (...ps: UpdatePredicate[]): UpdatePredicate =>
  (o, n) =>
    ps.some((p) => p(o, n));

/** The usual trigger for primary objects: a spec change, a change of `requestAnnotation`, or deletion. */
export const primaryPredicate = (requestAnnotation: string): UpdatePredicate =>
  anyOf(generationChanged, annotationChanged(requestAnnotation), deletionStarted);
