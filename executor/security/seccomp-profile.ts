// The default seccomp profile, with docker's semantics: every syscall not listed fails with
// EPERM; the list allows what ordinary programs use and leaves out what reaches beyond the
// container (kernel modules, keyrings, clocks, reboot, mounts and namespaces, raw I/O ports,
// io_uring, NUMA policy), each of those coming back only with the capability that governs it.
// A few are allowed with argument conditions (clone without namespace flags, personality's
// harmless values, socket except AF_VSOCK). clone3 answers ENOSYS rather than EPERM, because its
// flags live in memory seccomp cannot read, and ENOSYS makes glibc fall back to clone.
import type { Capability } from './capabilities.ts';
import type { SeccompArg, SeccompProfile, SeccompSyscall } from './seccomp.ts';

/** Allowed for every container. */
export const ALLOWED_SYSCALLS: readonly string[] = [
  'accept', 'accept4', 'access', 'adjtimex', 'alarm', 'arch_prctl', 'bind', 'brk', 'cachestat', 'capget',
  'capset', 'chdir', 'chmod', 'chown', 'clock_getres', 'clock_gettime', 'clock_nanosleep', 'close',
  'close_range', 'connect', 'copy_file_range', 'creat', 'dup', 'dup2', 'dup3', 'epoll_create', 'epoll_create1',
  'epoll_ctl', 'epoll_ctl_old', 'epoll_pwait', 'epoll_pwait2', 'epoll_wait', 'epoll_wait_old', 'eventfd',
  'eventfd2', 'execve', 'execveat', 'exit', 'exit_group', 'faccessat', 'faccessat2', 'fadvise64', 'fallocate',
  'fanotify_mark', 'fchdir', 'fchmod', 'fchmodat', 'fchmodat2', 'fchown', 'fchownat', 'fcntl', 'fdatasync',
  'fgetxattr', 'flistxattr', 'flock', 'fork', 'fremovexattr', 'fsetxattr', 'fstat', 'fstatfs', 'fsync',
  'ftruncate', 'futex', 'futex_requeue', 'futex_wait', 'futex_waitv', 'futex_wake', 'futimesat',
  'get_robust_list', 'get_thread_area', 'getcpu', 'getcwd', 'getdents', 'getdents64', 'getegid', 'geteuid',
  'getgid', 'getgroups', 'getitimer', 'getpeername', 'getpgid', 'getpgrp', 'getpid', 'getppid', 'getpriority',
  'getrandom', 'getresgid', 'getresuid', 'getrlimit', 'getrusage', 'getsid', 'getsockname', 'getsockopt',
  'gettid', 'gettimeofday', 'getuid', 'getxattr', 'getxattrat', 'inotify_add_watch', 'inotify_init',
  'inotify_init1', 'inotify_rm_watch', 'io_cancel', 'io_destroy', 'io_getevents', 'io_pgetevents', 'io_setup',
  'io_submit', 'ioctl', 'ioprio_get', 'ioprio_set', 'kcmp', 'kill', 'landlock_add_rule',
  'landlock_create_ruleset', 'landlock_restrict_self', 'lchown', 'lgetxattr', 'link', 'linkat', 'listen',
  'listmount', 'listxattr', 'listxattrat', 'llistxattr', 'lremovexattr', 'lseek', 'lsetxattr', 'lstat',
  'madvise', 'map_shadow_stack', 'membarrier', 'memfd_create', 'mincore', 'mkdir', 'mkdirat', 'mknod', 'mknodat',
  'mlock', 'mlock2', 'mlockall', 'mmap', 'modify_ldt', 'mprotect', 'mq_getsetattr', 'mq_notify', 'mq_open',
  'mq_timedreceive', 'mq_timedsend', 'mq_unlink', 'mremap', 'mseal', 'msgctl', 'msgget', 'msgrcv', 'msgsnd',
  'msync', 'munlock', 'munlockall', 'munmap', 'nanosleep', 'newfstatat', 'open', 'openat', 'openat2', 'pause',
  'pidfd_getfd', 'pidfd_open', 'pidfd_send_signal', 'pipe', 'pipe2', 'pkey_alloc', 'pkey_free', 'pkey_mprotect',
  'poll', 'ppoll', 'prctl', 'pread64', 'preadv', 'preadv2', 'prlimit64', 'process_madvise', 'process_mrelease',
  'process_vm_readv', 'process_vm_writev', 'pselect6', 'ptrace', 'pwrite64', 'pwritev', 'pwritev2', 'read',
  'readahead', 'readlink', 'readlinkat', 'readv', 'recvfrom', 'recvmmsg', 'recvmsg', 'remap_file_pages',
  'removexattr', 'removexattrat', 'rename', 'renameat', 'renameat2', 'restart_syscall', 'rmdir', 'rseq',
  'rt_sigaction', 'rt_sigpending', 'rt_sigprocmask', 'rt_sigqueueinfo', 'rt_sigreturn', 'rt_sigsuspend',
  'rt_sigtimedwait', 'rt_tgsigqueueinfo', 'sched_get_priority_max', 'sched_get_priority_min',
  'sched_getaffinity', 'sched_getattr', 'sched_getparam', 'sched_getscheduler', 'sched_rr_get_interval',
  'sched_setaffinity', 'sched_setattr', 'sched_setparam', 'sched_setscheduler', 'sched_yield', 'seccomp',
  'select', 'semctl', 'semget', 'semop', 'semtimedop', 'sendfile', 'sendmmsg', 'sendmsg', 'sendto',
  'set_robust_list', 'set_thread_area', 'set_tid_address', 'setfsgid', 'setfsuid', 'setgid', 'setgroups',
  'setitimer', 'setpgid', 'setpriority', 'setregid', 'setresgid', 'setresuid', 'setreuid', 'setrlimit', 'setsid',
  'setsockopt', 'setuid', 'setxattr', 'setxattrat', 'shmat', 'shmctl', 'shmdt', 'shmget', 'shutdown',
  'sigaltstack', 'signalfd', 'signalfd4', 'socketpair', 'splice', 'stat', 'statfs', 'statmount', 'statx',
  'symlink', 'symlinkat', 'sync', 'sync_file_range', 'syncfs', 'sysinfo', 'tee', 'tgkill', 'time',
  'timer_create', 'timer_delete', 'timer_getoverrun', 'timer_gettime', 'timer_settime', 'timerfd_create',
  'timerfd_gettime', 'timerfd_settime', 'times', 'tkill', 'truncate', 'umask', 'uname', 'unlink', 'unlinkat',
  'utime', 'utimensat', 'utimes', 'vfork', 'vmsplice', 'wait4', 'waitid', 'write', 'writev',
];

