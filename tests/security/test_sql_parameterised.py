"""Parameterised SQL only: a static check of every ``execute``/``sql`` call in the code.

The rule (also in ``mash/sqlsafe.py`` and ``SECURITY.md``): the SQL text of a call may be built only
from

* string constants, and module constants in CAPITALS (SQL written in the code);
* ``int(...)``, ``float(...)``, ``len(...)``, ``round(...)`` (a number cannot carry SQL);
* ``quote_ident(...)`` (a name) and ``quote_literal(...)`` (a statement that takes no parameters);
* the SQL builder functions in :data:`SQL_BUILDERS`, whose SQL-text arguments must obey the same rule
  and whose own bodies are checked;
* local names whose every assignment in the function obeys the rule (including loops over constants
  and ``", ".join(...)`` of such pieces).

Everything else (a value from a delivery, a config, a person, or an argument) must be a ``?`` or
``$name`` parameter. A call that cannot follow the rule carries ``# noqa: S608 - <why it is safe>``
(the reason is required). Interpolating anything but a constant *inside quotes* (``'{x}'``) is refused
even with the marker: that is a value, and values are parameters.
"""

from __future__ import annotations

import ast
import functools
import re
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("mash", "matching", "analytics", "pipelines")
SQL_METHODS = {"execute", "executemany", "sql", "query"}
SAFE_CALLS = {"int", "float", "len", "round", "quote_ident", "quote_literal"}
# builder -> (why its SQL is safe, the parameters that carry SQL text and must be safe at each call,
#             whether its body is checked too)
SQL_BUILDERS: dict[str, tuple[str, set[str], bool]] = {
    "most_common_sql": ("an aggregate over an expression written in code", {"expr", "where"}, True),
    "threshold_sql": ("rank from a fixed table; decisions are the $threshold_decisions parameter", {"alias"}, True),
    "_edges_sql": ("numbers through int()/float(); roles from a code constant", set(), True),
    "compile_rules_sql": ("blocking rules parsed by matching.blocking.parse_rule: identifiers matching "
                          "[A-Za-z_][A-Za-z0-9_]*, functions from a fixed set, integer arguments "
                          "(fuzzed in test_fuzz_standardisers.py)", {"left_table", "right_table"},
                          False),
}
CONSTANT = re.compile(r"_?[A-Z][A-Z0-9_]*")
MARKER = re.compile(r"#\s*noqa:\s*S608\s*-\s*\S")


@dataclass
class Violation:
    path: str
    line: int
    why: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.why}"


class _Scope:
    """Bindings of names in one function (or the module), for resolving what a name can hold."""

    def __init__(self, node: ast.AST, parent: _Scope | None, trusted: set[str] = frozenset()):
        self.parent = parent
        self.trusted = set(trusted)
        self.params: set[str] = set()
        self.bindings: dict[str, list[tuple[str, ast.AST, int | None]]] = {}
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            a = node.args
            self.params = {x.arg for x in a.posonlyargs + a.args + a.kwonlyargs}
            self.params |= {x.arg for x in (a.vararg, a.kwarg) if x}
        body = node.body if isinstance(node.body, list) else [node.body]
        for stmt in body:
            for sub in _walk_same_scope(stmt):
                self._bind(sub)

    def _add(self, target: ast.AST, kind: str, value: ast.AST, index: int | None = None) -> None:
        if isinstance(target, ast.Name):
            self.bindings.setdefault(target.id, []).append((kind, value, index))
        elif isinstance(target, (ast.Tuple, ast.List)):
            for i, elt in enumerate(target.elts):
                self._add(elt, kind, value, i)

    def _bind(self, node: ast.AST) -> None:
        if isinstance(node, ast.Assign):
            for t in node.targets:
                self._add(t, "assign", node.value)
        elif isinstance(node, (ast.AnnAssign, ast.AugAssign)) and node.value is not None:
            self._add(node.target, "assign", node.value)
        elif isinstance(node, ast.NamedExpr):
            self._add(node.target, "assign", node.value)
        elif isinstance(node, (ast.For, ast.AsyncFor)):
            self._add(node.target, "for", node.iter)
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            for item in node.items:
                if item.optional_vars is not None:
                    self._add(item.optional_vars, "other", item.context_expr)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            self.bindings.setdefault(node.name, []).append(("other", node, None))
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                self.bindings.setdefault((alias.asname or alias.name).split(".")[0], []).append(("other", node, None))


