#!/usr/bin/env python3
"""Consistency checks for passerelle's data templates (stdlib only, Python >= 3.11).

    python3 templates/check_templates.py

Checks templates/sage/ver33.toml (Format Sage #VER 33 record layouts, docs/format-sage.md),
templates/sage/tags.toml (tags known in Gestion Commerciale files) and
templates/countries.toml (ISO 3166-1 countries). Exits 1 and lists every problem on failure.
"""
import re
import sys
import tomllib
import unicodedata
from pathlib import Path

HERE = Path(__file__).resolve().parent
errors: list[str] = []


def err(msg: str) -> None:
    errors.append(msg)


def load(rel: str) -> dict:
    path = HERE / rel
    with open(path, "rb") as f:
        return tomllib.load(f)


# --------------------------------------------------------------------------------------------
# tags.toml
# --------------------------------------------------------------------------------------------
TAG_RE = re.compile(r"^[A-Z0-9]{3,12}$")


def check_tags(t: dict) -> set[str]:
    if set(t) != {"frame", "seen", "documented"}:
        err(f"tags: unexpected top-level keys {sorted(t)}")
    if t.get("frame") != ["FLG", "VER", "FIN"]:
        err(f"tags: frame must be FLG, VER, FIN, got {t.get('frame')}")
    seen, doc = t.get("seen", []), t.get("documented", [])
    if len(seen) != 116:
        err(f"tags: seen has {len(seen)} tags, expected 116")
    if len(doc) != 24:
        err(f"tags: documented has {len(doc)} tags, expected 24")
    for name, lst in (("seen", seen), ("documented", doc), ("frame", t.get("frame", []))):
        if len(set(lst)) != len(lst):
            err(f"tags: duplicates in {name}")
        for tag in lst:
            if not TAG_RE.match(tag):
                err(f"tags: {name}: bad tag name {tag!r} (no '#', 3-12 of A-Z0-9)")
    if set(seen) & set(doc):
        err(f"tags: in both seen and documented: {sorted(set(seen) & set(doc))}")
    if "DEV" in seen or "DEV" in doc:
        err("tags: DEV is a Comptabilité tag, not GC")
    return set(seen) | set(doc)


# --------------------------------------------------------------------------------------------
# ver33.toml
# --------------------------------------------------------------------------------------------
EXPECTED = {"CCLI": (120, 1), "CCDL": (17, 0), "CHEN": (86, 0), "CHLI": (62, 2),
            "CHRE": (10, 0), "MCTT": (13, 0)}
KINDS = {"text", "int", "dec", "date", "time"}
RECORD_KEYS = {"tag", "label", "fixed", "tail", "tail_label", "children", "field"}
FIELD_KEYS = {"pos", "name", "label", "kind", "max", "upper", "charset", "scale", "range",
              "default", "template", "required", "note"}
NAME_RE = re.compile(r"^[A-Z][A-Za-z0-9]*_[A-Za-z0-9]+$")
CHARSETS = {"A-Z0-9": re.compile(r"^[A-Z0-9]*$")}


