/*
 * tscompose-helper: the part of a container launch that Node cannot do itself.
 *
 * Node is multithreaded, so it can neither fork safely nor enter a new mount namespace
 * (setns(CLONE_NEWNS) is refused to multithreaded processes). This small static program does
 * the steps between clone() and execve(), then stays as the container's waiter
 * (ARCHITECTURE.md "Container launch"):
 *
 *   tscompose-helper run  SPECFILE [LABEL]  launch a container, then wait for it, log its output, write exit.json
 *   tscompose-helper exec SPECFILE [LABEL]  run a process inside a running container (namespaces AND cgroup)
 *
 * SPECFILE is the compact spec written by executor/runtime/compact.ts: a flat list of
 * NUL-terminated tokens; each record is a keyword followed by a fixed number of arguments
 * (see struct keyword_arity below). Numbers are decimal, capability masks hex.
 *
 * Protocol (fd 3, a socketpair inherited from Node; optional): one text line per message,
 * decoded by executor/runtime/protocol.ts. The message kinds are the closed set below:
 *   pid N                       the container's PID 1 (host view) exists and is in its cgroups
 *   created                     set-up done, waiting at the start gate (OCI create)
 *   ready                       execve succeeded
 *   error STEP ERRNO PATH       a step failed (ERRNO symbolic-free: a number; PATH may be empty)
 *   exit CODE SIGNAL            the container's PID 1 ended (SIGNAL 0 when it exited normally)
 *
 * Only libc. Built with `cc -O2 -static` by scripts/build-native.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/openat2.h>
#include <linux/sched.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/vfs.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define PROTO_FD 3
#define MAX_ITEMS 512

/* ---------------------------------------------------------------- spec ---- */

struct mnt { const char *src, *dst, *type, *data; unsigned long flags, prop; };
struct dev { const char *path; char kind; unsigned maj, min, mode, uid, gid; };
struct kv { const char *a, *b; };
struct rlim { int res; unsigned long long soft, hard; };

static struct {
  const char *rootfs;
  /* namespaces: index by NS_* ; path NULL = not requested, "" = new, else join by path */
  const char *ns[6];
  struct mnt mounts[MAX_ITEMS]; int nmounts;
  struct dev devs[MAX_ITEMS]; int ndevs;
  struct kv links[64]; int nlinks;
  struct kv sysctls[64]; int nsysctls;
  const char *masked[64]; int nmasked;
  const char *ropaths[64]; int nropaths;
  int readonly;
  const char *hostname, *domainname;
  struct rlim rlimits[32]; int nrlimits;
  const char *oomscore;
  int have_user; uid_t uid; gid_t gid;
  gid_t groups[64]; int ngroups;
  int have_caps; uint64_t cap_bnd, cap_eff, cap_prm, cap_inh, cap_amb;
  int nnp;
  unsigned char *seccomp; size_t seccomp_len; unsigned seccomp_flags;
  const char *cwd;
  char *env[MAX_ITEMS]; int nenv;
  char *argv[MAX_ITEMS]; int nargv;
  const char *cgroups[32]; int ncgroups;
  const char *log; unsigned long long log_max; int log_files;
  const char *exitfile, *oomfile, *gate;
  pid_t exec_pid;
  int tty, stdin_open;
  /* `run -i`: an fd inherited from the caller (its stdin) that becomes the container's stdin; with
   * a tty the waiter copies it into the pty instead. -1: none. */
  int stdin_fd;
  /* `run -t`: an fd inherited from the caller (its stdout) that also gets the pty's raw output,
   * so an interactive program's prompt shows at once (the log has whole lines only). -1: none. */
  int tty_out;
} S = { .stdin_fd = -1, .tty_out = -1 };

enum { NS_MOUNT, NS_PID, NS_UTS, NS_IPC, NS_NET, NS_CGROUP };
static const char *ns_names[6] = { "mnt", "pid", "uts", "ipc", "net", "cgroup" };
static const int ns_flags[6] = { CLONE_NEWNS, CLONE_NEWPID, CLONE_NEWUTS, CLONE_NEWIPC, CLONE_NEWNET, CLONE_NEWCGROUP };

static int proto = -1;

/* ------------------------------------------------------------ protocol ---- */

static void say(const char *fmt, ...)
{
  char buf[PATH_MAX + 128];
  va_list ap;
  if (proto < 0) return;
  va_start(ap, fmt);
  int n = vsnprintf(buf, sizeof buf - 1, fmt, ap);
  va_end(ap);
  if (n < 0) return;
  if (n > (int)sizeof buf - 2) n = sizeof buf - 2;
  for (int i = 0; i < n; i++) if (buf[i] == '\n') buf[i] = ' ';
  buf[n++] = '\n';
  /* MSG_NOSIGNAL: a supervisor that went away must not kill the waiter with SIGPIPE. */
  if (send(proto, buf, n, MSG_NOSIGNAL) < 0 && errno == ENOTSOCK) { ssize_t w = write(proto, buf, n); (void)w; }
}

/* In the child, errors go to the error pipe (closed on exec), and the parent forwards them. */
static int errpipe = -1;

static void __attribute__((noreturn)) child_fail(const char *step, int err, const char *path)
{
  char buf[PATH_MAX + 128];
  int n = snprintf(buf, sizeof buf, "error %s %d %s\n", step, err, path ? path : "");
  if (n > (int)sizeof buf) n = sizeof buf;
  ssize_t w = write(errpipe, buf, n); (void)w;
  _exit(127);
}

/* Before the clone, the helper itself reports and gives up. */
static void __attribute__((noreturn)) fail(const char *step, int err, const char *path)
{
  say("error %s %d %s", step, err, path ? path : "");
  exit(1);
}

/* ------------------------------------------------------------- parsing ---- */

static unsigned long long num(const char *s) { return strtoull(s, NULL, 10); }
static uint64_t hex(const char *s) { return strtoull(s, NULL, 16); }

static void parse_spec(const char *file)
{
  /* "fd:N" reads the spec from an inherited pipe (how Node passes it), anything else is a file. */
  int fd = !strncmp(file, "fd:", 3) ? atoi(file + 3) : open(file, O_RDONLY | O_CLOEXEC);
  if (fd < 0) fail("spec", errno, file);
  size_t got = 0, size = 8192;
  char *buf = malloc(size);
  for (;;) {
    if (got + 1 >= size) { size *= 2; buf = realloc(buf, size); }
    if (!buf) fail("spec", ENOMEM, file);
    ssize_t r = read(fd, buf + got, size - 1 - got);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) fail("spec", errno, file);
    if (r == 0) break;
    got += r;
  }
  buf[got] = 0;
  close(fd);

  /* Tokens are NUL-terminated; collect pointers to them. */
  size_t ntok = 0, cap = 256;
  char **tok = malloc(cap * sizeof *tok);
  for (size_t i = 0; i < got;) {
    if (ntok == cap) { cap *= 2; tok = realloc(tok, cap * sizeof *tok); }
    tok[ntok++] = buf + i;
    i += strlen(buf + i) + 1;
  }
