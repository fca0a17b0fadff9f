#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""README.md and docs/*.md against the code, so the prose cannot drift:

 - every configuration line `key = ...` in their code (fenced blocks and inline
   code spans) names a key of conf/conf-schema.c's keys[];
 - every `corralctl COMMAND` in their code is a command the built corralctl
   takes, and every `--option` after it on that line is one that
   `corralctl COMMAND --help` names;
 - every quoted message occurs in the C sources (helper/, pam_module/, conf/,
   cgroup/, tools/, init/, lib/). A quoted message is a line of a fenced block
   whose info string is `log`, or an inline code span in the first column of a
   table whose first header is `message`. `<placeholders>` stand for what the
   code fills in. The sources' string literals (adjacent ones joined) are cut at
   every printf conversion and newline into fragments; each text between two
   placeholders must be one fragment's substring, or a suffix of one, then
   whole fragments, then a prefix of one (a message built from several
   literals, as err_wrap() and "%s" arguments build them).

usage: test-docs.py SOURCE-ROOT PATH-TO-corralctl
"""
import functools
import glob
import os
import re
import subprocess
import sys

C_DIRS = ("helper", "pam_module", "conf", "cgroup", "tools", "init", "lib")
PLACEHOLDER = re.compile(r"<[A-Za-z][A-Za-z0-9_ -]*>")
CONVERSION = re.compile(
    r"%(?:%|[-+ #0]*(?:\d+|\*)?(?:\.(?:\d+|\*))?(?:hh|h|ll|l|L|z|j|t)?[diouxXeEfgGcspm])")
KEY_LINE = re.compile(r"(?:^|[^A-Za-z0-9_.=!<>-])([a-z][a-z0-9_]*) = ", re.M)
CTL_VERB = re.compile(r"\bcorralctl ([a-z][a-z-]*)")
FENCE = re.compile(r"^\s*(```|~~~)\s*([A-Za-z0-9_-]*)")
CODE_SPAN = re.compile(r"`([^`]+)`")


class Tap:
    def __init__(self):
        self.n = 0
        self.failed = False

    def check(self, ok, desc, diag=""):
        self.n += 1
        print(f"{'ok' if ok else 'not ok'} {self.n} - {desc}")
        if not ok:
            self.failed = True
            for line in diag.splitlines():
                print(f"# {line}")


# --- the C sources -------------------------------------------------------------------

def c_literals(text):
    """The string literals of a C file, adjacent ones joined, escapes decoded."""
    out, i, n = [], 0, len(text)
    cur = None  # the literal being joined, or None
    while i < n:
        c = text[i]
        if text.startswith("/*", i):
            end = text.find("*/", i + 2)
            i = n if end < 0 else end + 2
            continue
        if text.startswith("//", i):
            end = text.find("\n", i)
            i = n if end < 0 else end
            continue
        if c == "'":
            i += 1
            while i < n and text[i] != "'":
                i += 2 if text[i] == "\\" else 1
            i += 1
            if cur is not None:
                out.append(cur)
                cur = None
            continue
        if c == '"':
            i += 1
            s = []
            while i < n and text[i] != '"':
                if text[i] == "\\" and i + 1 < n:
                    e = text[i + 1]
                    if e in "ntr":
                        s.append("\n")
                        i += 2
                    elif e == "x":
                        m = re.match(r"[0-9a-fA-F]{1,2}", text[i + 2:])
                        s.append("\n")
                        i += 2 + (len(m.group(0)) if m else 0)
                    elif e in "01234567":
                        m = re.match(r"[0-7]{1,3}", text[i + 1:])
                        s.append("\n")
                        i += 1 + len(m.group(0))
                    else:
                        s.append(e)
                        i += 2
                else:
                    s.append(text[i])
                    i += 1
            i += 1
            cur = ("" if cur is None else cur) + "".join(s)
            continue
        if not c.isspace() and cur is not None:
            out.append(cur)
            cur = None
        i += 1
    if cur is not None:
        out.append(cur)
    return out


def fragments(literal):
    """A literal cut at printf conversions and newlines; a trailing '%' (before PRIu64) too."""
    pieces, last = [], 0
    for m in CONVERSION.finditer(literal):
        if m.group(0) == "%%":
            continue
        pieces.append(literal[last:m.start()])
        last = m.end()
    pieces.append(literal[last:])
    out = []
    for p in pieces:
        p = p.replace("%%", "%")
        if p.endswith("%"):
            p = p[:-1]
        out.extend(x for x in p.split("\n") if x)
    return out


def source_fragments(src):
    frags = set()
    for d in C_DIRS:
        for path in sorted(glob.glob(os.path.join(src, d, "*.[ch]"))):
            with open(path, encoding="utf-8") as f:
                for lit in c_literals(f.read()):
                    frags.update(fragments(lit))
    return frags


class Corpus:
    def __init__(self, frags):
        self.whole = frags
        self.joined = "\0" + "\0".join(sorted(frags)) + "\0"

    def substring(self, s):
        return "\0" not in s and s in self.joined

    def suffix(self, s):
        return self.substring(s) and (s + "\0") in self.joined

    def prefix(self, s):
        return self.substring(s) and ("\0" + s) in self.joined

    def covers(self, text):
        """text is a fragment's substring, or suffix + whole fragments + prefix."""
        if self.substring(text):
            return True

        @functools.lru_cache(maxsize=None)
        def rest(i):
            if self.prefix(text[i:]):
                return True
            return any(text[i:j] in self.whole and rest(j) for j in range(i + 1, len(text)))

        return any(self.suffix(text[:j]) and rest(j) for j in range(1, len(text)))