def check_field(tag: str, f: dict) -> None:
    where = f"ver33 {tag} {f.get('pos')} {f.get('name')}"
    extra = set(f) - FIELD_KEYS
    if extra:
        err(f"{where}: unknown keys {sorted(extra)}")
    for k in ("pos", "name", "label", "kind"):
        if k not in f:
            err(f"{where}: missing {k}")
    if not isinstance(f.get("label"), str) or not f.get("label", "").strip():
        err(f"{where}: empty label")
    name = f.get("name", "")
    if not NAME_RE.match(name):
        err(f"{where}: name {name!r} is not a Sage-style column name")
    kind = f.get("kind")
    if kind not in KINDS:
        err(f"{where}: kind {kind!r} not in {sorted(KINDS)}")
        return
    # keys allowed per kind
    if kind != "text":
        for k in ("max", "upper", "charset"):
            if k in f:
                err(f"{where}: {k} only applies to text")
    if kind != "dec" and "scale" in f:
        err(f"{where}: scale only applies to dec")
    if kind != "int" and "range" in f:
        err(f"{where}: range only applies to int")
    if "upper" in f and f["upper"] is not True:
        err(f"{where}: upper must be omitted or true")
    if "template" in f and (f["template"] is not True or tag != "CCLI"):
        err(f"{where}: template must be true and only on CCLI")
    if "required" in f and f["required"] is not True:
        err(f"{where}: required must be omitted or true")
    if "note" in f and not (isinstance(f["note"], str) and f["note"].strip()):
        err(f"{where}: empty note")
    default = f.get("default")
    if default is not None and not isinstance(default, str):
        err(f"{where}: default must be a string (the exact text written)")
        default = str(default)

    if kind == "text":
        mx = f.get("max")
        if not isinstance(mx, int) or mx <= 0:
            err(f"{where}: text field needs a positive max")
            mx = 10**9
        if "charset" in f and f["charset"] not in CHARSETS:
            err(f"{where}: unknown charset {f['charset']!r}")
        if default is not None:
            if len(default) > mx:
                err(f"{where}: default {default!r} longer than max {mx}")
            if f.get("upper") and default != default.upper():
                err(f"{where}: default {default!r} not uppercase")
            cs = CHARSETS.get(f.get("charset", ""))
            if cs and not cs.match(default):
                err(f"{where}: default {default!r} outside charset")
            try:
                default.encode("cp850")
            except UnicodeEncodeError:
                err(f"{where}: default {default!r} not encodable in CP850")
    elif kind == "dec":
        sc = f.get("scale")
        if not isinstance(sc, int) or not 1 <= sc <= 6:
            err(f"{where}: dec field needs a scale 1..6, got {sc!r}")
        elif default is not None and not re.fullmatch(r"-?\d+," + r"\d" * sc, default):
            err(f"{where}: default {default!r} must have a comma and exactly {sc} decimals")
    elif kind == "int":
        rng = f.get("range")
        if rng is not None:
            if (not isinstance(rng, list) or len(rng) != 2
                    or not all(isinstance(x, int) and not isinstance(x, bool) for x in rng)
                    or rng[0] > rng[1]):
                err(f"{where}: bad range {rng!r}")
                rng = None
        if default is not None:
            if not re.fullmatch(r"-?\d+", default):
                err(f"{where}: int default {default!r} is not an integer")
            elif rng and not rng[0] <= int(default) <= rng[1]:
                err(f"{where}: default {default} outside range {rng}")
    elif kind == "date":
        if default is not None and not re.fullmatch(r"\d{6}", default):
            err(f"{where}: date default {default!r} not JJMMAA")
    elif kind == "time":
        if default is not None and not re.fullmatch(r"\d\d:\d\d:\d\d", default):
            err(f"{where}: time default {default!r} not HH:MM:SS")


def check_layout(v: dict, known_tags: set[str]) -> dict[str, int]:
    if set(v) != {"version", "release", "record"}:
        err(f"ver33: unexpected top-level keys {sorted(v)}")
    if v.get("version") != 33:
        err(f"ver33: version must be 33, got {v.get('version')!r}")
    counts = {}
    recs = v.get("record", [])
    tags = [r.get("tag") for r in recs]
    if len(set(tags)) != len(tags):
        err("ver33: duplicate record tags")
    if set(tags) != set(EXPECTED):
        err(f"ver33: records {sorted(tags)} != expected {sorted(EXPECTED)}")
    for r in recs:
        tag = r.get("tag", "?")
        extra = set(r) - RECORD_KEYS
        if extra:
            err(f"ver33 {tag}: unknown record keys {sorted(extra)}")
        if tag not in known_tags:
            err(f"ver33 {tag}: tag not in tags.toml")
        if not r.get("label"):
            err(f"ver33 {tag}: missing label")
        fixed, tail = r.get("fixed"), r.get("tail")
        exp = EXPECTED.get(tag)
        if exp and (fixed, tail) != exp:
            err(f"ver33 {tag}: fixed/tail {(fixed, tail)} != expected {exp}")
        if (tail or 0) > 0 and not r.get("tail_label"):
            err(f"ver33 {tag}: tail > 0 needs tail_label")
        if not tail and "tail_label" in r:
            err(f"ver33 {tag}: tail_label without tail")
        children = r.get("children")
        if not isinstance(children, list):
            err(f"ver33 {tag}: children must be a list")
        else:
            for c in children:
                if c not in known_tags:
                    err(f"ver33 {tag}: child {c!r} not in tags.toml")
        fields = r.get("field", [])
        counts[tag] = len(fields)
        positions = [f.get("pos") for f in fields]
        if positions != list(range(1, len(fields) + 1)):
            err(f"ver33 {tag}: positions are not contiguous 1..n in order")
        if len(fields) != fixed:
            err(f"ver33 {tag}: {len(fields)} fields, fixed = {fixed}")
        names = [f.get("name") for f in fields]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            err(f"ver33 {tag}: duplicate names {dup}")
        for f in fields:
            check_field(tag, f)
    return counts


