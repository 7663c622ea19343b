#!/usr/bin/env bash
# The benchmark of issue 7, one command: builds what it needs, then runs BenchMain, which starts the
# dev Strapi (seeded), S3 in process, measures, writes bench/RESULTS.md, and stops what it started.
#
#   bench/run.sh                         # the full run: 100 000 extra responses (about 10-15 min)
#   BENCH_SEED=20000 bench/run.sh        # a quick development run
#   BENCH_PROFILE=large bench/run.sh     # issue 15: 100 000 and 1 000 000 extra rows, bench/RESULTS-large.md
#                                        # (about 70 min, 45 on a quiet machine; see bench/README.md)
#   BENCH_PROFILE=large BENCH_LARGE_SIZES=20000,60000 bench/run.sh   # a quick check of the large profile
#   BENCH_PROFILE=storm bench/run.sh     # issue 23: the storm against the local run, two phases of
#                                        # BENCH_STORM_SECONDS (120) each; its section of bench/RESULTS.md
#
# Other knobs (environment): BENCH_RUNS_SMALL (3), BENCH_RUNS_LARGE (3), BENCH_RUNS_COLD (5),
# BENCH_OUT (bench/RESULTS.md), BENCH_JAVA_HOME (a JDK 21+; found by itself otherwise),
# BENCH_SKIP_BUILD=1 (reuse the last build).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PROFILE="${BENCH_PROFILE:-default}"
case "$PROFILE" in
  default) COMMAND="bench/run.sh${BENCH_SEED:+ (BENCH_SEED=$BENCH_SEED)}" ;;
  large)
    COMMAND="BENCH_PROFILE=large"
    for knob in BENCH_LARGE_SIZES BENCH_LARGE_RUNS BENCH_LARGE_PARALLELISMS BENCH_LARGE_FLOOR_CUT BENCH_LARGE_EXPORT_JVM \
                BENCH_LARGE_HEAP_FORMATS BENCH_LARGE_TMP_SAMPLE_MS; do
      [[ -n "${!knob:-}" ]] && COMMAND="$COMMAND $knob=\"${!knob}\""
    done
    COMMAND="$COMMAND bench/run.sh" ;;
  storm) COMMAND="BENCH_PROFILE=storm${BENCH_STORM_SECONDS:+ BENCH_STORM_SECONDS=$BENCH_STORM_SECONDS} bench/run.sh" ;;
  *) echo "bench/run.sh: unknown BENCH_PROFILE=$PROFILE (default, large or storm)" >&2; exit 1 ;;
esac