def _walk_same_scope(node: ast.AST):
    """Nodes of a statement, not descending into nested functions, classes or comprehensions."""
    yield node
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda, ast.GeneratorExp,
                         ast.ListComp, ast.SetComp, ast.DictComp)):
        return
    for child in ast.iter_child_nodes(node):
        yield from _walk_same_scope(child)


class Checker:
    def __init__(self, functions: dict[str, ast.FunctionDef]):
        self.functions = functions

    # -- is an expression safe SQL text? --------------------------------------------------------
    def safe(self, node: ast.AST, scope: _Scope, seen: frozenset = frozenset()) -> bool:
        if isinstance(node, ast.Constant):
            return True
        if isinstance(node, ast.JoinedStr):
            return all(self.safe(v.value, scope, seen) for v in node.values if isinstance(v, ast.FormattedValue))
        if isinstance(node, ast.BinOp):
            return self.safe(node.left, scope, seen) and self.safe(node.right, scope, seen)
        if isinstance(node, ast.BoolOp):
            return all(self.safe(v, scope, seen) for v in node.values)
        if isinstance(node, ast.IfExp):
            return self.safe(node.body, scope, seen) and self.safe(node.orelse, scope, seen)
        if isinstance(node, ast.Name):
            return self.safe_name(node.id, scope, seen)
        if isinstance(node, ast.Attribute):
            return bool(CONSTANT.fullmatch(node.attr))
        if isinstance(node, ast.Call):
            return self.safe_call(node, scope, seen)
        return False

    def safe_name(self, name: str, scope: _Scope, seen: frozenset) -> bool:
        if CONSTANT.fullmatch(name):
            return True
        key = (id(scope), name)
        if key in seen:
            return True  # a cycle (x = x + ...): the other assignments decide
        seen = seen | {key}
        s = scope
        while s is not None:
            if name in s.trusted:
                return True
            if name in s.bindings:
                return all(self.safe_binding(kind, value, index, s, seen) for kind, value, index in s.bindings[name])
            if name in s.params:
                return False  # an argument is a value from the caller
            s = s.parent
        return False

    def safe_binding(self, kind: str, value: ast.AST, index: int | None, scope: _Scope, seen: frozenset) -> bool:
        if kind == "assign":
            if index is not None and isinstance(value, (ast.Tuple, ast.List)) and index < len(value.elts):
                return self.safe(value.elts[index], scope, seen)
            return self.safe(value, scope, seen)
        if kind == "for":
            return self.safe_iterable(value, scope, seen, index)
        return False

    def safe_iterable(self, node: ast.AST, scope: _Scope, seen: frozenset, index: int | None = None) -> bool:
        if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
            elts = node.elts
            if index is not None:
                return all(isinstance(e, (ast.Tuple, ast.List)) and index < len(e.elts)
                           and self.safe(e.elts[index], scope, seen) for e in elts)
            return all(self.safe(e, scope, seen) for e in elts)
        if isinstance(node, ast.Name):
            return bool(CONSTANT.fullmatch(node.id))
        if isinstance(node, ast.Attribute):
            return bool(CONSTANT.fullmatch(node.attr))
        if isinstance(node, ast.Call):
            f = node.func
            if isinstance(f, ast.Attribute) and f.attr in ("items", "keys", "values") and not node.args:
                return self.safe_iterable(f.value, scope, seen)
            if isinstance(f, ast.Name) and f.id in ("sorted", "list", "tuple", "reversed") and node.args:
                return self.safe_iterable(node.args[0], scope, seen, index)
            if isinstance(f, ast.Name) and f.id == "range":
                return True
        return False

    def safe_call(self, node: ast.Call, scope: _Scope, seen: frozenset) -> bool:
        f = node.func
        name = f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else None
        if isinstance(f, ast.Name) and name in SAFE_CALLS:
            return True
        if name in SQL_BUILDERS:
            return all(self.safe(arg, scope, seen) for arg in self.sql_args(name, node))
        if isinstance(f, ast.Attribute):
            if name == "join" and len(node.args) == 1 and self.safe(f.value, scope, seen):
                return self.safe_elements(node.args[0], scope, seen)
            if name in ("lower", "upper", "strip", "format", "replace") and self.safe(f.value, scope, seen):
                return all(self.safe(a, scope, seen) for a in node.args) and all(
                    self.safe(k.value, scope, seen) for k in node.keywords)
        return False

    def safe_elements(self, node: ast.AST, scope: _Scope, seen: frozenset) -> bool:
        if isinstance(node, (ast.GeneratorExp, ast.ListComp, ast.SetComp)):
            trusted = set()
            for gen in node.generators:
                if not self.safe_iterable(gen.iter, scope, seen):
                    return False
                trusted |= {n.id for n in ast.walk(gen.target) if isinstance(n, ast.Name)}
            inner = _Scope(ast.Module(body=[], type_ignores=[]), scope, trusted)
            return self.safe(node.elt, inner, seen)
        return self.safe_iterable(node, scope, seen)

    def sql_args(self, builder: str, call: ast.Call) -> list[ast.AST]:
        _, names, _ = SQL_BUILDERS[builder]
        fn = self.functions.get(builder)
        if fn is None:  # not one of ours after all: every argument counts as SQL text
            return list(call.args) + [k.value for k in call.keywords]
        params = [a.arg for a in fn.args.posonlyargs + fn.args.args]
        out = [arg for i, arg in enumerate(call.args) if i < len(params) and params[i] in names]
        out += [k.value for k in call.keywords if k.arg in names]
        return out


