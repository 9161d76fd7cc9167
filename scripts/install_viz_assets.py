#!/usr/bin/env python3
"""Fill Solara's CDN proxy cache so Mesa's SolaraViz works with no internet.

Run it with the project's virtual-environment Python, after
``pip install "mesa[rec]>=3.3,<3.4" "ipyvuetify<2" solara-assets``::

    .venv/bin/python scripts/install_viz_assets.py            # what matplotlib pages need
    .venv/bin/python scripts/install_viz_assets.py --altair   # + vega/vega-lite/vega-embed
    .venv/bin/python scripts/install_viz_assets.py --check    # verify only, no network

Solara serves its JavaScript/CSS through ``/_solara/cdn/<npm name>@<version>/<path>``
and, on a cache miss, fetches it from a public CDN (which fails offline: the page
then gets 404s and the server logs "Could not load URL"). The ``solara-assets``
package pre-fills most of that cache. This script adds the few files it lacks,
taken from the npm registry with ``npm pack NAME@VERSION``; only the listed files
are unpacked, into ``<cache>/NAME@VERSION/<path>``, where NAME@VERSION is spelled
exactly as the page requests it (e.g. ``vega@5``, not the resolved ``vega@5.33.1``).

Stdlib only. Idempotent: an asset whose files are all present is skipped.
Exit codes: 0 ok, 1 ``--check`` found something missing, 2 npm/unpack failure.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Asset:
    """One npm package as the page requests it, and the files to take from it."""

    spec: str  # NAME@VERSION exactly as in the /_solara/cdn/ URL
    files: tuple[str, ...]  # paths the page requests; all must exist afterwards
    extras: tuple[str, ...] = field(default=())  # glob patterns unpacked too (e.g. fonts)
    why: str = ""


# Requested by every page that shows solara.Markdown (Mesa's SolaraViz does not
# itself, but any Markdown component does): solara loads KaTeX's auto-render on
# mount; fonts are fetched only when math is rendered.
BASE_ASSETS: tuple[Asset, ...] = (
    Asset(
        spec="katex@0.16.9",
        files=(
            "dist/katex.min.css",
            "dist/katex.min.js",
            "dist/contrib/auto-render.min.js",
        ),
        extras=("dist/fonts/*.woff2",),
        why="solara.Markdown math (KaTeX)",
    ),
)

# Requested by solara.FigureAltair (Mesa's altair backend). solara-assets ships
# vega@5.21.0 etc., but the page asks for the major-only names below.
ALTAIR_ASSETS: tuple[Asset, ...] = (
    Asset("vega@5", ("build/vega.min.js",), why="altair charts"),
    Asset("vega-lite@5", ("build/vega-lite.min.js",), why="altair charts"),
    Asset("vega-embed@6", ("build/vega-embed.min.js",), why="altair charts"),
)

# Shipped by solara-assets; only checked, never fetched (install solara-assets).
SOLARA_ASSETS_PROBES: tuple[str, ...] = (
    "requirejs@2.3.6/require.js",
    "font-awesome@4.5.0/css/font-awesome.min.css",
)


class InstallError(Exception):
    """npm or unpacking failed."""


def default_cache_dir() -> Path:
    """Solara's proxy cache dir, as the server in this Python will use it."""
    try:
        import solara.server.settings as solara_settings  # the running venv's solara

        return Path(solara_settings.assets.proxy_cache_dir)
    except Exception:  # noqa: BLE001 - solara missing/broken: fall back to its default
        env = os.environ.get("SOLARA_ASSETS_PROXY_CACHE_DIR")
        return Path(env) if env else Path(sys.prefix) / "share" / "solara" / "cdn"


def is_present(cache: Path, asset: Asset) -> bool:
    """True when every required file of ``asset`` is already in the cache."""
    root = cache / asset.spec
    return all((root / f).is_file() for f in asset.files)


def npm_pack(spec: str, dest: Path, npm: str) -> tuple[Path, str]:
    """``npm pack spec`` into ``dest``; return (tarball path, resolved version)."""
    cmd = [npm, "pack", spec, "--json", "--pack-destination", str(dest)]
    try:
        proc = subprocess.run(cmd, cwd=dest, capture_output=True, text=True, timeout=600, check=False)
    except FileNotFoundError as e:
        raise InstallError(f"npm not found ({npm!r}); install Node.js/npm (apt-get install -y npm)") from e
    except subprocess.TimeoutExpired as e:
        raise InstallError(f"`{' '.join(cmd)}` timed out after 600 s") from e
    if proc.returncode != 0:
        lines = [
            ln
            for ln in (proc.stderr or proc.stdout).strip().splitlines()
            if " at " not in ln and "warn" not in ln
        ]
        tail = "\n".join(lines[-12:])
        raise InstallError(f"`{' '.join(cmd)}` failed with exit code {proc.returncode}:\n{tail}")
    version = "?"
    try:
        info = json.loads(proc.stdout)[0]
        version = str(info.get("version", "?"))
        tarball = dest / info["filename"]
    except (ValueError, KeyError, IndexError, TypeError):
        tarballs = sorted(dest.glob("*.tgz"))
        if not tarballs:
            raise InstallError(f"`{' '.join(cmd)}` produced no tarball") from None
        tarball = tarballs[-1]
    if not tarball.is_file():
        raise InstallError(f"`{' '.join(cmd)}` did not write {tarball}")
    return tarball, version


