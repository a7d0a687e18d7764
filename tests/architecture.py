"""The declared layer order of Consonance's apps and a checker for it (used by test_architecture).

Layers, bottom to top; an app may import only from layers below its own (and from itself):

    lib, worker → audit → privacy → people → mail → rights → consent → payments → payments.bankgiro
    → booking → journal → contact, newsletter, bookkeeping → operations → accounts, web
    → the project (urls, legacy_urls...)

Apps in the same layer (contact, newsletter, bookkeeping) never import each other. A lower app lets
a higher one react through a hook declared in its own `hooks.py` (consonance/lib/hooks.py).
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from dataclasses import dataclass
from fnmatch import fnmatch
from pathlib import Path

LAYERS: tuple[tuple[str, ...], ...] = (
    ("lib", "worker"),
    ("audit",),
    ("privacy",),
    ("people",),
    ("mail",),
    ("rights",),
    ("consent",),
    ("payments",),
    ("payments.bankgiro",),
    ("booking",),
    ("journal",),
    ("contact", "newsletter", "bookkeeping"),
    ("operations",),
    ("accounts", "web"),
    ("",),  # the project itself: urls, settings, wsgi, __main__
)

# Imports inside a function body that must stay there, each with the reason. Key: (path, module).
LOCAL_IMPORTS_ALLOWED: dict[tuple[str, str], str] = {
    # AppConfig.ready() is where Django allows an app to import its own modules that touch models.
    ("consonance/*/apps.py", "*"): "AppConfig.ready() runs after the app registry is ready",
    # Benchmarks and commands import Django models only after django.setup().
}


@dataclass(frozen=True)
class Import:
    path: str  # file, relative to the repository
    line: int
    importer: str  # module importing
    imported: str  # module imported
    local: bool  # inside a function body


def app_of(module: str) -> str:
    """The app a consonance module belongs to ('' for the project modules)."""
    parts = module.split(".")[1:]
    if not parts or parts[0] in {
        "settings",
        "test_settings",
        "urls",
        "legacy_urls",
        "wsgi",
        "__main__",
    }:
        return ""
    if parts[:2] == ["payments", "bankgiro"]:
        return "payments.bankgiro"
    return parts[0]


def layer_of(app: str) -> int | None:
    return next((i for i, layer in enumerate(LAYERS) if app in layer), None)


def _module_name(root: Path, path: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _resolve(node: ast.ImportFrom, module: str, is_package: bool) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".") if is_package else module.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def _local_nodes(tree: ast.AST) -> set[int]:
    inside: set[int] = set()
    for fn in ast.walk(tree):
        if isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            for node in ast.walk(fn):
                if isinstance(node, ast.Import | ast.ImportFrom):
                    inside.add(id(node))
    return inside


def imports_in(root: Path, package: str = "consonance") -> list[Import]:
    """Every import of a `package` module in the package's source (migrations excluded), those
    under `if TYPE_CHECKING:` included: an annotation naming a higher app depends on it too."""
    found: list[Import] = []
    for path in sorted(root.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        module = _module_name(root, path)
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        local = _local_nodes(tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = _resolve(node, module, path.name == "__init__.py")
                # `from consonance.payments import hooks` imports consonance.payments.hooks.
                names = [f"{base}.{alias.name}" for alias in node.names] if base else []
            else:
                continue
            for name in names:
                if name == package or name.startswith(package + "."):
                    rel = str(path.relative_to(root.parent))
                    found.append(Import(rel, node.lineno, module, name, id(node) in local))
    return found


def upward_imports(imports: Iterable[Import]) -> list[str]:
    """Imports of an app in the same or a higher layer than the importer's."""
    problems = []
    for imp in imports:
        src, dst = app_of(imp.importer), app_of(imp.imported)
        if src == dst:
            continue
        src_layer, dst_layer = layer_of(src), layer_of(dst)
        if src_layer is None:
            problems.append(f"{imp.path}:{imp.line}: app {src!r} is in no declared layer")
        elif dst_layer is None:
            problems.append(f"{imp.path}:{imp.line}: imports {imp.imported}, in no declared layer")
        elif dst_layer >= src_layer:
            where = "the same layer" if dst_layer == src_layer else "a higher layer"
            problems.append(
                f"{imp.path}:{imp.line}: {src or 'project'} imports {imp.imported} from {where}"
            )
    return problems


def app_cycles(imports: Iterable[Import]) -> list[list[str]]:
    """Cycles in the graph of imports between apps (each cycle once, as a list of apps)."""
    graph: dict[str, set[str]] = {}
    for imp in imports:
        src, dst = app_of(imp.importer), app_of(imp.imported)
        if src != dst:
            graph.setdefault(src, set()).add(dst)
    cycles: list[list[str]] = []
    seen: set[frozenset[str]] = set()

    def visit(node: str, path: list[str]) -> None:
        for nxt in sorted(graph.get(node, ())):
            if nxt in path:
                cycle = path[path.index(nxt) :]
                key = frozenset(cycle)
                if key not in seen:
                    seen.add(key)
                    cycles.append([*cycle, nxt])
            elif len(path) < len(graph) + 1:
                visit(nxt, [*path, nxt])

    for start in sorted(graph):
        visit(start, [start])
    return cycles


