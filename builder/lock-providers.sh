#!/bin/sh
# Writes builder/terraform/.terraform.lock.hcl again, with the checksums of every platform, after
# the provider's version in builder/terraform/versions.tf changed. Run it where the registry
# can be reached, then review and commit the lock file:
#   builder/lock-providers.sh
# With a folder argument it reads a provider mirror (terraform providers mirror's layout)
# instead of the registry: lock-providers.sh MIRROR.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
cd "$here/terraform"
rm -f .terraform.lock.hcl
if [ "$#" -eq 1 ]; then
  terraform providers lock -fs-mirror="$1" -platform=linux_amd64
else
  terraform providers lock -platform=linux_amd64 -platform=linux_arm64 -platform=darwin_amd64 -platform=darwin_arm64
fi
