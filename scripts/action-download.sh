#!/usr/bin/env bash
# action.yml, step 2 (cache miss): download the release archive for this
# runner, verify its SHA-256 against the release's SHA256SUMS, unpack.
# In: VERSION, DIR, ACTION_REPO, RUNNER_OS, RUNNER_ARCH.
set -euo pipefail
case "${RUNNER_OS}/${RUNNER_ARCH}" in
  Linux/X64) target=x86_64-unknown-linux-musl ext=tar.gz ;;
  Linux/ARM64) target=aarch64-unknown-linux-musl ext=tar.gz ;;
  macOS/ARM64) target=aarch64-apple-darwin ext=tar.gz ;;
  macOS/X64) target=x86_64-apple-darwin ext=tar.gz ;;
  Windows/X64) target=x86_64-pc-windows-msvc ext=zip ;;
  *)
    echo "::error title=smsdoc::no smsdoc release binary for ${RUNNER_OS}/${RUNNER_ARCH}; use the container image instead"
    exit 2
    ;;
esac
name="smsdoc-${VERSION}-${target}.${ext}"
url="https://github.com/${ACTION_REPO}/releases/download/${VERSION}"
tmp=$(mktemp -d)
curl -fsSL --retry 3 -o "${tmp}/${name}" "${url}/${name}"
curl -fsSL --retry 3 -o "${tmp}/SHA256SUMS" "${url}/SHA256SUMS"
(cd "$tmp" && grep " ${name}\$" SHA256SUMS | sha256sum -c -) || {
  echo "::error title=smsdoc::checksum of ${name} does not match the release's SHA256SUMS"
  exit 2
}
mkdir -p "$DIR"
if [ "$ext" = zip ]; then
  unzip -q -j -o "${tmp}/${name}" -d "$DIR"
  [ -f "$DIR/smsdoc.exe" ] && cp "$DIR/smsdoc.exe" "$DIR/smsdoc"
else
  tar -xzf "${tmp}/${name}" -C "$DIR" --strip-components=1
fi
"$DIR/smsdoc" --version
