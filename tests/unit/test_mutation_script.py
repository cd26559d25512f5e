"""scripts/mutation.py (`make mutation`): what is skipped, how the score counts, the equivalents list."""

from __future__ import annotations

from pathlib import Path

import pytest

from scripts.mutation import (
    ALL,
    MODULES,
    Mutant,
    annotation_spans,
    changed_lines,
    covering_tests,
    enclosing_functions,
    in_annotation,
    load_equivalents,
    mutated_line,
    score,
    statement_lines,
)

ROOT = Path(__file__).resolve().parents[2]
SOURCE = """from __future__ import annotations


def f(a: int | None, *rest: str | bytes, b: dict[str, int] | None = None) -> str | None:
    value: int | None = a
    return str(a | 1) if value else None
"""


def position(source: str, line: int, text: str) -> tuple[int, int]:
    return line, source.splitlines()[line - 1].index(text)


def test_given_bitor_in_annotations_and_in_code_then_only_the_annotations_are_skipped() -> None:
    spans = annotation_spans(SOURCE)
    # Given the `|` of every annotation (parameters, *args, keyword, return, a variable's), Then skipped
    signature = SOURCE.splitlines()[3]
    bars = [i for i, char in enumerate(signature) if char == "|"]
    assert len(bars) == 4
    assert all(in_annotation((4, col), spans) for col in bars)
    assert in_annotation(position(SOURCE, 5, "|"), spans)
    # Given the `|` of an expression that runs, Then it is an ordinary mutant
    assert not in_annotation(position(SOURCE, 6, "|"), spans)


def test_given_no_future_import_then_annotations_are_evaluated_and_nothing_is_skipped() -> None:
    assert annotation_spans(SOURCE.replace("from __future__ import annotations", "")) == []


def test_given_a_unified_diff_then_the_changed_line_and_its_mutant_stripped() -> None:
    diff = "--- a.py\n+++ b.py\n@@ -1 +1 @@\n-    for _ in range(3):\n+    for _ in range( 4):\n"
    assert changed_lines(diff) == ("for _ in range(3):", "for _ in range( 4):")


def test_given_listed_equivalents_then_only_survivors_are_counted_out() -> None:
    found = [
        Mutant(1, "op", "a", "b", "killed"),
        Mutant(2, "op", "c", "d", "survived"),  # listed
        Mutant(3, "op", "e", "f", "killed"),  # listed, but killed: it was not equivalent
        Mutant(4, "op", "g", "h", "survived"),
        Mutant(5, "op", "i", "j", "annotation"),
        Mutant(6, "op", "k", "l", "timeout"),
    ]
    result = score("m", found, {("c", "d", ""): "why", ("e", "f", ""): "why"})
    assert (result.killed, result.equivalent, result.total) == (3, 2, 6)
    assert [m.line for m in result.survivors] == [4]
    assert result.ratio == pytest.approx(3 / 4)


def test_given_the_equivalents_list_then_each_has_a_reason_and_names_a_line_of_its_module() -> None:
    # A changed line makes its entry stale: the list is kept with the code, not after it.
    equivalents = load_equivalents()
    assert set(equivalents) <= set(MODULES)
    for module, entries in equivalents.items():
        source = (ROOT / "lambda" / "shared" / f"{module}.py").read_text()
        functions = enclosing_functions(source)
        places = [(line.strip(), functions.get(n, "")) for n, line in enumerate(source.splitlines(), start=1)]
        for (code, mutant, function), reason in entries.items():
            where = [f for c, f in places if c == code]
            assert where, f"{module}: no line {code!r} any more: update tests/mutation/equivalent.toml"
            # A line found in several functions needs `function`, and must be in that one
            assert (len(where) == 1 and not function) or function in where, (module, code, where)
            assert mutant != code and reason.strip()


def test_given_each_module_then_its_test_files_exist() -> None:
    # test_mutation_gaps.py aside (it may not exist yet for a module), a missing file would go untested.
    for module, files in MODULES.items():
        missing = [f for f in files if not (ROOT / f).is_file() and not f.endswith("test_mutation_gaps.py")]
        assert missing == [], module


MODULE = """LIMIT = 20


def spend(user, amount=1):
    if (
        amount > 0
        and user
    ):
        return charge(
            user,
            amount,
        )
    return None
"""


def test_given_a_multi_line_statement_then_each_of_its_lines_maps_to_the_whole_statement() -> None:
    units = statement_lines(MODULE)
    # The `if` condition over three lines is the `if` header; its body is not part of it
    assert units[6] == units[7] == units[8] == (5, 6, 7, 8)
    assert units[10] == units[11] == (9, 10, 11, 12)
    assert units[1] == (1,) and units[4] == (4,)


def test_given_coverage_contexts_then_each_line_gets_the_tests_that_ran_it() -> None:
    contexts = {
        1: [""],  # import time
        4: [""],
        5: ["tests/a.py::test_x|run", "tests/a.py::test_y[1]|run"],
        9: ["tests/a.py::test_x|run", "tests/a.py::test_x|teardown"],
        13: ["tests/a.py::test_y[1]|setup"],
    }
    table = covering_tests(MODULE, contexts)
    # A constant or a signature runs at import: every test may notice its mutant
    assert table[1] == [ALL] and table[4] == [ALL]
    # A continuation line of the condition gets the tests that ran the `if`
    assert table[7] == ["tests/a.py::test_x", "tests/a.py::test_y[1]"]
    assert table[6] == table[7]
    # The call's argument line gets the tests that ran the call, once each
    assert table[11] == ["tests/a.py::test_x"]
    # A line run during a test's setup belongs to that test
    assert table[13] == ["tests/a.py::test_y[1]"]
    # A blank line is in no statement: not in the table (the runner then runs all)
    assert 2 not in table


def test_given_a_mutant_then_the_first_changed_line_is_found() -> None:
    mutated = MODULE.replace("amount > 0", "amount >= 0")
    assert mutated_line(MODULE, mutated) == 6
    assert mutated_line(MODULE, MODULE.replace("LIMIT = 20", "LIMIT = 21")) == 1


def test_given_a_line_found_in_two_functions_then_an_entry_naming_one_lists_only_its_mutant() -> None:
    source = (
        "def a():\n    return False\n\n\ndef b():\n    def inner():\n        return False\n    return inner\n"
    )
    functions = enclosing_functions(source)
    assert (functions[2], functions[7], functions[8]) == ("a", "inner", "b")
    found = [
        Mutant(2, "op", "return False", "return True", "survived", "a"),
        Mutant(7, "op", "return False", "return True", "survived", "inner"),
    ]
    result = score("m", found, {("return False", "return True", "inner"): "why"})
    assert [m.function for m in result.survivors] == ["a"] and result.equivalent == 1
