/*
 * berth-mount.node: mount(2) and umount2(2) for berthd, as a Node-API addon. Node has no binding
 * for them, and running util-linux's mount/umount costs a process (2–3 ms each on this machine,
 * twice per `run --rm`); the calls themselves take a fraction of that. Each call runs on libuv's
 * thread pool (an overlay mount or a busy unmount may block), and settles a promise.
 *
 * Built by scripts/setup-host.sh (gcc, node's headers; no node-gyp):
 *   gcc -O2 -Wall -shared -fPIC -I/usr/include/node -o berth-mount.node native/mount-addon.c
 *
 * JavaScript (src/host/mounts.ts):
 *   mount(source, target, fstype, flags, data): Promise<void>
 *   mountFrom(dir, source, target, fstype, flags, data): Promise<void>
 *       the same, with relative paths in data resolved against dir (overlay's lowerdir=, upperdir=,
 *       workdir=): the kernel shows these strings as given in every read of /proc/mounts, and a
 *       runtime reads all of it at each create and exec, so short strings keep that flat
 *   umount(target, flags): Promise<void>
 *   umountNow(target, flags): void
 *       umount2 on the calling thread, for a mount whose unmount waits on no I/O (an overlay mounted
 *       volatile syncs nothing): the pool's two thread hand-offs took ~0.8 ms of a 0.3 ms call
 *       at a container's exit, when conmon and the runtime's delete want the CPUs too
 *   removeTree(path): Promise<void>
 *       rm -rf in one pool call (nftw, depth first, no symlink followed, no other file system
 *       entered): Node's recursive rm makes every lstat, readdir, unlink and rmdir a round trip
 *       through the pool, ~3 ms of berthd's main thread for each container directory removed.
 *       A missing path is no error; a mount below it makes it fail (ENOTEMPTY or EBUSY).
 *   writeFileAtomic(file, data: Buffer, mode): Promise<void>
 *       storage/atomic-file.ts's crash-safe write in one pool call: a temp file beside it
 *       (O_EXCL), write, fsync, close, rename over file, fsync of the directory; the temp file is
 *       removed on failure. In JavaScript that is eight pool round trips (0.8–0.95 ms a record
 *       alone here, 0.55–0.65 ms in one call, more while the event loop is busy), and a container
 *       record is written three or four times per `run --rm`.
 * A failure rejects with an Error whose `code` is the errno name (EBUSY, EINVAL, …) and `errno`
 * its number.
 *
 * And, because this addon is loaded in every berthd, what an idle berthd needs to give memory back
 * (src/host/memory.ts), synchronous and cheap:
 *   mallocInfo(): { arena, mmapped, inUse, free }   glibc's mallinfo2(), all arenas, bytes
 *   mallocTrim(): boolean                            malloc_trim(0): free pages back to the kernel
 *   dropPages(address, length): void                 madvise(MADV_DONTNEED) (throws on failure)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <time.h>
#include <node_api.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <malloc.h>
#include <pthread.h>
#include <sched.h>
#include <unistd.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <ftw.h>
#include <sys/stat.h>
#include "napi-common.h"

typedef struct {
  napi_async_work work;
  napi_deferred deferred;
  enum { OP_MOUNT, OP_UMOUNT, OP_REMOVE_TREE, OP_WRITE_ATOMIC } op;
  char *source, *target, *fstype, *data, *dir;
  size_t len; /* writeFileAtomic: the length of data, which may hold NULs */
  unsigned long flags;
  int err;
} call_t;

/*
 * mountFrom's thread: a working directory of its own (unshare(CLONE_FS) gives the thread its own
 * cwd, which a pool thread must not keep and berthd's other threads must not see), then the mount.
 */
static void *mount_from_dir(void *p) {
  call_t *c = p;
  if (unshare(CLONE_FS) != 0 || chdir(c->dir) != 0) {
    c->err = errno;
    return NULL;
  }
  c->err = mount(c->source, c->target, c->fstype, c->flags, c->data) == 0 ? 0 : errno;
  return NULL;
}