def _quoted_interpolations(node: ast.AST) -> list[ast.AST]:
    """Expressions interpolated between single quotes: ``'{x}'`` in an f-string, ``'%s'`` or ``'{}'``."""
    found = []
    if isinstance(node, ast.JoinedStr):
        parts = node.values
        for i, part in enumerate(parts):
            if isinstance(part, ast.FormattedValue):
                before = parts[i - 1].value if i and isinstance(parts[i - 1], ast.Constant) else ""
                after = parts[i + 1].value if i + 1 < len(parts) and isinstance(parts[i + 1], ast.Constant) else ""
                if str(before).endswith("'") and str(after).startswith("'"):
                    found.append(part.value)
    elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod) and isinstance(node.left, ast.Constant):
        if re.search(r"'%[-#0 +]*\w", str(node.left.value)) or re.search(r"'%\(", str(node.left.value)):
            found.append(node.right)
    elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format"
          and isinstance(node.func.value, ast.Constant) and re.search(r"'\{[^}]*\}'", str(node.func.value.value))):
        found.extend(node.args + [k.value for k in node.keywords])
    return found


def check_source(source: str, path: str = "<string>", functions: dict | None = None) -> list[Violation]:
    """Violations of the rule in one module's source."""
    tree = ast.parse(source)
    lines = source.splitlines()
    fns = dict(functions or {})
    fns.update({n.name: n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))})
    checker = Checker(fns)
    out: list[Violation] = []
    module_scope = _Scope(tree, None)

    def visit(node: ast.AST, scope: _Scope) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                trusted = SQL_BUILDERS[child.name][1] if getattr(child, "name", None) in SQL_BUILDERS else set()
                inner = _Scope(child, scope, trusted)
                if getattr(child, "name", None) in SQL_BUILDERS and SQL_BUILDERS[child.name][2]:
                    returns = [n for stmt in child.body for n in _walk_same_scope(stmt)
                               if isinstance(n, ast.Return) and n.value]
                    for ret in returns:
                        if not checker.safe(ret.value, inner):
                            out.append(Violation(path, ret.lineno, f"SQL builder {child.name} returns SQL "
                                                                   f"built from a value: {ast.unparse(ret.value)[:120]}"))
                visit(child, inner)
                continue
            if isinstance(child, ast.Call) and isinstance(child.func, ast.Attribute) \
                    and child.func.attr in SQL_METHODS and child.args:
                sql = child.args[0]
                text = "\n".join(lines[child.lineno - 1: (child.end_lineno or child.lineno)])
                quoted = [q for q in _quoted_interpolations(sql)
                          if not (isinstance(q, ast.Constant) or (isinstance(q, ast.Name) and CONSTANT.fullmatch(q.id)))]
                if quoted:
                    out.append(Violation(path, child.lineno, "a value interpolated inside SQL quotes ("
                                         + ", ".join(ast.unparse(q) for q in quoted) + "): use a parameter"))
                elif not checker.safe(sql, scope) and not MARKER.search(text):
                    out.append(Violation(path, child.lineno, "SQL text built from a value (use ? / $name "
                                         "parameters, quote_ident, or '# noqa: S608 - <why>'): "
                                         + ast.unparse(sql)[:160].replace("\n", " ")))
            visit(child, scope)

    visit(tree, module_scope)
    return out


