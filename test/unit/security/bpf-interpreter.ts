// A classic-BPF interpreter for the instructions a seccomp filter may use, so tests run the
// compiled program over seccomp_data inputs instead of trusting its shape. Strict like the
// kernel's checker: forward jumps only, in bounds, every path ends in `ret`.
import { BPF } from '../../../executor/security/seccomp.ts';

export interface SeccompData {
  nr: number;
  arch: number;
  ip?: bigint;
  args?: (number | bigint)[];
}

export function seccompData(d: SeccompData): Buffer {
  const b = Buffer.alloc(64);
  b.writeInt32LE(d.nr, 0);
  b.writeUInt32LE(d.arch >>> 0, 4);
  b.writeBigUInt64LE(d.ip ?? 0n, 8);
  (d.args ?? []).forEach((a, i) => b.writeBigUInt64LE(BigInt.asUintN(64, BigInt(a)), 16 + 8 * i));
  return b;
}

export function runBpf(prog: Buffer, data: Buffer): { ret: number; steps: number } {
  const n = prog.length / 8;
  let pc = 0;
  let A = 0;
  let steps = 0;
  for (;;) {
    if (pc < 0 || pc >= n) throw new Error(`pc ${pc} out of bounds`);
    const code = prog.readUInt16LE(pc * 8);
    const jt = prog.readUInt8(pc * 8 + 2);
    const jf = prog.readUInt8(pc * 8 + 3);
    const k = prog.readUInt32LE(pc * 8 + 4);
    steps++;
    switch (code) {
      case BPF.LD_W_ABS:
        if (k % 4 !== 0 || k + 4 > data.length) throw new Error(`load at ${k} out of seccomp_data`);
        A = data.readUInt32LE(k);
        pc++;
        break;
      case BPF.ALU_AND_K: A = (A & k) >>> 0; pc++; break;
      case BPF.JMP_JA: pc += 1 + k; break;
      case BPF.JMP_JEQ_K: pc += 1 + (A === k ? jt : jf); break;
      case BPF.JMP_JGT_K: pc += 1 + (A > k ? jt : jf); break;
      case BPF.JMP_JGE_K: pc += 1 + (A >= k ? jt : jf); break;
      case BPF.JMP_JSET_K: pc += 1 + ((A & k) !== 0 ? jt : jf); break;
      case BPF.RET_K: return { ret: k, steps };
      default: throw new Error(`opcode 0x${code.toString(16)} not allowed in seccomp`);
    }
  }
}
