"""Prompt refiner: the Python twin of src/text/refiner.ts + src/text/refiner-lexicon.ts (same rules, same order).

Parses an English prompt into the shapes world (objects with colour / shape / size / motion / speed, a background, a
camera move) and writes it back in the training caption grammar, so ``training/sample.py`` gives the model exactly
the caption the browser does (browser = PyTorch). Both read the same two files:
``src/text/refiner-rules.json`` (hand-written) and ``src/text/refiner-lexicon.json`` (WordNet + colour names, packed
by scripts/pack-refiner-lexicon.mjs). ``training/tests/test_refiner.py`` and ``src/text/refiner.test.ts`` check one
set of vectors (training/fixtures/refiner_vectors.json), so a change on one side only fails a test.

    refine_prompt("on a blue background, a crimson ball rolls leftward")["caption"]
    -> 'a red circle moves left on a blue background'
"""
from __future__ import annotations

import json
import os

from training.tokenizer import split_words

_TEXT = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "src", "text")
with open(os.path.join(_TEXT, "refiner-rules.json"), encoding="utf-8") as f:
    RULES = json.load(f)
with open(os.path.join(_TEXT, "refiner-lexicon.json"), encoding="utf-8") as f:
    LEXICON = json.load(f)

REFINER_VERSION: int = RULES["version"]
_RULE_WORDS = RULES["words"]
_LEX_WORDS = LEXICON["words"]
_IRREGULAR = RULES["irregular"]
_PHRASES = RULES["phrases"]
MODEL_WORDS = frozenset(LEXICON["modelWords"])
_MIN_SPELL = RULES["spelling"]["minLength"]
_SHAPES_TEXT = "it draws circles, squares, triangles and stars"
_NP_GLUE = {"and", "colored", "coloured", "plain", "solid"}
_CANON = RULES["canonical"]
_MAX = RULES["maxObjects"]


# ---- lookup (refiner-lexicon.ts) ----------------------------------------------------------------------------
def _entry(word: str, allow_color_list: bool):
    r = _RULE_WORDS.get(word)
    if r:
        return {"kind": r[0], "value": str(r[1]), "how": "rule", "via": ""}
    e = _LEX_WORDS.get(word)
    if e and (allow_color_list or e[2] != "cnl"):
        return {"kind": e[0], "value": str(e[1]), "how": e[2], "via": e[3] if len(e) > 3 else ""}
    return None


def lemma_candidates(w: str) -> list[tuple[str, bool]]:
    out: list[tuple[str, bool]] = []

    def add(base: str, plural: bool = False):
        if len(base) >= 2 and all(b != base for b, _ in out):
            out.append((base, plural))

    if w in _IRREGULAR:
        add(_IRREGULAR[w])
    if w.endswith("ies") and len(w) > 4:
        add(w[:-3] + "y", True)
    if w.endswith("s") and not w.endswith("ss") and len(w) > 2:
        add(w[:-1], True)
    if w.endswith("es") and len(w) > 3:
        add(w[:-2], True)
    if w.endswith("ing") and len(w) > 5:
        b = w[:-3]
        add(b)
        add(b + "e")
        if len(b) > 2 and b[-1] == b[-2]:
            add(b[:-1])
    if w.endswith("ied") and len(w) > 4:
        add(w[:-3] + "y")
    if w.endswith("ed") and len(w) > 4:
        b = w[:-2]
        add(b)
        add(w[:-1])
        if len(b) > 2 and b[-1] == b[-2]:
            add(b[:-1])
    return out


def _meaning(e: dict, base: str, plural: bool, spelled: bool) -> dict:
    return dict(e, base=base, plural=plural and e["kind"] == "shape", spelled=spelled)


def lookup_exact(w: str):
    e = _entry(w, True)
    if e:
        return _meaning(e, w, False, False)
    for allow_color_list in (False, True):  # colour-list names last: "cubes" is cube, not the colour "Cub"
        for base, plural in lemma_candidates(w):
            m = _entry(base, allow_color_list)
            if m:
                return _meaning(m, base, plural, False)
    return None