# --------------------------------------------------------------------------------------------
# countries.toml
# --------------------------------------------------------------------------------------------
EU27 = set("AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE".split())
OUTERMOST = set("GP MQ GF RE YT MF".split())
FRENCH_OVERSEAS = set("GP MQ GF RE YT PM BL MF NC PF WF TF".split())
COUNTRY_KEYS = {"iso", "fr", "en", "eu", "aliases", "note"}


def norm(s: str) -> str:
    s = unicodedata.normalize("NFD", s.strip().casefold())
    return "".join(c for c in s if unicodedata.category(c) != "Mn")


def check_countries(c: dict) -> tuple[int, int]:
    if set(c) != {"country"}:
        err(f"countries: unexpected top-level keys {sorted(c)}")
    countries = c.get("country", [])
    isos = [x.get("iso") for x in countries]
    if len(set(isos)) != len(isos):
        err(f"countries: duplicate ISO codes {sorted({i for i in isos if isos.count(i) > 1})}")
    if len(countries) != 249:
        err(f"countries: {len(countries)} entries, expected the 249 ISO 3166-1 codes")
    missing = FRENCH_OVERSEAS - set(isos)
    if missing:
        err(f"countries: missing French overseas codes {sorted(missing)}")
    owner: dict[str, str] = {}  # normalized primary name -> iso
    for x in countries:
        iso = x.get("iso", "?")
        extra = set(x) - COUNTRY_KEYS
        if extra:
            err(f"countries {iso}: unknown keys {sorted(extra)}")
        if not re.fullmatch(r"[A-Z]{2}", iso or ""):
            err(f"countries: bad ISO code {iso!r}")
        for k in ("fr", "en"):
            v = x.get(k)
            if not isinstance(v, str) or not v.strip() or v != v.strip():
                err(f"countries {iso}: {k} empty or not trimmed")
        fr = x.get("fr", "")
        if len(fr) > 35:
            err(f"countries {iso}: fr {fr!r} longer than 35 (Sage Pays is A35)")
        try:
            fr.encode("cp850")
        except UnicodeEncodeError:
            err(f"countries {iso}: fr {fr!r} not encodable in CP850")
        if not isinstance(x.get("eu"), bool):
            err(f"countries {iso}: eu must be a boolean")
        if iso in FRENCH_OVERSEAS and not x.get("note"):
            err(f"countries {iso}: French overseas entry needs a note")
        for n in {norm(x.get("fr", "")), norm(x.get("en", ""))}:
            if n in owner and owner[n] != iso:
                err(f"countries: name {n!r} used by {owner[n]} and {iso}")
            owner[n] = iso
    eu = {x.get("iso") for x in countries if x.get("eu") is True}
    if eu != EU27 | OUTERMOST:
        err(f"countries: eu = true set differs: extra {sorted(eu - EU27 - OUTERMOST)}, "
            f"missing {sorted((EU27 | OUTERMOST) - eu)}")
    sovereign_eu = eu & EU27
    if len(sovereign_eu) != 27:
        err(f"countries: {len(sovereign_eu)} EU member states, expected 27")
    if "GB" in eu:
        err("countries: GB is not an EU member")
    alias_owner: dict[str, str] = {}
    for x in countries:
        iso = x.get("iso", "?")
        aliases = x.get("aliases", [])
        if not isinstance(aliases, list) or not all(isinstance(a, str) and a.strip() for a in aliases):
            err(f"countries {iso}: aliases must be non-empty strings")
            continue
        for a in aliases:
            n = norm(a)
            if n in owner and owner[n] != iso:
                err(f"countries {iso}: alias {a!r} is the name of {owner[n]}")
            if n in alias_owner and alias_owner[n] != iso:
                err(f"countries {iso}: alias {a!r} is also an alias of {alias_owner[n]}")
            alias_owner[n] = iso
    return len(countries), len(eu)


def main() -> int:
    try:
        tags = load("sage/tags.toml")
        layout = load("sage/ver33.toml")
        countries = load("countries.toml")
    except (OSError, tomllib.TOMLDecodeError) as e:
        print(f"FAIL: cannot load templates: {e}")
        return 1
    known = check_tags(tags)
    counts = check_layout(layout, known)
    n_countries, n_eu = check_countries(countries)
    if errors:
        for e in errors:
            print("FAIL:", e)
        print(f"{len(errors)} problem(s)")
        return 1
    print(f"tags.toml: frame 3, seen {len(tags['seen'])}, documented {len(tags['documented'])}")
    print("ver33.toml: " + ", ".join(f"{t} {n}" for t, n in counts.items())
          + f" fields ({sum(counts.values())} in all)")
    print(f"countries.toml: {n_countries} countries, {n_eu} with eu = true "
          f"(27 member states + {n_eu - 27} outermost regions)")
    print("OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
