// A snapshot of every host object tscompose can create (names from ARCHITECTURE.md), so the test
// runner can prove the whole suite left nothing behind: links, mounts, cgroups, nftables tables,
// processes and sysctls we may change.
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

export function snapshotHostObjects() {
  const objs = new Set();
  try {
    for (const l of execFileSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' }).split('\n')) {
      const name = l.split(':')[1]?.trim().split('@')[0];
      if (name && /^(tsc-|tsv|tsh)/.test(name)) objs.add(`link ${name}`);
    }
  } catch { /* no iproute2: nothing to list */ }
  for (const line of readFileSync('/proc/self/mounts', 'utf8').split('\n')) {
    const mp = line.split(' ')[1];
    if (mp && /tscompose/.test(mp)) objs.add(`mount ${mp}`);
  }
  if (existsSync('/sys/fs/cgroup')) {
    for (const h of readdirSync('/sys/fs/cgroup')) {
      const base = join('/sys/fs/cgroup', h, 'tscompose');
      if (!existsSync(base)) continue;
      objs.add(`cgroup ${base}`);
      try {
        for (const e of readdirSync(base, { withFileTypes: true })) if (e.isDirectory()) objs.add(`cgroup ${join(base, e.name)}`);
      } catch { /* removed meanwhile */ }
    }
  }
  try {
    for (const l of execFileSync('nft', ['list', 'tables'], { encoding: 'utf8' }).split('\n')) {
      if (/tscompose/.test(l)) objs.add(`nft ${l.trim()}`);
    }
  } catch { /* nft missing */ }
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid) || Number(pid) === process.pid) continue;
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
      if (/tscompose-test-/.test(cmd)) objs.add(`process ${pid} ${cmd.slice(0, 100)}`);
    } catch { /* gone */ }
  }
  for (const s of ['net/ipv4/ip_forward', 'net/ipv4/conf/all/route_localnet']) {
    try { objs.add(`sysctl ${s}=${readFileSync('/proc/sys/' + s, 'utf8').trim()}`); } catch { /* absent */ }
  }
  return objs;
}

/** What `after` has that `before` had not (a changed sysctl shows as its new value). */
export function newHostObjects(before, after) {
  return [...after].filter((o) => !before.has(o)).sort();
}