@functools.cache
def _sources() -> dict[str, str]:
    return {str(p.relative_to(ROOT)): p.read_text(encoding="utf-8")
            for pkg in PACKAGES for p in sorted((ROOT / pkg).rglob("*.py"))}


@functools.cache
def _all_functions() -> dict[str, ast.FunctionDef]:
    fns = {}
    for src in _sources().values():
        fns.update({n.name: n for n in ast.walk(ast.parse(src)) if isinstance(n, ast.FunctionDef)})
    return fns


def test_all_sql_is_parameterised():
    sources = _sources()
    functions = _all_functions()
    violations = [v for path, src in sources.items() for v in check_source(src, path, functions)]
    assert not violations, "\n".join(map(str, violations))


def test_every_sql_builder_exists():
    functions = _all_functions()
    assert set(SQL_BUILDERS) <= set(functions), set(SQL_BUILDERS) - set(functions)


# --- the check itself: it must catch the mistakes it exists for ------------------------------------

BAD = {
    "f-string value": """
        def find(con, name):
            return con.execute(f"SELECT * FROM person_mentions WHERE surname = '{name}'").df()
    """,
    "f-string unquoted value": """
        def find(con, n):
            return con.execute(f"SELECT * FROM notifications LIMIT {n}").df()
    """,
    "percent format": """
        def find(con, name):
            return con.execute("SELECT * FROM t WHERE a = '%s'" % name).df()
    """,
    "str.format": """
        def find(con, name):
            return con.execute("SELECT * FROM t WHERE a = '{}'".format(name)).df()
    """,
    "concatenation": """
        def find(con, name):
            return con.sql("SELECT * FROM t WHERE a = '" + name + "'")
    """,
    "value via a local": """
        def find(con, rule):
            codes = ", ".join("'" + c + "'" for c in rule.codes)
            return con.execute(f"SELECT * FROM t WHERE c IN ({codes})").df()
    """,
    "value via a builder argument": """
        def find(con, column):
            return con.execute(f"SELECT {most_common_sql(column)} FROM t").df()
    """,
    "quoted value with a marker": """
        def find(con, name):
            return con.execute(f"SELECT * FROM t WHERE a = '{name}'")  # noqa: S608 - trust me
    """,
    "marker without a reason": """
        def find(con, table):
            return con.execute(f"SELECT * FROM {table}")  # noqa: S608
    """,
    "builder body": """
        def threshold_sql(rule, alias=""):
            dec = ", ".join("'" + d + "'" for d in rule.t("decisions"))
            return f"({alias}decision IN ({dec}))"
    """,
    "config attribute": """
        def find(con, rule):
            w = rule.window_days
            return con.execute(f"SELECT * FROM t WHERE d < {w}").df()
    """,
}
GOOD = {
    "parameters": """
        def find(con, name):
            return con.execute("SELECT * FROM t WHERE a = ? AND b = $b", [name]).df()
    """,
    "constants and numbers": """
        TABLE = "alerts"
        def find(con, rule):
            w = int(rule.window_days)
            where = "" if rule.all else "WHERE in_queue"
            return con.execute(f"SELECT * FROM {TABLE} {where} LIMIT {w - 1}").df()
    """,
    "loop over constant names": """
        def wipe(con, delivery):
            for t in ("notifications", "rejects"):
                con.execute(f"DELETE FROM {t} WHERE delivery_id = ?", [delivery])
    """,
    "join over a constant": """
        ROLES = ("a", "b")
        def find(con):
            roles = ", ".join(f"'{r}'" for r in ROLES)
            return con.execute(f"SELECT * FROM t WHERE r IN ({roles})").df()
    """,
    "quoted identifier": """
        def copy(con, name):
            con.execute(f"CREATE TABLE x AS SELECT * FROM {quote_ident(name)}")
    """,
    "marker with a reason": """
        def copy(con, table):
            con.execute(f"SELECT * FROM {table}")  # noqa: S608 - table names fixed by the caller
    """,
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_the_check_catches(case):
    assert check_source(textwrap.dedent(BAD[case])), f"not caught: {case}"


@pytest.mark.parametrize("case", sorted(GOOD))
def test_the_check_allows(case):
    assert not check_source(textwrap.dedent(GOOD[case])), case


# --- and at run time: hostile config values reach SQL only as parameters -----------------------------


def test_hostile_rule_values_are_parameters(tmp_path):
    """Rule thresholds and role/decision lists from rules.toml cannot change the SQL that runs."""
    from analytics.detect_child import threshold_sql
    from analytics.rule_config import Rule

    payload = "x') OR 1=1; DROP TABLE notifications; --"
    rule = Rule("r", "low_level_repeat", "child", 90, {"threshold_decisions": [payload]})
    sql = threshold_sql(rule, "e.")
    assert payload not in sql and "$threshold_decisions" in sql
    with pytest.raises(ValueError):
        threshold_sql(rule, "e; DROP TABLE x; --")


def test_whole_analytics_run_with_hostile_rule_values(hostile_world, tmp_path):
    """Every list and text threshold in rules.toml replaced by SQL payloads: the run completes, reads them
    as values (so nothing matches them), and every table is still there."""
    import shutil
    import tomllib

    import duckdb

    from analytics import run_all
    from analytics.rule_config import rules_from_dict
    from tests.security.world import RAG, RULES, _mention_person

    payloads = ["x') OR 1=1; DROP TABLE notifications; --", "'; DELETE FROM alerts; --", '" OR ""="', "$1"]
    raw = tomllib.loads(RULES.read_text(encoding="utf-8"))
    for rule in raw["rule"]:
        for key, value in rule.get("thresholds", {}).items():
            if isinstance(value, list) and key != "signals":
                rule["thresholds"][key] = payloads
    for key in ("child_feeds", "child_roles", "child_concern_codes"):
        raw.setdefault("people", {})[key] = payloads
    hostile_rules = tmp_path / "rules.toml"
    hostile_rules.write_text(_toml(raw), encoding="utf-8")
    rules_from_dict(raw)  # valid as a rules file
    db = tmp_path / "w.duckdb"
    shutil.copy(hostile_world.warehouse, db)
    from mash.warehouse import connect

    con = connect(db)
    try:
        before = con.execute("SELECT count(*) FROM notifications").fetchall()
        res = run_all(con, _mention_person(con), hostile_rules, RAG, tmp_path / "out")
        assert con.execute("SELECT count(*) FROM notifications").fetchall() == before
        assert set(res["tables"]) <= {t for (t,) in con.execute("SELECT table_name FROM information_schema.tables")
                                      .fetchall()}
    finally:
        con.close()


def _toml(obj: dict) -> str:
    """A minimal TOML writer for the rules document (tables, arrays of tables, scalars and lists)."""
    import json

    def val(v):
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, (int, float)):
            return repr(v)
        if isinstance(v, list):
            return "[" + ", ".join(val(x) for x in v) + "]"
        return json.dumps(v)

    lines: list[str] = []

    def table(prefix: str, d: dict, array: bool = False) -> None:
        lines.append(f"[[{prefix}]]" if array else f"[{prefix}]")
        subs = []
        for k, v in d.items():
            if isinstance(v, dict):
                subs.append((k, v))
            else:
                lines.append(f"{k} = {val(v)}")
        for k, v in subs:
            table(f"{prefix}.{k}", v)

    for k, v in obj.items():
        if isinstance(v, dict):
            table(k, v)
        elif isinstance(v, list) and v and isinstance(v[0], dict):
            for item in v:
                table(k, item, array=True)
        else:
            lines.insert(0, f"{k} = {val(v)}")
    return "\n".join(lines) + "\n"