# --- the Markdown files --------------------------------------------------------------

def read_doc(path):
    """(code lines, quoted messages): code as (line number, text), messages likewise."""
    code, messages = [], []
    fence, info, table_is_messages = None, "", False
    with open(path, encoding="utf-8") as f:
        lines = f.read().splitlines()
    for no, line in enumerate(lines, 1):
        m = FENCE.match(line)
        if m and (fence is None or m.group(1) == fence):
            if fence is None:
                fence, info = m.group(1), m.group(2)
            else:
                fence, info = None, ""
            continue
        if fence is not None:
            code.append((no, line))
            if info == "log" and line.strip():
                messages.append((no, line.strip()))
            continue
        spans = CODE_SPAN.findall(line)
        code.extend((no, s) for s in spans)
        cells = line.strip()
        if not cells.startswith("|"):
            table_is_messages = False
            continue
        first = cells.strip("|").split("|")[0].strip()
        if re.fullmatch(r":?-+:?", first):
            continue
        if not CODE_SPAN.search(first) and first.lower() == "message":
            table_is_messages = True
            continue
        if table_is_messages:
            messages.extend((no, s) for s in CODE_SPAN.findall(first))
    return code, messages


# --- the checks ----------------------------------------------------------------------

def schema_keys(src):
    with open(os.path.join(src, "conf", "conf-schema.c"), encoding="utf-8") as f:
        text = f.read()
    m = re.search(r"static const struct conf_key keys\[\] = \{(.*?)\n\};", text, re.S)
    return set(re.findall(r'\{ "([a-z_]+)", SCOPE_', m.group(1))) if m else set()


def run(args):
    out = subprocess.run(args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True, check=False)
    return out.returncode, out.stdout


def main():
    if len(sys.argv) != 3:
        print(f"usage: {sys.argv[0]} SOURCE-ROOT PATH-TO-corralctl", file=sys.stderr)
        return 2
    src, ctl = sys.argv[1], sys.argv[2]
    tap = Tap()
    docs = [os.path.join(src, "README.md")] + sorted(glob.glob(os.path.join(src, "docs", "*.md")))

    keys = schema_keys(src)
    tap.check(len(keys) > 10, f"conf-schema.c's keys[] read ({len(keys)} keys)",
              "the test's extraction of keys[] is out of date")
    rc, helptext = run([ctl, "--help"])
    verbs = set(re.findall(r"^  ([a-z][a-z-]*) ", helptext, re.M))
    tap.check(rc == 0 and len(verbs) > 5, f"corralctl --help runs ({len(verbs)} commands)",
              helptext)
    verb_help = {}

    def help_of(verb):
        if verb not in verb_help:
            verb_help[verb] = run([ctl, verb, "--help"])
        return verb_help[verb]

    frags = source_fragments(src)
    tap.check(len(frags) > 500, f"string literals of the C sources read ({len(frags)} fragments)")
    corpus = Corpus(frags)

    for path in docs:
        rel = os.path.relpath(path, src)
        code, messages = read_doc(path)

        # printf '[defaults]\nkey = value\n': the \n ends a line there too.
        bad = [f"line {no}: {k}" for no, text in code
               for k in KEY_LINE.findall(text.replace("\\n", "\n")) if k not in keys]
        tap.check(not bad, f"{rel}: every 'key = ' in its code is a key of conf-schema.c",
                  "not a configuration key:\n" + "\n".join(bad))

        bad = []
        for no, text in code:
            for m in CTL_VERB.finditer(text):
                verb = m.group(1)
                rc, vhelp = help_of(verb)
                if verb not in verbs and rc != 0:
                    bad.append(f"line {no}: corralctl {verb}: no such command")
                    continue
                tail = re.split(r"[|;&#]|\bcorralctl\b", text[m.end():])[0]
                for opt in re.findall(r"(?<![A-Za-z0-9-])--[a-z][a-z0-9-]*", tail):
                    if opt != "--help" and not re.search(re.escape(opt) + r"\b", vhelp):
                        bad.append(f"line {no}: corralctl {verb} {opt}: not in "
                                   f"'corralctl {verb} --help'")
        tap.check(not bad, f"{rel}: every 'corralctl COMMAND --option' in its code exists",
                  "\n".join(bad))

        for no, msg in messages:
            parts = [p for p in PLACEHOLDER.split(msg) if p]
            missing = [p for p in parts if not corpus.covers(p)]
            tap.check(parts and not missing, f"{rel}:{no}: quoted message occurs in the sources",
                      f"message: {msg}\n" + "\n".join(f"not found: '{p}'" for p in missing))

    n_msgs = len(read_doc(os.path.join(src, "docs", "troubleshooting.md"))[1])
    tap.check(n_msgs >= 30, f"docs/troubleshooting.md quotes its messages as the test "
              f"finds them ({n_msgs})", "fewer than 30 messages found: the convention "
              "(```log blocks, 'message' tables) or the test's reading of it changed")
    print(f"1..{tap.n}")
    return 1 if tap.failed else 0


if __name__ == "__main__":
    sys.exit(main())
