import { isRecord } from '../util/is-record.ts';
import { parse as parseYaml } from 'yaml';
import { parseDuration } from '../api/duration.ts';
import type { ProviderObject } from '../api/notification.ts';
import type { KubeClient } from '../kube/client.ts';
import type { CommitStatusLog } from '../notify/providers/commit-status-log.ts';
import type { CommitStatusMemo } from '../notify/providers/commit-status-memo.ts';
import { isProviderType } from '../notify/providers/registry.ts';
import type { DeliveryObserver, ProviderConfig } from '../notify/providers/types.ts';
import { proxyUrl } from './proxy-secret.ts';
import { messageOf, readSecretData } from './shared.ts';

/** A Provider that cannot be turned into a notifier; the message names the field and the fix. */
export class ProviderConfigError extends Error {
  override readonly name = 'ProviderConfigError';
  readonly reason = 'InvalidProviderConfiguration';
}

/**
 * Resolves a Provider and its Secrets into a notifier configuration (Flux's rules: the Secret's
 * `address` wins over `spec.address`; `token`, `username`, `password`, `headers` (a YAML map) come
 * from `secretRef`; `ca.crt`/`tls.crt`/`tls.key` from `certSecretRef`; `address` (+ credentials)
 * from `proxySecretRef`).
 */
export async function providerConfig(
  client: KubeClient,
  provider: ProviderObject,
  extra: { statusMemo?: CommitStatusMemo; statusLog?: CommitStatusLog; observer?: DeliveryObserver } = {},
): Promise<ProviderConfig> {
  const ns = provider.metadata.namespace ?? '';
  const id = `Provider/${ns}/${provider.metadata.name}`;
  const spec = provider.spec;
  if (!isProviderType(spec.type))
    throw new ProviderConfigError(`${id}: spec.type '${spec.type}' is not supported by Driftless yet`);
  const secret = async (field: string, name: string | undefined): Promise<Record<string, string> | undefined> => {
    if (!name) return undefined;
    const data = await readSecretData(client, ns, name);
    if (!data)
      throw new ProviderConfigError(
        `${id}: ${field} Secret '${ns}/${name}' not found; create it or remove the reference`,
      );
    return data;
  };
  const main = await secret('spec.secretRef', spec.secretRef?.name);
  const certs = await secret('spec.certSecretRef', spec.certSecretRef?.name);
  const proxy = await secret('spec.proxySecretRef', spec.proxySecretRef?.name);
  const address = main?.['address'] ?? spec.address ?? '';
  const cfg: ProviderConfig = {
    type: spec.type,
    address,
    timeoutMs: spec.timeout ? parseDuration(spec.timeout, 'spec.timeout') : 15_000,
    providerUid: provider.metadata.uid ?? '',
    providerName: provider.metadata.name,
    providerNamespace: ns,
    ...(extra.statusMemo ? { statusMemo: extra.statusMemo } : {}),
    ...(extra.statusLog ? { statusLog: extra.statusLog } : {}),
    ...(extra.observer ? { observer: extra.observer } : {}),
  };
  if (spec.channel) cfg.channel = spec.channel;
  const username = main?.['username'] ?? spec.username;
  if (username) cfg.username = username;
  if (main?.['token']) cfg.token = main['token'];
  if (main?.['password']) cfg.password = main['password'];
  if (main?.['nkey']) cfg.nkeySeed = main['nkey'];
  if (main?.['creds']) cfg.natsCreds = main['creds'];
  if (main?.['headers']) {
    const headers = parseYaml(main['headers'], { maxAliasCount: 10 }) as unknown;
    if (!isRecord(headers))
      throw new ProviderConfigError(
        `${id}: the 'headers' key of spec.secretRef must be a YAML map of header names to values`,
      );
    cfg.headers = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, String(v)]));
  }
  if (certs?.['ca.crt']) cfg.caCert = certs['ca.crt'];
  if (certs?.['tls.crt'] && certs['tls.key']) {
    cfg.clientCert = certs['tls.crt'];
    cfg.clientKey = certs['tls.key'];
  }
  const proxyAddress = proxy?.['address'] ?? main?.['proxy'] ?? spec.proxy;
  if (proxyAddress) {
    const from = proxy ? `${ns}/${spec.proxySecretRef?.name ?? ''}` : id;
    try {
      cfg.proxy = proxyUrl(
        {
          address: proxyAddress,
          ...(proxy?.['username'] ? { username: proxy['username'] } : {}),
          ...(proxy?.['password'] ? { password: proxy['password'] } : {}),
        },
        from,
      );
    } catch (err) {
      throw new ProviderConfigError(`${id}: invalid proxy address: ${messageOf(err)}`);
    }
  }
  if (spec.commitStatusExpr) cfg.commitStatusExpr = spec.commitStatusExpr;
  const target = provider.metadata.annotations?.['driftless.dev/commit-status-target-url'];
  if (target) cfg.targetUrl = target;
  return cfg;
}
