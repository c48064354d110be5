// Reading the engines' /metrics (Prometheus text): API request counts, and a one-line summary for logs.

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

/** `rest_client_requests_total` per method in Prometheus text (every code and host summed); pure. */
export function requestsByMethod(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const m = /^rest_client_requests_total\{([^}]*)\}\s+(\S+)/.exec(line);
    if (!m) continue;
    const method = /(?:^|,)method="([^"]*)"/.exec(m[1] ?? '')?.[1] ?? 'unknown';
    out[method] = (out[method] ?? 0) + Number(m[2]);
  }
  return out;
}

/** Scrapes every URL's /metrics and sums {@link requestsByMethod}; undefined when any scrape fails. */
export async function requestCounts(baseUrls: readonly string[]): Promise<Record<string, number> | undefined> {
  const total: Record<string, number> = {};
  for (const base of baseUrls) {
    try {
      const res = await fetch(new URL('/metrics', base), { signal: AbortSignal.timeout(10_000) });
      if (!res.ok) return undefined;
      for (const [method, n] of Object.entries(requestsByMethod(await res.text())))
        total[method] = (total[method] ?? 0) + n;
    } catch {
      return undefined;
    }
  }
  return total;
}
