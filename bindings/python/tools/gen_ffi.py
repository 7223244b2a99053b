#!/usr/bin/env python3
"""Generates ``dms_progress/_ffi_gen.py`` (ctypes declarations) from ``include/dms_progress.h``.

The header is the single source of truth: this script runs it through the C preprocessor
(``gcc -E``, or ``$CC -E``) against tiny stand-in system headers, parses the result with
pycparser, and writes one ctypes declaration per type, enum value and function.

    python bindings/python/tools/gen_ffi.py            # rewrite the committed module
    python bindings/python/tools/gen_ffi.py --stdout   # print it instead

pycparser is a development dependency only; the package itself never imports it.
"""

from __future__ import annotations

import argparse
import os
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Dict, List, Tuple

HERE = Path(__file__).resolve().parent
PACKAGE_ROOT = HERE.parent
REPO_ROOT = PACKAGE_ROOT.parent.parent
HEADER = REPO_ROOT / "include" / "dms_progress.h"
OUTPUT = PACKAGE_ROOT / "src" / "dms_progress" / "_ffi_gen.py"
REGENERATE = "python bindings/python/tools/gen_ffi.py"

# Stand-ins for the three system headers the C API includes. Using them instead of the real
# ones keeps the output independent of the machine's libc and keeps GCC extensions away from
# pycparser. Each typedef name maps to a ctypes type below.
FAKE_HEADERS = {
    "stdbool.h": "#define bool _Bool\n#define true 1\n#define false 0\n",
    "stddef.h": "typedef unsigned long size_t;\n#define NULL ((void*)0)\n",
    "stdint.h": "".join(
        f"typedef int {name};\n"
        for name in ("int8_t", "int16_t", "int32_t", "int64_t", "uint8_t", "uint16_t", "uint32_t", "uint64_t", "uintptr_t")
    ),
}

PRIMITIVES = {
    "void": None,
    "_Bool": "ctypes.c_bool",
    "char": "ctypes.c_char",
    "int": "ctypes.c_int",
    "unsigned int": "ctypes.c_uint",
    "size_t": "ctypes.c_size_t",
    "int8_t": "ctypes.c_int8",
    "int16_t": "ctypes.c_int16",
    "int32_t": "ctypes.c_int32",
    "int64_t": "ctypes.c_int64",
    "uint8_t": "ctypes.c_uint8",
    "uint16_t": "ctypes.c_uint16",
    "uint32_t": "ctypes.c_uint32",
    "uint64_t": "ctypes.c_uint64",
    "uintptr_t": "ctypes.c_size_t",
}


def preprocess(header: Path) -> str:
    cc = shlex.split(os.environ.get("CC", "gcc"))
    with tempfile.TemporaryDirectory(prefix="dms_progress_gen_") as tmp:
        for name, text in FAKE_HEADERS.items():
            Path(tmp, name).write_text(text)
        # -std=c11: the header's C23 branches (enums with a fixed underlying type) stay off,
        # so each enum's typedef is its fixed-width integer, as in every pre-C23 compiler.
        cmd = [*cc, "-E", "-std=c11", "-nostdinc", "-I", tmp, str(header)]
        out = subprocess.run(cmd, check=True, stdout=subprocess.PIPE, text=True)
        return out.stdout


