#!/usr/bin/env python3
"""`make test`'s docs check: every command in README.md, docs/*.md and modules/*/README.md names what exists.

Commands are the lines of shell code blocks (```sh, bash, shell, console) and inline code that starts
like a command (`make …`, `./pants …`, `python3 <path>`, a repo script). In each:

- `make <target>`: the target is a rule of the Makefile;
- `./pants <goals> <specs>`: each spec (`dir::`, `dir:name`, a path) matches a target of `./pants list ::`
  (arguments after `--` belong to the program being run);
- a repo script, run directly (`stack/tools/dev.sh`, executable) or by an interpreter
  (`python3 stack/tools/stack.py`, `bash …`): the file exists;
- a PEX run from dist/ (`dist/modules.orders/orders.pex`): the target building it (`modules/orders:orders`).

Other programs (curl, pulumi, git, …) are not checked, nor are `<placeholders>` and `$VARIABLES`.
A fenced block right after `<!-- embed: <path> -->` must equal that file (`--update-embeds` rewrites it).

    python3 stack/tools/docs_check.py [--root DIR] [--pants-list FILE | --no-pants] [--update-embeds]

`--no-pants` checks Pants specs against the file tree only (directories and files exist), not against
`./pants list ::`: `make test` runs that before Pants (stack/tools/prechecks.py), then the full check
with `--pants-list` on the list its own Pants run writes, so that it starts Pants once.

Exit 1 with a line per problem (file:line, the command, what is missing, what exists). Stdlib only,
so that it runs before Pants has installed anything.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import re
import shlex
import subprocess
import sys
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SHELL_LANGUAGES = {"sh", "bash", "shell", "console", "zsh"}
FENCE = re.compile(r"^\s*(`{3,}|~{3,})\s*([\w+-]*)")
EMBED = re.compile(r"^\s*<!--\s*embed:\s*(\S+)\s*-->\s*$")
INLINE_CODE = re.compile(r"(?<!`)`([^`\n]+(?:\n(?!\s*\n)[^`\n]*)*)`(?!`)")
# `<module>`, `<ACM ARN>`: stand-ins the reader fills in; words holding one are not checked.
PLACEHOLDER = re.compile(r"<[^<>\n]+>")
PLACEHOLDER_WORD = "\x00placeholder\x00"
# `[TYPE=http-api|worker]`, `[M=]`: the docs' notation for optional make variables.
OPTIONAL_ASSIGNMENT = re.compile(r"\[[^\]\s]*=[^\]]*\]")
ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")
# A Makefile rule: target names, then `:` or `::`, but not `:=` / `::=` (assignments).
RULE = re.compile(r"^([A-Za-z0-9_][\w./-]*(?:[ \t]+[A-Za-z0-9_][\w./-]*)*)[ \t]*::?(?!=)")
OPERATORS = {"&&", "||", ";", "|", "&", "(", ")"}
# `> dist/peek.json`, `2>&1`: the file is an output, not something that must exist already.
REDIRECTION = re.compile(r"(?<![^\s])\d?(?:&>|>>|>&|>|<)\s*[^\s;&|()]+")
PROGRAM_PREFIXES = {"time", "env", "sudo", "exec", "command"}
INTERPRETER = re.compile(r"^(python(3(\.\d+)?)?|bash|sh)$")


@dataclasses.dataclass(frozen=True)
class Command:
    """One command shown in a doc: where it is and its words (placeholders marked)."""

    doc: str
    line: int
    text: str
    words: tuple[str, ...]
    block: int = 0  # the line of its code block's opening fence; 0 for inline code

    @property
    def where(self) -> str:
        return f"{self.doc}:{self.line}"


@dataclasses.dataclass(frozen=True)
class Embed:
    doc: str
    line: int  # the line of the opening fence
    source: str
    body: str


@dataclasses.dataclass(frozen=True)
class Known:
    """What exists: the repo's files, the Makefile's targets and (if listed) every Pants address."""

    root: Path
    make_targets: frozenset[str]
    addresses: frozenset[str] | None
    # Modules made by an earlier command of the same code block (`make new-module M=payments`).
    created: frozenset[str] = frozenset()


def make_targets(makefile_text: str) -> frozenset[str]:
    """Every explicit rule target of a Makefile (pattern rules and special `.TARGETS` left out)."""
    targets: set[str] = set()
    for line in makefile_text.splitlines():
        if line.startswith("\t"):
            continue
        found = RULE.match(line)
        if found:
            targets.update(name for name in found.group(1).split() if not name.startswith("."))
    return frozenset(targets)


def _logical_lines(lines: Sequence[tuple[int, str]]) -> Iterator[tuple[int, str]]:
    """Join backslash-continued lines; keep the first line's number."""
    pending: list[str] = []
    start = 0
    for number, line in lines:
        if not pending:
            start = number
        if line.rstrip().endswith("\\"):
            pending.append(line.rstrip()[:-1])
            continue
        pending.append(line)
        yield start, " ".join(pending)
        pending = []
    if pending:
        yield start, " ".join(pending)


