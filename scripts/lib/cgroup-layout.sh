# Detection of the host's cgroup layout, sourced by setup-host.sh and by its own test.
#
# cgroupfs (like procfs) reports every file's size as 0, so `[ -s FILE ]` is false even when the
# file has content: a controller list must be read, never stat'ed (MACHINE-NOTES.md).

# controllers_on_cgroup2 FILE: prints the controllers listed in a cgroup2 `cgroup.controllers`
# file, one per line; nothing when the file is absent or empty.
controllers_on_cgroup2() {
  local file=$1 list
  [ -r "$file" ] || return 0
  list=$(cat "$file" 2>/dev/null) || return 0
  for c in $list; do printf '%s\n' "$c"; done
}

# v1_hierarchy_mounted NAME: true when /sys/fs/cgroup/NAME is a mount point.
v1_hierarchy_mounted() {
  grep -q " /sys/fs/cgroup/$1 " /proc/self/mountinfo
}
