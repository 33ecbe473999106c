// bpf(2) for cgroup v2 device control: load a BPF_PROG_TYPE_CGROUP_DEVICE program and attach it
// to a cgroup directory. cgroup v2 has no devices controller; the kernel asks this program on
// every open/mknod of a device node by a task in the cgroup instead (what runc and crun do).
import { closeSync, openSync, constants } from 'node:fs';
import { SysError } from '../../schema/errors.ts';
import { koffi, libc, lastErrno } from './libc.ts';

const SYS_bpf = 321; // x86_64
const BPF_PROG_LOAD = 5;
const BPF_PROG_ATTACH = 8;
const BPF_PROG_TYPE_CGROUP_DEVICE = 15;
const BPF_CGROUP_DEVICE = 6;
/** Several programs may sit on one cgroup path; all of them must allow. */
const BPF_F_ALLOW_MULTI = 2;

const syscall = libc.func('long syscall(long number, ...)');

const ProgLoadAttr = koffi.struct('tsc_bpf_prog_load_attr', {
  prog_type: 'uint32', insn_cnt: 'uint32', insns: 'void *', license: 'const char *',
  log_level: 'uint32', log_size: 'uint32', log_buf: 'void *', kern_version: 'uint32', prog_flags: 'uint32',
  prog_name: 'char[16]', prog_ifindex: 'uint32', expected_attach_type: 'uint32',
});
const ProgAttachAttr = koffi.struct('tsc_bpf_prog_attach_attr', {
  target_fd: 'uint32', attach_bpf_fd: 'uint32', attach_type: 'uint32', attach_flags: 'uint32', replace_bpf_fd: 'uint32',
});

/**
 * Loads `insns` (struct bpf_insn[], 8 bytes each) as a device program and attaches it to the
 * cgroup directory `cgroupDir`. The program stays attached after our fds close, until the
 * cgroup is removed. On a verifier error the kernel's log is the SysError's hint.
 */
export function attachDeviceProgram(cgroupDir: string, insns: Buffer): void {
  const log = Buffer.alloc(16384);
  const attr = {
    prog_type: BPF_PROG_TYPE_CGROUP_DEVICE, insn_cnt: insns.length / 8, insns, license: 'Apache',
    log_level: 1, log_size: log.length, log_buf: log, kern_version: 0, prog_flags: 0,
    prog_name: 'tsc_devices', prog_ifindex: 0, expected_attach_type: BPF_CGROUP_DEVICE,
  };
  const progFd = Number(syscall(SYS_bpf, 'int', BPF_PROG_LOAD, koffi.pointer(ProgLoadAttr), attr, 'uint', koffi.sizeof(ProgLoadAttr)));
  if (progFd < 0) {
    const errno = lastErrno();
    const text = log.toString('utf8', 0, Math.max(0, log.indexOf(0))).trim();
    throw new SysError('load device BPF program for', errno, cgroupDir, text ? { hint: text.split('\n').slice(-3).join(' | ') } : {});
  }
  let dirFd = -1;
  try {
    dirFd = openSync(cgroupDir, constants.O_RDONLY | constants.O_DIRECTORY);
    const a = { target_fd: dirFd, attach_bpf_fd: progFd, attach_type: BPF_CGROUP_DEVICE, attach_flags: BPF_F_ALLOW_MULTI, replace_bpf_fd: 0 };
    const r = Number(syscall(SYS_bpf, 'int', BPF_PROG_ATTACH, koffi.pointer(ProgAttachAttr), a, 'uint', koffi.sizeof(ProgAttachAttr)));
    if (r < 0) throw new SysError('attach device BPF program to', lastErrno(), cgroupDir);
  } finally {
    if (dirFd >= 0) closeSync(dirFd);
    closeSync(progFd);
  }
}