def _allowed(imp: Import) -> bool:
    return any(
        fnmatch(imp.path, path) and fnmatch(imp.imported, module)
        for path, module in LOCAL_IMPORTS_ALLOWED
    )


def function_local_imports(imports: Iterable[Import]) -> list[str]:
    return [
        f"{imp.path}:{imp.line}: imports {imp.imported} inside a function"
        for imp in imports
        if imp.local and not _allowed(imp)
    ]


# -- provider names ------------------------------------------------------------------------------

PROVIDERS_DIR = "consonance/payments/providers"
BANKGIRO_DIR = "consonance/payments/bankgiro"


def provider_names(root: Path) -> set[str]:
    """The providers, by their folders under payments/providers/ (each holds a `method.py`)."""
    folder = root / "payments" / "providers"
    return {p.parent.name for p in folder.glob("*/method.py")}


def provider_mentions(root: Path, names: set[str]) -> list[str]:
    """Where a module outside the provider folders names a provider: a string that is exactly its
    name ("stripe"), or an import of its folder. Bankgiro's name belongs to payments/bankgiro/.
    Migrations are left out (they freeze the choices of their day)."""
    found = []
    for path in sorted(root.rglob("*.py")):
        rel = str(path.relative_to(root.parent))
        if "migrations" in path.parts or rel.startswith(PROVIDERS_DIR + "/"):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            named = None
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                named = node.value if node.value in names | {"bankgiro"} else None
                if named == "bankgiro" and rel.startswith(BANKGIRO_DIR + "/"):
                    named = None
            elif isinstance(node, ast.ImportFrom | ast.Import):
                modules = [a.name for a in node.names] if isinstance(node, ast.Import) else []
                if isinstance(node, ast.ImportFrom) and node.module:
                    modules = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
                prefix = PROVIDERS_DIR.replace("/", ".") + "."
                named = next(
                    (m for m in modules if m.startswith(prefix) and m.split(".")[3] in names),
                    None,
                )
            if named is not None:
                found.append(f"{rel}:{getattr(node, 'lineno', 0)}: {named}")
    return found


# -- relations between models run one way too ------------------------------------------------------

# Foreign keys to a model of a higher layer, each with the reason it is not yet gone. Key:
# "app_label.Model.field". The test fails on an entry that no longer holds (stale). None left:
# a lower app names a person by her id (privacy/subject.py), not by a key to people.Person.
UPWARD_RELATIONS_ALLOWED: dict[str, str] = {}


def relations(models: Iterable[type]) -> list[tuple[str, str, str]]:
    """(`app_label.Model.field`, the model's app, the related model's app) for every forward
    relation (foreign key, one-to-one, many-to-many) of `models` to a Consonance model."""
    found = []
    for model in models:
        for field in model._meta.get_fields():
            target = getattr(field, "related_model", None)
            if not field.is_relation or field.auto_created or target is None:
                continue
            if isinstance(target, str) or not target.__module__.startswith("consonance."):
                continue  # Django's own (auth.User) and the task queue's models
            name = f"{model._meta.label}.{field.name}"
            found.append((name, app_of(model.__module__), app_of(target.__module__)))
    return found


def upward_relations(found: Iterable[tuple[str, str, str]]) -> list[str]:
    """Relations to a model of the same or a higher layer, not in UPWARD_RELATIONS_ALLOWED."""
    problems = []
    for name, src, dst in found:
        src_layer, dst_layer = layer_of(src), layer_of(dst)
        if src == dst or src_layer is None or dst_layer is None or dst_layer < src_layer:
            continue
        if name not in UPWARD_RELATIONS_ALLOWED:
            where = "the same layer" if dst_layer == src_layer else "a higher layer"
            problems.append(f"{name}: {src} relates to a model of {dst}, {where}")
    return problems


# -- encryption contexts come from the registry ----------------------------------------------------

CIPHER_CALLS = {"person_encrypt", "person_decrypt", "person_decrypt_many"}


def _constants(tree: ast.Module) -> set[str]:
    """Names a module binds at its top to a string literal (`CONTEXT = "note"`)."""
    return {
        target.id
        for node in tree.body
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant)
        for target in node.targets
        if isinstance(target, ast.Name)
    }


def restated_contexts(root: Path) -> list[str]:
    """Calls of person_encrypt/_decrypt whose `context` is a literal (or a module constant holding
    one) instead of the registry's declaration (`privacy.registry.context_of`)."""
    problems = []
    for path in sorted(root.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        constants = _constants(tree)
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", getattr(node.func, "attr", ""))
            if name not in CIPHER_CALLS:
                continue
            for keyword in node.keywords:
                value = keyword.value
                if keyword.arg == "context" and (
                    isinstance(value, ast.Constant)
                    or (isinstance(value, ast.Name) and value.id in constants)
                ):
                    rel = path.relative_to(root.parent)
                    problems.append(f"{rel}:{node.lineno}: {name} restates its context")
    return problems
