// cgroup v2 device control: an eBPF program (BPF_PROG_TYPE_CGROUP_DEVICE) generated from the same
// rules the v1 driver writes to devices.allow. The kernel runs it with
// struct bpf_cgroup_dev_ctx { u32 access_type /* access << 16 | type */; u32 major; u32 minor; }
// and allows the access when it returns 1. Rules are tried last to first, the first match
// decides (v1's "later rules override earlier ones"); no match = deny, as after v1's `deny a`.
import type { DeviceRule } from '../types.ts';
import { DEFAULT_DEVICE_RULES } from '../v1/devices.ts';

// eBPF opcodes (<linux/bpf.h>).
const LDX_MEM_W = 0x61;
const ALU64_AND_K = 0x57;
const ALU64_RSH_K = 0x77;
const ALU64_MOV_K = 0xb7;
const ALU64_MOV_X = 0xbf;
const JMP_JNE_K = 0x55;
const JMP_EXIT = 0x95;

export const DEVCG_DEV_BLOCK = 1;
export const DEVCG_DEV_CHAR = 2;
export const DEVCG_ACC_MKNOD = 1;
export const DEVCG_ACC_READ = 2;
export const DEVCG_ACC_WRITE = 4;

function accessBits(access: string): number {
  return (access.includes('m') ? DEVCG_ACC_MKNOD : 0) | (access.includes('r') ? DEVCG_ACC_READ : 0) | (access.includes('w') ? DEVCG_ACC_WRITE : 0);
}

interface Insn { code: number; dst: number; src: number; off: number; imm: number }
const insn = (code: number, dst: number, src: number, off: number, imm: number): Insn => ({ code, dst, src, off, imm });

/** The program for docker's default rules plus `extra` (in that order), as struct bpf_insn[] bytes. */
export function deviceProgram(extra: DeviceRule[] = []): Buffer {
  const rules = [...DEFAULT_DEVICE_RULES, ...extra];
  const out: Insn[] = [
    insn(LDX_MEM_W, 2, 1, 0, 0), // r2 = ctx->access_type
    insn(ALU64_AND_K, 2, 0, 0, 0xffff), // r2 = type
    insn(LDX_MEM_W, 3, 1, 0, 0),
    insn(ALU64_RSH_K, 3, 0, 0, 16), // r3 = access
    insn(LDX_MEM_W, 4, 1, 4, 0), // r4 = major
    insn(LDX_MEM_W, 5, 1, 8, 0), // r5 = minor
  ];
  for (const r of [...rules].reverse()) {
    const block: Insn[] = [];
    // Each check jumps past the rest of the block (offsets patched once its length is known).
    const checks: number[] = [];
    const jne = (reg: number, imm: number) => { checks.push(block.length); block.push(insn(JMP_JNE_K, reg, 0, 0, imm)); };
    if (r.type !== 'a') jne(2, r.type === 'b' ? DEVCG_DEV_BLOCK : DEVCG_DEV_CHAR);
    const denied = ~accessBits(r.access) & 7;
    if (r.type !== 'a' && denied) {
      // Requested access must be within the rule's: (access & ~allowed) == 0.
      block.push(insn(ALU64_MOV_X, 1, 3, 0, 0));
      block.push(insn(ALU64_AND_K, 1, 0, 0, denied));
      jne(1, 0);
    }
    if (r.type !== 'a' && r.major >= 0) jne(4, r.major);
    if (r.type !== 'a' && r.minor >= 0) jne(5, r.minor);
    block.push(insn(ALU64_MOV_K, 0, 0, 0, r.allow ? 1 : 0));
    block.push(insn(JMP_EXIT, 0, 0, 0, 0));
    for (const at of checks) block[at]!.off = block.length - at - 1;
    out.push(...block);
  }
  out.push(insn(ALU64_MOV_K, 0, 0, 0, 0), insn(JMP_EXIT, 0, 0, 0, 0));
  const buf = Buffer.alloc(out.length * 8);
  out.forEach((x, i) => {
    buf.writeUInt8(x.code, i * 8);
    buf.writeUInt8((x.src << 4) | x.dst, i * 8 + 1);
    buf.writeInt16LE(x.off, i * 8 + 2);
    buf.writeInt32LE(x.imm, i * 8 + 4);
  });
  return buf;
}
