/*
 * berth-spawn.node: starts programs for berthd with vfork(2) and execve(2) on libuv's thread
 * pool, as a Node-API addon. Node's child_process (libuv 1.46) forks berthd on its main thread and waits
 * there until the child has exec'd: a fork copies the page tables of berthd's whole heap (the
 * more containers, the more), and on a loaded machine the wait for the child to be scheduled is
 * longer still. A CPU profile of 100 `docker run -d` from 10 clients spent a third of berthd's
 * main thread in spawn. vfork shares berthd's memory with the child until it execs: no page
 * tables are copied, and the thread that waits for the exec is a pool thread, not the event
 * loop. (Not posix_spawn(3): glibc's leaves its internal signals 32 and 33 ignored in the child,
 * and so in every container process under it.)
 *
 * Built by scripts/setup-host.sh (gcc, node's headers; no node-gyp):
 *   gcc -O2 -Wall -shared -fPIC -I/usr/include/node -o berth-spawn.node native/spawn-addon.c
 *
 * JavaScript (src/host/spawn.ts):
 *   socketpair(): [number, number]         two connected AF_UNIX stream sockets, close-on-exec
 *   pipe(): [number, number]               a pipe's read and write ends, close-on-exec: a child's
 *                                          stdout and stderr, which a program may open again by
 *                                          name (`> /dev/stdout`), which a socket refuses (ENXIO)
 *   spawn(file, argv, envp, fds, cwd, setsid): Promise<number>
 *       fds[i] is the parent's descriptor that becomes the child's descriptor i (-1: /dev/null);
 *       the child gets default signal dispositions and an empty signal mask (as libuv's), its
 *       own session if setsid. file without a slash is looked up in PATH. Resolves with the
 *       PID; a failure to exec rejects (code: ENOENT…).
 *   tryWait(pid): null | [code, signal]    waitpid(pid, WNOHANG): null while it runs
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <node_api.h>
#include <signal.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include "napi-common.h"

typedef struct {
  napi_async_work work;
  napi_deferred deferred;
  char *file, *cwd;
  char **argv, **envp;
  int *fds;
  int nfds;
  int setsid;
  pid_t pid;
  int err;
} spawn_t;

static void free_strv(char **v) {
  if (!v) return;
  for (char **p = v; *p; p++) free(*p);
  free(v);
}

static void free_spawn(spawn_t *s) {
  if (!s) return;
  free(s->file);
  free(s->cwd);
  free_strv(s->argv);
  free_strv(s->envp);
  free(s->fds);
  free(s);
}

/* The kernel's struct sigaction (rt_sigaction(2)): glibc's sigaction() refuses its own
 * internal signals (32, 33), which it leaves ignored in a child of posix_spawn; a child here
 * starts with every disposition at its default, as child_process's do. */
struct k_sigaction {
  void (*handler)(int);
  unsigned long flags;
  void (*restorer)(void);
  uint64_t mask;
};

/* file if it names a path, else the first executable file/PATH dir (searched before vfork:
 * the child only calls execve). Returns 0 or an errno. */
static int resolve(const char *file, char *out, size_t size) {
  if (strchr(file, '/')) {
    snprintf(out, size, "%s", file);
    return 0;
  }
  const char *p = getenv("PATH");
  if (!p || !*p) p = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  int err = ENOENT;
  while (*p) {
    const char *end = strchr(p, ':');
    size_t n = end ? (size_t)(end - p) : strlen(p);
    snprintf(out, size, "%.*s/%s", (int)n, n ? p : ".", file);
    if (access(out, X_OK) == 0) return 0;
    if (errno == EACCES) err = EACCES;
    p += n + (end ? 1 : 0);
  }
  return err;
}

