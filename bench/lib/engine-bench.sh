# shellcheck shell=bash
# What every bench that starts engines loads once its arguments are read and bench_dirs made
# its directories (sourced at the top level: network.sh declares arrays): the network and engine
# helpers, the host-state record, and the clean-up that runs at its end.
# shellcheck source=network.sh
source "$REPO/bench/lib/network.sh"
# shellcheck source=engines.sh
source "$REPO/bench/lib/engines.sh"
# shellcheck source=host-state.sh
source "$REPO/bench/lib/host-state.sh"
# shellcheck source=cleanup.sh
source "$REPO/bench/lib/cleanup.sh"
# Which peers a bench started (lib/network.sh's web servers ask).
have_dockerd_engine=0 have_podman_engine=0
trap bench_cleanup EXIT
trap 'exit 130' INT TERM
