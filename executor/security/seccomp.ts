// Seccomp: the OCI `linux.seccomp` profile type and a compiler from it to classic BPF (the
// `struct sock_filter` array seccomp(2) installs). The launch helper only installs the bytes.
//
// Program shape: check the architecture (anything but x86_64, including the x32 ABI, kills the
// process), then find the syscall number in a binary search tree of `jge` splits, so a lookup
// costs ~log2(n) comparisons instead of walking a list of 300 syscalls; each syscall's block
// tests its rules' argument conditions in order and returns the first matching rule's action,
// else the default action. Every block ends in a `ret`, so the tree never falls through.
import { TscError } from '../../schema/errors.ts';
import { SYSCALLS_X86_64 } from './syscalls-x86_64.ts';

export type SeccompAction = 'SCMP_ACT_KILL' | 'SCMP_ACT_KILL_PROCESS' | 'SCMP_ACT_KILL_THREAD' | 'SCMP_ACT_TRAP' | 'SCMP_ACT_ERRNO'
  | 'SCMP_ACT_TRACE' | 'SCMP_ACT_ALLOW' | 'SCMP_ACT_LOG';
export type SeccompOp = 'SCMP_CMP_NE' | 'SCMP_CMP_LT' | 'SCMP_CMP_LE' | 'SCMP_CMP_EQ' | 'SCMP_CMP_GE' | 'SCMP_CMP_GT' | 'SCMP_CMP_MASKED_EQ';

export interface SeccompArg {
  index: number;
  /** The compared value; for MASKED_EQ the mask. 64-bit: pass a bigint above 2^53. */
  value: number | bigint;
  /** For MASKED_EQ: the value `arg & mask` must equal. */
  valueTwo?: number | bigint;
  op: SeccompOp;
}

export interface SeccompSyscall {
  names: string[];
  action: SeccompAction;
  errnoRet?: number;
  /** All must hold (AND). Several rules for one syscall are tried in order (OR). */
  args?: SeccompArg[];
}

/** OCI runtime spec `linux.seccomp`. */
export interface SeccompProfile {
  defaultAction: SeccompAction;
  defaultErrnoRet?: number;
  architectures?: string[];
  flags?: string[];
  syscalls?: SeccompSyscall[];
}

// <linux/seccomp.h> return values and <linux/audit.h> architecture.
export const RET = {
  KILL_PROCESS: 0x80000000,
  KILL_THREAD: 0x00000000,
  TRAP: 0x00030000,
  ERRNO: 0x00050000,
  TRACE: 0x7ff00000,
  LOG: 0x7ffc0000,
  ALLOW: 0x7fff0000,
} as const;
export const AUDIT_ARCH_X86_64 = 0xc000003e;
export const X32_SYSCALL_BIT = 0x40000000;
const EPERM = 1;

// Classic BPF opcodes (<linux/filter.h>).
export const BPF = {
  LD_W_ABS: 0x20,
  ALU_AND_K: 0x54,
  JMP_JA: 0x05,
  JMP_JEQ_K: 0x15,
  JMP_JGT_K: 0x25,
  JMP_JGE_K: 0x35,
  JMP_JSET_K: 0x45,
  RET_K: 0x06,
} as const;
/** Offsets in struct seccomp_data. */
export const DATA = { nr: 0, arch: 4, args: 16 } as const;
const MAX_INSNS = 4096;

export function actionValue(action: SeccompAction, errno?: number): number {
  switch (action) {
    case 'SCMP_ACT_ALLOW': return RET.ALLOW;
    case 'SCMP_ACT_ERRNO': return (RET.ERRNO | ((errno ?? EPERM) & 0xffff)) >>> 0;
    case 'SCMP_ACT_KILL':
    case 'SCMP_ACT_KILL_THREAD': return RET.KILL_THREAD;
    case 'SCMP_ACT_KILL_PROCESS': return RET.KILL_PROCESS;
    case 'SCMP_ACT_TRAP': return RET.TRAP;
    case 'SCMP_ACT_TRACE': return (RET.TRACE | ((errno ?? 0) & 0xffff)) >>> 0;
    case 'SCMP_ACT_LOG': return RET.LOG;
    default: throw new TscError('SECCOMP', `Unknown seccomp action "${String(action)}"`);
  }
}

type Ref = number | string; // a relative offset, or a label resolved at the end

interface Insn { code: number; jt: Ref; jf: Ref; k: Ref }

