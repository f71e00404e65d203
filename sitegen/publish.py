"""`sitegen publish TARGET`: put a built site on a host.

The command line builds the site (only if `check --strict` passes) into a
temporary folder; this module then copies that folder to the target:

- a local folder: only files whose bytes changed are written (each one
  atomically), files no longer produced are removed, unchanged files are
  not touched (same inode, same mtime) -- what `rsync --delete --checksum`
  does, in Python;
- an rsync destination (`host:path`, `user@host:path`, `rsync://...`): the
  `rsync` binary with `--recursive --checksum --delete-after`;
- a git branch (`git:BRANCH` pushes to the site repository's `origin`;
  `git+REMOTE#BRANCH` to any remote, URL or path): the output, plus
  `.nojekyll`, becomes the sole content of BRANCH in a new commit on top of
  the branch's previous tip (or a first, parentless one), made in a
  temporary repository, and is pushed -- GitHub Pages style.

sitegen's own build manifest is never published.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from sitegen import __version__
from sitegen.write import MANIFEST, unsafe_target

GIT_TIMEOUT = 600
RSYNC_TIMEOUT = 3600


class PublishError(Exception):
    """Publishing failed or was refused; the message says why."""


class TargetError(PublishError):
    """TARGET cannot be understood (a usage error)."""


@dataclass(frozen=True)
class Target:
    kind: str
    """'folder', 'rsync' or 'git'."""
    location: str
    """The folder, the rsync destination, or the git remote (URL or path)."""
    branch: str = ""

    def describe(self) -> str:
        if self.kind == "git":
            return f"branch {self.branch} of {self.location}"
        return self.location


@dataclass
class PublishResult:
    copied: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: int = 0
    commit: str = ""
    """For git targets: the commit pushed ('' when the branch was already up to date)."""

    def summary(self, target: Target) -> str:
        if target.kind == "git":
            if not self.commit:
                return f"{target.describe()} is already up to date"
            return f"published commit {self.commit[:12]} to {target.describe()}"
        return (
            f"published to {target.describe()}: {len(self.copied)} copied, "
            f"{len(self.removed)} removed, {self.unchanged} unchanged"
        )


_SCP_LIKE = re.compile(r"^(?:[^@/:]+@)?[^/:]+:")
_BRANCH_OK = re.compile(r"^(?!/)(?!.*(?:\.\.|//|@\{|\.lock$|/$|\.$))[^\s~^:?*\[\\]+$")


def _check_branch(branch: str) -> str:
    if not branch or not _BRANCH_OK.match(branch):
        raise TargetError(f"not a valid branch name: {branch!r}")
    return branch


def parse_target(text: str, site_root: Path) -> Target:
    """Reads TARGET: `git:BRANCH`, `git+REMOTE#BRANCH`, `rsync://...`, `[user@]host:path`, or a folder."""
    if not text:
        raise TargetError("the publish target is empty")
    if text.startswith("git:") and "//" not in text:
        return Target("git", git_remote_url(site_root, "origin"), _check_branch(text[4:]))
    if text.startswith("git+"):
        remote, _, branch = text[4:].partition("#")
        if not remote:
            raise TargetError(f"no remote in {text!r}; write git+REMOTE#BRANCH")
        return Target("git", resolve_remote(remote, site_root), _check_branch(branch or "gh-pages"))
    if text.startswith("rsync://"):
        return Target("rsync", text)
    if _SCP_LIKE.match(text) and not text.startswith(("./", "../", "/", "~")):
        return Target("rsync", text)
    return Target("folder", str(Path(text).expanduser()))


_GIT_LOCATION_VARS = {"GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY", "GIT_COMMON_DIR", "GIT_PREFIX"}


def _subcommand(args: tuple[str, ...]) -> str:
    """The git command in an argument list, past options such as `-c key=value`."""
    skip = False
    for arg in args:
        if skip:
            skip = False
        elif arg in ("-c", "--git-dir", "--work-tree", "-C"):
            skip = True
        elif not arg.startswith("-"):
            return arg
    return args[0] if args else ""


def _git(*args: str, cwd: Path | None = None, env: dict | None = None, check: bool = True) -> subprocess.CompletedProcess:
    git = shutil.which("git")
    if git is None:
        raise PublishError("git is not installed")
    env = {k: v for k, v in (env or os.environ).items() if k not in _GIT_LOCATION_VARS}
    proc = subprocess.run(
        [git, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=GIT_TIMEOUT, stdin=subprocess.DEVNULL
    )
    if check and proc.returncode != 0:
        message = " ".join((proc.stderr or proc.stdout).split()) or f"exit status {proc.returncode}"
        raise PublishError(f"git {_subcommand(args)} failed: {message}")
    return proc


def git_remote_url(site_root: Path, name: str) -> str:
    """The URL of remote `name` of the git repository holding the site."""
    top = _git("rev-parse", "--show-toplevel", cwd=site_root, check=False)
    if top.returncode != 0:
        raise TargetError(f"{site_root} is not in a git repository, so it has no '{name}' remote; use git+REMOTE#BRANCH")
    url = _git("remote", "get-url", name, cwd=site_root, check=False)
    if url.returncode != 0:
        raise TargetError(f"the site's git repository has no remote named '{name}'; use git+REMOTE#BRANCH")
    value = url.stdout.strip()
    if "://" not in value and not _SCP_LIKE.match(value) and not os.path.isabs(value):
        value = str((Path(top.stdout.strip()) / value).resolve())  # a relative path, relative to the repository
    return value


def resolve_remote(remote: str, site_root: Path) -> str:
    """A remote URL as git understands it from anywhere: paths become absolute,
    a bare name (`origin`) is looked up in the site's repository."""
    if "://" in remote or _SCP_LIKE.match(remote):
        return remote
    path = Path(remote).expanduser()
    if path.exists() or os.sep in remote or remote.startswith("."):
        return str(path.resolve())
    return git_remote_url(site_root, remote)


