# The host programs berthd runs for one `run --rm`, each timed alone and untraced with hyperfine:
# `crun create`, `crun start`, `crun delete` on a bundle with berth's own spec (copied from a
# running berth container), the same spec's `crun run`, and `mount -t overlay` / `umount` of
# an overlay like berth's. hyperfine runs under `tini -s`, a child subreaper, because the
# container process of `crun create` outlives crun and PID 1 here reaps orphans late.
# shellcheck shell=bash

# capture_berth_bundle: starts one berth container, turns its config.json into a stand-alone
# bundle ($STEPS_BUNDLE), removes the container. The container is on berthd's default bridge, so
# its spec joins an existing network namespace by path; the bundle joins one that a process of
# the bench holds ($STEPS_NETNS_PID, stopped by stop_steps_netns and by the clean-up).
STEPS_BUNDLE= STEPS_STATE= STEPS_NETNS_PID=
capture_berth_bundle() {
  local dir=$BENCH_TMP/steps cid
  STEPS_BUNDLE=$dir/bundle STEPS_STATE=$dir/state
  mkdir -p "$dir/rootfs" "$STEPS_STATE"
  tar -C "$dir/rootfs" -xf "$BUSYBOX_TAR"
  unshare --net sleep 3600 </dev/null >/dev/null 2>&1 &
  STEPS_NETNS_PID=$!
  cid=$("$DOCKER_CLI" -H "unix://$BERTH_SOCK" run -d busybox sleep 600)
  node "$REPO/dist/bench/bundle-from-spec.js" --config "$BERTH_EXEC/c/$cid/config.json" --rootfs "$dir/rootfs" \
    --bundle "$STEPS_BUNDLE" --cgroup "$CG_PREFIX-crun/steps" --copy-under "$BERTH_DATA" \
    --netns "/proc/$STEPS_NETNS_PID/ns/net" -- true
  "$DOCKER_CLI" -H "unix://$BERTH_SOCK" rm -f "$cid" >/dev/null
}
stop_steps_netns() {
  [ -z "$STEPS_NETNS_PID" ] || stop_pid "$STEPS_NETNS_PID" 5
  STEPS_NETNS_PID=
}

time_runtime_steps() {
  local out=$1 c="crun --root $STEPS_STATE" id=bench-step dir=$BENCH_TMP/steps
  local lower=$dir/rootfs upper=$dir/ov/upper work=$dir/ov/work mnt=$dir/ov/merged
  mkdir -p "$upper" "$work" "$mnt"
  local ovl="lowerdir=$lower,upperdir=$upper,workdir=$work"
  local reset="$c delete -f $id >/dev/null 2>&1; true"
  # hyperfine pairs the n-th --prepare with the n-th command.
  local args=()
  add_step() { args+=(--prepare "bash -c '$3'" -n "$1" "$2"); }
  add_step crun-run-berth-spec "$c run --bundle $STEPS_BUNDLE $id" "$reset"
  add_step crun-create "$c create --bundle $STEPS_BUNDLE $id" "$reset"
  add_step crun-start "$c start $id" "$reset; $c create --bundle $STEPS_BUNDLE $id"
  add_step crun-delete "$c delete $id" "$reset; $c create --bundle $STEPS_BUNDLE $id && $c start $id && sleep 0.05"
  add_step mount-overlay "mount -t overlay overlay -o $ovl $mnt" "umount $mnt 2>/dev/null; true"
  add_step umount "umount $mnt" "mountpoint -q $mnt || mount -t overlay overlay -o $ovl $mnt"
  "${CLEAN_ENV[@]}" tini -s -- hyperfine -N --style basic --warmup "$WARMUP" --runs "$RUNS" --export-json "$out" \
    "${args[@]}" 2>&1 | tee "$OUT/hyperfine-steps.txt" >&2
  umount "$mnt" 2>/dev/null || true
  "${CLEAN_ENV[@]}" $c delete -f "$id" >/dev/null 2>&1 || true
  stop_steps_netns
}