/** Allowed only when the container holds one of the capabilities. */
export const CAPABILITY_SYSCALLS: readonly { caps: Capability[]; names: string[] }[] = [
  { caps: ['CAP_SYS_ADMIN'], names: ['fanotify_init', 'fsconfig', 'fsmount', 'fsopen', 'fspick', 'lookup_dcookie', 'mount',
    'mount_setattr', 'move_mount', 'name_to_handle_at', 'open_tree', 'pivot_root', 'quotactl', 'quotactl_fd', 'setdomainname',
    'sethostname', 'setns', 'swapoff', 'swapon', 'umount2', 'unshare'] },
  { caps: ['CAP_SYS_ADMIN', 'CAP_BPF'], names: ['bpf'] },
  { caps: ['CAP_SYS_ADMIN', 'CAP_PERFMON'], names: ['perf_event_open'] },
  { caps: ['CAP_SYS_BOOT'], names: ['reboot', 'kexec_load', 'kexec_file_load'] },
  { caps: ['CAP_SYS_CHROOT'], names: ['chroot'] },
  { caps: ['CAP_SYS_MODULE'], names: ['init_module', 'finit_module', 'delete_module'] },
  { caps: ['CAP_SYS_PACCT'], names: ['acct'] },
  { caps: ['CAP_SYS_PTRACE'], names: ['userfaultfd'] },
  { caps: ['CAP_SYS_RAWIO'], names: ['iopl', 'ioperm'] },
  { caps: ['CAP_SYS_TIME'], names: ['settimeofday', 'clock_settime', 'clock_adjtime'] },
  { caps: ['CAP_SYS_TTY_CONFIG'], names: ['vhangup'] },
  { caps: ['CAP_SYS_NICE'], names: ['get_mempolicy', 'mbind', 'set_mempolicy', 'set_mempolicy_home_node', 'migrate_pages', 'move_pages'] },
  { caps: ['CAP_SYSLOG'], names: ['syslog'] },
  { caps: ['CAP_DAC_READ_SEARCH'], names: ['open_by_handle_at'] },
];

// <linux/sched.h> namespace flags: clone with any of them creates a namespace.
const CLONE_NEWNS = 0x00020000;
const CLONE_NEWCGROUP = 0x02000000;
const CLONE_NEWUTS = 0x04000000;
const CLONE_NEWIPC = 0x08000000;
const CLONE_NEWUSER = 0x10000000;
const CLONE_NEWPID = 0x20000000;
const CLONE_NEWNET = 0x40000000;
export const CLONE_NAMESPACE_FLAGS = CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET;

/** personality(2) values that change nothing dangerous: PER_LINUX, PER_LINUX32, UNAME26 and both, and the query 0xffffffff. */
export const PERSONALITY_VALUES = [0x0, 0x0008, 0x20000, 0x20008, 0xffffffff] as const;
const AF_VSOCK = 40;
const ENOSYS = 38;

const eq = (index: number, value: number): SeccompArg => ({ index, value, op: 'SCMP_CMP_EQ' });

export function defaultSeccompProfile(caps: Iterable<Capability>): SeccompProfile {
  const have = new Set(caps);
  const syscalls: SeccompSyscall[] = [{ names: [...ALLOWED_SYSCALLS], action: 'SCMP_ACT_ALLOW' }];
  for (const group of CAPABILITY_SYSCALLS) {
    if (group.caps.some((c) => have.has(c))) syscalls.push({ names: [...group.names], action: 'SCMP_ACT_ALLOW' });
  }
  for (const v of PERSONALITY_VALUES) syscalls.push({ names: ['personality'], action: 'SCMP_ACT_ALLOW', args: [eq(0, v)] });
  syscalls.push({ names: ['socket'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: AF_VSOCK, op: 'SCMP_CMP_NE' }] });
  if (have.has('CAP_SYS_ADMIN')) {
    syscalls.push({ names: ['clone', 'clone3'], action: 'SCMP_ACT_ALLOW' });
  } else {
    // x86_64 clone(flags, …): flags is argument 0.
    syscalls.push({ names: ['clone'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: CLONE_NAMESPACE_FLAGS, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' }] });
    syscalls.push({ names: ['clone3'], action: 'SCMP_ACT_ERRNO', errnoRet: ENOSYS });
  }
  return { defaultAction: 'SCMP_ACT_ERRNO', defaultErrnoRet: 1, architectures: ['SCMP_ARCH_X86_64'], syscalls };
}