static void execute(napi_env env, void *p) {
  (void)env;
  spawn_t *s = p;
  char exe[4096];
  int moved[64];
  int nmoved = 0;
  s->err = resolve(s->file, exe, sizeof exe);
  /* A source below nfds could be overwritten by an earlier dup2 onto it: move it up first. */
  for (int i = 0; i < s->nfds && s->err == 0; i++) {
    if (s->fds[i] >= 0 && s->fds[i] < s->nfds) {
      int up = fcntl(s->fds[i], F_DUPFD_CLOEXEC, s->nfds);
      if (up < 0) s->err = errno;
      else s->fds[i] = moved[nmoved++] = up;
    }
  }
  int devnull = -1;
  for (int i = 0; i < s->nfds && s->err == 0; i++) {
    if (s->fds[i] < 0 && devnull < 0 && (devnull = open("/dev/null", O_RDWR | O_CLOEXEC)) < 0) s->err = errno;
  }
  if (s->err == 0) {
    /* Nothing of berthd's may run in the child, which shares its memory until it execs: every
     * signal stays blocked until the child has set them all to their defaults. */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    volatile int child_err = 0;
    pid_t pid = vfork();
    if (pid == 0) {
      struct k_sigaction dfl = {SIG_DFL, 0, NULL, 0};
      for (int sig = 1; sig < 65; sig++) {
        if (sig != SIGKILL && sig != SIGSTOP) syscall(SYS_rt_sigaction, sig, &dfl, NULL, sizeof dfl.mask);
      }
      if (s->setsid && setsid() < 0) goto fail;
      for (int i = 0; i < s->nfds; i++) {
        int from = s->fds[i] >= 0 ? s->fds[i] : devnull;
        /* dup2 onto itself would keep close-on-exec: clear it instead. */
        if (from == i ? fcntl(i, F_SETFD, 0) < 0 : dup2(from, i) < 0) goto fail;
      }
      if (s->cwd && chdir(s->cwd) < 0) goto fail;
      uint64_t none = 0;
      syscall(SYS_rt_sigprocmask, SIG_SETMASK, &none, NULL, sizeof none);
      execve(exe, s->argv, s->envp);
    fail:
      child_err = errno;
      _exit(127);
    }
    int e = errno;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (pid < 0) {
      s->err = e;
    } else if (child_err) {
      /* It never ran the program: collect it here, the caller hears the reason. */
      int st;
      while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
      }
      s->err = child_err;
    } else {
      s->pid = pid;
    }
  }
  if (devnull >= 0) close(devnull);
  for (int i = 0; i < nmoved; i++) close(moved[i]);
}

static void complete(napi_env env, napi_status status, void *p) {
  spawn_t *s = p;
  if (status == napi_ok && s->err == 0) {
    napi_value pid;
    napi_create_int32(env, s->pid, &pid);
    napi_resolve_deferred(env, s->deferred, pid);
  } else {
    int e = status == napi_ok ? s->err : ECANCELED;
    char text[4200];
    snprintf(text, sizeof text, "spawn %s %s", s->file, strerror(e));
    /* child_process's errors carry a negative errno: so do these. */
    napi_reject_deferred(env, s->deferred, napi_errno_error(env, e, text, -e));
  }
  napi_delete_async_work(env, s->work);
  free_spawn(s);
}

/* A NULL-terminated array of the strings in a JS array; NULL if it is not one. */
static char **strv(napi_env env, napi_value arr) {
  uint32_t n;
  if (napi_get_array_length(env, arr, &n) != napi_ok) return NULL;
  char **v = calloc(n + 1, sizeof *v);
  for (uint32_t i = 0; v && i < n; i++) {
    napi_value e;
    napi_get_element(env, arr, i, &e);
    if (!(v[i] = napi_string_dup(env, e))) {
      free_strv(v);
      return NULL;
    }
  }
  return v;
}

