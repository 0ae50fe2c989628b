/*
 * berth-socket.node: how much of what berthd wrote to a unix socket its peer has not read yet
 * (ioctl SIOCOUTQ: an AF_UNIX stream socket counts a write against its sender until the reader
 * takes it). Node has no binding for it. berthd asks it of a hijacked attach's connection: the
 * client must have read the 101 response before the log replay follows, or a client that reads
 * the response through a buffer and then the raw socket (docker-py's attach, Python's
 * http.client) loses what came in the same read (src/host/socket-queue.ts).
 *
 * Built by scripts/setup-host.sh (gcc, node's headers; no node-gyp):
 *   gcc -O2 -Wall -shared -fPIC -I/usr/include/node -o berth-socket.node native/socket-addon.c
 *
 * JavaScript:
 *   unreadBytes(fd): number     the bytes written on fd that the peer has not read; throws with
 *                               `code` (EBADF, ENOTTY, …) when fd is no socket that can tell
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <linux/sockios.h>
#include "napi-common.h"

static napi_value js_unread_bytes(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value arg, out;
  int32_t fd;
  napi_get_cb_info(env, info, &argc, &arg, NULL, NULL);
  if (argc < 1 || napi_get_value_int32(env, arg, &fd) != napi_ok) {
    napi_throw_type_error(env, NULL, "unreadBytes(fd: number)");
    return NULL;
  }
  int queued = 0;
  if (ioctl(fd, SIOCOUTQ, &queued) != 0) {
    int e = errno;
    char text[128];
    snprintf(text, sizeof text, "ioctl SIOCOUTQ on fd %d: %s", fd, strerror(e));
    napi_throw(env, napi_errno_error(env, e, text, e));
    return NULL;
  }
  napi_create_int32(env, queued, &out);
  return out;
}

NAPI_MODULE_INIT() {
  napi_property_descriptor props[] = {
    {"unreadBytes", NULL, js_unread_bytes, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}