_SPELL_KEYS = sorted(w for w in list(_RULE_WORDS) + [w for w, e in _LEX_WORDS.items() if e[2] != "cnl"]
                     if len(w) >= _MIN_SPELL - 1)


def within_one_edit(a: str, b: str) -> bool:
    """Damerau–Levenshtein distance ≤ 1."""
    if a == b:
        return True
    la, lb = len(a), len(b)
    if abs(la - lb) > 1:
        return False
    i = 0
    while i < la and i < lb and a[i] == b[i]:
        i += 1
    if la == lb:
        if a[i + 1:] == b[i + 1:]:
            return True
        return i + 1 < la and a[i] == b[i + 1] and a[i + 1] == b[i] and a[i + 2:] == b[i + 2:]
    return a[i + 1:] == b[i:] if la > lb else a[i:] == b[i + 1:]


def _has_digit(w: str) -> bool:
    return any(c in "0123456789" for c in w)


def lookup(w: str):
    exact = lookup_exact(w)
    if exact or len(w) < _MIN_SPELL or w in MODEL_WORDS or _has_digit(w):
        return exact
    hits = []
    for base, plural in [(w, False)] + lemma_candidates(w):
        for k in _SPELL_KEYS:
            if k != base and within_one_edit(base, k):
                hits.append(_meaning(_entry(k, False), k, plural, True))
        if hits:
            break
    if not hits:
        return None
    if all(h["kind"] == hits[0]["kind"] and h["value"] == hits[0]["value"] for h in hits):
        return hits[0]
    return None


# ---- parsing (refiner.ts) -----------------------------------------------------------------------------------
def _tag(words: list[str]) -> list[dict]:
    bases = [(lookup(w) or {}).get("base", w) for w in words]
    lens = sorted({len(p.split(" ")) for p in _PHRASES}, reverse=True)
    out, i = [], 0
    while i < len(words):
        matched = False
        for n in lens:
            if i + n > len(words):
                continue
            rest = words[i + 1:i + n]
            firsts = [words[i], bases[i]] + [b for b, _ in lemma_candidates(words[i])]
            key = next((k for k in (" ".join([f] + rest) for f in firsts) if k in _PHRASES), None)
            if key is None:
                continue
            e = _PHRASES[key]
            out.append({"kind": e[0], "value": str(e[1]), "how": "rule", "base": key, "via": "", "plural": False,
                        "spelled": False, "words": words[i:i + n]})
            i += n
            matched = True
            break
        if matched:
            continue
        m = lookup(words[i])
        out.append(dict(m, words=[words[i]]) if m else {"kind": "unknown", "words": [words[i]]})
        i += 1
    return out


def _canonical_word(kind: str, value: str) -> str:
    if kind == "motion":
        return _CANON["motion"][value]
    if kind == "speed":
        return _CANON["speed"][value]
    return value


def _why(m: dict) -> str:
    if m["spelled"]:
        return f'spelling: one letter from "{m["base"]}"'
    if m["how"] == "wn":
        return "WordNet synonym" if m["via"] == m["base"] else f'WordNet: related to "{m["via"]}"'
    if m["how"] in ("css", "cnl"):
        return "nearest of the model's colours (CIELAB)"
    return "synonym"


def _camera_for(verb, motion: str):
    if motion == "still":
        return "still"
    if motion in ("left", "right", "up", "down"):
        return f"pan_{motion}"
    if verb in ("zoom", None) and motion in ("grow", "shrink"):
        return "zoom_in" if motion == "grow" else "zoom_out"
    return None


def _next_motion_before(items, i) -> bool:
    for it in items[i + 1:]:
        if it["kind"] in ("dir", "motion", "zoomdir"):
            return True
        if it["kind"] in ("move", "shape"):
            return False
    return False