#define ARG(k) (i + (k) < ntok ? tok[i + (k)] : (fail("spec", EINVAL, kw), ""))
#define LIMIT(n, max) do { if ((n) >= (max)) fail("spec", E2BIG, kw); } while (0)
  for (size_t i = 0; i < ntok;) {
    const char *kw = tok[i];
    if (!strcmp(kw, "rootfs")) { S.rootfs = ARG(1); i += 2; }
    else if (!strcmp(kw, "ns")) {
      const char *t = ARG(1), *p = ARG(2);
      int k = -1;
      for (int j = 0; j < 6; j++) if (!strcmp(t, ns_names[j])) k = j;
      if (k < 0) fail("spec", EINVAL, t);
      S.ns[k] = p; i += 3;
    }
    else if (!strcmp(kw, "mount")) {
      LIMIT(S.nmounts, MAX_ITEMS);
      struct mnt *m = &S.mounts[S.nmounts++];
      m->src = ARG(1); m->dst = ARG(2); m->type = ARG(3);
      m->flags = num(ARG(4)); m->prop = num(ARG(5)); m->data = ARG(6); i += 7;
    }
    else if (!strcmp(kw, "dev")) {
      LIMIT(S.ndevs, MAX_ITEMS);
      struct dev *d = &S.devs[S.ndevs++];
      d->path = ARG(1); d->kind = ARG(2)[0]; d->maj = num(ARG(3)); d->min = num(ARG(4));
      d->mode = num(ARG(5)); d->uid = num(ARG(6)); d->gid = num(ARG(7)); i += 8;
    }
    else if (!strcmp(kw, "link")) { LIMIT(S.nlinks, 64); S.links[S.nlinks].a = ARG(1); S.links[S.nlinks++].b = ARG(2); i += 3; }
    else if (!strcmp(kw, "sysctl")) { LIMIT(S.nsysctls, 64); S.sysctls[S.nsysctls].a = ARG(1); S.sysctls[S.nsysctls++].b = ARG(2); i += 3; }
    else if (!strcmp(kw, "mask")) { LIMIT(S.nmasked, 64); S.masked[S.nmasked++] = ARG(1); i += 2; }
    else if (!strcmp(kw, "ropath")) { LIMIT(S.nropaths, 64); S.ropaths[S.nropaths++] = ARG(1); i += 2; }
    else if (!strcmp(kw, "readonly")) { S.readonly = 1; i += 1; }
    else if (!strcmp(kw, "hostname")) { S.hostname = ARG(1); i += 2; }
    else if (!strcmp(kw, "domainname")) { S.domainname = ARG(1); i += 2; }
    else if (!strcmp(kw, "rlimit")) {
      LIMIT(S.nrlimits, 32);
      struct rlim *r = &S.rlimits[S.nrlimits++];
      r->res = num(ARG(1)); r->soft = num(ARG(2)); r->hard = num(ARG(3)); i += 4;
    }
    else if (!strcmp(kw, "oomscore")) { S.oomscore = ARG(1); i += 2; }
    else if (!strcmp(kw, "user")) { S.have_user = 1; S.uid = num(ARG(1)); S.gid = num(ARG(2)); i += 3; }
    else if (!strcmp(kw, "group")) { LIMIT(S.ngroups, 64); S.groups[S.ngroups++] = num(ARG(1)); i += 2; }
    else if (!strcmp(kw, "caps")) {
      S.have_caps = 1;
      S.cap_bnd = hex(ARG(1)); S.cap_eff = hex(ARG(2)); S.cap_prm = hex(ARG(3));
      S.cap_inh = hex(ARG(4)); S.cap_amb = hex(ARG(5)); i += 6;
    }
    else if (!strcmp(kw, "nnp")) { S.nnp = 1; i += 1; }
    else if (!strcmp(kw, "seccomp")) {
      const char *h = ARG(1);
      size_t n = strlen(h) / 2;
      S.seccomp = malloc(n ? n : 1); S.seccomp_len = n;
      for (size_t j = 0; j < n; j++) { char b[3] = { h[2 * j], h[2 * j + 1], 0 }; S.seccomp[j] = strtoul(b, NULL, 16); }
      i += 2;
    }
    else if (!strcmp(kw, "seccompflags")) { S.seccomp_flags = num(ARG(1)); i += 2; }
    else if (!strcmp(kw, "cwd")) { S.cwd = ARG(1); i += 2; }
    else if (!strcmp(kw, "env")) { LIMIT(S.nenv, MAX_ITEMS - 1); S.env[S.nenv++] = (char *)ARG(1); i += 2; }
    else if (!strcmp(kw, "arg")) { LIMIT(S.nargv, MAX_ITEMS - 1); S.argv[S.nargv++] = (char *)ARG(1); i += 2; }
    else if (!strcmp(kw, "cgroup")) { LIMIT(S.ncgroups, 32); S.cgroups[S.ncgroups++] = ARG(1); i += 2; }
    else if (!strcmp(kw, "log")) { S.log = ARG(1); S.log_max = num(ARG(2)); S.log_files = num(ARG(3)); i += 4; }
    else if (!strcmp(kw, "exitfile")) { S.exitfile = ARG(1); i += 2; }
    else if (!strcmp(kw, "oomfile")) { S.oomfile = ARG(1); i += 2; }
    else if (!strcmp(kw, "gate")) { S.gate = ARG(1); i += 2; }
    else if (!strcmp(kw, "tty")) { S.tty = 1; i += 1; }
    else if (!strcmp(kw, "stdin")) { S.stdin_open = 1; i += 1; }
    else if (!strcmp(kw, "stdinfd")) {
      S.stdin_fd = num(ARG(1)); i += 2;
      /* Only through stdin (dup2) or the waiter's copy: never as a stray fd in the container. */
      if (fcntl(S.stdin_fd, F_SETFD, FD_CLOEXEC) < 0) fail("stdin", errno, "stdinfd");
    }
    else if (!strcmp(kw, "ttyout")) {
      S.tty_out = num(ARG(1)); i += 2;
      if (fcntl(S.tty_out, F_SETFD, FD_CLOEXEC) < 0) fail("stdout", errno, "ttyout");
    }
    else if (!strcmp(kw, "pid")) { S.exec_pid = num(ARG(1)); i += 2; }
    else fail("spec", EINVAL, kw);
  }
#undef ARG
#undef LIMIT
  if (S.nargv == 0) fail("spec", EINVAL, "no process args");
}

/* ----------------------------------------------------------- utilities ---- */

static int write_file(const char *path, const char *s)
{
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  ssize_t n = write(fd, s, strlen(s));
  int e = errno;
  close(fd);
  errno = e;
  return n < 0 ? -1 : 0;
}

/* Writes `pid` into every cgroup.procs file. On cgroup v1 each write waits an RCU grace
 * period (FACTS.md), which is why this happens here and not on Node's event loop. */
static void join_cgroups(pid_t pid, int in_child)
{
  char s[32];
  snprintf(s, sizeof s, "%d", pid);
  for (int i = 0; i < S.ncgroups; i++)
    if (write_file(S.cgroups[i], s) < 0) {
      if (in_child) child_fail("cgroup", errno, S.cgroups[i]);
      fail("cgroup", errno, S.cgroups[i]);
    }
}

/*
 * Opens `path` inside the rootfs with every symlink resolved as if the rootfs were `/`
 * (openat2 RESOLVE_IN_ROOT), creating what is missing: directories, and the last component as
 * a directory or an empty file. Mounting on /proc/self/fd/N then can never land outside the
 * rootfs, whatever symlinks an image holds (the classic mount-destination escape). A dangling
 * symlink on the way is followed by rewriting the path (its target is created inside the rootfs).
 */
