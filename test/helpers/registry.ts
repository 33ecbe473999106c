// A real OCI distribution registry for tests: Debian's docker-registry on a free 127.0.0.1 port,
// storing under the test's temp dir, optionally with htpasswd basic auth. Images are pushed with
// skopeo from OCI layouts. Stopped by its PID; traffic stays on loopback.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export interface TestRegistry {
  host: string; // 127.0.0.1:PORT
  pid: number;
  stop(): Promise<void>;
  /** Pushes `layoutDir:tag` (an OCI layout) as `name:tag2`; `all` pushes a whole index. */
  push(layoutDir: string, tag: string, name: string, opts?: { all?: boolean; format?: 'oci' | 'v2s2' }): void;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

function bcrypt(password: string): string {
  // htpasswd for docker-registry must be bcrypt; libxcrypt (via Python's crypt) makes one offline.
  // Cost 4 (the minimum): the registry checks it on every request, cost 12 takes ~250 ms each.
  return execFileSync('python3', ['-W', 'ignore', '-c', 'import crypt,sys; print(crypt.crypt(sys.argv[1], crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=16)))', password], { encoding: 'utf8' }).trim();
}

export async function startRegistry(dir: string, opts: { user?: string; password?: string } = {}): Promise<TestRegistry> {
  mkdirSync(join(dir, 'storage'), { recursive: true });
  let auth = '';
  if (opts.user && opts.password) {
    writeFileSync(join(dir, 'htpasswd'), `${opts.user}:${bcrypt(opts.password)}\n`);
    auth = `auth:\n  htpasswd:\n    realm: tscompose-test\n    path: ${join(dir, 'htpasswd')}\n`;
  }
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const host = `127.0.0.1:${port}`;
    const cfg = join(dir, 'config.yml');
    writeFileSync(cfg, `version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: ${join(dir, 'storage')}\n  delete:\n    enabled: true\nhttp:\n  addr: ${host}\n${auth}`);
    const child: ChildProcess = spawn('docker-registry', ['serve', cfg], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (c: Buffer) => { stderr += c.toString(); });
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    let up = false;
    for (let i = 0; i < 100 && child.exitCode === null; i++) {
      try {
        const r = await fetch(`http://${host}/v2/`);
        if (r.status === 200 || r.status === 401) { up = true; break; }
      } catch { /* not listening yet */ }
      await sleep(50);
    }
    const stop = async () => {
      if (child.exitCode === null && child.signalCode === null) {
        process.kill(child.pid!, 'SIGTERM');
        const t = setTimeout(() => { try { process.kill(child.pid!, 'SIGKILL'); } catch { /* gone */ } }, 3000);
        await exited;
        clearTimeout(t);
      }
    };
    if (!up) {
      await stop();
      if (attempt === 2) throw new Error(`docker-registry did not start on ${host}: ${stderr.slice(0, 500)}`);
      continue;
    }
    return {
      host, pid: child.pid!, stop,
      push(layoutDir, tag, name, o = {}) {
        const args = ['copy', '-q', '--dest-tls-verify=false'];
        if (o.all) args.push('--all');
        if (o.format) args.push('--format', o.format);
        if (opts.user) args.push('--dest-creds', `${opts.user}:${opts.password}`);
        execFileSync('skopeo', [...args, `oci:${layoutDir}:${tag}`, `docker://${host}/${name}`], { stdio: 'pipe' });
      },
    };
  }
  throw new Error('unreachable');
}
