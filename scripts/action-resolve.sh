#!/usr/bin/env bash
# action.yml, step 1: which smsdoc release to use and where it lives.
# In: WANTED (input), ACTION_REF, ACTION_REPO, GH_TOKEN, RUNNER_TOOL_CACHE.
# Out ($GITHUB_OUTPUT): version, repo, dir.
set -euo pipefail
repo="${ACTION_REPO:-smsdoc/smsdoc}"
version="${WANTED:-}"
if [ -z "$version" ] && [[ "${ACTION_REF:-}" =~ ^v[0-9]+(\.[0-9]+){2}$ ]]; then
  version="$ACTION_REF" # used at an exact release tag
fi
if [ -z "$version" ]; then
  # A moving tag (v1) or a branch: the newest release.
  version=$(curl -fsSL -H "Authorization: Bearer ${GH_TOKEN}" \
    "https://api.github.com/repos/${repo}/releases/latest" | sed -n 's/.*"tag_name": *"\([^"]*\)".*/\1/p' | head -1)
fi
if [ -z "$version" ]; then
  echo "::error title=smsdoc::cannot tell which smsdoc release to use; set the 'version' input (e.g. v0.2.0)"
  exit 2
fi
dir="${RUNNER_TOOL_CACHE:-$HOME/.cache}/smsdoc/${version}"
{
  echo "version=${version}"
  echo "repo=${repo}"
  echo "dir=${dir}"
} >>"$GITHUB_OUTPUT"
