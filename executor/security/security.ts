// A service's security settings, gathered for the runtime's spec: capabilities, no_new_privs,
// the seccomp profile (default, a custom JSON file, or none), from privileged, cap_add,
// cap_drop and security_opt. Pure apart from reading a custom profile through `readFile`.
import { isAbsolute, resolve } from 'node:path';
import { TscError } from '../../schema/errors.ts';
import type { Service } from '../../schema/model.ts';
import { capabilitiesOf, type Capability, type CapabilitySet } from './capabilities.ts';
import { defaultSeccompProfile } from './seccomp-profile.ts';
import type { SeccompArg, SeccompProfile, SeccompSyscall } from './seccomp.ts';

export interface Security {
  capabilities: CapabilitySet;
  noNewPrivileges: boolean;
  /** null = unconfined (`seccomp=unconfined`, or privileged as in docker). */
  seccomp: SeccompProfile | null;
  /** `systempaths=unconfined`: no masked or read-only /proc and /sys paths. */
  systemPathsUnconfined: boolean;
  /** Options accepted but without effect here (apparmor, SELinux labels), one line each. */
  warnings: string[];
}

export interface SecurityOptions {
  name: string;
  /** Relative seccomp profile paths resolve against it. */
  projectDir: string;
  readFile: (path: string) => string;
}

function bool(v: string | undefined, opt: string, name: string): boolean {
  if (v === undefined || v === 'true') return true;
  if (v === 'false') return false;
  throw new TscError('SECURITY_OPT', `Invalid value "${v}" in security_opt "${opt}" of service "${name}"`, { hint: 'use true or false' });
}

export function securityOf(service: Service, o: SecurityOptions): Security {
  const capabilities = capabilitiesOf(service, o.name);
  const out: Security = { capabilities, noNewPrivileges: false, seccomp: null, systemPathsUnconfined: false, warnings: [] };
  let seccompSource: string | undefined;
  for (const opt of service.security_opt ?? []) {
    // docker accepts both `key=value` and the older `key:value`.
    const m = /^([a-z-]+)(?:[=:](.*))?$/.exec(opt.trim());
    const key = m?.[1];
    const value = m?.[2];
    switch (key) {
      case 'no-new-privileges': out.noNewPrivileges = bool(value, opt, o.name); break;
      case 'seccomp':
        if (!value) throw new TscError('SECURITY_OPT', `security_opt "${opt}" of service "${o.name}" needs a value`, { hint: 'seccomp=unconfined or seccomp=PATH.json' });
        seccompSource = value;
        break;
      case 'systempaths':
        if (value !== 'unconfined') throw new TscError('SECURITY_OPT', `Invalid security_opt "${opt}" of service "${o.name}"`, { hint: 'only systempaths=unconfined exists' });
        out.systemPathsUnconfined = true;
        break;
      case 'apparmor':
      case 'label':
        out.warnings.push(`service "${o.name}": security_opt "${opt}" has no effect (no AppArmor/SELinux support)`);
        break;
      default:
        throw new TscError('SECURITY_OPT', `Unknown security_opt "${opt}" in service "${o.name}"`, {
          hint: 'known: no-new-privileges, seccomp=unconfined|PATH, systempaths=unconfined, apparmor=…, label=…',
        });
    }
  }
  if (service.privileged || seccompSource === 'unconfined') return out;
  if (seccompSource === undefined || seccompSource === 'builtin') {
    out.seccomp = defaultSeccompProfile(capabilities.names);
    return out;
  }
  const path = isAbsolute(seccompSource) ? seccompSource : resolve(o.projectDir, seccompSource);
  let json: unknown;
  try {
    json = JSON.parse(o.readFile(path));
  } catch (e) {
    throw new TscError('SECURITY_OPT', `Cannot read the seccomp profile ${path} of service "${o.name}": ${(e as Error).message}`, { cause: e });
  }
  out.seccomp = profileFromJson(json, capabilities.names, path);
  return out;
}

interface DockerRule {
  names?: string[];
  name?: string;
  action?: string;
  errnoRet?: number;
  args?: SeccompArg[] | null;
  includes?: { caps?: string[]; arches?: string[] };
  excludes?: { caps?: string[]; arches?: string[] };
}

/**
 * A profile file in OCI form, or in docker's (rules with includes/excludes by capability and
 * architecture): docker's conditional rules are resolved here against the container's
 * capabilities, so what the compiler sees is plain OCI.
 */
export function profileFromJson(json: unknown, caps: readonly Capability[], where: string): SeccompProfile {
  const j = json as { defaultAction?: string; defaultErrnoRet?: number; syscalls?: DockerRule[]; flags?: string[] };
  if (!j || typeof j !== 'object' || typeof j.defaultAction !== 'string') {
    throw new TscError('SECURITY_OPT', `Seccomp profile ${where} has no defaultAction`);
  }
  const have = new Set<string>(caps);
  const archOk = (arches?: string[]) => !arches?.length || arches.includes('amd64') || arches.includes('x86_64');
  const syscalls: SeccompSyscall[] = [];
  for (const r of j.syscalls ?? []) {
    if (r.includes?.caps?.length && !r.includes.caps.some((c) => have.has(c))) continue;
    if (!archOk(r.includes?.arches)) continue;
    if (r.excludes?.caps?.some((c) => have.has(c))) continue;
    if (r.excludes?.arches?.some((a) => a === 'amd64' || a === 'x86_64')) continue;
    const names = r.names ?? (r.name ? [r.name] : []);
    syscalls.push({
      names,
      action: r.action as SeccompSyscall['action'],
      ...(r.errnoRet !== undefined ? { errnoRet: r.errnoRet } : {}),
      ...(r.args?.length ? { args: r.args } : {}),
    });
  }
  return {
    defaultAction: j.defaultAction as SeccompProfile['defaultAction'],
    ...(j.defaultErrnoRet !== undefined ? { defaultErrnoRet: j.defaultErrnoRet } : {}),
    ...(j.flags ? { flags: j.flags } : {}),
    architectures: ['SCMP_ARCH_X86_64'],
    syscalls,
  };
}
