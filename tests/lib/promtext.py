#!/usr/bin/python3
"""A strict parser of the Prometheus text exposition format 0.0.4, for the tests.

promtool is not packaged for Debian's archive here, so this stands in for it,
and is stricter than Prometheus's own parser where the format's rules are
conventions a scraper would still accept (a counter's name ends in _total, a
series appears once, a family's HELP and TYPE come before its samples).

    promtext.py check [FILE]                  exit 0 if FILE (or stdin) is valid
    promtext.py value NAME [LABEL=VALUE...]   the value of the one sample of NAME
                                              with those labels (exit 3: none)
    promtext.py count NAME                    how many samples NAME has

Every command validates the whole input first; an error is one line on stderr,
"promtext: line N: why", and exit status 1. Python 3 standard library only.
"""

import math
import re
import sys

METRIC_NAME_AT = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
METRIC_NAME = re.compile(METRIC_NAME_AT.pattern + r"\Z")
LABEL_NAME_AT = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
# Go's strconv.ParseFloat as the format uses it: decimal, exponent, Inf, NaN.
FLOAT = re.compile(r"[+-]?(\d+\.?\d*([eE][+-]?\d+)?|\.\d+([eE][+-]?\d+)?|Inf|NaN)\Z")
TIMESTAMP = re.compile(r"-?\d+\Z")
TYPES = ("counter", "gauge", "histogram", "summary", "untyped")
SUFFIXES = {"histogram": ("_bucket", "_sum", "_count"), "summary": ("_sum", "_count")}
BLANK = " \t"


class ParseError(Exception):
    pass


class Family:
    def __init__(self, name):
        self.name = name
        self.type = None
        self.help = None
        self.samples = []


def unescape(text, allowed, lineno):
    """Undo the escapes allowed (a dict: escaped char -> char); any other is an error."""
    out = []
    i = 0
    while i < len(text):
        c = text[i]
        if c == "\\":
            if i + 1 >= len(text) or text[i + 1] not in allowed:
                raise ParseError("line %d: invalid escape sequence in %r" % (lineno, text))
            out.append(allowed[text[i + 1]])
            i += 2
            continue
        out.append(c)
        i += 1
    return "".join(out)


def parse_value(text, lineno):
    if not FLOAT.match(text):
        raise ParseError("line %d: invalid value %r" % (lineno, text))
    return float(text)


def parse_labels(line, i, lineno):
    """The label set starting after '{' at line[i]: (dict, index after '}')."""
    labels = {}
    while True:
        while i < len(line) and line[i] in BLANK:
            i += 1
        if i < len(line) and line[i] == "}":
            return labels, i + 1
        m = LABEL_NAME_AT.match(line, i)
        if not m:
            raise ParseError("line %d: invalid label name at column %d" % (lineno, i + 1))
        name = m.group(0)
        if name.startswith("__"):
            raise ParseError("line %d: label name %r is reserved" % (lineno, name))
        if name in labels:
            raise ParseError("line %d: label %r given twice" % (lineno, name))
        m = re.compile(r'[ \t]*=[ \t]*"').match(line, m.end())
        if not m:
            raise ParseError("line %d: expected =\"value\" after label %r" % (lineno, name))
        i = m.end()
        raw = []
        while True:
            if i >= len(line):
                raise ParseError("line %d: unterminated value of label %r" % (lineno, name))
            c = line[i]
            if c == "\\":
                raw.append(line[i:i + 2])
                i += 2
                continue
            if c == '"':
                i += 1
                break
            raw.append(c)
            i += 1
        labels[name] = unescape("".join(raw), {"\\": "\\", '"': '"', "n": "\n"}, lineno)
        while i < len(line) and line[i] in BLANK:
            i += 1
        if i < len(line) and line[i] == ",":
            i += 1
            continue
        if i < len(line) and line[i] == "}":
            return labels, i + 1
        raise ParseError("line %d: expected ',' or '}' after label %r" % (lineno, name))