def refine_prompt(prompt: str) -> dict:
    """→ {'version', 'caption' ('' when nothing was recognised), 'scene', 'mappings', 'unplaced'} (as the TS)."""
    items = _tag(split_words(prompt))
    objects: list[dict] = []
    mappings: list[dict] = []
    unplaced: list[dict] = []
    unknown_at: list[int] = []
    st = {"background": None, "camera": None, "camera_mode": False, "cam_verb": None, "cam_speed": None,
          "mods": {"colors": [], "size": None, "count": None, "speed": None}, "pending": [], "last": [],
          "held": {"motion": None, "speed": None}, "neg": None, "bg_await": None}

    def text(it):
        return " ".join(it["words"])

    def note(it, reason):
        unplaced.append({"word": text(it), "why": reason})

    def mapped(it, to):
        frm = text(it)
        to_words = to.split(" ")
        same = (not it.get("spelled") and len(it["words"]) == 1
                and any(t == frm or t == it["base"] or any(b == it["base"] for b, _ in lemma_candidates(t))
                        for t in to_words))
        if not same and frm != to and not any(m["from"] == frm and m["to"] == to for m in mappings):
            mappings.append({"from": frm, "to": to, "why": _why(it)})

    def next_head(i):
        for it in items[i + 1:]:
            k = it["kind"]
            if k == "filler" and text(it) in _NP_GLUE:
                continue
            if k in ("shade", "color", "size", "count"):
                continue
            return k
        return None

    def set_motion(targets, motion, it):
        for o in targets:
            if o["motion"] and o["motion"] != motion:
                note(it, f'an object does one thing here; kept "{_canonical_word("motion", o["motion"])}"')
            else:
                o["motion"] = motion

    def apply_motion(motion, it):
        if st["neg"]:
            n = st["neg"]
            st["neg"] = None
            if motion != "still":
                note({"words": n["words"] + it["words"]},
                     'the model cannot show "not doing" something, except "does not move" (still)')
                return
        if st["camera_mode"] and st["camera"] is None:
            cam = _camera_for(st["cam_verb"], motion)
            if cam:
                st["camera"] = {"motion": cam, "speed": st["cam_speed"]}
                mapped(it, cam.replace("_", " ", 1))
                return
        mapped(it, _canonical_word("motion", motion))
        targets = st["pending"] or st["last"] or None
        if targets is None:
            st["held"]["motion"] = motion
            return
        set_motion(targets, motion, it)
        st["last"] = targets
        st["pending"] = []

    def empty_mods():
        return {"colors": [], "size": None, "count": None, "speed": None}

    for i, it in enumerate(items):
        k = it["kind"]
        mods = st["mods"]
        if k == "unknown":
            unknown_at.append(len(unplaced))
            note(it, "")
        elif k in ("filler", "zoomdir"):
            if k == "zoomdir" and st["camera_mode"] and st["cam_verb"] == "zoom" and st["camera"] is None:
                st["camera"] = {"motion": "zoom_in" if it["value"] == "in" else "zoom_out", "speed": st["cam_speed"]}
        elif k == "shade":
            mappings.append({"from": text(it), "to": "", "why": "the model has one shade of each colour"})
        elif k == "neg":
            st["neg"] = it
        elif k == "ref":
            idx = int(it["value"])
            if idx < len(objects):
                st["pending"] = [objects[idx]]
                st["last"] = [objects[idx]]
        elif k == "count":
            mods["count"] = it
        elif k == "color":
            head = next_head(i)
            if head in ("shape", "bg"):
                mods["colors"].append(it)
                continue
            if it["how"] == "cnl" and not st["bg_await"]:
                note(it, f"not something this model knows; {_SHAPES_TEXT}")
                continue
            mapped(it, it["value"])
            if st["bg_await"]:
                st["background"] = it["value"]
                st["bg_await"] = None
                continue
            target = next((o for o in reversed(st["pending"] + st["last"] + objects) if o["color"] is None), None)
            if target:
                target["color"] = it["value"]
            else:
                mods["colors"].append(it)
        elif k == "size":
            head = next_head(i)
            if head in ("shape", "bg") or (head is None and not objects):
                mods["size"] = it
                continue
            mapped(it, it["value"])
            target = next((o for o in reversed(st["pending"] + st["last"] + objects) if o["size"] is None), None)
            if target:
                target["size"] = it["value"]
            else:
                mods["size"] = it
        elif k == "speed":
            mapped(it, _canonical_word("speed", it["value"]))
            if st["camera_mode"] and not objects:
                st["cam_speed"] = it["value"]
                if st["camera"]:
                    st["camera"]["speed"] = it["value"]
                continue
            if next_head(i) == "shape":
                mods["speed"] = it
                continue
            targets = st["pending"] or st["last"] or None
            if targets:
                for o in targets:
                    o["speed"] = o["speed"] or it["value"]
            else:
                st["held"]["speed"] = it["value"]
        elif k == "shape":
            st["camera_mode"] = False
            colors = mods["colors"]
            n = int(mods["count"]["value"]) if mods["count"] else (max(2, min(len(colors), 2)) if it["plural"] else 1)
            if n > _MAX:
                note(mods["count"] or it, f"this model draws at most {_MAX} objects")
                n = _MAX
            mapped(it, it["value"])
            if it["plural"] and not mods["count"] and n > 1:
                mappings.append({"from": text(it), "to": f"{n} × {it['value']}", "why": "a plural: two objects"})
            per_object = n > 1 and len(colors) >= n
            created = []
            for j in range(n):
                c = colors[j] if per_object else (colors[-1] if colors else None)
                created.append({"color": c["value"] if c else None, "shape": it["value"],
                                "size": mods["size"]["value"] if mods["size"] else None,
                                "motion": st["held"]["motion"],
                                "speed": mods["speed"]["value"] if mods["speed"] else st["held"]["speed"]})
            for c in colors:
                mapped(c, c["value"])
            if not per_object and len(colors) > 1:
                for c in colors[:-1]:
                    note(c, f'one colour per object; "{" ".join(colors[-1]["words"])}" names this one')
            if mods["size"]:
                mapped(mods["size"], mods["size"]["value"])
            if mods["speed"]:
                mapped(mods["speed"], _canonical_word("speed", mods["speed"]["value"]))
            st["held"] = {"motion": None, "speed": None}
            st["mods"] = empty_mods()
            room = _MAX - len(objects)
            if room < len(created):
                note(it, f"this model draws at most {_MAX} objects")
            kept = created[:max(0, room)]
            objects.extend(kept)
            st["pending"] = st["pending"] + kept
        elif k == "bg":
            c = mods["colors"][-1] if mods["colors"] else None
            if c:
                st["background"] = c["value"]
                for x in mods["colors"]:
                    mapped(x, x["value"])
                for x in mods["colors"][:-1]:
                    note(x, f'one colour per background; "{text(c)}" names it')
            else:
                st["bg_await"] = it
            if mods["size"]:
                note(mods["size"], "only objects have a size")
            if mods["count"]:
                note(mods["count"], "there is one background")
            st["mods"] = empty_mods()
        elif k in ("camera", "pan", "tilt", "zoom"):
            st["camera_mode"] = True
            if k != "camera":
                st["cam_verb"] = k
        elif k == "zoomcam":
            st["camera_mode"] = True
            if st["camera"] is None:
                st["camera"] = {"motion": f"zoom_{it['value']}", "speed": st["cam_speed"]}
                mapped(it, f"zoom {it['value']}")
        elif k == "move":
            if st["neg"]:
                apply_motion("still", dict(it, words=st["neg"]["words"] + it["words"]))
                continue
            if not _next_motion_before(items, i):
                note(it, "no direction given (left, right, up or down)")
        elif k in ("dir", "motion"):
            apply_motion(it["value"], it)

    mods = st["mods"]
    camera = st["camera"]
    # "a static shot", "slowly, the camera …": a move named before the camera word
    held_cam = (_camera_for(st["cam_verb"], st["held"]["motion"])
                if st["camera_mode"] and camera is None and st["held"]["motion"] and not objects else None)
    if held_cam:
        camera = {"motion": held_cam, "speed": st["cam_speed"]}
        st["held"]["motion"] = None
    if st["camera_mode"] and camera is None and st["cam_verb"] == "zoom":
        camera = {"motion": "zoom_in", "speed": st["cam_speed"]}
        mappings.append({"from": "zoom", "to": "zoom in", "why": "no in or out given: read as zoom in"})
    elif st["camera_mode"] and camera is None and st["cam_verb"]:
        note({"words": [st["cam_verb"]]}, "no direction given")
    for c in mods["colors"]:
        note(c, "no shape or background follows it")
    if mods["size"]:
        note(mods["size"], "no shape follows it")
    if mods["count"]:
        note(mods["count"], "no shape follows it")
    if st["bg_await"]:
        note(st["bg_await"], "no colour given for it")
    if st["held"]["motion"] and not objects and not camera:
        note({"words": [st["held"]["motion"]]}, "no object to do it")
    if st["neg"]:
        note(st["neg"], "nothing this model can negate follows it")
    if camera and not objects and camera["speed"] is None and st["held"]["speed"]:
        camera["speed"] = st["held"]["speed"]
    for o in objects:
        if o["motion"] is None or o["motion"] == "still":
            o["speed"] = None
    if camera and objects:
        note({"words": [camera["motion"].replace("_", " ", 1)]},
             "camera moves go with a starting image (image-to-video); a shapes scene has a still camera")
        camera = None
    for k in unknown_at:
        w = unplaced[k]["word"]
        if camera and not objects:
            lead = "describes" if w in MODEL_WORDS else "not a word this model knows; it may describe"
            unplaced[k]["why"] = f"{lead} the photo: the scene comes from the starting image"
        else:
            unplaced[k]["why"] = f"not something this model knows; {_SHAPES_TEXT}"
    scene = {"objects": objects, "background": st["background"], "camera": camera}
    return {"version": REFINER_VERSION, "caption": caption_of(scene), "scene": scene, "mappings": mappings,
            "unplaced": unplaced}