# A JDK 21 or newer (the Lambda runtime is java21; Maven may run on an older default java).
java_major() { # the major version of the JDK at $1, or 0
  local release="$1/release"
  [[ -f "$release" ]] || { echo 0; return; }
  sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$release"
}
pick_java() {
  local candidate best="" best_major=0 major
  for candidate in "${BENCH_JAVA_HOME:-}" "${JAVA_HOME:-}" /usr/lib/jvm/*; do
    [[ -n "$candidate" && -x "$candidate/bin/java" ]] || continue
    major="$(java_major "$candidate")"
    [[ "$major" -ge 21 ]] || continue
    if [[ -n "${BENCH_JAVA_HOME:-}" && "$candidate" == "$BENCH_JAVA_HOME" ]]; then echo "$candidate"; return; fi
    # prefer 21 (the Lambda runtime), else the newest
    if [[ "$major" -eq 21 ]]; then echo "$candidate"; return; fi
    if [[ "$major" -gt "$best_major" ]]; then best="$candidate"; best_major="$major"; fi
  done
  [[ -n "$best" ]] || { echo "bench/run.sh: no JDK 21+ found (set BENCH_JAVA_HOME)" >&2; exit 1; }
  echo "$best"
}
JDK="$(pick_java)"

if [[ "${BENCH_SKIP_BUILD:-0}" != 1 ]]; then
  echo "[bench] building (bench and the modules it depends on; tests skipped) ..."
  # install, so the benchmark JVM's classpath (from ~/.m2) holds exactly this build.
  mvn -q -B -Pbench -pl bench -am -Dmaven.test.skip=true install
fi

# Each function's classpath as Lambda gives it (as `sam build` lays it out, which the modules
# reproduce in target/dependency): the function's jar and its own lib/, then the layer (the shared
# jar and its lib/, /opt/java/lib in Lambda).
module_jar() { ls "$ROOT/$1"/target/*.jar | grep -v -e '-sources' -e '-tests' | head -1; }
lambda_classpath() { # module folder -> classpath
  local cp jar
  cp="$(module_jar "$1")"
  for jar in "$ROOT/$1"/target/dependency/*.jar; do [[ -e "$jar" ]] && cp="$cp:$jar"; done
  cp="$cp:$(module_jar layers/shared)"
  for jar in "$ROOT"/layers/shared/target/dependency/*.jar; do [[ -e "$jar" ]] && cp="$cp:$jar"; done
  echo "$cp"
}
for module in layers/shared functions/export functions/authorizer; do
  [[ -d "$ROOT/$module/target/dependency" ]] || { echo "bench/run.sh: $module/target/dependency is missing (build first)" >&2; exit 1; }
done
# A private copy of every classpath: other builds on this machine (`mvn install`, `mvn package`)
# rewrite ~/.m2 and the modules' target/ folders, and a jar replaced under a running JVM breaks it.
snapshot() { # classpath, folder -> the same classpath in that folder (order kept)
  local entry i=0 out=""
  rm -rf "$2" && mkdir -p "$2"
  IFS=: read -ra entries <<< "$1"
  for entry in "${entries[@]}"; do
    [[ -e "$entry" ]] || continue
    i=$((i + 1))
    local copy="$2/$(printf %03d "$i")-$(basename "$entry")"
    cp -r "$entry" "$copy"
    out="${out:+$out:}$copy"
  done
  echo "$out"
}
RUN="$ROOT/bench/target/run"
snapshot "$(lambda_classpath functions/export)" "$RUN/export" > bench/target/export.classpath
snapshot "$(lambda_classpath functions/authorizer)" "$RUN/authorizer" > bench/target/authorizer.classpath
BENCH_CP="$(snapshot "$ROOT/bench/target/classes:$(cat bench/target/bench.classpath)" "$RUN/bench")"
BENCH_CLASSES="${BENCH_CP%%:*}"

echo "[bench] java: $JDK"
COMMON=(-Dproject.root="$ROOT" -Dbench.logdir="$ROOT/bench/target" -Dbench.classes="$BENCH_CLASSES"
  -Dbench.cp.export="$ROOT/bench/target/export.classpath" -Dbench.cp.authorizer="$ROOT/bench/target/authorizer.classpath"
  -Dbench.command="$COMMAND")
if [[ "$PROFILE" == storm ]]; then
  # The local run: its functions run from the modules' target/ folders, as `sam build` lays them out.
  exec "$JDK/bin/java" -Xmx2g "${COMMON[@]}" \
    -Dbench.storm.seconds="${BENCH_STORM_SECONDS:-120}" \
    -Dbench.storm.seed="${BENCH_STORM_SEED:-20000}" \
    -Dbench.out="${BENCH_OUT:-$ROOT/bench/RESULTS.md}" \
    -cp "$BENCH_CP" com.onboardingexport.bench.StormMain
fi
if [[ "$PROFILE" == large ]]; then
  # The benchmark JVM holds S3Proxy, which keeps each uploaded file in memory (about 0.5 GB at 1 000 000 rows).
  exec "$JDK/bin/java" -Xmx4g "${COMMON[@]}" \
    -Dbench.large.sizes="${BENCH_LARGE_SIZES:-100000,1000000}" \
    -Dbench.large.runs="${BENCH_LARGE_RUNS:-2}" \
    -Dbench.large.parallelisms="${BENCH_LARGE_PARALLELISMS:-1,2,4,8}" \
    -Dbench.large.floor.cut="${BENCH_LARGE_FLOOR_CUT:-1.2}" \
    -Dbench.large.export.jvm="${BENCH_LARGE_EXPORT_JVM:--Xmx1536m -XX:+UseSerialGC}" \
    -Dbench.large.heap.formats="${BENCH_LARGE_HEAP_FORMATS:-csv,json}" \
    -Dbench.large.tmp.sample.ms="${BENCH_LARGE_TMP_SAMPLE_MS:-50}" \
    -Dbench.out="${BENCH_OUT:-$ROOT/bench/RESULTS-large.md}" \
    -cp "$BENCH_CP" com.onboardingexport.bench.LargeMain
fi
exec "$JDK/bin/java" -Xmx2g "${COMMON[@]}" \
  -Dbench.seed="${BENCH_SEED:-100000}" \
  -Dbench.runs.small="${BENCH_RUNS_SMALL:-3}" \
  -Dbench.runs.large="${BENCH_RUNS_LARGE:-3}" \
  -Dbench.runs.cold="${BENCH_RUNS_COLD:-5}" \
  -Dbench.out="${BENCH_OUT:-$ROOT/bench/RESULTS.md}" \
  -cp "$BENCH_CP" com.onboardingexport.bench.BenchMain