def split_commands(text: str) -> list[tuple[str, ...]]:
    """Shell words of each simple command in `text` (split at &&, ||, ;, |), comments dropped."""
    text = OPTIONAL_ASSIGNMENT.sub(" ", text)
    text = PLACEHOLDER.sub(PLACEHOLDER_WORD, text)
    text = REDIRECTION.sub(" ", text)
    lexer = shlex.shlex(text, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    lexer.commenters = "#"
    try:
        tokens = list(lexer)
    except ValueError:  # an unbalanced quote: not a command this check can read
        return []
    commands: list[tuple[str, ...]] = []
    current: list[str] = []
    for token in tokens:
        if token in OPERATORS:
            if current:
                commands.append(tuple(current))
            current = []
        else:
            current.append(token)
    if current:
        commands.append(tuple(current))
    return commands


def program_index(words: Sequence[str]) -> int | None:
    """Index of the program word: after `VAR=value` assignments and prefixes such as `time`."""
    for index, word in enumerate(words):
        if ASSIGNMENT.match(word) or word in PROGRAM_PREFIXES:
            continue
        return index
    return None


def looks_like_command(words: Sequence[str]) -> bool:
    """Inline code is a command when it runs make, ./pants, an interpreter on a path, or a repo script."""
    index = program_index(words)
    if index is None:
        return False
    program, args = words[index], words[index + 1 :]
    if program.endswith(":"):  # a message quoted from a tool (`./pants: no CPython 3.9 found`)
        return False
    if program in ("make", "./pants"):
        return True
    if INTERPRETER.match(program):
        return any("/" in arg for arg in args[:1])
    if "/" not in program:
        return False
    # A lone `pants-plugins/macros.py` in prose names a file; with arguments, or a script, it runs.
    return (
        program.startswith(("./", "dist/"))
        or program.endswith(".sh")
        or bool(args)
        and program.endswith(".py")
    )


def find_commands(doc: str, text: str) -> tuple[list[Command], list[Embed]]:
    """Commands in shell code blocks and command-like inline code; embedded blocks."""
    commands: list[Command] = []
    embeds: list[Embed] = []
    lines = text.splitlines()
    prose: list[tuple[int, str]] = []
    index = 0
    while index < len(lines):
        opening = FENCE.match(lines[index])
        if not opening:
            prose.append((index + 1, lines[index]))
            index += 1
            continue
        fence, language = opening.group(1), opening.group(2).lower()
        start = index
        body: list[tuple[int, str]] = []
        index += 1
        while index < len(lines) and not lines[index].strip().startswith(fence):
            body.append((index + 1, lines[index]))
            index += 1
        index += 1  # the closing fence
        embedded = EMBED.match(lines[start - 1]) if start > 0 else None
        if embedded:
            embeds.append(Embed(doc, start + 1, embedded.group(1), "\n".join(line for _, line in body)))
        if language in SHELL_LANGUAGES:
            if language == "console":  # only `$ ` lines are commands; the rest is their output
                body = [(n, line.split("$ ", 1)[1]) for n, line in body if line.lstrip().startswith("$ ")]
            for number, line in _logical_lines(body):
                commands += [
                    Command(doc, number, line.strip(), words, block=start + 1)
                    for words in split_commands(line)
                ]
    # Inline code: searched paragraph-wide, since a code span may wrap onto the next line.
    prose_lines = {number for number, _ in prose}
    blanked = [line if number in prose_lines else "" for number, line in enumerate(lines, 1)]
    offsets, joined = _line_starts(blanked), "\n".join(blanked)
    for found in INLINE_CODE.finditer(joined):
        code_line = _line_of(offsets, found.start())
        code = " ".join(found.group(1).split())
        for words in split_commands(code):
            if looks_like_command(words):
                commands.append(Command(doc, code_line, code, words))
    return commands, embeds


def _line_starts(lines: Sequence[str]) -> list[int]:
    starts, offset = [], 0
    for line in lines:
        starts.append(offset)
        offset += len(line) + 1
    return starts


def _line_of(starts: Sequence[int], offset: int) -> int:
    line = 0
    for number, start in enumerate(starts, 1):
        if start > offset:
            break
        line = number
    return line


def _has_placeholder(word: str) -> bool:
    return PLACEHOLDER_WORD in word or "$" in word or "*" in word or "…" in word


def _repo_path(word: str) -> str:
    return word[2:] if word.startswith("./") else word


def check_command(command: Command, known: Known) -> list[str]:
    """What the command names that does not exist, one message each."""
    index = program_index(command.words)
    if index is None:
        return []
    program, args = command.words[index], list(command.words[index + 1 :])
    shown = f"`{command.text}`"
    if program == "make":
        return _check_make(command, shown, args, known)
    if program == "./pants":
        return _check_pants(command, shown, args, known)
    if INTERPRETER.match(program):
        script = next((arg for arg in args if not arg.startswith("-")), None)
        if args[:1] in (["-m"], ["-c"]) or script is None or "/" not in script or _has_placeholder(script):
            return []
        return _check_path(command, shown, script, known, executable=False)
    if _has_placeholder(program) or "/" not in program:
        return []
    if _repo_path(program).startswith("dist/") and program.endswith(".pex"):
        return _check_pex(command, shown, _repo_path(program), known)
    return _check_path(command, shown, program, known, executable=True)


def _check_make(command: Command, shown: str, args: list[str], known: Known) -> list[str]:
    problems = []
    for arg in args:
        if arg.startswith("-") or "=" in arg or _has_placeholder(arg):
            continue
        if arg not in known.make_targets:
            problems.append(
                f"{command.where}: {shown}: no make target '{arg}' in the Makefile; "
                f"known targets: {', '.join(sorted(known.make_targets))}"
            )
    return problems


def _check_pants(command: Command, shown: str, args: list[str], known: Known) -> list[str]:
    problems = []
    if not (known.root / "pants").is_file():
        problems.append(f"{command.where}: {shown}: there is no ./pants launcher in {known.root}")
    for arg in args:
        if arg == "--":
            break  # the rest goes to the program `./pants run` starts
        if arg.startswith("-") or _has_placeholder(arg) or ("/" not in arg and ":" not in arg):
            continue  # an option or a goal
        problem = _spec_problem(arg, known)
        if problem:
            problems.append(f"{command.where}: {shown}: {problem}")
    return problems


def _spec_problem(spec: str, known: Known) -> str | None:
    """Why a Pants spec matches nothing, or None when it matches."""
    spec = _repo_path(spec)
    if _is_created(spec, known):
        return None
    if spec.endswith("::"):
        directory = spec[:-2].rstrip("/")
        if directory and not (known.root / directory).is_dir():
            return f"'{spec}': there is no directory {directory}/"
        prefixes = (f"{directory}/", f"{directory}:")
        if (
            known.addresses is not None
            and directory
            and not any(a.startswith(prefixes) for a in known.addresses)
        ):
            return f"'{spec}' matches no target of `./pants list ::`"
        return None
    if ":" in spec:
        directory, name = spec.split(":", 1)
        if not (known.root / directory).is_dir():
            return f"'{spec}': there is no directory {directory}/"
        if known.addresses is not None and not _has_address(known.addresses, spec):
            in_directory = sorted(a for a in known.addresses if a.startswith(f"{directory}:"))
            return (
                f"no target '{spec}' in `./pants list ::`; targets in {directory}: "
                f"{', '.join(in_directory) or '(none)'}"
            )
        return None
    if not (known.root / spec).exists():
        return f"'{spec}': no such file or directory"
    return None


def _has_address(addresses: Iterable[str], address: str) -> bool:
    # `modules/orders:public` names every parametrization (`modules/orders:public@resolve=…`).
    return any(a == address or a.startswith(f"{address}@") for a in addresses)


def _check_pex(command: Command, shown: str, path: str, known: Known) -> list[str]:
    # Pants writes a pex_binary `dir/sub:name` to dist/dir.sub/name.pex.
    parts = Path(path).parts
    if len(parts) != 3:
        return []
    address = f"{parts[1].replace('.', '/')}:{Path(parts[2]).stem}"
    if known.addresses is None or _has_address(known.addresses, address):
        return []
    return [f"{command.where}: {shown}: {path} would be built by '{address}', which `./pants list ::` lacks"]


def _is_created(path: str, known: Known) -> bool:
    return any(path == module or path.startswith((f"{module}/", f"{module}:")) for module in known.created)


def created_module(words: Sequence[str]) -> str | None:
    """`modules/<name>` if the command creates a module: `make new-module M=<name>`, or the scaffolder's
    `new <name>` (`./pants run stack/tools/scaffold:cli -- --root . new <name>`)."""
    index = program_index(words)
    if index is None:
        return None
    program, args = words[index], list(words[index + 1 :])
    if program == "make" and "new-module" in args:
        name = next((arg[2:] for arg in args if arg.startswith("M=")), "")
        return f"modules/{name}" if name else None
    if program == "./pants" and "stack/tools/scaffold:cli" in args and "new" in args:
        position = args.index("new")
        return f"modules/{args[position + 1]}" if position + 1 < len(args) else None
    return None


def _check_path(command: Command, shown: str, word: str, known: Known, *, executable: bool) -> list[str]:
    if _is_created(_repo_path(word), known):
        return []
    path = known.root / _repo_path(word)
    if not path.is_file():
        return [f"{command.where}: {shown}: {_repo_path(word)} does not exist"]
    if executable and not os.access(path, os.X_OK):
        return [
            f"{command.where}: {shown}: {_repo_path(word)} is not executable (chmod +x, or run it with bash)"
        ]
    return []


def check_embed(embed: Embed, root: Path) -> list[str]:
    source = root / embed.source
    if not source.is_file():
        return [f"{embed.doc}:{embed.line}: embeds {embed.source}, which does not exist"]
    if source.read_text().strip() != embed.body.strip():
        return [
            f"{embed.doc}:{embed.line}: this block differs from {embed.source}; "
            "run `python3 stack/tools/docs_check.py --update-embeds`"
        ]
    return []


def update_embeds(doc_path: Path, root: Path) -> bool:
    """Rewrite every embedded block of one doc from its source file; True if anything changed."""
    lines = doc_path.read_text().splitlines(keepends=True)
    out: list[str] = []
    index, changed = 0, False
    while index < len(lines):
        out.append(lines[index])
        embedded = EMBED.match(lines[index])
        opening = FENCE.match(lines[index + 1]) if embedded and index + 1 < len(lines) else None
        if not (embedded and opening):
            index += 1
            continue
        out.append(lines[index + 1])
        end = index + 2
        while end < len(lines) and not lines[end].strip().startswith(opening.group(1)):
            end += 1
        new_body = (root / embedded.group(1)).read_text().strip() + "\n"
        changed |= "".join(lines[index + 2 : end]) != new_body
        out.append(new_body)
        index = end  # the closing fence is appended by the next iteration
    if changed:
        doc_path.write_text("".join(out))
    return changed


def docs(root: Path) -> list[Path]:
    """README.md, docs/*.md and each module's README.md."""
    return [
        root / "README.md",
        *sorted((root / "docs").glob("*.md")),
        *sorted(root.glob("modules/*/README.md")),
    ]


def pants_addresses(root: Path) -> frozenset[str]:
    # Pants' stderr goes to the terminal: a first run installs Pants, and its errors say what is wrong.
    result = subprocess.run(
        [str(root / "pants"), "list", "::"], cwd=root, stdout=subprocess.PIPE, text=True, check=False
    )
    if result.returncode != 0:
        raise RuntimeError(f"`./pants list ::` failed (exit {result.returncode}); its errors are above")
    return frozenset(result.stdout.split())


def check(root: Path, addresses: frozenset[str] | None) -> list[str]:
    """Every problem in every doc; `addresses` None: Pants specs are checked against paths only."""
    known = Known(root, make_targets((root / "Makefile").read_text()), addresses)
    problems: list[str] = []
    for path in docs(root):
        if not path.is_file():
            continue
        commands, embeds = find_commands(str(path.relative_to(root)), path.read_text())
        created: dict[int, frozenset[str]] = {}
        for command in commands:
            so_far = created.get(command.block, frozenset()) if command.block else frozenset()
            problems += check_command(command, dataclasses.replace(known, created=so_far))
            module = created_module(command.words)
            if module and command.block:
                created[command.block] = so_far | {module}
        for embed in embeds:
            problems += check_embed(embed, root)
    return problems


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--root", type=Path, default=ROOT)
    pants = parser.add_mutually_exclusive_group()
    pants.add_argument("--pants-list", type=Path, help="addresses, one a line, instead of `./pants list ::`")
    pants.add_argument(
        "--no-pants",
        action="store_true",
        help="check Pants specs against the file tree only, not Pants' targets",
    )
    parser.add_argument(
        "--update-embeds", action="store_true", help="rewrite embedded blocks from their files"
    )
    args = parser.parse_args(argv)
    root = args.root.resolve()
    if args.update_embeds:
        for path in docs(root):
            if path.is_file() and update_embeds(path, root):
                print(f"docs check: updated the embedded blocks of {path.relative_to(root)}")
    try:
        addresses = (
            None
            if args.no_pants
            else frozenset(args.pants_list.read_text().split())
            if args.pants_list
            else pants_addresses(root)
        )
    except (OSError, RuntimeError) as error:
        print(f"docs check: cannot list Pants targets: {error}", file=sys.stderr)
        return 2
    problems = check(root, addresses)
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print(
            f"docs check: {len(problems)} problem(s) in README.md, docs/*.md, modules/*/README.md",
            file=sys.stderr,
        )
        return 1
    count = len(docs(root))
    if addresses is None:
        print(
            f"docs check: every command in {count} docs names a make target or file there is "
            "(Pants targets: not checked)"
        )
    else:
        print(f"docs check: every command in {count} docs names a make target, Pants target or file there is")
    return 0


if __name__ == "__main__":
    sys.exit(main())
