#!/bin/sh
# Installs one terraform release into PREFIX/bin, only if its archive has the expected SHA-256:
#   install-terraform.sh VERSION SHA256 PREFIX
# TERRAFORM_RELEASES names where releases are fetched from (HashiCorp's by default): a mirror,
# or a file:// folder laid out as VERSION/terraform_VERSION_linux_amd64.zip.
set -eu

if [ "$#" -ne 3 ]; then
  echo "usage: install-terraform.sh VERSION SHA256 PREFIX" >&2
  exit 2
fi
version=$1
expected=$2
prefix=$3
releases=${TERRAFORM_RELEASES:-https://releases.hashicorp.com/terraform}

case $version in
  *[!0-9.]* | '' | .* | *.) echo "install-terraform: expected a version such as 1.11.4, found '$version'" >&2; exit 2 ;;
esac
if ! printf '%s' "$expected" | grep -Eq '^[0-9a-f]{64}$'; then
  echo "install-terraform: expected the archive's SHA-256 as 64 lowercase hex digits" >&2
  exit 2
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
archive="terraform_${version}_linux_amd64.zip"
curl --fail --silent --show-error --location --proto '=https,file' \
  --output "$work/$archive" "$releases/$version/$archive"

# Nothing is unpacked before the checksum holds: a wrong archive leaves PREFIX as it was.
if ! echo "$expected  $work/$archive" | sha256sum -c --status -; then
  echo "install-terraform: $archive does not have the SHA-256 $expected" >&2
  exit 1
fi

unzip -q -o "$work/$archive" terraform -d "$work"
mkdir -p "$prefix/bin"
install -m 0755 "$work/terraform" "$prefix/bin/terraform"
"$prefix/bin/terraform" version