/* nftw's callback: directories after their contents (FTW_DEPTH); the first failure stops the walk. */
static int remove_entry(const char *p, const struct stat *st, int type, struct FTW *f) {
  (void)st;
  (void)f;
  int r = type == FTW_DP || type == FTW_DNR ? rmdir(p) : unlink(p);
  return r == 0 || errno == ENOENT ? 0 : errno;
}

/* Temp names are unique in this process: two writes of one file may run at once on the pool. */
static unsigned long temp_seq;

static int write_all(int fd, const char *buf, size_t len) {
  while (len > 0) {
    ssize_t n = write(fd, buf, len);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    buf += n;
    len -= (size_t)n;
  }
  return 0;
}

static int sync_dir(const char *dir) {
  int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return errno;
  int e = fsync(fd) == 0 ? 0 : errno;
  close(fd);
  return e;
}

static int write_file_atomic(const char *file, const char *data, size_t len, mode_t mode) {
  const char *slash = strrchr(file, '/');
  if (!slash) return EINVAL;
  size_t dirlen = slash == file ? 1 : (size_t)(slash - file);
  char *dir = strndup(file, dirlen);
  char *tmp = malloc(strlen(file) + 80);
  if (!dir || !tmp) {
    free(dir);
    free(tmp);
    return ENOMEM;
  }
  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  sprintf(tmp, "%s/.%s.%d.%lld.%lu.tmp", dir, slash + 1, (int)getpid(), (long long)now.tv_sec * 1000 + now.tv_nsec / 1000000,
          __atomic_add_fetch(&temp_seq, 1, __ATOMIC_RELAXED));
  int e = 0;
  int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) e = errno;
  if (!e) e = write_all(fd, data, len);
  if (!e && fsync(fd) != 0) e = errno;
  if (fd >= 0 && close(fd) != 0 && !e) e = errno;
  if (!e && rename(tmp, file) != 0) e = errno;
  /* A full disk (or a removed directory) must not leave temp files behind. */
  if (e && fd >= 0) unlink(tmp);
  if (!e) e = sync_dir(dir);
  free(dir);
  free(tmp);
  return e;
}

