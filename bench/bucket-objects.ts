// Bucket source at scale: N objects in a real S3 server (versitygw), then what one Bucket reconcile does
// with them (index → download → archive) in a fresh child process, reporting time and peak RSS.
// Usage: node --import tsx bench/bucket-objects.ts [--objects 10000] [--bytes 600]
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { archiveDirectory } from '../src/artifacts/archive.ts';
import { startS3Server } from '../src/devenv/s3-server.ts';
import { fetchIndexedObjects, indexBucket } from '../src/sources/bucket/fetch-bucket.ts';
import { bucketRevision } from '../src/sources/bucket/revision.ts';
import { S3Client } from '../src/sources/bucket/s3-client.ts';

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};

/** The measured part, run in its own process so the upload's memory does not count. */
async function child(): Promise<void> {
  const [endpoint, accessKeyId, secretAccessKey] = (process.env['BENCH_S3'] ?? '').split(' ') as [
    string,
    string,
    string,
  ];
  const client = new S3Client({ endpoint, insecure: true, credentials: { accessKeyId, secretAccessKey } });
  const dir = await mkdtemp(path.join(tmpdir(), 'driftless-bench-bucket-'));
  const started = performance.now();
  const index = await indexBucket({ client, bucket: 'bench', dir });
  const indexed = performance.now();
  const fetched = await fetchIndexedObjects({ client, bucket: 'bench', dir }, index);
  const downloaded = performance.now();
  const { data } = await archiveDirectory({ dir });
  const archived = performance.now();
  client.close();
  await rm(dir, { recursive: true, force: true });
  process.stdout.write(
    `${JSON.stringify({
      objects: fetched,
      revision: bucketRevision(index),
      indexMs: Math.round(indexed - started),
      downloadMs: Math.round(downloaded - indexed),
      archiveMs: Math.round(archived - downloaded),
      archiveBytes: data.length,
      peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
    })}\n`,
  );
}

async function main(): Promise<void> {
  const objects = arg('objects', 10_000);
  const bytes = arg('bytes', 600);
  const s3 = await startS3Server();
  try {
    const client = s3.client();
    await client.createBucket('bench');
    const body = (i: number): string =>
      `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-${i}\ndata:\n  v: "${'x'.repeat(Math.max(0, bytes - 60))}"\n`;
    let next = 0;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next < objects) {
          const i = next++;
          await client.putObject('bench', `apps/${i % 100}/cm-${i}.yaml`, body(i));
        }
      }),
    );
    client.close();
    const uploadMs = Math.round(performance.now() - t0);
    const out = await new Promise<string>((resolve, reject) => {
      const p = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--child'], {
        env: { ...process.env, BENCH_S3: `${s3.endpoint} ${s3.accessKey} ${s3.secretKey}` },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let text = '';
      p.stdout.on('data', (c: Buffer) => (text += c.toString()));
      p.on('exit', (code) => (code === 0 ? resolve(text) : reject(new Error(`child exited with ${code}`))));
    });
    console.log(JSON.stringify({ uploaded: objects, bytesPerObject: bytes, uploadMs, ...JSON.parse(out) }));
  } finally {
    await s3.stop();
  }
}

await (process.argv.includes('--child') ? child() : main());