static int in_root(int rootfd, const char *path)
{
  struct open_how how = { .flags = O_PATH | O_CLOEXEC, .resolve = RESOLVE_IN_ROOT };
  return syscall(SYS_openat2, rootfd, *path ? path : ".", &how, sizeof how);
}

static int open_in_root(int rootfd, const char *path, int create_file)
{
  char cur[PATH_MAX];
  snprintf(cur, sizeof cur, "%s", path);
  for (int round = 0; round < 256; round++) {
    int fd = in_root(rootfd, cur);
    if (fd >= 0 || errno != ENOENT) return fd;
    /* Find the first missing component: everything before it exists. */
    char prefix[PATH_MAX] = "";
    const char *p = cur;
    size_t plen = 0;
    for (;;) {
      while (*p == '/') p++;
      if (!*p) return -1; /* all there, yet ENOENT: give up */
      const char *end = strchr(p, '/');
      size_t len = end ? (size_t)(end - p) : strlen(p);
      char try[PATH_MAX];
      snprintf(try, sizeof try, "%s/%.*s", prefix, (int)len, p);
      int t = in_root(rootfd, try);
      if (t >= 0) { close(t); snprintf(prefix, sizeof prefix, "%s", try); plen = strlen(prefix); p += len; continue; }
      if (errno != ENOENT) return -1;
      /* `p[0..len)` is missing under `prefix`. */
      char name[NAME_MAX + 1];
      snprintf(name, sizeof name, "%.*s", (int)len, p);
      const char *rest = p + len;
      int parent = in_root(rootfd, prefix);
      if (parent < 0) return -1;
      char target[PATH_MAX];
      ssize_t n = readlinkat(parent, name, target, sizeof target - 1);
      if (n >= 0) {
        /* A dangling symlink: continue with its target, resolved like the kernel would in the rootfs. */
        target[n] = 0;
        char next[PATH_MAX];
        if (plen + strlen(target) + strlen(rest) + 2 >= sizeof next) { close(parent); errno = ENAMETOOLONG; return -1; }
        if (target[0] == '/') snprintf(next, sizeof next, "%s%s", target, rest);
        else snprintf(next, sizeof next, "%.*s/%s%s", (int)plen, prefix, target, rest);
        snprintf(cur, sizeof cur, "%s", next);
      } else {
        int last = !*rest || strspn(rest, "/") == strlen(rest);
        int r;
        if (last && create_file) {
          r = openat(parent, name, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0644);
          if (r >= 0) close(r);
        } else {
          r = mkdirat(parent, name, 0755);
        }
        if (r < 0 && errno != EEXIST) { int e = errno; close(parent); errno = e; return -1; }
      }
      close(parent);
      break;
    }
  }
  errno = ELOOP;
  return -1;
}

static void fdpath(char *out, size_t n, int fd) { snprintf(out, n, "/proc/self/fd/%d", fd); }

static void mkdir_p(const char *path, mode_t mode)
{
  char buf[PATH_MAX];
  snprintf(buf, sizeof buf, "%s", path);
  for (char *p = buf + 1; *p; p++)
    if (*p == '/') { *p = 0; mkdir(buf, mode); *p = '/'; }
  mkdir(buf, mode);
}

/* ------------------------------------------------------- mount namespace ---- */

#define BIND_LOCKED (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC)

static void do_mount(int rootfd, const struct mnt *m)
{
  int is_bind = (m->flags & MS_BIND) != 0;
  int as_file = 0;
  if (is_bind) {
    struct stat st;
    if (stat(m->src, &st) < 0) child_fail("mount", errno, m->src);
    as_file = !S_ISDIR(st.st_mode);
  }
  int fd = open_in_root(rootfd, m->dst, as_file);
  if (fd < 0) child_fail("mount", errno, m->dst);
  char p[64];
  fdpath(p, sizeof p, fd);
  /* A bind mount ignores MS_RDONLY & co. on creation; they take effect in a remount (below). */
  unsigned long flags = is_bind ? (m->flags & (MS_BIND | MS_REC)) : m->flags;
  if (mount(m->src, p, m->type, flags, *m->data ? m->data : NULL) < 0) child_fail("mount", errno, m->dst);
  close(fd);
  if ((is_bind && (m->flags & BIND_LOCKED)) || m->prop) {
    /* The fd above still points below the new mount; reopen to reach the mount itself. */
    fd = open_in_root(rootfd, m->dst, as_file);
    if (fd < 0) child_fail("mount", errno, m->dst);
    fdpath(p, sizeof p, fd);
    if (is_bind && (m->flags & BIND_LOCKED) &&
        mount(NULL, p, NULL, MS_BIND | MS_REMOUNT | (m->flags & BIND_LOCKED), NULL) < 0)
      child_fail("mount", errno, m->dst);
    if (m->prop && mount(NULL, p, NULL, m->prop, NULL) < 0) child_fail("mount", errno, m->dst);
    close(fd);
  }
}

/* Masked paths as docker: a directory gets an empty read-only tmpfs, a file /dev/null. */
static void mask_path(const char *path)
{
  struct stat st;
  if (stat(path, &st) < 0) {
    if (errno == ENOENT) return;
    child_fail("mask", errno, path);
  }
  int r = S_ISDIR(st.st_mode) ? mount("tmpfs", path, "tmpfs", MS_RDONLY, "size=0")
                              : mount("/dev/null", path, NULL, MS_BIND, NULL);
  if (r < 0) child_fail("mask", errno, path);
}

/* Read-only paths: bind the path onto itself, then remount read-only keeping its nosuid/nodev/noexec. */
static void readonly_path(const char *path)
{
  if (mount(path, path, NULL, MS_BIND | MS_REC, NULL) < 0) {
    if (errno == ENOENT) return;
    child_fail("readonly", errno, path);
  }
  struct statvfs sv;
  unsigned long keep = 0;
  if (statvfs(path, &sv) == 0) {
    if (sv.f_flag & ST_NOSUID) keep |= MS_NOSUID;
    if (sv.f_flag & ST_NODEV) keep |= MS_NODEV;
    if (sv.f_flag & ST_NOEXEC) keep |= MS_NOEXEC;
  }
  if (mount(NULL, path, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_REC | keep, NULL) < 0)
    child_fail("readonly", errno, path);
}

