/* Test probe: install a seccomp BPF program read from a file, then exec a command.
 * Usage: seccomp-exec FILTER.bin CMD [ARGS...]
 * Stands in for the launch helper's last steps (no_new_privs, seccomp, execve) so the
 * compiler's output is checked by the real kernel. */
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc < 3) { fprintf(stderr, "usage: %s FILTER CMD...\n", argv[0]); return 2; }
  static unsigned char buf[4096 * 8];
  int fd = open(argv[1], O_RDONLY);
  if (fd < 0) { perror("open filter"); return 2; }
  ssize_t n = read(fd, buf, sizeof buf);
  close(fd);
  if (n <= 0 || n % 8) { fprintf(stderr, "bad filter size %zd\n", n); return 2; }
  struct sock_fprog prog = { .len = (unsigned short)(n / 8), .filter = (struct sock_filter *)buf };
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)) { perror("no_new_privs"); return 2; }
  if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog)) { perror("seccomp"); return 2; }
  execvp(argv[2], argv + 2);
  fprintf(stderr, "exec %s: %s\n", argv[2], strerror(errno));
  return 127;
}