/** A tiny assembler: conditional jumps to labels must land within 255 instructions (checked). */
class Asm {
  readonly insns: Insn[] = [];
  readonly labels = new Map<string, number>();
  #n = 0;
  label(): string { return `L${this.#n++}`; }
  at(label: string): void { this.labels.set(label, this.insns.length); }
  emit(code: number, k: Ref = 0, jt: Ref = 0, jf: Ref = 0): void { this.insns.push({ code, jt, jf, k }); }
  ld(off: number): void { this.emit(BPF.LD_W_ABS, off); }
  ret(v: number): void { this.emit(BPF.RET_K, v); }

  assemble(): Buffer {
    if (this.insns.length > MAX_INSNS) throw new TscError('SECCOMP', `Seccomp program has ${this.insns.length} instructions; the kernel accepts at most ${MAX_INSNS}`);
    const buf = Buffer.alloc(this.insns.length * 8);
    this.insns.forEach((ins, i) => {
      const rel = (r: Ref, cond: boolean): number => {
        if (typeof r === 'number') return r;
        const target = this.labels.get(r);
        if (target === undefined) throw new TscError('SECCOMP', `Internal: unknown label ${r}`);
        const off = target - (i + 1);
        if (off < 0 || (cond && off > 255)) throw new TscError('SECCOMP', `Internal: jump of ${off} at ${i}`);
        return off;
      };
      const isJa = ins.code === BPF.JMP_JA;
      buf.writeUInt16LE(ins.code, i * 8);
      buf.writeUInt8(isJa ? 0 : rel(ins.jt, true), i * 8 + 2);
      buf.writeUInt8(isJa ? 0 : rel(ins.jf, true), i * 8 + 3);
      buf.writeUInt32LE((isJa ? rel(ins.k, false) : (ins.k as number)) >>> 0, i * 8 + 4);
    });
    return buf;
  }
}

const u64 = (v: number | bigint): bigint => BigInt.asUintN(64, BigInt(v));
const lo = (v: bigint) => Number(v & 0xffffffffn);
const hi = (v: bigint) => Number(v >> 32n);

/** Code that falls through when the condition holds and jumps to `fail` otherwise. */
function emitArg(a: Asm, arg: SeccompArg, fail: string): void {
  if (!Number.isInteger(arg.index) || arg.index < 0 || arg.index > 5) throw new TscError('SECCOMP', `Seccomp argument index ${arg.index} is not 0–5`);
  const off = DATA.args + 8 * arg.index;
  const pass = a.label();
  const v = u64(arg.op === 'SCMP_CMP_MASKED_EQ' ? arg.valueTwo ?? 0 : arg.value);
  switch (arg.op) {
    case 'SCMP_CMP_EQ':
      a.ld(off + 4); a.emit(BPF.JMP_JEQ_K, hi(v), 0, fail);
      a.ld(off); a.emit(BPF.JMP_JEQ_K, lo(v), 0, fail);
      break;
    case 'SCMP_CMP_NE':
      a.ld(off + 4); a.emit(BPF.JMP_JEQ_K, hi(v), 0, pass);
      a.ld(off); a.emit(BPF.JMP_JEQ_K, lo(v), fail, 0);
      break;
    case 'SCMP_CMP_MASKED_EQ': {
      const m = u64(arg.value);
      a.ld(off + 4); a.emit(BPF.ALU_AND_K, hi(m)); a.emit(BPF.JMP_JEQ_K, hi(v), 0, fail);
      a.ld(off); a.emit(BPF.ALU_AND_K, lo(m)); a.emit(BPF.JMP_JEQ_K, lo(v), 0, fail);
      break;
    }
    case 'SCMP_CMP_GT':
    case 'SCMP_CMP_GE': {
      const low = arg.op === 'SCMP_CMP_GT' ? BPF.JMP_JGT_K : BPF.JMP_JGE_K;
      a.ld(off + 4); a.emit(BPF.JMP_JGT_K, hi(v), pass, 0); a.emit(BPF.JMP_JEQ_K, hi(v), 0, fail);
      a.ld(off); a.emit(low, lo(v), 0, fail);
      break;
    }
    case 'SCMP_CMP_LT':
    case 'SCMP_CMP_LE': {
      // LT = not GE, LE = not GT.
      const low = arg.op === 'SCMP_CMP_LT' ? BPF.JMP_JGE_K : BPF.JMP_JGT_K;
      a.ld(off + 4); a.emit(BPF.JMP_JGT_K, hi(v), fail, 0); a.emit(BPF.JMP_JEQ_K, hi(v), 0, pass);
      a.ld(off); a.emit(low, lo(v), fail, 0);
      break;
    }
    default:
      throw new TscError('SECCOMP', `Unknown seccomp operator "${String(arg.op)}"`);
  }
  a.at(pass);
}