static void setup_rootfs(void)
{
  /* pivot_root refuses a shared parent mount (EINVAL); nothing we do may leak back to the host. */
  if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) child_fail("rootfs", errno, "/");
  /* pivot_root needs the new root to be a mount point: an overlay already is, a plain bundle dir is not. */
  if (mount(S.rootfs, S.rootfs, NULL, MS_BIND | MS_REC, NULL) < 0) child_fail("rootfs", errno, S.rootfs);
  int rootfd = open(S.rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (rootfd < 0) child_fail("rootfs", errno, S.rootfs);

  /* Every mount happens before the pivot, while host paths (bind sources) are still reachable. */
  for (int i = 0; i < S.nmounts; i++) do_mount(rootfd, &S.mounts[i]);

  if (fchdir(rootfd) < 0) child_fail("pivot_root", errno, S.rootfs);
  /* pivot_root(".", "."): the old root ends up stacked under the new one and is detached
   * right away, so no directory for it is needed in the image (as runc and crun do). */
  if (syscall(SYS_pivot_root, ".", ".") < 0) child_fail("pivot_root", errno, S.rootfs);
  if (umount2(".", MNT_DETACH) < 0) child_fail("pivot_root", errno, "old root");
  if (chdir("/") < 0) child_fail("pivot_root", errno, "/");
  close(rootfd);

  /* From here on paths are the container's own; symlinks cannot point outside it. */
  mode_t old = umask(0);
  for (int i = 0; i < S.ndevs; i++) {
    const struct dev *d = &S.devs[i];
    mode_t type = d->kind == 'b' ? S_IFBLK : d->kind == 'p' ? S_IFIFO : S_IFCHR;
    /* /dev/net/tun, /dev/cpu/0/msr: the directories come first. */
    char parent[PATH_MAX];
    snprintf(parent, sizeof parent, "%s", d->path);
    char *slash = strrchr(parent, '/');
    if (slash && slash != parent) { *slash = 0; mkdir_p(parent, 0755); }
    if (mknod(d->path, type | (d->mode & 07777), makedev(d->maj, d->min)) < 0 && errno != EEXIST)
      child_fail("device", errno, d->path);
    if (chown(d->path, d->uid, d->gid) < 0) child_fail("device", errno, d->path);
  }
  umask(old);
  for (int i = 0; i < S.nlinks; i++)
    if (symlink(S.links[i].a, S.links[i].b) < 0 && errno != EEXIST) child_fail("device", errno, S.links[i].b);

  /* sysctls before /proc/sys turns read-only; they apply to the container's own namespaces. */
  for (int i = 0; i < S.nsysctls; i++) {
    char p[PATH_MAX];
    snprintf(p, sizeof p, "/proc/sys/%s", S.sysctls[i].a);
    for (char *c = p + 10; *c; c++) if (*c == '.') *c = '/';
    if (write_file(p, S.sysctls[i].b) < 0) child_fail("sysctl", errno, S.sysctls[i].a);
  }
  if (S.cwd) mkdir_p(S.cwd, 0755); /* docker creates a missing working dir */

  for (int i = 0; i < S.nmasked; i++) mask_path(S.masked[i]);
  for (int i = 0; i < S.nropaths; i++) readonly_path(S.ropaths[i]);
  if (S.readonly && mount(NULL, "/", NULL, MS_BIND | MS_REMOUNT | MS_RDONLY, NULL) < 0)
    child_fail("readonly", errno, "/");
}

/* ------------------------------------------------------------- process ---- */

static void install_seccomp(int in_child)
{
  if (!S.seccomp_len) return;
  struct sock_fprog prog = { .len = S.seccomp_len / sizeof(struct sock_filter), .filter = (struct sock_filter *)S.seccomp };
  /* seccomp(2) takes flags (SPEC_ALLOW, LOG); without flags prctl is the same call. */
  int r = S.seccomp_flags ? (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, S.seccomp_flags, &prog)
                          : prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog);
  if (r < 0) {
    if (in_child) child_fail("seccomp", errno, "");
    fail("seccomp", errno, "");
  }
}

/* Capabilities we do not hold ourselves cannot be given (capset: EPERM); like runc with caps
 * the host does not offer, they are left out (e.g. a sandbox without CAP_SYS_RESOURCE). */
static void clamp_caps(void)
{
  struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
  struct __user_cap_data_struct d[2];
  if (syscall(SYS_capget, &h, d) < 0) return;
  uint64_t have = (uint64_t)d[0].permitted | ((uint64_t)d[1].permitted << 32);
  S.cap_bnd &= have; S.cap_eff &= have; S.cap_prm &= have; S.cap_inh &= have; S.cap_amb &= have;
}

static void set_caps(void)
{
  struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
  struct __user_cap_data_struct d[2] = {
    { (uint32_t)S.cap_eff, (uint32_t)S.cap_prm, (uint32_t)S.cap_inh },
    { (uint32_t)(S.cap_eff >> 32), (uint32_t)(S.cap_prm >> 32), (uint32_t)(S.cap_inh >> 32) },
  };
  if (syscall(SYS_capset, &h, d) < 0) child_fail("capabilities", errno, "capset");
  /* An ambient cap must also be permitted and inheritable; bundles (`crun spec`) often list it
   * without inheritable, and crun then skips it quietly: so do we (EPERM). */
  for (int c = 0; c < 64; c++)
    if ((S.cap_amb >> c) & 1)
      if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, c, 0, 0) < 0 && errno != EPERM) child_fail("capabilities", errno, "ambient");
}

/* Looks argv[0] up in the container's PATH (execvpe would use ours) and execs it. */
static void __attribute__((noreturn)) exec_app(void)
{
  const char *file = S.argv[0];
  S.argv[S.nargv] = NULL;
  S.env[S.nenv] = NULL;
  if (strchr(file, '/')) {
    execve(file, S.argv, S.env);
    child_fail("exec", errno, file);
  }
  const char *path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  for (int i = 0; i < S.nenv; i++) if (!strncmp(S.env[i], "PATH=", 5)) path = S.env[i] + 5;
  int saved = ENOENT;
  char buf[PATH_MAX];
  for (const char *p = path; ; ) {
    const char *colon = strchr(p, ':');
    size_t len = colon ? (size_t)(colon - p) : strlen(p);
    snprintf(buf, sizeof buf, "%.*s/%s", (int)len, len ? p : ".", file);
    execve(buf, S.argv, S.env);
    if (errno != ENOENT && errno != ENOTDIR) saved = errno;
    if (!colon) break;
    p = colon + 1;
  }
  child_fail("exec", saved, file);
}

/* The common tail of `run` and `exec`: identity, privileges, filter, working dir, execve. */
static void __attribute__((noreturn)) finalize_and_exec(void)
{
  /* Without no_new_privs, installing a filter needs CAP_SYS_ADMIN: do it while we still have it. */
  if (!S.nnp) install_seccomp(1);
  if (S.have_caps) clamp_caps();
  if (S.have_caps) {
    for (int c = 0; c <= 63; c++)
      if (!((S.cap_bnd >> c) & 1) && prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0 && errno != EINVAL)
        child_fail("capabilities", errno, "bounding set");
    if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0) child_fail("capabilities", errno, "keepcaps");
  }
  if (S.have_user) {
    if (setgroups(S.ngroups, S.groups) < 0) child_fail("user", errno, "setgroups");
    if (setresgid(S.gid, S.gid, S.gid) < 0) child_fail("user", errno, "setgid");
    if (setresuid(S.uid, S.uid, S.uid) < 0) child_fail("user", errno, "setuid");
  }
  if (S.have_caps) {
    prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0);
    set_caps();
  }
  if (S.cwd && chdir(S.cwd) < 0) child_fail("cwd", errno, S.cwd);
  if (S.nnp && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) child_fail("no_new_privs", errno, "");
  /* Last, so the filter sees as few of our own syscalls as possible. */
  if (S.nnp) install_seccomp(1);
  exec_app();
}

static void reset_signals(void)
{
  sigset_t all;
  sigemptyset(&all);
  sigprocmask(SIG_SETMASK, &all, NULL);
  /* An ignored SIGPIPE would be inherited across execve. */
  signal(SIGPIPE, SIG_DFL);
}

/* Makes the pty slave at `path` our controlling terminal and stdio (a new session first). */
static int attach_pty(const char *path)
{
  if (setsid() < 0) return -1;
  int t = open(path, O_RDWR | O_CLOEXEC);
  if (t < 0 || ioctl(t, TIOCSCTTY, 0) < 0) return -1;
  if (dup2(t, 0) < 0 || dup2(t, 1) < 0 || dup2(t, 2) < 0) return -1;
  if (t > 2) close(t);
  return 0;
}