def _article(nxt: str) -> str:
    return "an" if nxt[0] in "aeiou" else "a"


def caption_of(scene: dict) -> str:
    """The scene in the training caption grammar ('' when there is nothing in it)."""
    if not scene["objects"]:
        cam = scene["camera"]
        if cam:
            speed = f" {_CANON['speed'][cam['speed']]}" if cam["speed"] and cam["motion"] != "still" else ""
            return _CANON["camera"][cam["motion"]] + speed
        bg = scene["background"]
        return f"{_article(bg)} {bg} background" if bg else ""
    clauses = []
    for o in scene["objects"]:
        np_ = " ".join(x for x in (o["size"], o["color"], o["shape"]) if x)
        s = f"{_article(np_)} {np_}"
        if o["motion"]:
            s += f" {_CANON['motion'][o['motion']]}"
            if o["speed"]:
                s += f" {_CANON['speed'][o['speed']]}"
        clauses.append(s)
    bg = scene["background"]
    return " and ".join(clauses) + (f" on {_article(bg)} {bg} background" if bg else "")


def refined_caption(prompt: str, refine: bool = True) -> str:
    """What the model is given: the refined caption, or the prompt as written when refining is off or nothing of
    the world was recognised (the page and the CLI do the same)."""
    if not refine:
        return prompt
    cap = refine_prompt(prompt)["caption"]
    return cap or prompt
