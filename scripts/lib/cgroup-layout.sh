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

# unmounted_v1_controllers CGROUPS MOUNTINFO: controllers that have a v1 hierarchy (a nonzero
# hierarchy ID in /proc/cgroups) but no cgroup mount: unmounted while it still held cgroups, the
# hierarchy lives on, invisible, and is neither v1 for crun nor back on cgroup2.
unmounted_v1_controllers() {
  local cgroups=$1 mountinfo=$2 mounted
  mounted=$(awk '{ for (i = 1; i <= NF; i++) if ($i == "-") { if ($(i + 1) == "cgroup") print $(i + 3); break } }' "$mountinfo" | tr ',' '\n')
  awk 'NR > 1 && $2 != 0 && $4 == 1 { print $1 }' "$cgroups" | while read -r c; do
    printf '%s\n' "$mounted" | grep -qx "$c" || printf '%s\n' "$c"
  done
}

# cgroup2_without_favordynmods MOUNTINFO: mount points of cgroup2 file systems whose super
# options lack favordynmods.
cgroup2_without_favordynmods() {
  awk '{ for (i = 1; i <= NF; i++) if ($i == "-") { if ($(i + 1) == "cgroup2" && ("," $(i + 3) ",") !~ /,favordynmods,/) print $5; break } }' "$1"
}