static napi_value js_spawn(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value a[6];
  napi_get_cb_info(env, info, &argc, a, NULL, NULL);
  spawn_t *s = calloc(1, sizeof *s);
  int ok = argc == 6 && s;
  uint32_t nfds = 0;
  if (ok) ok = (s->file = napi_string_dup(env, a[0])) && (s->argv = strv(env, a[1])) && (s->envp = strv(env, a[2]));
  if (ok) ok = napi_get_array_length(env, a[3], &nfds) == napi_ok && nfds <= 64;
  if (ok) {
    s->nfds = (int)nfds;
    s->fds = calloc(nfds + 1, sizeof *s->fds);
    for (uint32_t i = 0; i < nfds && ok; i++) {
      napi_value e;
      napi_get_element(env, a[3], i, &e);
      ok = napi_get_value_int32(env, e, &s->fds[i]) == napi_ok;
    }
  }
  if (ok) {
    napi_valuetype t;
    napi_typeof(env, a[4], &t);
    if (t == napi_string) ok = (s->cwd = napi_string_dup(env, a[4])) != NULL;
    bool b = false;
    ok = ok && napi_get_value_bool(env, a[5], &b) == napi_ok;
    s->setsid = b;
  }
  if (!ok) {
    free_spawn(s);
    napi_throw_type_error(env, NULL, "spawn(file: string, argv: string[], envp: string[], fds: number[], cwd: string|null, setsid: boolean)");
    return NULL;
  }
  napi_value promise, name;
  napi_create_promise(env, &s->deferred, &promise);
  napi_create_string_utf8(env, "berth-spawn", NAPI_AUTO_LENGTH, &name);
  napi_create_async_work(env, NULL, name, execute, complete, s, &s->work);
  napi_queue_async_work(env, s->work);
  return promise;
}

static napi_value fd_pair(napi_env env, const int sv[2]) {
  napi_value arr, x, y;
  napi_create_array_with_length(env, 2, &arr);
  napi_create_int32(env, sv[0], &x);
  napi_create_int32(env, sv[1], &y);
  napi_set_element(env, arr, 0, x);
  napi_set_element(env, arr, 1, y);
  return arr;
}

static napi_value js_socketpair(napi_env env, napi_callback_info info) {
  (void)info;
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
    napi_throw_error(env, errno_name(errno), strerror(errno));
    return NULL;
  }
  return fd_pair(env, sv);
}

static napi_value js_pipe(napi_env env, napi_callback_info info) {
  (void)info;
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    napi_throw_error(env, errno_name(errno), strerror(errno));
    return NULL;
  }
  return fd_pair(env, fds);
}

static napi_value js_try_wait(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value a[1], out;
  int32_t pid = 0;
  napi_get_cb_info(env, info, &argc, a, NULL, NULL);
  if (argc < 1 || napi_get_value_int32(env, a[0], &pid) != napi_ok || pid <= 0) {
    napi_throw_type_error(env, NULL, "tryWait(pid: number)");
    return NULL;
  }
  int st = 0;
  pid_t r;
  do r = waitpid(pid, &st, WNOHANG);
  while (r < 0 && errno == EINTR);
  if (r == 0) {
    napi_get_null(env, &out);
    return out;
  }
  napi_value code, sig;
  napi_create_array_with_length(env, 2, &out);
  if (r < 0) {
    /* ECHILD: reaped elsewhere or not ours; report it as gone with an unknown status. */
    napi_create_int32(env, -1, &code);
    napi_create_int32(env, 0, &sig);
  } else {
    napi_create_int32(env, WIFEXITED(st) ? WEXITSTATUS(st) : -1, &code);
    napi_create_int32(env, WIFSIGNALED(st) ? WTERMSIG(st) : 0, &sig);
  }
  napi_set_element(env, out, 0, code);
  napi_set_element(env, out, 1, sig);
  return out;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
    {"spawn", NULL, js_spawn, NULL, NULL, NULL, napi_enumerable, NULL},
    {"socketpair", NULL, js_socketpair, NULL, NULL, NULL, napi_enumerable, NULL},
    {"pipe", NULL, js_pipe, NULL, NULL, NULL, napi_enumerable, NULL},
    {"tryWait", NULL, js_try_wait, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