interface Group { nr: number; rules: SeccompSyscall[] }

function emitBlock(a: Asm, g: Group, dflt: number): void {
  for (const r of g.rules) {
    if (!r.args?.length) {
      a.ret(actionValue(r.action, r.errnoRet));
      return; // later rules are unreachable
    }
    const fail = a.label();
    for (const arg of r.args) emitArg(a, arg, fail);
    a.ret(actionValue(r.action, r.errnoRet));
    a.at(fail);
  }
  a.ret(dflt);
}

/** Binary search on the syscall number (in A) over sorted groups; every path ends in `ret`. */
function emitTree(a: Asm, gs: Group[], dflt: number): void {
  if (gs.length <= 4) {
    for (const g of gs) {
      const next = a.label();
      a.emit(BPF.JMP_JEQ_K, g.nr, 0, next);
      emitBlock(a, g, dflt);
      a.at(next);
    }
    a.ret(dflt);
    return;
  }
  const mid = Math.floor(gs.length / 2);
  const right = a.label();
  // jge: on true fall to the `ja` (32-bit offset: the left subtree may be long), else skip it.
  a.emit(BPF.JMP_JGE_K, gs[mid]!.nr, 0, 1);
  a.emit(BPF.JMP_JA, right);
  emitTree(a, gs.slice(0, mid), dflt);
  a.at(right);
  emitTree(a, gs.slice(mid), dflt);
}

export interface CompileOptions {
  /** Names the table does not know (other architectures' syscalls) are skipped, as runc does; they are reported here. */
  onUnknownSyscall?: (name: string) => void;
}

/** Profile → `struct sock_filter[]` bytes (8 bytes per instruction, little-endian). */
export function compileSeccomp(profile: SeccompProfile, opts: CompileOptions = {}): Buffer {
  if (profile.architectures?.length && !profile.architectures.some((x) => x === 'SCMP_ARCH_X86_64')) {
    throw new TscError('SECCOMP', `Seccomp profile is for ${profile.architectures.join(', ')}, not SCMP_ARCH_X86_64`);
  }
  const dflt = actionValue(profile.defaultAction, profile.defaultErrnoRet);
  const byNr = new Map<number, SeccompSyscall[]>();
  for (const rule of profile.syscalls ?? []) {
    for (const name of rule.names) {
      const nr = SYSCALLS_X86_64[name];
      if (nr === undefined) {
        opts.onUnknownSyscall?.(name);
        continue;
      }
      const list = byNr.get(nr) ?? [];
      list.push(rule);
      byNr.set(nr, list);
    }
  }
  const groups: Group[] = [...byNr.entries()]
    .sort((x, y) => x[0] - y[0])
    // Conditional rules first, so an unconditional rule for the same syscall cannot shadow them.
    .map(([nr, rules]) => ({ nr, rules: [...rules.filter((r) => r.args?.length), ...rules.filter((r) => !r.args?.length)] }))
    // A syscall whose only outcome is the default needs no block.
    .filter((g) => g.rules.some((r) => r.args?.length) || actionValue(g.rules[0]!.action, g.rules[0]!.errnoRet) !== dflt);

  const a = new Asm();
  a.ld(DATA.arch);
  a.emit(BPF.JMP_JEQ_K, AUDIT_ARCH_X86_64, 1, 0);
  a.ret(RET.KILL_PROCESS);
  a.ld(DATA.nr);
  // x32 syscalls arrive with the x86_64 arch and bit 30 set: a different ABI, refused outright.
  a.emit(BPF.JMP_JGE_K, X32_SYSCALL_BIT, 0, 1);
  a.ret(RET.KILL_PROCESS);
  emitTree(a, groups, dflt);
  return a.assemble();
}

/** seccomp(2) SECCOMP_FILTER_FLAG_* bits for the profile's `flags`. */
export function seccompFlags(profile: SeccompProfile): number {
  const bits: Record<string, number> = { SECCOMP_FILTER_FLAG_TSYNC: 1, SECCOMP_FILTER_FLAG_LOG: 2, SECCOMP_FILTER_FLAG_SPEC_ALLOW: 4 };
  let out = 0;
  for (const f of profile.flags ?? []) {
    const b = bits[f];
    if (b === undefined) throw new TscError('SECCOMP', `Unknown seccomp flag "${f}"`);
    out |= b;
  }
  return out;
}
