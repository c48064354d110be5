// A one-line summary of the engine's own /metrics, so a slow run says where the time went.

/** Sums every sample of `name` whose labels include all of `labels` in Prometheus text exposition. */
export function sumSamples(text: string, name: string, labels: Record<string, string> = {}): number {
  let total = 0;
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (!m || m[1] !== name) continue;
    const set = m[2] ?? '';
    if (Object.entries(labels).every(([k, v]) => set.includes(`${k}="${v}"`))) total += Number(m[3]);
  }
  return total;
}

/** Summarises reconciles per controller (count, mean seconds) and API requests per method; pure. */
export function summariseMetrics(text: string): string {
  const parts: string[] = [];
  for (const controller of ['kustomization', 'gitrepository']) {
    const labels = { controller };
    const count = sumSamples(text, 'controller_runtime_reconcile_time_seconds_count', labels);
    if (count === 0) continue;
    const mean = sumSamples(text, 'controller_runtime_reconcile_time_seconds_sum', labels) / count;
    const errors = sumSamples(text, 'controller_runtime_reconcile_errors_total', labels);
    parts.push(`${controller}: ${count} reconciles, mean ${mean.toFixed(2)} s, ${errors} errors`);
  }
  const methods = ['GET', 'PATCH', 'POST', 'PUT', 'DELETE']
    .map((method) => [method, sumSamples(text, 'rest_client_requests_total', { method })] as const)
    .filter(([, n]) => n > 0)
    .map(([method, n]) => `${n} ${method}`);
  if (methods.length > 0) parts.push(`API requests: ${methods.join(', ')}`);
  return parts.join('; ') || 'no reconcile metrics';
}

/** Finds the metrics URL the engine logs at start (`"metrics":"http://…"`). */
export function metricsUrlFromLog(log: string): string | undefined {
  return /"metrics":"(http:\/\/[^"]+)"/.exec(log)?.[1];
}

/** Fetches /metrics and summarises it; returns a reason instead of throwing, since this is only a diagnostic. */
export async function scrapeSummary(baseUrl: string | undefined): Promise<string> {
  if (!baseUrl) return 'metrics address not found in the engine log';
  try {
    const res = await fetch(new URL('/metrics', baseUrl), { signal: AbortSignal.timeout(10_000) });
    if (!res.ok) return `GET /metrics answered ${res.status}`;
    return summariseMetrics(await res.text());
  } catch (err) {
    return `GET /metrics failed: ${err instanceof Error ? err.message : String(err)}`;
  }
}