/* A new pty pair's master; `slave` gets the slave's path. */
static int open_pty(const char *ptmx, char *slave, size_t n)
{
  int m = open(ptmx, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (m < 0) return -1;
  if (grantpt(m) < 0 || unlockpt(m) < 0 || ptsname_r(m, slave, n) != 0) { int e = errno; close(m); errno = e; return -1; }
  struct winsize ws = { .ws_row = 24, .ws_col = 80 };
  ioctl(m, TIOCSWINSZ, &ws);
  return m;
}

/*
 * tty: true — PID 1's console comes from the container's own devpts, as runc's console socket:
 * the child opens /dev/ptmx after the pivot (so `tty` names a /dev/pts node the container has),
 * makes the slave its controlling terminal and stdio, and hands the master to the waiter over
 * `sock` (SCM_RIGHTS). Opened before the pivot it would be a node of the host's devpts.
 */
static void console_to_waiter(int sock)
{
  char pty[64];
  int m = open_pty("/dev/ptmx", pty, sizeof pty);
  if (m < 0) child_fail("tty", errno, "/dev/ptmx");
  /* `run -t` on a terminal: the app's first look at the window size sees the caller's. */
  struct winsize ws;
  if (S.tty_out >= 0 && ioctl(S.tty_out, TIOCGWINSZ, &ws) == 0 && ws.ws_row && ws.ws_col) ioctl(m, TIOCSWINSZ, &ws);
  if (attach_pty(pty) < 0) child_fail("tty", errno, pty);
  /* The user's own terminal, as docker (runc fixStdioPermissions): the group stays devpts' tty. */
  if (S.have_user && fchown(0, S.uid, (gid_t)-1) < 0) child_fail("tty", errno, pty);
  char one = 't';
  struct iovec iov = { &one, 1 };
  union { struct cmsghdr h; char b[CMSG_SPACE(sizeof(int))]; } c;
  memset(&c, 0, sizeof c);
  struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = c.b, .msg_controllen = sizeof c.b };
  struct cmsghdr *h = CMSG_FIRSTHDR(&mh);
  h->cmsg_level = SOL_SOCKET; h->cmsg_type = SCM_RIGHTS; h->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(h), &m, sizeof m);
  while (sendmsg(sock, &mh, MSG_NOSIGNAL) < 0) if (errno != EINTR) child_fail("tty", errno, "console socket");
  close(m);
  close(sock);
}

/* The waiter's side of console_to_waiter: the master fd, or -1 with errno set. */
static int console_from_child(int sock)
{
  char one;
  struct iovec iov = { &one, 1 };
  union { struct cmsghdr h; char b[CMSG_SPACE(sizeof(int))]; } c;
  struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = c.b, .msg_controllen = sizeof c.b };
  ssize_t r;
  while ((r = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC)) < 0 && errno == EINTR) {}
  if (r < 0) return -1;
  struct cmsghdr *h = CMSG_FIRSTHDR(&mh);
  if (r == 0 || !h || h->cmsg_level != SOL_SOCKET || h->cmsg_type != SCM_RIGHTS || h->cmsg_len != CMSG_LEN(sizeof(int))) {
    errno = EPROTO;
    return -1;
  }
  int m;
  memcpy(&m, CMSG_DATA(h), sizeof m);
  return m;
}

/* Whether a child we just cloned already has a SIGKILL pending or is dead (see cmd_run's clone3). */
static int doomed_child(pid_t pid)
{
  char p[64], line[256];
  snprintf(p, sizeof p, "/proc/%d/status", (int)pid);
  FILE *f = fopen(p, "re");
  if (!f) return 0;
  int doomed = 0;
  while (fgets(line, sizeof line, f)) {
    if (!strncmp(line, "State:", 6)) {
      char *c = line + 6;
      while (*c == ' ' || *c == '\t') c++;
      if (*c == 'Z' || *c == 'X') doomed = 1;
    } else if (!strncmp(line, "SigPnd:", 7) || !strncmp(line, "ShdPnd:", 7)) {
      unsigned long long mask = strtoull(line + 7, NULL, 16);
      if (mask & (1ULL << (SIGKILL - 1))) doomed = 1;
    }
  }
  fclose(f);
  return doomed;
}

/* --------------------------------------------------------------- run ---- */

/* console: tty: true's socket to the waiter (console_to_waiter), else -1. */
struct child_args { int sync_rd, err_wr, out_wr, err_out_wr, in_rd, console; };

static void __attribute__((noreturn)) run_child(struct child_args *a)
{
  errpipe = a->err_wr;
  reset_signals();
  /* Die with the helper until the app is exec'd, so a killed helper leaves no half-made container. */
  prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
  char b;
  /* Wait until the parent has written our PID into the cgroups (limits hold before the first instruction). */
  if (read(a->sync_rd, &b, 1) != 1) _exit(126);
  close(a->sync_rd);

  /* tty: true: stdio is the pty, attached once the container's devpts is in place (below). */
  if (a->console < 0) {
    /* The caller's stdin (`run -i`), or stdin_open's pipe (the waiter holds the write end), else /dev/null. */
    int in = S.stdin_fd >= 0 ? S.stdin_fd : a->in_rd >= 0 ? a->in_rd : open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (in < 0 || dup2(in, 0) < 0 || dup2(a->out_wr, 1) < 0 || dup2(a->err_out_wr, 2) < 0)
      child_fail("stdio", errno, "");
    /* A stdin in non-blocking mode (shared with a Node parent) would make the app's reads fail with EAGAIN. */
    int fl = fcntl(0, F_GETFL);
    if (fl >= 0 && (fl & O_NONBLOCK)) fcntl(0, F_SETFL, fl & ~O_NONBLOCK);
    close(in);
  }
  close(a->out_wr); close(a->err_out_wr);

  for (int k = 0; k < 6; k++) {
    if (k == NS_PID || k == NS_MOUNT || k == NS_CGROUP || !S.ns[k] || !*S.ns[k]) continue;
    int fd = open(S.ns[k], O_RDONLY | O_CLOEXEC);
    if (fd < 0 || setns(fd, ns_flags[k]) < 0) child_fail("namespace", errno, S.ns[k]);
    close(fd);
  }
  /* The cgroup namespace is made after placement, so the container sees its own cgroup as /. */
  if (S.ns[NS_CGROUP] && !*S.ns[NS_CGROUP] && unshare(CLONE_NEWCGROUP) < 0) child_fail("namespace", errno, "cgroup");

  int gatefd = -1;
  if (S.gate && (gatefd = open(S.gate, O_PATH | O_CLOEXEC)) < 0) child_fail("start", errno, S.gate);
  if (S.rootfs) setup_rootfs();
  /* Never in the host's UTS namespace: that would rename the host. */
  if (S.hostname && !S.ns[NS_UTS]) child_fail("hostname", EINVAL, "hostname without a UTS namespace");
  if (S.hostname && sethostname(S.hostname, strlen(S.hostname)) < 0) child_fail("hostname", errno, S.hostname);
  if (S.domainname && !S.ns[NS_UTS]) child_fail("hostname", EINVAL, "domainname without a UTS namespace");
  if (S.domainname && setdomainname(S.domainname, strlen(S.domainname)) < 0) child_fail("hostname", errno, S.domainname);
  for (int i = 0; i < S.nrlimits; i++) {
    struct rlimit rl = { S.rlimits[i].soft, S.rlimits[i].hard };
    if (setrlimit(S.rlimits[i].res, &rl) < 0) {
      char r[16]; snprintf(r, sizeof r, "%d", S.rlimits[i].res);
      child_fail("rlimit", errno, r);
    }
  }
  if (S.oomscore && write_file("/proc/self/oom_score_adj", S.oomscore) < 0) child_fail("oom_score_adj", errno, S.oomscore);
  /* Before the start gate, as runc: the console exists once the container is created. */
  if (a->console >= 0) console_to_waiter(a->console);

  if (gatefd >= 0) {
    /* OCI create/start: announce that set-up is done, then block until `start` opens the FIFO
     * for reading. Opened for writing through the O_PATH fd kept from before the pivot (the
     * FIFO is a host path the container cannot see), as runc's exec.fifo. */
    ssize_t w = write(errpipe, "created\n", 8); (void)w;
    char p[64];
    fdpath(p, sizeof p, gatefd);
    int g = open(p, O_WRONLY | O_CLOEXEC);
    if (g < 0) child_fail("start", errno, S.gate);
    if (write(g, "s", 1) != 1) child_fail("start", errno, S.gate);
    close(g);
    close(gatefd);
  }
  prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0);
  finalize_and_exec();
}

