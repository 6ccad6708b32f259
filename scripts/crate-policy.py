#!/usr/bin/env python3
"""Checks of the published crates that cargo itself does not make, for .ci/quality.sh.

    crate-policy.py deps CRATE...      dependency hygiene of the library crates
    crate-policy.py metadata CRATE...  crates.io metadata completeness

`deps` reads `cargo metadata` with every feature on and follows the normal and build dependencies
of the given crates (what their users compile): it fails when tokio, rustls or nom appear in more
than one semver-incompatible version, or when a CLI, log-subscriber or web-framework crate is
among them (those belong to applications: examples and benches). Duplicates elsewhere in the
workspace (bench anchors, dev-dependencies) are printed for information only.

`metadata` reads `cargo metadata --no-deps` and fails when a crate lacks what crates.io and
docs.rs need: description, license, repository, keywords, categories, an existing readme file,
docs.rs metadata, rust-version, versions on every path dependency, and a `## ` doc comment above
every feature in [features] (the form the crate docs list features from).

Python 3 standard library only.
"""

import json
import os
import subprocess
import sys
from collections import defaultdict

SINGLE_MAJOR = ("tokio", "rustls", "nom")
APPLICATION_ONLY = ("clap", "tracing-subscriber", "axum", "env_logger", "structopt")


def cargo_metadata(*args):
    out = subprocess.run(
        ["cargo", "metadata", "--format-version", "1", *args],
        check=True,
        stdout=subprocess.PIPE,
    ).stdout
    return json.loads(out)


def major(version):
    """The semver-compatibility class: `1` for 1.45.0, `0.23` for 0.23.1, `0.0.3` for 0.0.3."""
    parts = version.split("+")[0].split("-")[0].split(".")
    if parts[0] != "0":
        return parts[0]
    if len(parts) > 1 and parts[1] != "0":
        return "0." + parts[1]
    return ".".join(parts[:3])


def check_deps(crates):
    meta = cargo_metadata("--all-features")
    packages = {p["id"]: p for p in meta["packages"]}
    nodes = {n["id"]: n for n in meta["resolve"]["nodes"]}
    by_name = {p["name"]: p["id"] for p in meta["packages"] if p["source"] is None}
    errors = []

    missing = [c for c in crates if c not in by_name]
    if missing:
        errors.append("not workspace crates: " + ", ".join(missing))

    # Normal and build edges only: what a user of the crates compiles.
    reached = {}
    stack = [(by_name[c], c) for c in crates if c in by_name]
    while stack:
        pid, via = stack.pop()
        if pid in reached:
            continue
        reached[pid] = via
        for dep in nodes[pid]["deps"]:
            kinds = {k["kind"] for k in dep["dep_kinds"]}
            if kinds & {None, "build"}:
                stack.append((dep["pkg"], via))

    versions = defaultdict(set)
    for pid in reached:
        p = packages[pid]
        versions[p["name"]].add(p["version"])
        if p["name"] in APPLICATION_ONLY:
            errors.append(
                f"{p['name']} {p['version']} is a dependency of {reached[pid]} "
                "(CLI, subscriber and web crates belong to examples and benches)"
            )
    for name in SINGLE_MAJOR:
        majors = {major(v) for v in versions.get(name, ())}
        if len(majors) > 1:
            errors.append(
                f"{name} in {len(majors)} incompatible versions: "
                + ", ".join(sorted(versions[name]))
            )
        elif versions.get(name):
            print(f"ok: {name} {', '.join(sorted(versions[name]))}")

    # For information: duplicates anywhere in the workspace, dev-dependencies included.
    everywhere = defaultdict(set)
    for p in meta["packages"]:
        if p["id"] in nodes:
            everywhere[p["name"]].add(p["version"])
    dups = {n: v for n, v in everywhere.items() if len({major(x) for x in v}) > 1}
    if dups:
        print("note: incompatible duplicates in the whole workspace (incl. dev and bench deps):")
        for n in sorted(dups):
            print(f"  {n}: {', '.join(sorted(dups[n]))}")
    ok_libs = len(crates) - len(missing)
    print(f"checked {len(reached)} crates reached from {ok_libs} library crates")
    return errors


def check_metadata(crates):
    meta = cargo_metadata("--no-deps")
    packages = {p["name"]: p for p in meta["packages"]}
    errors = []
    for name in crates:
        p = packages.get(name)
        if p is None:
            errors.append(f"{name}: not a workspace crate")
            continue
        problems = []
        for field in ("description", "license", "repository", "rust_version"):
            if not p.get(field):
                problems.append(f"no {field.replace('_', '-')}")
        if p.get("license_file") and not p.get("license"):
            problems.append("license-file instead of an SPDX license expression")
        kw = p.get("keywords") or []
        if not 1 <= len(kw) <= 5:
            problems.append(f"{len(kw)} keywords (crates.io takes 1 to 5)")
        if not p.get("categories"):
            problems.append("no categories")
        readme = p.get("readme")
        crate_dir = os.path.dirname(p["manifest_path"])
        if not readme:
            problems.append("no readme")
        elif not os.path.isfile(os.path.join(crate_dir, readme)):
            problems.append(f"readme {readme} does not exist")
        if "rs" not in ((p.get("metadata") or {}).get("docs") or {}):
            problems.append("no [package.metadata.docs.rs]")
        if p.get("publish") == []:
            problems.append("publish = false")
        for dep in p["dependencies"]:
            if dep.get("path") and dep["kind"] != "dev" and dep["req"] in ("*", ""):
                problems.append(f"path dependency {dep['name']} has no version")
        problems.extend(undocumented_features(p["manifest_path"]))
        if problems:
            errors.extend(f"{name}: {x}" for x in problems)
        else:
            print(f"ok: {name} {p['version']} metadata complete")
    return errors


def undocumented_features(manifest_path):
    """Features of [features] without a `## ` doc comment above them (`default` excepted)."""
    problems = []
    in_features = False
    documented = False
    with open(manifest_path) as f:
        for line in f:
            line = line.strip()
            if line.startswith("["):
                in_features = line == "[features]"
                documented = False
                continue
            if not in_features or not line:
                continue
            if line.startswith("##"):
                documented = True
                continue
            if line.startswith("#"):
                continue
            feature = line.split("=", 1)[0].strip().strip('"')
            if "=" in line and feature != "default" and not documented:
                problems.append(f"feature `{feature}` has no `## ` doc comment in Cargo.toml")
            documented = False
    return problems


def main():
    if len(sys.argv) < 3 or sys.argv[1] not in ("deps", "metadata"):
        print(__doc__, file=sys.stderr)
        return 2
    check = check_deps if sys.argv[1] == "deps" else check_metadata
    errors = check(sys.argv[2:])
    for e in errors:
        print(f"error: {e}", file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
