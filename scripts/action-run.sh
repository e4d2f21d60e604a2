#!/usr/bin/env bash
# action.yml, step 3: run smsdoc with the action's inputs; keep its exit code.
# In: SMSDOC, COMMAND, ROOT, FORMAT, STRICT, TODAY, BASE, BASE_REF, OUTPUT, ARGS.
set -uo pipefail
args=()
case "$COMMAND" in
  check)
    args=(check --format "${FORMAT:-github}")
    ;;
  build)
    args=(build)
    ;;
  diff)
    base="${BASE:-}"
    if [ -z "$base" ]; then
      if [ -n "${BASE_REF:-}" ]; then base="origin/${BASE_REF}"; else base="HEAD~1"; fi
    fi
    args=(diff "$base" --format "${FORMAT:-markdown}")
    ;;
  *)
    echo "::error title=smsdoc::unknown command '${COMMAND}': use check, build or diff"
    exit 2
    ;;
esac
args=(--root "$ROOT" "${args[@]}")
if [ "$STRICT" = true ] && [ "$COMMAND" != diff ]; then args+=(--strict); fi
if [ -n "${TODAY:-}" ]; then args+=(--today "$TODAY"); fi
# shellcheck disable=SC2206 # ARGS is split on purpose, like a command line.
if [ -n "${ARGS:-}" ]; then args+=($ARGS); fi
echo "smsdoc ${args[*]}"
if [ -n "${OUTPUT:-}" ]; then
  "$SMSDOC" "${args[@]}" | tee "$OUTPUT"
  code=${PIPESTATUS[0]}
else
  "$SMSDOC" "${args[@]}"
  code=$?
fi
echo "exit-code=${code}" >>"$GITHUB_OUTPUT"
exit "$code"
