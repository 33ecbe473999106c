// The two tools netmgr drives: `ip -batch -` and `nft -f -`. One spawn per operation, whatever its
// size (a spawn costs ~1.2 ms, FACTS.md; the kernel work is microseconds). Behind an interface so
// the logic can be tested with a recording fake.
import { spawn } from 'node:child_process';
import { NetError } from './errors.ts';

export interface NetOps {
  /** Runs `ip -batch -` with `lines`, in the host namespace or (netns set) inside that pinned namespace. */
  ip(lines: string[], netns?: string): Promise<void>;
  /** Runs `nft -f -` with `script` (one atomic transaction). */
  nft(script: string): Promise<void>;
  /** Runs `nft -j <args>` and returns the parsed JSON, or undefined when nft says the object does not exist. */
  nftJson(args: string[]): Promise<unknown>;
  /** Runs `nft <args>` and returns its text output, or undefined when the object does not exist. */
  nftText(args: string[]): Promise<string | undefined>;
  /** Runs `ip -j <args>` and returns the parsed JSON. */
  ipJson(args: string[]): Promise<unknown>;
}

interface Run { code: number; stdout: string; stderr: string }

function run(cmd: string, args: string[], input?: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
    p.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    p.on('error', (e) => reject(new NetError('NET_COMMAND', `Cannot run ${cmd}: ${e.message}`, { cause: e, hint: `install ${cmd === 'nft' ? 'nftables' : 'iproute2'}` })));
    p.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
    p.stdin.on('error', () => { /* the tool exited early; its stderr says why */ });
    p.stdin.end(input ?? '');
  });
}

function failed(what: string, r: Run, input?: string): NetError {
  const first = input ? `\n${input.split('\n').slice(0, 6).join('\n')}` : '';
  return new NetError('NET_COMMAND', `${what} failed: ${r.stderr.trim() || `exit ${r.code}`}`, { hint: first ? `input was:${first}` : undefined });
}

const missing = /No such file or directory|does not exist/;

export const realNetOps: NetOps = {
  async ip(lines, netns) {
    if (lines.length === 0) return;
    const input = lines.join('\n') + '\n';
    // `ip -n` only takes names under /run/netns; our namespaces are files under $TSCOMPOSE_RUN.
    const r = netns
      ? await run('nsenter', [`--net=${netns}`, 'ip', '-batch', '-'], input)
      : await run('ip', ['-batch', '-'], input);
    if (r.code !== 0) throw failed(netns ? `ip -batch in ${netns}` : 'ip -batch', r, input);
  },
  async nft(script) {
    if (!script.trim()) return;
    const r = await run('nft', ['-f', '-'], script);
    if (r.code !== 0) throw failed('nft -f', r, script);
  },
  async nftJson(args) {
    const r = await run('nft', ['-j', ...args]);
    if (r.code !== 0) {
      if (missing.test(r.stderr)) return undefined;
      throw failed(`nft -j ${args.join(' ')}`, r);
    }
    return r.stdout.trim() ? JSON.parse(r.stdout) as unknown : undefined;
  },
  async nftText(args) {
    const r = await run('nft', args);
    if (r.code !== 0) {
      if (missing.test(r.stderr)) return undefined;
      throw failed(`nft ${args.join(' ')}`, r);
    }
    return r.stdout;
  },
  async ipJson(args) {
    const r = await run('ip', ['-j', ...args]);
    if (r.code !== 0) throw failed(`ip -j ${args.join(' ')}`, r);
    return r.stdout.trim() ? JSON.parse(r.stdout) as unknown : [];
  },
};