def unpack_selected(tarball: Path, asset: Asset, target: Path) -> list[str]:
    """Copy the asset's files (and extras) from ``package/`` in the tarball to ``target``."""
    wanted: list[tuple[str, tarfile.TarInfo]] = []
    with tarfile.open(tarball, "r:gz") as tar:
        members = {}
        for m in tar.getmembers():
            if not m.isfile():
                continue
            name = m.name.split("/", 1)[1] if "/" in m.name else m.name  # strip "package/"
            members[name] = m
        for f in asset.files:
            if f not in members:
                raise InstallError(f"{asset.spec}: {f} is not in {tarball.name}")
            wanted.append((f, members[f]))
        for pattern in asset.extras:
            wanted += [
                (n, m)
                for n, m in sorted(members.items())
                if fnmatch.fnmatch(n, pattern) and n not in asset.files
            ]
        for rel, member in wanted:
            if rel.startswith("/") or ".." in Path(rel).parts:
                raise InstallError(f"{asset.spec}: unsafe path {rel!r} in tarball")
            out = target / rel
            out.parent.mkdir(parents=True, exist_ok=True)
            src = tar.extractfile(member)
            if src is None:
                raise InstallError(f"{asset.spec}: cannot read {rel}")
            tmp = out.with_name(f".{out.name}.tmp-{os.getpid()}")
            with src, open(tmp, "wb") as dst:
                shutil.copyfileobj(src, dst)
            os.replace(tmp, out)  # a file in the cache is always complete
    return [rel for rel, _ in wanted]


def install(cache: Path, assets: tuple[Asset, ...], npm: str) -> None:
    """Fetch every missing asset into ``cache``; print one line per asset."""
    cache.mkdir(parents=True, exist_ok=True)
    for asset in assets:
        target = cache / asset.spec
        if is_present(cache, asset):
            print(f"skip     {asset.spec:<16} already in {target}", flush=True)
            continue
        with tempfile.TemporaryDirectory(prefix="viz-assets-") as tmp:
            tarball, version = npm_pack(asset.spec, Path(tmp), npm)
            files = unpack_selected(tarball, asset, target)
        size = sum((target / f).stat().st_size for f in files)
        print(
            f"install  {asset.spec:<16} npm {version}: {len(files)} files, "
            f"{size / 1024:.0f} KiB -> {target}  ({asset.why})",
            flush=True,
        )


def check(cache: Path, assets: tuple[Asset, ...]) -> bool:
    """Print one line per asset; return True when everything is present."""
    ok = True
    for probe in SOLARA_ASSETS_PROBES:
        present = (cache / probe).is_file()
        ok &= present
        print(
            f"{'ok' if present else 'MISSING':<8} {probe}"
            + ("" if present else "  (pip install solara-assets)")
        )
    for asset in assets:
        present = is_present(cache, asset)
        ok &= present
        print(f"{'ok' if present else 'MISSING':<8} {asset.spec:<16} in {cache / asset.spec}")
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--altair", action="store_true", help="also install vega@5, vega-lite@5, vega-embed@6"
    )
    parser.add_argument(
        "--cache-dir", type=Path, default=None, help="default: solara.server.settings.assets.proxy_cache_dir"
    )
    parser.add_argument(
        "--check", action="store_true", help="only report what is missing (exit 1 if anything is)"
    )
    parser.add_argument("--npm", default=os.environ.get("NPM", "npm"), help="npm executable (default: npm)")
    args = parser.parse_args(argv)

    cache = (args.cache_dir or default_cache_dir()).resolve()
    assets = BASE_ASSETS + (ALTAIR_ASSETS if args.altair else ())
    print(f"solara cdn cache: {cache}", flush=True)
    if args.check:
        return 0 if check(cache, assets) else 1
    if not (cache / SOLARA_ASSETS_PROBES[0]).is_file():
        print(
            f"warning: {SOLARA_ASSETS_PROBES[0]} not in the cache; is solara-assets installed in this venv?",
            file=sys.stderr,
        )
    try:
        install(cache, assets, args.npm)
    except InstallError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
