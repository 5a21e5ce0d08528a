"""`make bench`: run every scripts/bench/bench_*.py and print ratios measured in the same run.

Each module exposes `run() -> list[dict]` with keys `name`, `ratio` and `detail`; a ratio
compares our code with a baseline timed in the same process, so machines of different speed
give comparable numbers.
"""

from __future__ import annotations

import importlib.util
import sys
import time
import traceback
from pathlib import Path

BENCH_DIR = Path(__file__).with_name("bench")


def main(selected: list[str]) -> int:
    modules = sorted(BENCH_DIR.glob("bench_*.py"))
    if selected:
        modules = [m for m in modules if any(s in m.stem for s in selected)]
    failures = 0
    print(f"{'benchmark':<58} {'ratio':>10}  detail")
    for module_path in modules:
        spec = importlib.util.spec_from_file_location(module_path.stem, module_path)
        module = importlib.util.module_from_spec(spec)
        started = time.perf_counter()
        try:
            spec.loader.exec_module(module)
            results = module.run()
        except Exception:
            failures += 1
            print(f"{module_path.stem}: FAILED")
            traceback.print_exc()
            continue
        for result in results:
            print(f"{result['name']:<58} {result['ratio']:>10.2f}  {result['detail']}")
        print(f"  ({module_path.stem} took {time.perf_counter() - started:.1f} s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