static void execute(napi_env env, void *p) {
  (void)env;
  call_t *c = p;
  if (c->op == OP_WRITE_ATOMIC) {
    c->err = write_file_atomic(c->target, c->data, c->len, (mode_t)c->flags);
    return;
  }
  if (c->op == OP_REMOVE_TREE) {
    struct stat st;
    if (lstat(c->target, &st) != 0) {
      c->err = errno == ENOENT ? 0 : errno;
      return;
    }
    int r = nftw(c->target, remove_entry, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
    c->err = r == 0 ? 0 : r > 0 ? r : errno;
    return;
  }
  if (c->op == OP_MOUNT && c->dir) {
    pthread_t t;
    c->err = pthread_create(&t, NULL, mount_from_dir, c);
    if (c->err == 0) pthread_join(t, NULL);
    return;
  }
  int r = c->op == OP_MOUNT ? mount(c->source, c->target, c->fstype, c->flags, c->data) : umount2(c->target, (int)c->flags);
  c->err = r == 0 ? 0 : errno;
}

static void complete(napi_env env, napi_status status, void *p) {
  call_t *c = p;
  if (status == napi_ok && c->err == 0) {
    napi_value undef;
    napi_get_undefined(env, &undef);
    napi_resolve_deferred(env, c->deferred, undef);
  } else {
    int e = status == napi_ok ? c->err : ECANCELED;
    static const char *whats[] = {"mount", "umount", "remove", "write"};
    char text[4200];
    snprintf(text, sizeof text, "%s %s: %s", whats[c->op], c->target, strerror(e));
    napi_reject_deferred(env, c->deferred, napi_errno_error(env, e, text, e));
  }
  napi_delete_async_work(env, c->work);
  free(c->source);
  free(c->target);
  free(c->fstype);
  free(c->data);
  free(c->dir);
  free(c);
}

/* A string argument (NULL for null/undefined), malloc'd; *ok = 0 if it is neither. */
static char *string_arg(napi_env env, napi_value v, int *ok) {
  napi_valuetype t;
  napi_typeof(env, v, &t);
  if (t == napi_null || t == napi_undefined) return NULL;
  char *s = t == napi_string ? napi_string_dup(env, v) : NULL;
  if (!s) *ok = 0;
  return s;
}

static napi_value start(napi_env env, call_t *c) {
  napi_value promise, name;
  napi_create_promise(env, &c->deferred, &promise);
  static const char *names[] = {"berth-mount", "berth-umount", "berth-remove-tree", "berth-write-atomic"};
  napi_create_string_utf8(env, names[c->op], NAPI_AUTO_LENGTH, &name);
  napi_create_async_work(env, NULL, name, execute, complete, c, &c->work);
  napi_queue_async_work(env, c->work);
  return promise;
}

/* mount(source, target, fstype, flags, data), after `dir` when mountFrom's first argument is given. */
static napi_value mount_call(napi_env env, napi_callback_info info, int from_dir) {
  size_t argc = 6;
  napi_value argv[6];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  napi_value *a = argv + from_dir;
  const char *usage = from_dir
    ? "mountFrom(dir: string, source: string|null, target: string, fstype: string|null, flags: number, data: string|null)"
    : "mount(source: string|null, target: string, fstype: string|null, flags: number, data: string|null)";
  if (argc < 5 + (size_t)from_dir) {
    napi_throw_type_error(env, NULL, usage);
    return NULL;
  }
  call_t *c = calloc(1, sizeof *c);
  int ok = 1;
  c->op = OP_MOUNT;
  if (from_dir) c->dir = string_arg(env, argv[0], &ok);
  c->source = string_arg(env, a[0], &ok);
  c->target = string_arg(env, a[1], &ok);
  c->fstype = string_arg(env, a[2], &ok);
  c->data = string_arg(env, a[4], &ok);
  double flags = 0;
  if (napi_get_value_double(env, a[3], &flags) != napi_ok) ok = 0;
  c->flags = (unsigned long)flags;
  if (!ok || !c->target || (from_dir && !c->dir)) {
    free(c->source);
    free(c->target);
    free(c->fstype);
    free(c->data);
    free(c->dir);
    free(c);
    napi_throw_type_error(env, NULL, usage);
    return NULL;
  }
  return start(env, c);
}

static napi_value js_mount(napi_env env, napi_callback_info info) {
  return mount_call(env, info, 0);
}

static napi_value js_mount_from(napi_env env, napi_callback_info info) {
  return mount_call(env, info, 1);
}

/* umount(target, flags) and removeTree(path): a path, and umount's flags. */
static napi_value path_call(napi_env env, napi_callback_info info, int op) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int is_umount = op == OP_UMOUNT;
  call_t *c = calloc(1, sizeof *c);
  c->op = op;
  int ok = argc >= (size_t)(is_umount ? 2 : 1);
  double flags = 0;
  if (ok) c->target = string_arg(env, argv[0], &ok);
  if (ok && is_umount && napi_get_value_double(env, argv[1], &flags) != napi_ok) ok = 0;
  /* A relative path would be resolved against berthd's working directory: never meant. */
  if (ok && !is_umount && c->target && c->target[0] != '/') ok = 0;
  if (!ok || !c->target) {
    free(c->target);
    free(c);
    napi_throw_type_error(env, NULL, is_umount ? "umount(target: string, flags: number)" : "removeTree(path: string), an absolute path");
    return NULL;
  }
  c->flags = (unsigned long)flags;
  return start(env, c);
}

static napi_value js_umount(napi_env env, napi_callback_info info) {
  return path_call(env, info, OP_UMOUNT);
}

static napi_value js_umount_now(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  double flags = 0;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int ok = argc >= 2;
  char *target = ok ? string_arg(env, argv[0], &ok) : NULL;
  if (ok && napi_get_value_double(env, argv[1], &flags) != napi_ok) ok = 0;
  if (!ok || !target) {
    free(target);
    napi_throw_type_error(env, NULL, "umountNow(target: string, flags: number)");
    return NULL;
  }
  if (umount2(target, (int)flags) != 0) {
    int e = errno;
    char text[4200];
    snprintf(text, sizeof text, "umount %s: %s", target, strerror(e));
    napi_throw(env, napi_errno_error(env, e, text, e));
  }
  free(target);
  return NULL;
}

