# Sourced by the scripts: exports JAVA_HOME for a JDK 21 or newer (the newest under /usr/lib/jvm when
# JAVA_HOME is unset or too old). Debian's default java is 17, too old for Tern.
tern_java_major() { "$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p'; }
tern_select_jdk() {
  if [[ -n "${JAVA_HOME:-}" && -x "$JAVA_HOME/bin/javac" ]]; then
    local v; v="$(tern_java_major "$JAVA_HOME")"
    if [[ "$v" =~ ^[0-9]+$ ]] && (( v >= 21 )); then return; fi
  fi
  local best="" best_v=0 v d
  for d in /usr/lib/jvm/*; do
    [[ -x "$d/bin/javac" ]] || continue
    v="$(tern_java_major "$d")"
    [[ "$v" =~ ^[0-9]+$ ]] || continue
    if (( v >= 21 && v > best_v )); then best="$d"; best_v=$v; fi
  done
  if [[ -z "$best" ]]; then
    echo "Tern needs a JDK 21 or newer; none found under /usr/lib/jvm (set JAVA_HOME)." >&2
    return 1
  fi
  export JAVA_HOME="$best"
}
tern_select_jdk
export PATH="$JAVA_HOME/bin:$PATH"