class Generator:
    def __init__(self, ast, header_name: str) -> None:
        from pycparser import c_ast

        self.c_ast = c_ast
        self.ast = ast
        self.header_name = header_name
        self.structs: List[str] = []
        self.enums: List[Tuple[str, List[Tuple[str, int]]]] = []
        self.typedefs: List[Tuple[str, str]] = []
        self.functions: List[Tuple[str, str, List[Tuple[str, str]]]] = []
        self.known_typedefs: Dict[str, str] = {}

    def from_header(self, node) -> bool:
        return node.coord is not None and Path(str(node.coord.file)).name == self.header_name

    def collect(self) -> None:
        c_ast = self.c_ast
        for node in self.ast.ext:
            if not self.from_header(node):
                continue
            if isinstance(node, c_ast.Decl) and isinstance(node.type, c_ast.Enum):
                self.add_enum(node.type)
            elif isinstance(node, c_ast.Decl) and isinstance(node.type, c_ast.Struct):
                self.add_struct(node.type.name)
            elif isinstance(node, c_ast.Typedef):
                self.add_typedef(node)
            elif isinstance(node, c_ast.Decl) and isinstance(node.type, c_ast.FuncDecl):
                self.add_function(node)
            else:
                raise SystemExit(f"gen_ffi: unsupported declaration at {node.coord}: {type(node).__name__}")

    def add_enum(self, enum) -> None:
        values: List[Tuple[str, int]] = []
        nxt = 0
        for e in enum.values.enumerators:
            if e.value is not None:
                nxt = int(e.value.value.rstrip("uUlL"), 0)
            values.append((e.name, nxt))
            nxt += 1
        self.enums.append((enum.name, values))

    def add_struct(self, name: str) -> None:
        if name not in self.structs:
            self.structs.append(name)

    def add_typedef(self, node) -> None:
        c_ast = self.c_ast
        t = node.type
        if isinstance(t, c_ast.TypeDecl) and isinstance(t.type, c_ast.Struct):
            if t.type.decls is not None:
                raise SystemExit(f"gen_ffi: struct {t.type.name} has fields; only opaque handles are supported")
            self.add_struct(t.type.name)
            self.known_typedefs[node.name] = t.type.name
            return
        ctype = self.ctype(t)
        self.typedefs.append((node.name, ctype))
        self.known_typedefs[node.name] = node.name

    def add_function(self, node) -> None:
        func = node.type
        restype = self.ctype(func.type)
        args: List[Tuple[str, str]] = []
        for i, p in enumerate(func.args.params if func.args else []):
            if isinstance(p, self.c_ast.Typename) and self.is_void(p.type):
                continue  # (void)
            args.append((p.name or f"arg{i}", self.ctype(p.type)))
        self.functions.append((node.name, restype, args))

    def is_void(self, t) -> bool:
        c_ast = self.c_ast
        return isinstance(t, c_ast.TypeDecl) and isinstance(t.type, c_ast.IdentifierType) and t.type.names == ["void"]

    def ctype(self, t) -> str:
        """The ctypes expression for a pycparser type node (``"None"`` for void)."""
        c_ast = self.c_ast
        if isinstance(t, c_ast.TypeDecl):
            inner = t.type
            if isinstance(inner, c_ast.IdentifierType):
                name = " ".join(inner.names)
                if name in self.known_typedefs:
                    return self.known_typedefs[name]
                if name not in PRIMITIVES:
                    raise SystemExit(f"gen_ffi: unknown type {name!r} at {t.coord}")
                return repr(None) if PRIMITIVES[name] is None else PRIMITIVES[name]
            if isinstance(inner, c_ast.Struct):
                self.add_struct(inner.name)
                return inner.name
            if isinstance(inner, c_ast.Enum):
                return "ctypes.c_uint32"
            raise SystemExit(f"gen_ffi: unsupported type at {t.coord}")
        if isinstance(t, c_ast.PtrDecl):
            target = t.type
            # Strings: `char *` in any constness is a NUL-terminated UTF-8 string.
            if isinstance(target, c_ast.TypeDecl) and isinstance(target.type, c_ast.IdentifierType):
                if target.type.names == ["char"]:
                    return "ctypes.c_char_p"
                if target.type.names == ["void"]:
                    return "ctypes.c_void_p"
            if isinstance(target, c_ast.FuncDecl):
                restype = self.ctype(target.type)
                args = [self.ctype(p.type) for p in (target.args.params if target.args else [])]
                return f"ctypes.CFUNCTYPE({', '.join([restype, *args])})"
            return f"ctypes.POINTER({self.ctype(target)})"
        raise SystemExit(f"gen_ffi: unsupported type node {type(t).__name__} at {t.coord}")

    def render(self) -> str:
        out: List[str] = []
        w = out.append
        w("# Generated by bindings/python/tools/gen_ffi.py from include/dms_progress.h; do not edit.")
        w(f"# Regenerate with: {REGENERATE}")
        w('"""ctypes declarations of the dms_progress C API (generated from the header)."""')
        w("")
        w("import ctypes")
        w("")
        w("# --- opaque handles (only ever used through pointers) ---")
        for name in self.structs:
            w("")
            w("")
            w(f"class {name}(ctypes.Structure):")
            w("    pass")
        w("")
        w("")
        w("# --- enums: each typedef is its fixed-width integer; values as module constants ---")
        for name, values in self.enums:
            w("")
            for vname, v in values:
                w(f"{vname} = {v}")
            w(f"{name.upper()}_NAMES = {{")
            for vname, v in values:
                w(f"    {v}: {vname!r},")
            w("}")
        w("")
        w("# --- typedefs ---")
        for name, ctype in self.typedefs:
            w(f"{name} = {ctype}")
        w("")
        w("# --- functions: name -> (restype, [(parameter, argtype), ...]) ---")
        w("# (No annotation: importing `typing` for one would cost more than the whole module.)")
        w("FUNCTIONS = {")
        for name, restype, args in self.functions:
            w(f"    {name!r}: (")
            w(f"        {restype},")
            if args:
                w("        [")
                for aname, atype in args:
                    w(f"            ({aname!r}, {atype}),")
                w("        ],")
            else:
                w("        [],")
            w("    ),")
        w("}")
        w("")
        return "\n".join(out)


def generate(header: Path = HEADER) -> str:
    """The text of ``_ffi_gen.py`` for ``header``."""
    from pycparser import c_parser

    text = preprocess(header)
    ast = c_parser.CParser().parse(text, filename=str(header))
    gen = Generator(ast, header.name)
    gen.collect()
    return gen.render()


def main(argv: List[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--stdout", action="store_true", help="print instead of writing the module")
    args = ap.parse_args(argv)
    text = generate()
    if args.stdout:
        sys.stdout.write(text)
    else:
        OUTPUT.write_text(text)
        print(f"wrote {OUTPUT.relative_to(REPO_ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