/* ---- the waiter: CRI log lines, rotation, exit.json ---- */

static int logfd = -1;
static unsigned long long logsize;

static void log_open(void)
{
  logfd = open(S.log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  struct stat st;
  logsize = (logfd >= 0 && fstat(logfd, &st) == 0) ? st.st_size : 0;
}

static void log_rotate(void)
{
  char from[PATH_MAX], to[PATH_MAX];
  close(logfd);
  if (S.log_files <= 1) {
    logfd = open(S.log, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0640);
    logsize = 0;
    return;
  }
  /* log.(n-2) → log.(n-1) … log → log.1; the oldest falls off. */
  for (int i = S.log_files - 1; i >= 1; i--) {
    if (i == 1) snprintf(from, sizeof from, "%s", S.log);
    else snprintf(from, sizeof from, "%s.%d", S.log, i - 1);
    snprintf(to, sizeof to, "%s.%d", S.log, i);
    rename(from, to);
  }
  log_open();
}

static void timestamp(char *out, size_t n)
{
  struct timespec ts;
  struct tm tm;
  clock_gettime(CLOCK_REALTIME, &ts);
  gmtime_r(&ts.tv_sec, &tm);
  snprintf(out, n, "%04d-%02d-%02dT%02d:%02d:%02d.%09ldZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
           tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec);
}

/* One CRI line: `<RFC3339Nano> <stream> <F|P> <text>\n`. */
static void log_line(const char *stream, char tag, const char *text, size_t len)
{
  if (logfd < 0) return;
  char head[80];
  timestamp(head, sizeof head);
  size_t hl = strlen(head);
  hl += snprintf(head + hl, sizeof head - hl, " %s %c ", stream, tag);
  if (S.log_max && logsize > 0 && logsize + hl + len + 1 > S.log_max) log_rotate();
  char line[hl + len + 1];
  memcpy(line, head, hl);
  memcpy(line + hl, text, len);
  line[hl + len] = '\n';
  ssize_t w = write(logfd, line, hl + len + 1);
  if (w > 0) logsize += w;
}

#define LINE_MAX_BUF 16384
struct stream { int fd; const char *name; char buf[LINE_MAX_BUF]; size_t len; int copy_fd; };

/* Reads what is there; emits complete lines as F, an over-long line in P pieces. Returns 0 at EOF. */
static int pump(struct stream *s)
{
  ssize_t r = read(s->fd, s->buf + s->len, sizeof s->buf - s->len);
  if (r < 0 && (errno == EAGAIN || errno == EINTR)) return 1;
  /* A copy of the raw bytes for an attached caller; it going away (EPIPE, SIGPIPE ignored) ends only the copy. */
  for (ssize_t off = 0; r > 0 && s->copy_fd >= 0 && off < r;) {
    ssize_t w = write(s->copy_fd, s->buf + s->len + off, r - off);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) { close(s->copy_fd); s->copy_fd = -1; break; }
    off += w;
  }
  /* EOF; a pty master reads EIO once the last slave fd is closed. */
  if (r <= 0) {
    if (s->len) log_line(s->name, 'F', s->buf, s->len);
    s->len = 0;
    return 0;
  }
  s->len += r;
  size_t start = 0;
  for (size_t i = 0; i < s->len; i++)
    if (s->buf[i] == '\n') {
      size_t len = i - start;
      if (len && s->buf[start + len - 1] == '\r') len--; /* a terminal writes \r\n */
      log_line(s->name, 'F', s->buf + start, len);
      start = i + 1;
    }
  if (start == 0 && s->len == sizeof s->buf) { log_line(s->name, 'P', s->buf, s->len); start = s->len; }
  memmove(s->buf, s->buf + start, s->len - start);
  s->len -= start;
  return 1;
}

static long oom_kills(void)
{
  if (!S.oomfile) return 0;
  FILE *f = fopen(S.oomfile, "re");
  if (!f) return 0;
  char line[128];
  long v = 0;
  /* memory.oom_control (v1) and memory.events (v2) both carry an `oom_kill N` line. */
  while (fgets(line, sizeof line, f)) if (!strncmp(line, "oom_kill ", 9)) v = atol(line + 9);
  fclose(f);
  return v;
}

static void write_exit(int code, int sig, int oom)
{
  if (!S.exitfile) return;
  char tmp[PATH_MAX], ts[64], body[256];
  struct timespec t;
  struct tm tm;
  clock_gettime(CLOCK_REALTIME, &t);
  gmtime_r(&t.tv_sec, &tm);
  snprintf(ts, sizeof ts, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
           tm.tm_hour, tm.tm_min, tm.tm_sec, t.tv_nsec / 1000000);
  char sigs[16];
  if (sig) snprintf(sigs, sizeof sigs, "%d", sig); else snprintf(sigs, sizeof sigs, "null");
  int n = snprintf(body, sizeof body, "{\"code\":%d,\"signal\":%s,\"oomKilled\":%s,\"finishedAt\":\"%s\"}\n",
                   code, sigs, oom ? "true" : "false", ts);
  snprintf(tmp, sizeof tmp, "%s.tmp", S.exitfile);
  int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return;
  ssize_t w = write(fd, body, n); (void)w;
  close(fd);
  /* Rename last: a reader sees either no exit.json or a complete one. */
  rename(tmp, S.exitfile);
}

