#!/usr/bin/env bash
# Runs every ```sh block of README.md as written, from the repository root, and fails when one
# fails: the README stays true for someone who clones the repository (issue 16). The test
# command (`tools/setup.sh && swift test`) is left to CI, which runs it last anyway. Plain ```
# blocks (usage lines, examples of files) are illustrative and not run.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 - <<'PY' > /tmp/readme-blocks.$$
import re
text = open("README.md", encoding="utf-8").read()
blocks = re.findall(r"^```sh\n(.*?)^```", text, re.S | re.M)
for block in blocks:
    if block.strip() == "tools/setup.sh && swift test":
        continue
    print(block.replace("\0", ""), end="\0")
PY
status=0
count=0
while IFS= read -r -d '' block; do
    count=$((count + 1))
    echo "readme-check: block $count:" >&2
    printf '%s' "$block" | sed 's/^/    /' >&2
    if ! bash -euo pipefail -c "$block" > /tmp/readme-block-out.$$ 2>&1; then
        echo "readme-check: block $count FAILED; its output:" >&2
        tail -30 /tmp/readme-block-out.$$ >&2
        status=1
    fi
done < /tmp/readme-blocks.$$
rm -f /tmp/readme-blocks.$$ /tmp/readme-block-out.$$
[ "$count" -gt 0 ] || { echo "readme-check: no sh block found" >&2; exit 1; }
echo "readme-check: $count blocks run, $([ $status -eq 0 ] && echo all passed || echo some failed)" >&2
exit $status
