"""Print the fault table the fault suite wrote (artifacts/faults.jsonl).

python -m pytest tests/test_faults.py tests/test_permissions.py -n auto
python benchmarks/fault_report.py
"""

from __future__ import annotations

import json
from pathlib import Path

ROWS = Path(__file__).resolve().parent.parent / "artifacts" / "faults.jsonl"


def main() -> None:
    rows = [json.loads(line) for line in ROWS.read_text().splitlines() if line.strip()]
    print("| fault | tried | turns recorded | turns lost | seconds |\n|---|---|---|---|---|")
    for row in rows:
        seconds = row.get("longest_interrupt_s", row.get("seconds", ""))
        print(
            f"| {row['fault']} | {row['tried']} | {row['recorded']} | {row['lost']} | {seconds} |"
        )
    print(f"| **total** | {sum(r['tried'] for r in rows)} | {sum(r['recorded'] for r in rows)} "
          f"| {sum(r['lost'] for r in rows)} | |")  # fmt: skip
    latencies = [r["longest_interrupt_s"] for r in rows if "longest_interrupt_s" in r]
    if latencies:
        print(f"\nlongest interrupt latency: {max(latencies)} s")


if __name__ == "__main__":
    main()