# -- local folder ---------------------------------------------------------------


def output_files(build_dir: Path) -> list[str]:
    """Every file of a built site, as sorted POSIX paths, without sitegen's manifest."""
    files = []
    for dirpath, dirnames, filenames in os.walk(build_dir):
        dirnames.sort()
        for name in filenames:
            rel = (Path(dirpath) / name).relative_to(build_dir).as_posix()
            if rel != MANIFEST:
                files.append(rel)
    return sorted(files)


def check_folder_target(dest: Path, site_root: Path) -> None:
    """Refuses a folder whose contents must not be replaced by a site."""
    reason = unsafe_target(site_root, dest)
    if reason is not None:
        raise PublishError(f"refusing to publish to {dest}: {reason}")
    if (dest / MANIFEST).exists():
        raise PublishError(f"refusing to publish to {dest}: it is a build output folder (sitegen build writes there); publish to another folder")
    if dest.is_dir() and any(dest.iterdir()) and not (dest / "index.html").exists():
        raise PublishError(
            f"refusing to publish to {dest}: the folder is not empty and holds no published site (no index.html); "
            "publish into an empty folder"
        )


def _same_file(src: Path, dst: Path) -> bool:
    if dst.is_symlink() or not dst.is_file():
        return False
    if src.stat().st_size != dst.stat().st_size:
        return False
    with open(src, "rb") as a, open(dst, "rb") as b:
        while True:
            chunk = a.read(1 << 20)
            if chunk != b.read(1 << 20):
                return False
            if not chunk:
                return True


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)


def sync_folder(build_dir: Path, dest: Path) -> PublishResult:
    """Makes `dest` hold exactly the built site, touching only what changed."""
    result = PublishResult()
    wanted = output_files(build_dir)
    wanted_set = set(wanted)
    wanted_dirs = {p for rel in wanted for p in Path(rel).parents if str(p) != "."}
    try:
        dest.mkdir(parents=True, exist_ok=True)
        for rel in wanted:
            src, dst = build_dir / rel, dest / rel
            for parent in reversed(Path(rel).parents):  # a file where a folder must go
                where = dest / parent
                if str(parent) != "." and (where.is_symlink() or (where.exists() and not where.is_dir())):
                    _remove(where)
            if _same_file(src, dst):
                result.unchanged += 1
                continue
            if dst.is_dir() and not dst.is_symlink():
                shutil.rmtree(dst)
            dst.parent.mkdir(parents=True, exist_ok=True)
            tmp = dst.with_name(f".{dst.name}.sitegen-tmp")
            shutil.copyfile(src, tmp)
            os.chmod(tmp, 0o644)
            os.replace(tmp, dst)
            result.copied.append(rel)
        for dirpath, dirnames, filenames in os.walk(dest, topdown=False):
            here = Path(dirpath)
            for name in filenames + [d for d in dirnames if (here / d).is_symlink()]:
                rel = (here / name).relative_to(dest).as_posix()
                if rel not in wanted_set:
                    (here / name).unlink()
                    result.removed.append(rel)
            if here != dest:
                rel_dir = here.relative_to(dest)
                if rel_dir not in wanted_dirs and not any(here.iterdir()):
                    here.rmdir()
    except OSError as err:
        raise PublishError(f"cannot publish to {dest}: {err.strerror or err} ({err.filename or dest})") from None
    result.removed.sort()
    return result


# -- rsync ----------------------------------------------------------------------------


