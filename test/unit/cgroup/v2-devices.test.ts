import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deviceProgram, DEVCG_ACC_MKNOD as M, DEVCG_ACC_READ as R, DEVCG_ACC_WRITE as W, DEVCG_DEV_BLOCK as B, DEVCG_DEV_CHAR as C } from '../../../executor/cgroup/v2/devices.ts';

/** Runs the subset of eBPF the generator emits over one bpf_cgroup_dev_ctx; strict about what it meets. */
function run(prog: Buffer, type: number, access: number, major: number, minor: number): number {
  const ctx = [((access << 16) | type) >>> 0, major, minor];
  const r = new Array<bigint>(11).fill(0n);
  const n = prog.length / 8;
  for (let pc = 0, steps = 0; steps < 10000; steps++) {
    if (pc < 0 || pc >= n) throw new Error(`pc ${pc} out of bounds`);
    const code = prog.readUInt8(pc * 8);
    const regs = prog.readUInt8(pc * 8 + 1);
    const dst = regs & 0xf, src = regs >> 4;
    const off = prog.readInt16LE(pc * 8 + 2);
    const imm = BigInt(prog.readInt32LE(pc * 8 + 4));
    pc++;
    switch (code) {
      case 0x61: {
        assert.equal(src, 1, 'loads only from the context');
        const v = ctx[off / 4];
        if (v === undefined || off % 4) throw new Error(`bad ctx offset ${off}`);
        r[dst] = BigInt(v);
        break;
      }
      case 0x57: r[dst] = r[dst]! & BigInt.asUintN(64, imm); break;
      case 0x77: r[dst] = r[dst]! >> imm; break;
      case 0xb7: r[dst] = BigInt.asUintN(64, imm); break;
      case 0xbf: r[dst] = r[src]!; break;
      case 0x55: if (r[dst] !== BigInt.asUintN(64, imm)) { assert.ok(off >= 0, 'forward jumps only'); pc += off; } break;
      case 0x95: return Number(r[0]);
      default: throw new Error(`unexpected opcode 0x${code.toString(16)}`);
    }
  }
  throw new Error('no exit');
}

const prog = deviceProgram();

test('the default nodes are allowed for read, write and mknod', () => {
  for (const [maj, min] of [[1, 3], [1, 5], [1, 7], [1, 8], [1, 9], [5, 0], [5, 1], [5, 2], [136, 0], [136, 42], [10, 200]] as const) {
    assert.equal(run(prog, C, R | W | M, maj, min), 1, `c ${maj}:${min}`);
  }
});

test('any other device may be created but not opened', () => {
  assert.equal(run(prog, B, M, 8, 0), 1, 'mknod of a disk');
  assert.equal(run(prog, B, R, 8, 0), 0, 'read of a disk');
  assert.equal(run(prog, B, W, 7, 0), 0, 'write of a loop device');
  assert.equal(run(prog, C, R, 1, 11), 0, '/dev/kmsg');
  assert.equal(run(prog, C, R | M, 1, 11), 0, 'mknod together with read is still a read');
});

test('extra rules allow exactly their access, and a later deny overrides an earlier allow', () => {
  const p = deviceProgram([{ allow: true, type: 'c', major: 10, minor: 229, access: 'rw' }, { allow: false, type: 'c', major: 1, minor: 9, access: 'rwm' }]);
  assert.equal(run(p, C, R | W, 10, 229), 1);
  assert.equal(run(p, C, R, 10, 229), 1);
  assert.equal(run(p, C, M | R, 10, 229), 0, 'read and mknod together need one rule that grants both');
  assert.equal(run(p, C, M, 10, 229), 1);
  assert.equal(run(p, C, R, 1, 9), 0, '/dev/urandom denied by the later rule');
  assert.equal(run(p, C, R, 1, 8), 1);
});

test('a wildcard rule matches every major and minor of its type only', () => {
  const p = deviceProgram([{ allow: true, type: 'b', major: 7, minor: -1, access: 'r' }]);
  assert.equal(run(p, B, R, 7, 3), 1);
  assert.equal(run(p, B, W, 7, 3), 0);
  assert.equal(run(p, C, R, 7, 3), 0);
});
