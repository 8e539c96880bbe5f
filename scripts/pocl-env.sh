# Sourced by the scripts: gives PoCL a writable kernel cache, without which it reports no device.
cache_root=${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}
if [ -z "${POCL_CACHE_DIR:-}" ] && ! { mkdir -p "$cache_root/pocl" 2>/dev/null && [ -w "$cache_root/pocl" ]; }; then
  export POCL_CACHE_DIR=${TMPDIR:-/tmp}/pocl-cache-$(id -u)
  mkdir -p "$POCL_CACHE_DIR"
fi