class Parser:
    def __init__(self):
        self.families = {}
        self.order = []
        self.current = None
        self.series = set()

    def family(self, name, lineno):
        """The family name belongs to; starting a new one closes the current for good."""
        if self.current is not None and self.current.name == name:
            return self.current
        if name in self.families:
            raise ParseError("line %d: family %s is split: its lines must come together"
                             % (lineno, name))
        fam = Family(name)
        self.families[name] = fam
        self.order.append(fam)
        self.current = fam
        return fam

    def family_of_sample(self, name):
        cur = self.current
        if cur is not None and cur.type in SUFFIXES:
            for s in SUFFIXES[cur.type]:
                if name == cur.name + s:
                    return cur.name
        return name

    def comment(self, line, lineno):
        rest = line[1:].lstrip(BLANK)
        parts = re.split(r"[ \t]+", rest, maxsplit=2)
        if parts[0] not in ("HELP", "TYPE"):
            return      # an ordinary comment
        if len(parts) < 2 or not METRIC_NAME.match(parts[1]):
            raise ParseError("line %d: %s needs a valid metric name" % (lineno, parts[0]))
        fam = self.family(parts[1], lineno)
        arg = parts[2] if len(parts) > 2 else ""
        if parts[0] == "HELP":
            if fam.help is not None:
                raise ParseError("line %d: second HELP for %s" % (lineno, fam.name))
            fam.help = unescape(arg, {"\\": "\\", "n": "\n"}, lineno)
            return
        if fam.type is not None:
            raise ParseError("line %d: second TYPE for %s" % (lineno, fam.name))
        if fam.samples:
            raise ParseError("line %d: TYPE for %s after its samples" % (lineno, fam.name))
        if arg not in TYPES:
            raise ParseError("line %d: unknown type %r" % (lineno, arg))
        if arg == "counter" and not fam.name.endswith("_total"):
            raise ParseError("line %d: counter %s does not end in _total" % (lineno, fam.name))
        fam.type = arg

    def sample(self, line, lineno):
        m = METRIC_NAME_AT.match(line)
        if not m:
            raise ParseError("line %d: invalid metric name" % lineno)
        name = m.group(0)
        i = m.end()
        labels = {}
        if i < len(line) and line[i] == "{":
            labels, i = parse_labels(line, i + 1, lineno)
        if i >= len(line) or line[i] not in BLANK:
            raise ParseError("line %d: expected a blank before the value" % lineno)
        fields = re.split(r"[ \t]+", line[i:].strip(BLANK))
        if len(fields) not in (1, 2):
            raise ParseError("line %d: expected a value and at most a timestamp" % lineno)
        value = parse_value(fields[0], lineno)
        if len(fields) == 2 and not TIMESTAMP.match(fields[1]):
            raise ParseError("line %d: invalid timestamp %r" % (lineno, fields[1]))
        fam = self.family(self.family_of_sample(name), lineno)
        if fam.type is None or fam.help is None:
            raise ParseError("line %d: sample of %s before its HELP and TYPE" % (lineno, fam.name))
        if fam.type == "counter" and (math.isnan(value) or value < 0):
            raise ParseError("line %d: counter %s is negative or NaN" % (lineno, name))
        key = (name, tuple(sorted(labels.items())))
        if key in self.series:
            raise ParseError("line %d: series %s%s given twice" % (lineno, name, labels))
        self.series.add(key)
        fam.samples.append((name, labels, value))

    def parse(self, data):
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as e:
            raise ParseError("not UTF-8: %s" % e)
        if text and not text.endswith("\n"):
            raise ParseError("the last line does not end with a newline")
        for lineno, line in enumerate(text.split("\n")[:-1], 1):
            if "\r" in line or "\0" in line:
                raise ParseError("line %d: carriage return or NUL" % lineno)
            if line.strip(BLANK) == "":
                continue
            if line.startswith("#"):
                self.comment(line, lineno)
            elif line[0] in BLANK:
                raise ParseError("line %d: starts with a blank" % lineno)
            else:
                self.sample(line, lineno)
        for fam in self.order:
            if fam.type is None and fam.samples:
                raise ParseError("family %s has no TYPE" % fam.name)
        return self


def parse(data):
    return Parser().parse(data)


def main(argv):
    if len(argv) < 2 or argv[1] not in ("check", "value", "count"):
        print(__doc__, file=sys.stderr)
        return 2
    cmd = argv[1]
    if cmd == "check" and len(argv) > 2:
        with open(argv[2], "rb") as f:
            data = f.read()
    else:
        data = sys.stdin.buffer.read()
    try:
        p = parse(data)
    except ParseError as e:
        print("promtext: %s" % e, file=sys.stderr)
        return 1
    if cmd == "check":
        return 0
    name = argv[2]
    want = dict(a.split("=", 1) for a in argv[3:])
    found = [(labels, value) for fam in p.order for (n, labels, value) in fam.samples
             if n == name and all(labels.get(k) == v for k, v in want.items())]
    if cmd == "count":
        print(len(found))
        return 0
    if len(found) != 1:
        print("promtext: %d samples of %s with %s" % (len(found), name, want), file=sys.stderr)
        return 3
    v = found[0][1]
    print(int(v) if v.is_integer() else repr(v) if not math.isinf(v) else "+Inf")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
