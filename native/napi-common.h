/*
 * What berth's Node-API addons (mount-addon.c, spawn-addon.c, socket-addon.c) share: reading a
 * string argument, and the Error a failed call rejects with, shaped as Node's own system errors
 * are (`code`: the errno's name, `errno`: its number).
 */
#ifndef BERTH_NAPI_COMMON_H
#define BERTH_NAPI_COMMON_H

#include <node_api.h>
#include <stdlib.h>
#include <string.h>

/* A string value as a malloc'd C string; NULL when it is not a string or memory ran out. */
static inline char *napi_string_dup(napi_env env, napi_value v) {
  size_t len;
  if (napi_get_value_string_utf8(env, v, NULL, 0, &len) != napi_ok) return NULL;
  char *s = malloc(len + 1);
  if (s) napi_get_value_string_utf8(env, v, s, len + 1, &len);
  return s;
}

/* The name of errno e (glibc 2.32+), as Node's errors name it in `code`. */
static inline const char *errno_name(int e) {
  const char *name = strerrorname_np(e);
  return name ? name : "EUNKNOWN";
}

/* An Error whose message is text, code the name of errno e, errno errno_value. */
static inline napi_value napi_errno_error(napi_env env, int e, const char *text, int errno_value) {
  napi_value msg, code, err, num;
  napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &msg);
  napi_create_string_utf8(env, errno_name(e), NAPI_AUTO_LENGTH, &code);
  napi_create_error(env, code, msg, &err);
  napi_create_int32(env, errno_value, &num);
  napi_set_named_property(env, err, "errno", num);
  return err;
}

#endif
