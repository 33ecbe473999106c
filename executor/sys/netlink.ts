// rtnetlink sockets through koffi: the transport only (open, send, receive, close); message
// encoding is netmgr/rtnl.ts. A socket belongs to the network namespace of the thread that created
// it, for life: to talk to a container's namespace we setns the main thread into it, create the
// socket and setns back, all synchronously (netns changes are per thread and allowed in a
// multithreaded process; see netns.ts). Kernel rtnetlink requests are handled inside sendmsg, so
// the blocking recv that follows returns at once and never stalls the event loop.
import { libc, check, lastErrno } from './libc.ts';
import { SysError } from '../../schema/errors.ts';

const AF_NETLINK = 16;
const SOCK_RAW = 3;
const SOCK_CLOEXEC = 0x80000;
const NETLINK_ROUTE = 0;
const CLONE_NEWNET = 0x40000000;
const O_RDONLY = 0;
const O_CLOEXEC = 0x80000;
const SOL_SOCKET = 1;
const SO_RCVTIMEO = 20;

const socketFn = libc.func('int socket(int domain, int type, int protocol)');
const sendFn = libc.func('long send(int fd, const void *buf, size_t len, int flags)');
const recvFn = libc.func('long recv(int fd, void *buf, size_t len, int flags)');
const closeFn = libc.func('int close(int fd)');
const openFn = libc.func('int open(const char *path, int flags)');
const setnsFn = libc.func('int setns(int fd, int nstype)');
const setsockoptFn = libc.func('int setsockopt(int fd, int level, int name, const void *val, unsigned int len)');

/** Opens a NETLINK_ROUTE socket in the host's namespace, or inside the namespace file `netns`. */
export function openRtnetlink(netns?: string): number {
  if (!netns) return configure(check('socket AF_NETLINK', socketFn(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE) as number));
  const target = check('open', openFn(netns, O_RDONLY | O_CLOEXEC) as number, netns);
  const orig = openFn('/proc/thread-self/ns/net', O_RDONLY | O_CLOEXEC) as number;
  try {
    if (orig < 0) throw new SysError('open', lastErrno(), '/proc/thread-self/ns/net');
    check('setns', setnsFn(target, CLONE_NEWNET) as number, netns);
    let fd = -1;
    let err: string | undefined;
    try {
      fd = socketFn(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE) as number;
      if (fd < 0) err = lastErrno();
    } finally {
      if ((setnsFn(orig, CLONE_NEWNET) as number) !== 0) {
        throw new SysError('setns back to the host network namespace', lastErrno(), netns, { hint: 'the process is in a wrong network namespace; restart it' });
      }
    }
    if (err) throw new SysError('socket AF_NETLINK in', err, netns);
    return configure(fd);
  } finally {
    closeFn(target);
    if (orig >= 0) closeFn(orig);
  }
}

function configure(fd: number): number {
  // A receive timeout so a lost reply can never hang the main thread (2 s: struct timeval).
  const tv = Buffer.alloc(16);
  tv.writeBigInt64LE(2n, 0);
  setsockoptFn(fd, SOL_SOCKET, SO_RCVTIMEO, tv, 16);
  return fd;
}

export function nlSend(fd: number, buf: Buffer): void {
  const n = sendFn(fd, buf, buf.length, 0) as number;
  if (n < 0) throw new SysError('send netlink', lastErrno());
  if (n !== buf.length) throw new SysError('send netlink (short write)', 'EIO');
}

/** Receives one datagram (may hold several netlink messages). */
export function nlRecv(fd: number, buf: Buffer): number {
  const n = recvFn(fd, buf, buf.length, 0) as number;
  if (n < 0) throw new SysError('recv netlink', lastErrno());
  return n;
}

export function closeFd(fd: number): void {
  closeFn(fd);
}

/** A namespace file opened for IFLA_NET_NS_FD (veth peers born inside it). Close with closeFd. */
export function openNsFd(netns: string): number {
  return check('open', openFn(netns, O_RDONLY | O_CLOEXEC) as number, netns);
}