static int cmd_run(void)
{
  int sync[2], errp[2], out[2], err[2];
  if (pipe2(sync, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0)
    fail("pipe", errno, "");
  if (S.log) log_open();
  /* tty: true: the child opens the pty in the container's devpts and sends us the master here. */
  int master = -1, in[2] = { -1, -1 }, cons[2] = { -1, -1 };
  if (S.tty && socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, cons) < 0) fail("tty", errno, "console socket");
  if (!S.tty && S.stdin_open && S.stdin_fd < 0 && pipe2(in, O_CLOEXEC) < 0) fail("pipe", errno, "");

  int flags = 0;
  for (int k = 0; k < 6; k++) if (k != NS_CGROUP && S.ns[k] && !*S.ns[k]) flags |= ns_flags[k];
  if (S.ns[NS_MOUNT] && *S.ns[NS_MOUNT]) fail("namespace", EINVAL, "joining a mount namespace is not supported");
  /* Joining another container's PID namespace applies to our children: do it before the clone. */
  if (S.ns[NS_PID] && *S.ns[NS_PID]) {
    int fd = open(S.ns[NS_PID], O_RDONLY | O_CLOEXEC);
    if (fd < 0 || setns(fd, CLONE_NEWPID) < 0) fail("namespace", errno, S.ns[NS_PID]);
    close(fd);
  }

  /* On a cgroup v2 hierarchy the child is born in its cgroup (clone3 CLONE_INTO_CGROUP): no
   * migration, so no wait on cgroup_threadgroup_rwsem for that hierarchy (FACTS.md). v1
   * hierarchies still get the PID written below. */
  int v2 = -1, v2fd = -1;
  for (int i = 0; i < S.ncgroups && v2 < 0; i++) {
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s", S.cgroups[i]);
    char *slash = strrchr(dir, '/');
    if (!slash) continue;
    *slash = 0;
    struct statfs sf;
    if (statfs(dir, &sf) == 0 && sf.f_type == 0x63677270 /* CGROUP2_SUPER_MAGIC */ &&
        (v2fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0)
      v2 = i;
  }
  pid_t pid = -1;
  if (v2fd >= 0) {
    struct clone_args ca = { .flags = (unsigned)flags | CLONE_INTO_CGROUP, .exit_signal = SIGCHLD, .cgroup = (unsigned)v2fd };
    pid = syscall(SYS_clone3, &ca, sizeof ca);
    /* An older kernel (ENOSYS, E2BIG) or a cgroup that refuses it: write the PID like the others. */
    if (pid < 0) v2 = -1;
    /* Linux 6.x: a child cloned INTO a cgroup that was ever cgroup.kill'ed (CgroupDriver.killAll)
     * gets SIGKILL at fork, because cgroup_post_fork compares the target's kill_seq with the one
     * read from OUR cgroup. The signal is queued before clone3 returns, so it shows here: reap
     * that child and place a plain clone by writing its PID (migration has no such check). */
    else if (pid > 0 && doomed_child(pid)) {
      while (waitpid(pid, NULL, 0) < 0 && errno == EINTR) {}
      pid = -1;
      v2 = -1;
    }
    close(v2fd);
  }
  /* clone() without CLONE_VM and without a stack behaves like fork(), with namespace flags. */
  if (pid < 0) pid = syscall(SYS_clone, flags | SIGCHLD, 0, 0, 0, 0);
  if (pid < 0) fail("clone", errno, "");
  if (pid == 0) {
    close(sync[1]); close(errp[0]); close(out[0]); close(err[0]);
    if (cons[0] >= 0) close(cons[0]);
    if (in[1] >= 0) close(in[1]);
    struct child_args a = { sync[0], errp[1], out[1], err[1], in[0], cons[1] };
    run_child(&a);
  }
  close(sync[0]); close(errp[1]); close(out[1]); close(err[1]);
  if (in[0] >= 0) close(in[0]); /* in[1] stays open for the container's life: stdin never ends */
  /* Ours closed, so a child that dies before sending the console gives EOF, not a hang. */
  if (cons[1] >= 0) close(cons[1]);
  /* Without a tty the container reads the caller's stdin itself: our copy must not keep it open. */
  if (S.stdin_fd >= 0 && !S.tty) { close(S.stdin_fd); S.stdin_fd = -1; }

  /* Place the child in its cgroups while it waits, then release it. */
  char s[32];
  snprintf(s, sizeof s, "%d", pid);
  for (int i = 0; i < S.ncgroups; i++)
    if (i != v2 && write_file(S.cgroups[i], s) < 0) {
      int e = errno;
      kill(pid, SIGKILL); waitpid(pid, NULL, 0);
      fail("cgroup", e, S.cgroups[i]);
    }
  long oom_base = oom_kills();
  say("pid %d", pid);
  if (write(sync[1], "x", 1) != 1) fail("sync", errno, "");
  close(sync[1]);

  /* The error pipe is close-on-exec: EOF with nothing read means execve succeeded. */
  char msg[PATH_MAX + 128];
  size_t mlen = 0;
  for (;;) {
    ssize_t r = read(errp[0], msg + mlen, sizeof msg - 1 - mlen);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    mlen += r;
    msg[mlen] = 0;
    /* `created` (gate reached) may come first; pass it on and keep reading. */
    if (mlen >= 8 && !strncmp(msg, "created\n", 8)) {
      say("created");
      memmove(msg, msg + 8, mlen - 8);
      mlen -= 8;
    }
  }
  close(errp[0]);
  if (mlen) {
    msg[mlen] = 0;
    char *nl = strchr(msg, '\n');
    if (nl) *nl = 0;
    say("%s", msg);
    waitpid(pid, NULL, 0);
    return 1;
  }
  /* execve succeeded, so the console was sent before it (console_to_waiter); a child killed on
   * the way leaves EOF instead. */
  if (cons[0] >= 0) {
    master = console_from_child(cons[0]);
    int e = errno;
    close(cons[0]);
    if (master < 0) {
      kill(pid, SIGKILL);
      waitpid(pid, NULL, 0);
      say("error tty %d console socket", e);
      return 1;
    }
  }
  say("ready");

  /* Waiter: pump output until PID 1 is gone and the pipes are drained. */
  int pfd = syscall(SYS_pidfd_open, pid, 0);
  static struct stream so, se;
  so.fd = master >= 0 ? master : out[0]; so.name = "stdout";
  so.copy_fd = master >= 0 ? S.tty_out : -1; se.copy_fd = -1;
  if (master >= 0) close(out[0]);
  se.fd = err[0]; se.name = "stderr";
  int open_o = 1, open_e = 1, exited = 0, status = 0;
  /* tty + the caller's stdin (`run -it`): its keystrokes go into the pty, as exec -it does. */
  int open_i = S.stdin_fd >= 0 && master >= 0;
  while (open_o || open_e || !exited) {
    struct pollfd p[4] = { { open_o ? so.fd : -1, POLLIN, 0 }, { open_e ? se.fd : -1, POLLIN, 0 },
                           { exited ? -1 : pfd, POLLIN, 0 }, { open_i && !exited ? S.stdin_fd : -1, POLLIN, 0 } };
    /* After PID 1 is gone, drain what is buffered but do not wait for stray holders of the
     * pipes (with pid: host nothing kills the rest): quiet for 100 ms ends the container. */
    int n = poll(p, 4, exited ? 100 : -1);
    if (n < 0) { if (errno == EINTR) continue; break; }
    if (n == 0) break;
    if (p[3].revents) {
      char ib[4096];
      ssize_t r = read(S.stdin_fd, ib, sizeof ib);
      if (r > 0) { for (ssize_t off = 0; off < r;) { ssize_t w = write(master, ib + off, r - off); if (w < 0 && errno == EINTR) continue; if (w <= 0) break; off += w; } }
      else if (r == 0 || (errno != EAGAIN && errno != EINTR)) {
        /* The caller's stdin ended: ^D, the terminal's end of input, as exec -it does. */
        char eof = 4; ssize_t w = write(master, &eof, 1); (void)w;
        open_i = 0; close(S.stdin_fd); S.stdin_fd = -1;
      }
    }
    if (p[0].revents) open_o = pump(&so);
    if (p[1].revents) open_e = pump(&se);
    if (p[2].revents) {
      if (waitpid(pid, &status, 0) == pid) exited = 1;
      /* When PID 1 of a PID namespace dies the kernel kills the rest, so the pipes close soon. */
    }
    if (pfd < 0 && !open_o && !open_e && !exited) { if (waitpid(pid, &status, 0) == pid) exited = 1; }
  }
  int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  int sig = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
  int oom = oom_kills() > oom_base;
  write_exit(code, sig, oom);
  say("exit %d %d", code, sig);
  return 0;
}

/* --------------------------------------------------------------- exec ---- */

static volatile sig_atomic_t winch = 1;
static void on_winch(int sig) { (void)sig; winch = 1; }

/*
 * exec -it: our stdin (raw, when it is a terminal) → pty master → our stdout, window size
 * followed, until the process has exited and the pty is drained.
 */
static void relay_pty(int master, pid_t pid)
{
  struct termios saved;
  int raw = isatty(0) && tcgetattr(0, &saved) == 0;
  if (raw) {
    struct termios t = saved;
    cfmakeraw(&t);
    tcsetattr(0, TCSANOW, &t);
  }
  signal(SIGWINCH, on_winch);
  int pfd = syscall(SYS_pidfd_open, pid, 0);
  int in_open = 1;
  char buf[8192];
  for (;;) {
    if (winch && isatty(0)) {
      struct winsize ws;
      if (ioctl(0, TIOCGWINSZ, &ws) == 0) ioctl(master, TIOCSWINSZ, &ws);
      winch = 0;
    }
    struct pollfd p[3] = { { in_open ? 0 : -1, POLLIN, 0 }, { master, POLLIN, 0 }, { pfd, POLLIN, 0 } };
    if (poll(p, 3, -1) < 0) { if (errno == EINTR) continue; break; }
    if (p[1].revents) {
      ssize_t n = read(master, buf, sizeof buf);
      if (n <= 0) break; /* EIO: every slave fd is closed */
      for (ssize_t off = 0; off < n;) { ssize_t w = write(1, buf + off, n - off); if (w <= 0) break; off += w; }
    }
    if (in_open && p[0].revents) {
      ssize_t n = read(0, buf, sizeof buf);
      if (n <= 0) { in_open = 0; char eof = 4; ssize_t w = write(master, &eof, 1); (void)w; } /* ^D for a closed stdin */
      else for (ssize_t off = 0; off < n;) { ssize_t w = write(master, buf + off, n - off); if (w <= 0) break; off += w; }
    }
    if (p[2].revents && !(p[1].revents & POLLIN)) break;
  }
  if (raw) tcsetattr(0, TCSANOW, &saved);
  close(master);
  if (pfd >= 0) close(pfd);
}

static int cmd_exec(void)
{
  /* Open every namespace first: after setns(mnt) the host's /proc/PID is out of sight. */
  static const int order[6] = { NS_CGROUP, NS_IPC, NS_UTS, NS_NET, NS_PID, NS_MOUNT };
  int fds[6];
  char p[64];
  for (int i = 0; i < 6; i++) {
    snprintf(p, sizeof p, "/proc/%d/ns/%s", S.exec_pid, ns_names[order[i]]);
    fds[i] = open(p, O_RDONLY | O_CLOEXEC);
    if (fds[i] < 0) fail("namespace", errno, p);
  }
  /* Join the container's cgroup too: nsenter does not, and the process would escape its limits. */
  join_cgroups(getpid(), 0);
  for (int i = 0; i < 6; i++) {
    /* Same namespace as ours (e.g. network_mode: host) → setns is a harmless no-op, but EINVAL
     * for some kinds; skip those by comparing inode numbers. */
    struct stat a, b;
    char self[64];
    snprintf(self, sizeof self, "/proc/self/ns/%s", ns_names[order[i]]);
    if (fstat(fds[i], &a) == 0 && stat(self, &b) == 0 && a.st_ino == b.st_ino) { close(fds[i]); continue; }
    if (setns(fds[i], ns_flags[order[i]]) < 0) fail("namespace", errno, ns_names[order[i]]);
    close(fds[i]);
  }
  int errp[2];
  if (pipe2(errp, O_CLOEXEC) < 0) fail("pipe", errno, "");
  /* exec -t: a pty from the container's own devpts (we are in its mount namespace now). */
  char pty[64] = "";
  int master = -1;
  if (S.tty && (master = open_pty("/dev/ptmx", pty, sizeof pty)) < 0) fail("tty", errno, "/dev/ptmx");
  /* setns(CLONE_NEWPID) only applies to children: fork so the process is inside the PID namespace. */
  pid_t pid = fork();
  if (pid < 0) fail("fork", errno, "");
  if (pid == 0) {
    close(errp[0]);
    errpipe = errp[1];
    reset_signals();
    prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
    if (proto >= 0) close(proto);
    if (master >= 0 && attach_pty(pty) < 0) child_fail("tty", errno, pty);
    finalize_and_exec();
  }
  close(errp[1]);
  if (master >= 0) relay_pty(master, pid);
  /* Let signals meant for the exec'd process reach it, not us. */
  signal(SIGINT, SIG_IGN); signal(SIGQUIT, SIG_IGN);
  char msg[PATH_MAX + 128];
  ssize_t n = 0, r;
  while ((r = read(errp[0], msg + n, sizeof msg - 1 - n)) > 0) n += r;
  close(errp[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
  if (n > 0) {
    msg[n] = 0;
    char *nl = strchr(msg, '\n');
    if (nl) *nl = 0;
    say("%s", msg);
    return 127;
  }
  int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  int sig = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
  say("exit %d %d", code, sig);
  return code;
}

int main(int argc, char **argv)
{
  /* An optional LABEL (the container dir) only makes the waiter findable in `ps`. */
  if (argc < 3 || argc > 4 || (strcmp(argv[1], "run") && strcmp(argv[1], "exec"))) {
    fprintf(stderr, "usage: %s run|exec SPECFILE [LABEL]\n", argv[0]);
    return 2;
  }
  /* Nothing above fd 6 is ours (5 and 6 only when the spec says so): an fd our parent leaked without O_CLOEXEC must not reach the
   * container (close_range, Linux 5.9). */
  syscall(SYS_close_range, 7, ~0U, 0);
  /* The protocol socket is optional (a hand-run helper has none). */
  if (fcntl(PROTO_FD, F_GETFD) >= 0) { proto = PROTO_FD; fcntl(proto, F_SETFD, FD_CLOEXEC); }
  signal(SIGPIPE, SIG_IGN);
  parse_spec(argv[2]);
  /* fds 5 and 6 are ours only when the spec names them (`stdinfd`, `ttyout`). */
  if (S.stdin_fd != 5) close(5);
  if (S.tty_out != 6) close(6);
  if (!strcmp(argv[1], "exec")) return cmd_exec();
  /* The waiter outlives its supervisor: its own session, so no terminal hangup reaches it. */
  setsid();
  /* …and no hold on the directory it was started from (it may live for months). */
  if (chdir("/") < 0) fail("chdir", errno, "/");
  return cmd_run();
}
