"""`python -m bench` (or `make bench`): lists the benchmarks and how to run each.

Each benchmark is its own module with its own arguments, run against PostgreSQL
(TEST_DATABASE_URL or DATABASE_URL); figures and the commands behind them are in docs/benchmarks.md."""
import ast
from pathlib import Path


def main() -> None:
    print("Sigap benchmarks (python -m bench.<name> --help for each; figures in docs/benchmarks.md):")
    for path in sorted(Path(__file__).parent.glob("*.py")):
        if path.name.startswith("_"):
            continue
        doc = ast.get_docstring(ast.parse(path.read_text())) or ""
        print(f"  {path.stem:<14} {doc.splitlines()[0] if doc else ''}")


if __name__ == "__main__":
    main()
