#!/usr/bin/env bash
# Runs onboarding-export locally without Docker: the dev Strapi (seeded), an in-process S3 server,
# moto_server (Secrets Manager and the other AWS services), and a local API Gateway serving template.yaml's routes with the real handlers (see
# local/src/main/java/com/onboardingexport/local/run/LocalRun.java). Ctrl-C stops everything.
#
#   ./run-local.sh                                   API on :3000, Strapi on :1337
#   ./run-local.sh --port 3001 --strapi-port 1338    other ports (or PORT=... STRAPI_PORT=...)
#   ./run-local.sh --services-only                   the parts only, on every interface, for `sam local` (README)
#
# Needs Maven, a JDK 21+ for the toolchains plugin to find (Maven itself may run on 17), Node 20,
# and moto_server (Python).
set -euo pipefail
cd "$(dirname "$0")"
if ! command -v moto_server >/dev/null; then
  echo "moto_server is missing (the local AWS services). Install it with: pip install 'moto[server]'" >&2
  exit 2
fi
mvn -q -pl local -am install -DskipTests
# `validate` selects the JDK 21+ toolchain; exec:exec then runs LocalRun on it.
exec mvn -q -pl local validate exec:exec -Dlocal.args="$*"
