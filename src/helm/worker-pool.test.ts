import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { HelmWorkerPool } from './worker-pool.ts';

// A stand-in for `helm-controller __driftless-serve <dir>` speaking serve.go's protocol. Its first argument
// picks what it does: `pid` prints its pid and the request's FOO variable, `fail` exits 1 with an error line,
// `die` writes to its stderr file and exits 3 mid-request (helm's log.Fatal), `hang` never answers.
const standIn = `#!/usr/bin/env node
const fs = require('node:fs');
const path = require('node:path');
if (process.argv[2] !== '__driftless-serve') { console.error('Error: unknown command'); process.exit(1); }
const dir = process.argv[3];
const answer = (a) => fs.writeSync(3, JSON.stringify(a) + '\\n');
answer({ ready: true });
require('node:readline').createInterface({ input: process.stdin }).on('line', (line) => {
  const { args, env } = JSON.parse(line);
  switch (args[0]) {
    case 'pid': return answer({ code: 0, stdout: process.pid + ' ' + (env.FOO ?? '-'), stderr: '' });
    case 'fail': return answer({ code: 1, stdout: '', stderr: 'WARNING: noise\\nError: boom\\n' });
    case 'die': fs.writeFileSync(path.join(dir, 'stderr'), 'Error: fatal\\n'); process.exit(3);
    case 'hang': return;
  }
});
`;

async function withPool(
  fn: (pool: HelmWorkerPool, bin: string) => Promise<void>,
  opts: { serve?: boolean; idleMs?: number } = {},
): Promise<void> {
  const dir = await mkdtemp(path.join(tmpdir(), 'helm-worker-test-'));
  const bin = path.join(dir, 'helm-controller');
  await writeFile(bin, opts.serve === false ? '#!/bin/sh\necho "Error: unknown command" >&2\nexit 1\n' : standIn, {
    mode: 0o755,
  });
  const pool = new HelmWorkerPool({
    bin,
    setup: () => Promise.resolve({ env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin' }, dir }),
    ...(opts.idleMs !== undefined ? { idleMs: opts.idleMs } : {}),
  });
  try {
    await fn(pool, bin);
  } finally {
    pool.close();
    await rm(dir, { recursive: true, force: true });
  }
}

const pidOf = (stdout: string | undefined): number => Number(stdout?.split(' ')[0]);

/** Whether process `pid` has ended, waited for (observed, up to 5 s): exits are reaped asynchronously. */
async function ended(pid: number): Promise<boolean> {
  for (let i = 0; i < 200; i++) {
    try {
      process.kill(pid, 0);
    } catch {
      return true;
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  return false;
}

void test('commands run one after another in one worker; a second starts only while the first is busy', async () => {
  await withPool(async (pool) => {
    const a = await pool.run(['pid'], { FOO: 'one' });
    const b = await pool.run(['pid'], {});
    assert.equal(a?.code, 0);
    assert.equal(a?.stdout.split(' ')[1], 'one', "the request's variables reach the worker");
    assert.equal(pidOf(a?.stdout), pidOf(b?.stdout), 'an idle worker is reused');
    const [c, d] = await Promise.all([pool.run(['pid'], {}), pool.run(['pid'], {})]);
    assert.notEqual(pidOf(c?.stdout), pidOf(d?.stdout), 'two at once: two workers');
    const failed = await pool.run(['fail'], {});
    assert.deepEqual(failed, { code: 1, stdout: '', stderr: 'WARNING: noise\nError: boom\n' });
  });
});

void test('a worker that dies mid-command answers with its exit code and what it wrote; the next command gets a new one', async () => {
  await withPool(async (pool) => {
    const before = pidOf((await pool.run(['pid'], {}))?.stdout);
    assert.deepEqual(await pool.run(['die'], {}), { code: 3, stdout: '', stderr: 'Error: fatal\n' });
    const after = pidOf((await pool.run(['pid'], {}))?.stdout);
    assert.ok(after > 0 && after !== before);
  });
});

void test('a cancelled command rejects as child_process does and its worker is not reused', async () => {
  await withPool(async (pool) => {
    const before = pidOf((await pool.run(['pid'], {}))?.stdout);
    const ctl = new AbortController();
    const hanging = pool.run(['hang'], {}, ctl.signal);
    ctl.abort();
    await assert.rejects(hanging, { name: 'AbortError', code: 'ABORT_ERR' });
    await assert.rejects(pool.run(['pid'], {}, ctl.signal), { name: 'AbortError' }, 'already cancelled: not run');
    const after = pidOf((await pool.run(['pid'], {}))?.stdout);
    assert.ok(after > 0 && after !== before);
    assert.ok(await ended(before), 'the cancelled worker is gone');
  });
});

void test('a binary without serve mode answers undefined: the caller starts helm per command', async () => {
  await withPool(
    async (pool) => {
      assert.equal(await pool.run(['pid'], {}), undefined);
      assert.equal(await pool.run(['pid'], {}), undefined);
    },
    { serve: false },
  );
});

void test('an idle worker exits after idleMs', async () => {
  await withPool(
    async (pool) => {
      const pid = pidOf((await pool.run(['pid'], {}))?.stdout);
      assert.ok(await ended(pid));
    },
    { idleMs: 20 },
  );
});
