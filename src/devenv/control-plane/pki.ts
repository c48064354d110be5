import { execFile } from 'node:child_process';
import { access, mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ControlPlaneError, ControlPlaneReason } from './errors.ts';

const run = promisify(execFile);

/** Paths of the certificates and keys of one local control plane, all PEM. */
export type Pki = {
  dir: string;
  caCert: string;
  caKey: string;
  servingCert: string;
  servingKey: string;
  adminCert: string;
  adminKey: string;
  serviceAccountKey: string;
  serviceAccountPub: string;
};

/** The subject alternative names of the API server's serving certificate. */
export const servingSans = [
  'IP:127.0.0.1',
  'IP:10.0.0.1',
  'DNS:localhost',
  'DNS:kubernetes',
  'DNS:kubernetes.default',
  'DNS:kubernetes.default.svc',
  'DNS:kubernetes.default.svc.cluster.local',
] as const;

/** Where `ensurePki` puts each file under `<dir>/pki`. */
export function pkiPaths(dir: string): Pki {
  const pki = join(dir, 'pki');
  return {
    dir: pki,
    caCert: join(pki, 'ca.crt'),
    caKey: join(pki, 'ca.key'),
    servingCert: join(pki, 'apiserver.crt'),
    servingKey: join(pki, 'apiserver.key'),
    adminCert: join(pki, 'admin.crt'),
    adminKey: join(pki, 'admin.key'),
    serviceAccountKey: join(pki, 'sa.key'),
    serviceAccountPub: join(pki, 'sa.pub'),
  };
}

/**
 * Creates (with `openssl`) a CA, the API server's serving certificate, an admin client certificate
 * (CN=admin, O=system:masters) and a service-account key pair under `<dir>/pki`; files that already
 * exist are kept so a restarted control plane keeps its kubeconfig and tokens valid.
 * Throws `ControlPlaneError` (CertificateFailed) when openssl is missing or fails.
 */
export async function ensurePki(dir: string): Promise<Pki> {
  const p = pkiPaths(dir);
  if (await allExist(Object.values(p))) return p;
  // A partial set (an interrupted earlier run) cannot be trusted to match; start over.
  await rm(p.dir, { recursive: true, force: true });
  await mkdir(p.dir, { recursive: true, mode: 0o700 });

  const caConf = join(p.dir, 'ca.cnf');
  await writeFile(
    caConf,
    opensslConfig(
      'driftless-ca',
      [],
      [
        'basicConstraints = critical,CA:TRUE',
        'keyUsage = critical,keyCertSign,cRLSign,digitalSignature',
        'subjectKeyIdentifier = hash',
      ],
    ),
  );
  await openssl(['req', '-x509', '-config', caConf, ...ecKey(p.caKey), '-out', p.caCert, '-days', '3650']);

  await issue(p, { name: 'apiserver', cn: 'kube-apiserver', org: [], usage: 'serverAuth', sans: [...servingSans] });
  await issue(p, { name: 'admin', cn: 'admin', org: ['system:masters'], usage: 'clientAuth', sans: [] });

  // RSA because every JWT consumer (OIDC discovery clients included) accepts RS256.
  await openssl(['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', p.serviceAccountKey]);
  await openssl(['pkey', '-in', p.serviceAccountKey, '-pubout', '-out', p.serviceAccountPub]);
  return p;
}

async function issue(
  p: Pki,
  leaf: { name: 'apiserver' | 'admin'; cn: string; org: string[]; usage: string; sans: string[] },
): Promise<void> {
  const conf = join(p.dir, `${leaf.name}.cnf`);
  const csr = join(p.dir, `${leaf.name}.csr`);
  const ext = [
    'basicConstraints = critical,CA:FALSE',
    'keyUsage = critical,digitalSignature,keyEncipherment',
    `extendedKeyUsage = ${leaf.usage}`,
    'authorityKeyIdentifier = keyid',
  ];
  if (leaf.sans.length > 0) ext.push(`subjectAltName = ${leaf.sans.join(',')}`);
  await writeFile(conf, opensslConfig(leaf.cn, leaf.org, ext));
  await openssl(['req', '-new', '-config', conf, ...ecKey(join(p.dir, `${leaf.name}.key`)), '-out', csr]);
  await openssl([
    'x509',
    '-req',
    '-in',
    csr,
    '-CA',
    p.caCert,
    '-CAkey',
    p.caKey,
    '-set_serial',
    `0x${Date.now().toString(16)}${leaf.name === 'admin' ? '1' : '2'}`,
    '-days',
    '3650',
    '-extfile',
    conf,
    '-extensions',
    'ext',
    '-out',
    join(p.dir, `${leaf.name}.crt`),
  ]);
}

/** A self-contained openssl config, so the host's openssl.cnf defaults (CA:TRUE on every -x509) never apply. */
function opensslConfig(cn: string, org: string[], ext: string[]): string {
  const dn = [...org.map((o, i) => `${i}.O = ${o}`), `CN = ${cn}`];
  return [
    '[req]',
    'distinguished_name = dn',
    'prompt = no',
    'x509_extensions = ext',
    '[dn]',
    ...dn,
    '[ext]',
    ...ext,
    '',
  ].join('\n');
}

function ecKey(keyPath: string): string[] {
  // P-256 keys are generated in milliseconds, which keeps a fresh control plane quick to start.
  return ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', keyPath];
}

async function openssl(args: string[]): Promise<void> {
  try {
    await run('openssl', args, { timeout: 30_000 });
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr?.trim() ?? '';
    throw new ControlPlaneError({
      reason: ControlPlaneReason.CertificateFailed,
      message: `openssl ${args[0] ?? ''} failed: ${stderr || String(err)}; install openssl (scripts/provision.sh debs)`,
      cause: err,
    });
  }
}

async function allExist(paths: string[]): Promise<boolean> {
  const results = await Promise.all(
    paths.map((f) =>
      access(f).then(
        () => true,
        () => false,
      ),
    ),
  );
  return results.every(Boolean);
}