static napi_value js_remove_tree(napi_env env, napi_callback_info info) {
  return path_call(env, info, OP_REMOVE_TREE);
}

static napi_value js_write_file_atomic(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  call_t *c = calloc(1, sizeof *c);
  c->op = OP_WRITE_ATOMIC;
  int ok = argc >= 3;
  bool is_buffer = false;
  void *bytes = NULL;
  uint32_t mode = 0;
  if (ok) c->target = string_arg(env, argv[0], &ok);
  if (ok && (napi_is_buffer(env, argv[1], &is_buffer) != napi_ok || !is_buffer)) ok = 0;
  if (ok && napi_get_buffer_info(env, argv[1], &bytes, &c->len) != napi_ok) ok = 0;
  if (ok && napi_get_value_uint32(env, argv[2], &mode) != napi_ok) ok = 0;
  if (ok && (!c->target || c->target[0] != '/')) ok = 0;
  /* A copy: the Buffer may change or go while the pool thread writes. */
  if (ok && !(c->data = malloc(c->len ? c->len : 1))) ok = 0;
  if (!ok) {
    free(c->target);
    free(c->data);
    free(c);
    napi_throw_type_error(env, NULL, "writeFileAtomic(file: string (absolute), data: Buffer, mode: number)");
    return NULL;
  }
  memcpy(c->data, bytes, c->len);
  c->flags = mode;
  return start(env, c);
}

static void set_number(napi_env env, napi_value obj, const char *name, double v) {
  napi_value n;
  napi_create_double(env, v, &n);
  napi_set_named_property(env, obj, name, n);
}

static napi_value js_malloc_info(napi_env env, napi_callback_info info) {
  (void)info;
  struct mallinfo2 m = mallinfo2();
  napi_value obj;
  napi_create_object(env, &obj);
  set_number(env, obj, "arena", (double)m.arena);
  set_number(env, obj, "mmapped", (double)m.hblkhd);
  set_number(env, obj, "inUse", (double)m.uordblks);
  set_number(env, obj, "free", (double)m.fordblks);
  return obj;
}

static napi_value js_malloc_trim(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value r;
  napi_get_boolean(env, malloc_trim(0) == 1, &r);
  return r;
}

static napi_value js_drop_pages(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  double addr = 0, len = 0;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 2 || napi_get_value_double(env, argv[0], &addr) != napi_ok || napi_get_value_double(env, argv[1], &len) != napi_ok) {
    napi_throw_type_error(env, NULL, "dropPages(address: number, length: number)");
    return NULL;
  }
  if (madvise((void *)(uintptr_t)addr, (size_t)len, MADV_DONTNEED) != 0) {
    napi_throw_error(env, errno_name(errno), strerror(errno));
    return NULL;
  }
  return NULL;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
    {"mount", NULL, js_mount, NULL, NULL, NULL, napi_enumerable, NULL},
    {"mountFrom", NULL, js_mount_from, NULL, NULL, NULL, napi_enumerable, NULL},
    {"umount", NULL, js_umount, NULL, NULL, NULL, napi_enumerable, NULL},
    {"umountNow", NULL, js_umount_now, NULL, NULL, NULL, napi_enumerable, NULL},
    {"removeTree", NULL, js_remove_tree, NULL, NULL, NULL, napi_enumerable, NULL},
    {"writeFileAtomic", NULL, js_write_file_atomic, NULL, NULL, NULL, napi_enumerable, NULL},
    {"mallocInfo", NULL, js_malloc_info, NULL, NULL, NULL, napi_enumerable, NULL},
    {"mallocTrim", NULL, js_malloc_trim, NULL, NULL, NULL, napi_enumerable, NULL},
    {"dropPages", NULL, js_drop_pages, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
