import { randomBytes } from 'node:crypto';
import type { KubeClient } from '../kube/client.ts';
import { splitApiVersion, type KubeObject } from '../kube/types.ts';
import type { Logger } from './logger.ts';
import { redactUrls } from './logger.ts';

/** An event as recorded, handed to every sink (the notification side turns it into its wire format). */
export interface RecordedEvent {
  involvedObject: { apiVersion: string; kind: string; name: string; namespace: string; uid: string };
  type: 'Normal' | 'Warning';
  /** RFC 3339, seconds precision. */
  timestamp: string;
  message: string;
  reason: string;
  /** `<group>/<key>` metadata, plus the object's annotations that carry the recorder's annotation prefix. */
  metadata: Record<string, string>;
  reportingController: string;
  reportingInstance: string;
}

/** Receives every recorded event (the notification pipeline subscribes here). */
export type EventSink = (event: RecordedEvent) => void;

export interface RecordOptions {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
  /** Keys without a group prefix (e.g. `revision`); they are prefixed with the object's API group. */
  metadata?: Record<string, string>;
}

/** Event messages are capped (Flux: 39000 characters). */
const MAX_MESSAGE = 39_000;

/**
 * Records Kubernetes Events (core/v1, with the metadata as annotations) and hands the same event to
 * the sinks. Repeats of the same event bump `count` instead
 * of creating new objects. Recording never throws: a failure is logged.
 */
export class EventRecorder {
  private readonly client: KubeClient;
  private readonly controller: string;
  private readonly instance: string;
  private readonly logger: Logger;
  private readonly sinks: EventSink[];
  private readonly annotationPrefix: string | undefined;
  private readonly seen = new Map<string, { name: string; namespace: string; count: number }>();

  constructor(opts: {
    client: KubeClient;
    reportingController: string;
    reportingInstance: string;
    logger: Logger;
    sinks?: EventSink[];
    /** Annotations of the object with this prefix are copied into every event's metadata. */
    annotationPrefix?: string;
  }) {
    this.sinks = opts.sinks ?? [];
    this.annotationPrefix = opts.annotationPrefix;
    this.client = opts.client;
    this.controller = opts.reportingController;
    this.instance = opts.reportingInstance;
    this.logger = opts.logger;
  }

  addSink(sink: EventSink): void {
    this.sinks.push(sink);
  }

  /** A recorder for another reporting controller that shares this one's client and sinks (also sinks added later). */
  forController(reportingController: string): EventRecorder {
    return new EventRecorder({
      client: this.client,
      reportingController,
      reportingInstance: this.instance,
      logger: this.logger,
      sinks: this.sinks,
      ...(this.annotationPrefix ? { annotationPrefix: this.annotationPrefix } : {}),
    });
  }

  /** Records an event about `obj`. Resolves once the Kubernetes Event is written (or failed). */
  async record(obj: KubeObject, opts: RecordOptions): Promise<void> {
    const message = truncate(redactUrls(opts.message));
    const group = splitApiVersion(obj.apiVersion).group;
    const metadata: Record<string, string> = {};
    const prefix = this.annotationPrefix;
    if (prefix)
      for (const [k, v] of Object.entries(obj.metadata.annotations ?? {})) if (k.startsWith(prefix)) metadata[k] = v;
    for (const [k, v] of Object.entries(opts.metadata ?? {})) metadata[group ? `${group}/${k}` : k] = v;
    const now = new Date().toISOString();
    const event: RecordedEvent = {
      involvedObject: {
        apiVersion: obj.apiVersion,
        kind: obj.kind,
        name: obj.metadata.name,
        namespace: obj.metadata.namespace ?? '',
        uid: obj.metadata.uid ?? '',
      },
      type: opts.type,
      timestamp: now.replace(/\.\d+Z$/, 'Z'),
      message,
      reason: opts.reason,
      metadata,
      reportingController: this.controller,
      reportingInstance: this.instance,
    };
    for (const sink of this.sinks) {
      try {
        sink(event);
      } catch (err) {
        this.logger.warn({ err: String(err) }, 'event sink failed');
      }
    }
    await this.writeKubernetesEvent(obj, opts, message, metadata, now);
  }

  private async writeKubernetesEvent(
    obj: KubeObject,
    opts: RecordOptions,
    message: string,
    annotations: Record<string, string>,
    now: string,
  ): Promise<void> {
    const namespace = obj.metadata.namespace || 'default';
    const dedupKey = [obj.metadata.uid, opts.type, opts.reason, message].join('\u0000');
    const prior = this.seen.get(dedupKey);
    try {
      if (prior) {
        prior.count++;
        await this.client.patch(
          { apiVersion: 'v1', kind: 'Event', namespace: prior.namespace, name: prior.name },
          { count: prior.count, lastTimestamp: now.replace(/\.\d+Z$/, 'Z') },
        );
        return;
      }
      const name = `${obj.metadata.name}.${Date.now().toString(16)}${randomBytes(2).toString('hex')}`;
      const ts = now.replace(/\.\d+Z$/, 'Z');
      await this.client.create({
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { name, namespace, annotations },
        involvedObject: {
          apiVersion: obj.apiVersion,
          kind: obj.kind,
          name: obj.metadata.name,
          namespace: obj.metadata.namespace,
          uid: obj.metadata.uid,
          resourceVersion: obj.metadata.resourceVersion,
        },
        reason: opts.reason,
        message,
        type: opts.type,
        count: 1,
        firstTimestamp: ts,
        lastTimestamp: ts,
        source: { component: this.controller },
        reportingComponent: this.controller,
        reportingInstance: this.instance,
      });
      if (this.seen.size > 5000) this.seen.clear();
      this.seen.set(dedupKey, { name, namespace, count: 1 });
    } catch (err) {
      this.seen.delete(dedupKey);
      this.logger.warn(
        { reason: opts.reason, object: `${obj.kind}/${namespace}/${obj.metadata.name}`, err: String(err) },
        'failed to record event',
      );
    }
  }
}

function truncate(s: string): string {
  return s.length > MAX_MESSAGE ? s.slice(0, MAX_MESSAGE - 3) + '...' : s;
}