def rsync(build_dir: Path, destination: str) -> PublishResult:
    """Copies the built site with the rsync binary: changed files only, stale ones deleted."""
    binary = shutil.which("rsync")
    if binary is None:
        raise PublishError("rsync is not installed; install it (e.g. apt-get install rsync) or publish to a folder")
    dest = destination if destination.endswith("/") else destination + "/"
    command = [
        binary, "--recursive", "--links", "--checksum", "--delete-after", "--itemize-changes",
        f"--exclude=/{MANIFEST}", "--", f"{build_dir}/", dest,
    ]
    try:
        proc = subprocess.run(command, capture_output=True, text=True, timeout=RSYNC_TIMEOUT, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        raise PublishError(f"rsync to {destination} timed out") from None
    if proc.returncode != 0:
        message = " ".join(proc.stderr.split())[-500:] or f"exit status {proc.returncode}"
        raise PublishError(f"rsync to {destination} failed: {message}")
    result = PublishResult()
    for line in proc.stdout.splitlines():
        change, _, name = line.partition(" ")
        if change.startswith("*deleting"):
            result.removed.append(name.strip())
        elif len(change) > 1 and change[0] in "<>ch" and change[1] == "f":
            result.copied.append(name.strip())
    result.unchanged = len(output_files(build_dir)) - len(result.copied)
    return result


# -- git -------------------------------------------------------------------------------


def _identity_env() -> dict:
    """The environment for git commits: the user's identity, or sitegen's when none is set."""
    env = dict(os.environ)
    for role in ("AUTHOR", "COMMITTER"):
        for what, key, fallback in (("NAME", "user.name", "sitegen"), ("EMAIL", "user.email", "sitegen@localhost")):
            var = f"GIT_{role}_{what}"
            if env.get(var):
                continue
            configured = _git("config", "--get", key, check=False).stdout.strip()
            if not configured:
                env[var] = fallback
    return env


def default_message(site_root: Path) -> str:
    head = _git("rev-parse", "--short", "HEAD", cwd=site_root, check=False)
    source = f" from {head.stdout.strip()}" if head.returncode == 0 and head.stdout.strip() else ""
    return f"Publish site{source} (sitegen {__version__})"


def push_branch(build_dir: Path, remote: str, branch: str, message: str) -> PublishResult:
    """Commits the built site as the whole content of `branch` and pushes it to `remote`."""
    result = PublishResult()
    (build_dir / ".nojekyll").touch()  # GitHub Pages: serve the files as they are
    env = _identity_env()
    with tempfile.TemporaryDirectory(prefix="sitegen-publish-") as tmp:
        repo = Path(tmp) / "repo"
        _git("init", "-q", str(repo))
        _git("symbolic-ref", "HEAD", f"refs/heads/{branch}", cwd=repo)
        (repo / ".git" / "info").mkdir(parents=True, exist_ok=True)
        (repo / ".git" / "info" / "exclude").write_text(f"/{MANIFEST}\n", encoding="utf-8")
        heads = _git("ls-remote", "--heads", remote, f"refs/heads/{branch}", cwd=repo).stdout.strip()
        if heads:
            fetched = _git("fetch", "-q", "--depth=1", remote, f"refs/heads/{branch}", cwd=repo, check=False)
            if fetched.returncode != 0:
                _git("fetch", "-q", remote, f"refs/heads/{branch}", cwd=repo)
            _git("update-ref", f"refs/heads/{branch}", "FETCH_HEAD", cwd=repo)
        tree = ["--git-dir", str(repo / ".git"), "--work-tree", str(build_dir)]
        _git(*tree, "add", "--all", "--force", ".", cwd=build_dir)  # --force: ignore the user's global excludes
        _git(*tree, "rm", "-q", "--cached", "--ignore-unmatch", MANIFEST, cwd=build_dir)
        if heads and _git("diff", "--cached", "--quiet", "HEAD", cwd=repo, check=False).returncode == 0:
            return result  # the branch already holds exactly this site
        _git("-c", "commit.gpgsign=false", *tree, "commit", "-q", "--no-verify", "-m", message, cwd=build_dir, env=env)
        result.commit = _git("rev-parse", "HEAD", cwd=repo).stdout.strip()
        changed = _git("show", "--name-status", "--format=", "HEAD", cwd=repo).stdout.splitlines()
        for line in changed:
            status, _, name = line.partition("\t")
            (result.removed if status.startswith("D") else result.copied).append(name)
        _git("push", "-q", remote, f"refs/heads/{branch}:refs/heads/{branch}", cwd=repo, env=env)
    return result


def publish_output(build_dir: Path, target: Target, site_root: Path, message: str | None = None) -> PublishResult:
    """Publishes an already built, checked site folder to `target`."""
    if target.kind == "folder":
        dest = Path(target.location)
        check_folder_target(dest, site_root)
        return sync_folder(build_dir, dest)
    if target.kind == "rsync":
        return rsync(build_dir, target.location)
    return push_branch(build_dir, target.location, target.branch, message or default_message(site_root))
