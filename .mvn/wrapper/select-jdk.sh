# Sourced by ./mvnw before anything else: Flyover builds with JDK 25 or newer (the FFM API and the
# class-file release it targets). Keep JAVA_HOME when it already is one; otherwise take the newest
# JDK >= 25 found in the usual install places. With none, stop with one line saying what to install.
flyover_required_java=25

flyover_java_feature() {
  # The JDK's own 'release' file names its version; fall back to asking the launcher.
  if [ -f "$1/release" ]; then
    sed -n 's/^JAVA_VERSION="\{0,1\}\([0-9][0-9]*\).*/\1/p' "$1/release" | head -n 1
  elif [ -x "$1/bin/java" ]; then
    "$1/bin/java" -version 2>&1 | sed -n 's/.*version "\([0-9][0-9]*\).*/\1/p' | head -n 1
  fi
}

flyover_is_jdk() { [ -x "$1/bin/java" ] && [ -x "$1/bin/javac" ]; }

flyover_select_jdk() {
  if [ -n "${JAVA_HOME-}" ] && flyover_is_jdk "$JAVA_HOME"; then
    v=$(flyover_java_feature "$JAVA_HOME")
    if [ -n "$v" ] && [ "$v" -ge "$flyover_required_java" ]; then return 0; fi
  fi
  best= best_v=0
  set +f # mvnw runs with globbing off
  for d in /usr/lib/jvm/* /usr/java/* /opt/java/* /opt/jdk* "$HOME"/.sdkman/candidates/java/* "$HOME"/.jdks/*; do
    [ -d "$d" ] && flyover_is_jdk "$d" || continue
    v=$(flyover_java_feature "$d")
    [ -n "$v" ] || continue
    if [ "$v" -ge "$flyover_required_java" ] && [ "$v" -gt "$best_v" ]; then best=$d best_v=$v; fi
  done
  set -f
  if [ -z "$best" ]; then
    echo "Flyover needs a JDK $flyover_required_java or newer, and none was found in JAVA_HOME or /usr/lib/jvm: install one (e.g. the temurin-25-jdk package) or point JAVA_HOME at it." >&2
    exit 1
  fi
  JAVA_HOME=$(cd "$best" && pwd -P)
  export JAVA_HOME
}

flyover_select_jdk
