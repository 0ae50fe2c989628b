/*
 * berth-idmap-mount: makes ID-mapped bind mounts (mount_setattr(2) MOUNT_ATTR_IDMAP, Linux 5.12+)
 * of directories, so that image layers owned by host root show, through the mount, as owned by
 * a user namespace's root: overlayfs can then stack them (Linux 5.19+) for a container with
 * --userns-remap without copying or chowning any layer. Node has no binding for open_tree,
 * mount_setattr or move_mount; this is the smallest program that makes the calls.
 *
 * Usage: berth-idmap-mount UIDMAP GIDMAP SRC DST [SRC DST]...
 *   UIDMAP, GIDMAP: "inside:host:count[,inside:host:count]..." as in /proc/PID/uid_map
 * Each DST must be an existing directory; SRC is mounted there, ID-mapped.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef SYS_open_tree
#define SYS_open_tree 428
#endif
#ifndef SYS_move_mount
#define SYS_move_mount 429
#endif
#ifndef SYS_mount_setattr
#define SYS_mount_setattr 442
#endif
#ifndef MOUNT_ATTR_IDMAP
#define MOUNT_ATTR_IDMAP 0x00100000
struct mount_attr { uint64_t attr_set, attr_clr, propagation, userns_fd; };
#endif

static void die(const char *what, const char *arg) {
  fprintf(stderr, "berth-idmap-mount: %s %s: %s\n", what, arg ? arg : "", strerror(errno));
  exit(1);
}

/* "0:100000:65536,..." -> "0 100000 65536\n..." */
static int write_map(pid_t pid, const char *file, const char *spec) {
  char path[64], buf[4096];
  size_t n = 0;
  for (const char *p = spec; *p && n < sizeof buf - 2; p++) buf[n++] = *p == ':' ? ' ' : *p == ',' ? '\n' : *p;
  buf[n++] = '\n';
  snprintf(path, sizeof path, "/proc/%d/%s", pid, file);
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  int ok = write(fd, buf, n) == (ssize_t)n;
  close(fd);
  return ok ? 0 : -1;
}

int main(int argc, char **argv) {
  if (argc < 5 || (argc - 3) % 2) {
    fprintf(stderr, "usage: berth-idmap-mount UIDMAP GIDMAP SRC DST [SRC DST]...\n");
    return 2;
  }
  /* A user namespace that only carries the mapping: a child stopped inside it. */
  int sync[2];
  if (pipe(sync)) die("pipe", NULL);
  pid_t child = fork();
  if (child < 0) die("fork", NULL);
  if (child == 0) {
    char c;
    close(sync[1]);
    if (unshare(CLONE_NEWUSER)) _exit(1);
    /* Wait until the parent is done with our namespace (it closes the pipe). */
    while (read(sync[0], &c, 1) < 0 && errno == EINTR) {}
    _exit(0);
  }
  close(sync[0]);
  /* The child's namespace must exist before its maps are written: poll its ns link. */
  char nspath[64], self_ns[64], child_ns[64];
  snprintf(nspath, sizeof nspath, "/proc/%d/ns/user", child);
  ssize_t a = readlink("/proc/self/ns/user", self_ns, sizeof self_ns - 1);
  if (a < 0) die("readlink", "/proc/self/ns/user");
  self_ns[a] = 0;
  for (int i = 0;; i++) {
    ssize_t b = readlink(nspath, child_ns, sizeof child_ns - 1);
    if (b > 0) {
      child_ns[b] = 0;
      if (strcmp(self_ns, child_ns)) break;
    }
    if (i > 100000) { errno = ETIMEDOUT; die("waiting for the user namespace of", nspath); }
    sched_yield();
  }
  if (write_map(child, "uid_map", argv[1])) die("writing uid_map", argv[1]);
  if (write_map(child, "gid_map", argv[2])) die("writing gid_map", argv[2]);
  int userns = open(nspath, O_RDONLY | O_CLOEXEC);
  if (userns < 0) die("open", nspath);
  close(sync[1]);
  waitpid(child, NULL, 0);

  for (int i = 3; i + 1 < argc; i += 2) {
    int tree = syscall(SYS_open_tree, AT_FDCWD, argv[i], OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
    if (tree < 0) die("open_tree", argv[i]);
    struct mount_attr attr = { .attr_set = MOUNT_ATTR_IDMAP, .userns_fd = (uint64_t)userns };
    if (syscall(SYS_mount_setattr, tree, "", AT_EMPTY_PATH, &attr, sizeof attr)) die("mount_setattr", argv[i]);
    if (syscall(SYS_move_mount, tree, "", AT_FDCWD, argv[i + 1], MOVE_MOUNT_F_EMPTY_PATH)) die("move_mount to", argv[i + 1]);
    close(tree);
  }
  return 0;
}
