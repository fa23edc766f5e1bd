#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""
Checks the golden cases against the reference implementation, Jinja2 3.x
(Debian's python3-jinja2), configured as dbt uses it: the `do` extension,
autoescape off, no trim_blocks/lstrip_blocks, default Undefined, plus
keep_trailing_newline=True so that the output matches the file byte for
byte. dbt's own globals used by the cases (return, zip,
exceptions.raise_compiler_error, set, set_strict, local_md5,
modules.itertools) are emulated here.

For `expected` cases the output must match exactly. For `expected_error`
cases Jinja2 must fail; its message is printed with -v for comparison
(Jinja2's wording and positions differ from xform's diagnostics, which are
written by hand).

Usage: tests/golden/cases/verify_with_jinja2.py [-v] [CASE_DIR...]
"""
import json
import os
import sys

import jinja2
import jinja2.runtime


class MacroReturn(Exception):
    def __init__(self, value):
        super().__init__()
        self.value = value


class CompilerError(Exception):
    pass


def dbt_return(value):
    raise MacroReturn(value)


def raise_compiler_error(msg):
    raise CompilerError(msg)


def dbt_zip(*args, default=None):
    try:
        return list(zip(*args))
    except TypeError:
        return default


_orig_invoke = jinja2.runtime.Macro._invoke


def _invoke(self, arguments, autoescape):
    # dbt's MacroGenerator: return(x) ends the macro and the call gives x.
    try:
        return _orig_invoke(self, arguments, autoescape)
    except MacroReturn as r:
        return r.value


jinja2.runtime.Macro._invoke = _invoke


def dbt_set(value, default=None):
    # dbt's context set(): Python's set, or the default when it cannot be one
    try:
        return set(value)
    except TypeError:
        return default


def dbt_set_strict(value):
    return set(value)


def dbt_local_md5(value):
    import hashlib
    return hashlib.md5(value.encode("utf-8")).hexdigest()


def render(case):
    env = jinja2.Environment(extensions=["jinja2.ext.do"], keep_trailing_newline=True)
    ctx = {
        "return": dbt_return,
        "zip": dbt_zip,
        "exceptions": {"raise_compiler_error": raise_compiler_error},
        "set": dbt_set,
        "set_strict": dbt_set_strict,
        "local_md5": dbt_local_md5,
        "modules": {"itertools": __import__("itertools")},
    }
    cpath = os.path.join(case, "context.json")
    if os.path.exists(cpath):
        with open(cpath, encoding="utf-8") as f:
            ctx.update(json.load(f))
    mpath = os.path.join(case, "macros.sql")
    if os.path.exists(mpath):
        with open(mpath, encoding="utf-8") as f:
            mod = env.from_string(f.read()).make_module(vars=dict(ctx))
        for name in dir(mod):
            val = getattr(mod, name)
            if isinstance(val, jinja2.runtime.Macro):
                ctx[name] = val
    with open(os.path.join(case, "input.sql"), encoding="utf-8") as f:
        src = f.read()
    return env.from_string(src).render(ctx)


def cases(root):
    for group in sorted(os.listdir(root)):
        gdir = os.path.join(root, group)
        if not os.path.isdir(gdir):
            continue
        for name in sorted(os.listdir(gdir)):
            cdir = os.path.join(gdir, name)
            if os.path.isdir(cdir):
                yield cdir


def main(argv):
    verbose = "-v" in argv
    args = [a for a in argv if a != "-v"]
    root = os.path.dirname(os.path.abspath(__file__))
    todo = args or list(cases(root))
    npass = nfail = 0
    for case in todo:
        exp = os.path.join(case, "expected")
        err = os.path.join(case, "expected_error")
        stricter = os.path.join(case, "stricter")
        if os.path.exists(stricter):
            with open(stricter, encoding="utf-8") as f:
                if f.read().startswith("bomb:"):
                    # a resource bomb: Jinja2 would try to build it (gigabytes)
                    npass += 1
                    if verbose:
                        print(f"ok   {case}: not rendered (a resource bomb xform refuses)")
                    continue
        try:
            out = render(case)
            exc = None
        except Exception as e:  # noqa: BLE001 - any failure is a result here
            out, exc = None, e
        if os.path.exists(exp):
            with open(exp, encoding="utf-8") as f:
                want = f.read()
            if exc is None and out == want:
                npass += 1
                continue
            nfail += 1
            print(f"FAIL {case}")
            print(f"  want: {want!r}")
            print(f"  got:  {out!r}" if exc is None else f"  raised: {type(exc).__name__}: {exc}")
        elif os.path.exists(err) and os.path.exists(os.path.join(case, "stricter")):
            # xform refuses on purpose what Jinja2 accepts (a resource bomb, a
            # meaningless subscript): the file says why; Jinja2 must not fail
            # for another reason.
            with open(os.path.join(case, "stricter"), encoding="utf-8") as f:
                why = f.read().strip()
            if exc is None or isinstance(exc, MemoryError):
                npass += 1
                if verbose:
                    print(f"ok   {case}: stricter than Jinja2: {why}")
                continue
            nfail += 1
            print(f"FAIL {case}: marked stricter, but Jinja2 fails too: {exc}")
        elif os.path.exists(err):
            if exc is not None:
                npass += 1
                if verbose:
                    line = getattr(exc, "lineno", None)
                    print(f"ok   {case}: {type(exc).__name__} (line {line}): {exc}")
                continue
            nfail += 1
            print(f"FAIL {case}: expected an error, got {out!r}")
        else:
            nfail += 1
            print(f"FAIL {case}: no expected or expected_error")
    print(f"{npass} passed, {nfail} failed")
    return 1 if nfail else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
