"""The `sitegen` command line: parses arguments, runs a command, prints its
diagnostics and maps the outcome to an exit code (0 ok, 1 content errors,
2 usage errors)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from sitegen import __version__
from sitegen.diagnostics import Diagnostic, summary_line

EXIT_OK, EXIT_CONTENT, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse exits with 2 on usage errors too; keep its text short
        self.print_usage(sys.stderr)
        print(f"sitegen: error: {message}", file=sys.stderr)
        raise SystemExit(EXIT_USAGE)


def make_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="sitegen", description="A fact-tracking static site generator.")
    parser.add_argument("--version", action="version", version=f"sitegen {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    commands.required = True

    build = commands.add_parser("build", help="build the site into the output folder")
    build.add_argument("dir", nargs="?", default=".", help="the site folder (default: .)")
    build.add_argument("-o", "--output", help="output folder (default: DIR/output)")
    build.add_argument("--base-url", help="absolute URL the site is published at (overrides base_url)")
    build.add_argument("--drafts", action="store_true", help="include drafts")
    build.add_argument("--strict", action="store_true", help="treat warnings as errors")
    build.add_argument("--watch", action="store_true", help="rebuild on every change")
    build.add_argument("-q", "--quiet", action="store_true", help="print only problems")

    serve = commands.add_parser("serve", help="build, serve and live-reload the site")
    serve.add_argument("dir", nargs="?", default=".")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--open", action="store_true", help="open a browser")
    serve.add_argument("--drafts", action="store_true")

    check = commands.add_parser("check", help="report problems without writing anything")
    check.add_argument("dir", nargs="?", default=".")
    check.add_argument("--strict", action="store_true", help="treat warnings as errors")
    check.add_argument("--format", choices=("text", "json"), default="text")
    check.add_argument("--drafts", action="store_true")

    new = commands.add_parser("new", help="write a new article, page or fact sheet to fill in")
    new.add_argument("what", choices=("article", "person", "place", "event", "organisation", "page"), metavar="KIND",
                     help="article, person, place, event, organisation or page")
    new.add_argument("title", metavar="TITLE", help="the article's title or the entity's name (quote it)")
    new.add_argument("dir", nargs="?", default=".", help="the site folder (default: .)")
    new.add_argument("--id", help="the id (file name) to use instead of one made from TITLE")

    init = commands.add_parser("init", help="create a new site skeleton in an empty folder")
    init.add_argument("dir", metavar="DIR", help="the folder to create (must be new or empty)")

    publish = commands.add_parser("publish", help="check strictly, build and publish the site")
    publish.add_argument("target", metavar="TARGET",
                         help="a folder, an rsync destination (host:path, rsync://...), git:BRANCH or git+REMOTE#BRANCH")
    publish.add_argument("dir", nargs="?", default=".", help="the site folder (default: .)")
    publish.add_argument("--base-url", help="absolute URL the site is published at (overrides base_url)")
    publish.add_argument("-m", "--message", help="commit message for git targets")
    publish.add_argument("-q", "--quiet", action="store_true", help="print only problems")
    return parser


def check_base_url(value: str | None) -> None:
    """--base-url takes what `base_url` in sitegen.yaml takes: an http(s) URL."""
    from sitegen.schema import is_http_url

    if value is not None and not is_http_url(value):
        raise UsageError(f"--base-url must be an http(s) URL such as https://example.org/tracker/, not '{value}'")


def site_root(path: str) -> Path:
    root = Path(path)
    if not root.is_dir():
        raise UsageError(f"no such folder: {path}")
    return root


def print_diagnostics(diagnostics: list[Diagnostic]) -> None:
    for diagnostic in diagnostics:
        print(diagnostic.format(), file=sys.stderr)


def print_summary(errors: int, warnings: int) -> None:
    print(summary_line(errors, warnings), file=sys.stderr)


def make_progress(quiet: bool):
    """A progress line for long builds, only when stdout is a terminal and not -q."""
    if quiet or not sys.stdout.isatty():
        return None
    from sitegen.progress import TerminalProgress

    return TerminalProgress()


def command_build(args) -> int:
    from sitegen.build import build

    root = site_root(args.dir)
    check_base_url(args.base_url)
    out_dir = Path(args.output) if args.output else root / "output"
    if args.watch:
        from sitegen.watch import watch_build

        return watch_build(root, out_dir, args)
    progress = make_progress(args.quiet)
    result = build(root, out_dir, base_url=args.base_url, drafts=args.drafts, strict=args.strict, progress=progress)
    if progress is not None:
        progress.done()
    print_diagnostics(result.diagnostics)
    if result.diagnostics or not args.quiet:
        print_summary(result.errors, result.warnings)
    if result.failed(args.strict):
        print("build failed; the previous output was left as it was", file=sys.stderr)
        return EXIT_CONTENT
    if not args.quiet and result.up_to_date:
        print(f"{out_dir} is up to date: nothing changed since the last build ({result.seconds:.2f} s)")
    elif not args.quiet and result.write is not None:
        pages = sum(1 for name in result.rendered if name.endswith(".html"))
        print(
            f"built {pages} pages into {out_dir} in {result.seconds:.2f} s "
            f"({len(result.write.written)} written, {len(result.write.unchanged)} unchanged, {len(result.write.removed)} removed)"
        )
    return EXIT_OK


def command_check(args) -> int:
    from sitegen.build import Builder

    root = site_root(args.dir)
    result = Builder(root, drafts=args.drafts).check()
    failed = result.failed(args.strict)
    if args.format == "json":
        report = {
            "diagnostics": [d.as_json() for d in result.diagnostics],
            "summary": {"errors": result.errors, "warnings": result.warnings, "ok": not failed},
        }
        print(json.dumps(report, indent=2, ensure_ascii=False))
    else:
        print_diagnostics(result.diagnostics)
        print_summary(result.errors, result.warnings)
    return EXIT_CONTENT if failed else EXIT_OK


def command_serve(args) -> int:
    from sitegen.server import serve

    return serve(site_root(args.dir), args)


def command_new(args) -> int:
    from sitegen.scaffold import ScaffoldError, ScaffoldUsageError, new_file

    root = Path(args.dir)
    try:
        path = new_file(root, args.what, args.title, file_id=args.id)
    except ScaffoldUsageError as err:
        raise UsageError(str(err)) from None
    except ScaffoldError as err:
        print(f"sitegen: error: {err}", file=sys.stderr)
        return EXIT_CONTENT
    print(f"created {path}")
    return EXIT_OK


def command_init(args) -> int:
    from sitegen.scaffold import ScaffoldError, init_site

    root = Path(args.dir)
    try:
        written = init_site(root)
    except ScaffoldError as err:
        print(f"sitegen: error: {err}", file=sys.stderr)
        return EXIT_CONTENT
    for path in written:
        print(f"created {path}")
    print(f"next: sitegen serve {args.dir}   (then sitegen new article \"Title\" {args.dir})")
    return EXIT_OK


def command_publish(args) -> int:
    import tempfile

    from sitegen.build import Builder, build
    from sitegen.publish import PublishError, TargetError, parse_target, publish_output

    root = site_root(args.dir)
    check_base_url(args.base_url)
    try:
        target = parse_target(args.target, root)
    except TargetError as err:
        raise UsageError(str(err)) from None
    except PublishError as err:
        print(f"sitegen: error: {err}", file=sys.stderr)
        return EXIT_CONTENT
    checked = Builder(root, base_url=args.base_url).check()
    if checked.failed(strict=True):
        print_diagnostics(checked.diagnostics)
        print_summary(checked.errors, checked.warnings)
        print("not published: `sitegen check --strict` fails; nothing was touched", file=sys.stderr)
        return EXIT_CONTENT
    with tempfile.TemporaryDirectory(prefix="sitegen-publish-") as tmp:
        out_dir = Path(tmp) / "site"
        progress = make_progress(args.quiet)
        result = build(root, out_dir, base_url=args.base_url, strict=True, progress=progress)
        if progress is not None:
            progress.done()
        if result.failed(strict=True) or result.write is None:
            print_diagnostics(result.diagnostics)
            print_summary(result.errors, result.warnings)
            print("not published: the strict build failed; nothing was touched", file=sys.stderr)
            return EXIT_CONTENT
        try:
            published = publish_output(out_dir, target, root, message=args.message)
        except PublishError as err:
            print(f"sitegen: error: {err}", file=sys.stderr)
            return EXIT_CONTENT
    if not args.quiet:
        print(published.summary(target))
    return EXIT_OK


COMMANDS = {
    "build": command_build,
    "check": command_check,
    "serve": command_serve,
    "new": command_new,
    "init": command_init,
    "publish": command_publish,
}


def main(argv: list[str] | None = None) -> int:
    args = make_parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except UsageError as err:
        print(f"sitegen: error: {err}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # the reader of our output went away (`sitegen check | head`): stop quietly
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_CONTENT
    except OSError as err:
        # The machine, not the content: a full disk, a folder that vanished.
        # Each stage reports what it can; this is the last line of defence.
        where = f": {err.filename}" if err.filename else ""
        print(f"sitegen: error: {err.strerror or err}{where}", file=sys.stderr)
        return EXIT_CONTENT
