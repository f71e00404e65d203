#!/usr/bin/env python3
"""Generate a synthetic sitegen site for the benchmark.

    python bench/generate.py OUT_DIR --articles 10000 --seed 1 [--sheets N] [--force]

Writes OUT_DIR/sitegen.yaml, OUT_DIR/content/articles/YYYY/MM/<id>.md and
OUT_DIR/content/{people,places,events,organisations}/<id>.yaml per the
sitegen spec (SPEC.md sections 1-3). Deterministic: the same arguments give
byte-identical files. Needs only the Python standard library.

What it makes:
- one fact sheet per 3 articles by default (--sheets overrides): about 45%
  people, 22% places (countries, regions, cities), 18% organisations, 15%
  events; names built from syllable lists, ids unique across kinds, no name
  or alias shared by two entities (case-insensitively);
- Zipf-like popularity: entity of rank r is drawn with weight 1/r, so a few
  entities are named in thousands of articles and most in a handful;
- articles of ~800 words of filler news prose (average body ~5.2 kB), dated
  2015-2024, naming 3-8 entities each (full name first, then alias);
- 2-6 facts per sheet, most with `source: <article id>` and a `quote:` that
  is a verbatim substring of a sentence written into that article; some
  claims are dated series (population, death toll, leader, ...).
"""

from __future__ import annotations

import argparse
import bisect
import datetime as dt
import json
import os
import random
import re
import shutil
import sys
import unicodedata

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import words as W  # noqa: E402

KINDS = ("people", "places", "organisations", "events")
START = dt.date(2015, 1, 1)
SPAN_DAYS = (dt.date(2024, 12, 31) - START).days
BODY_MEAN = 5150          # target mean body size in bytes (52 MB per 10,000)
AVG_SENTENCE = 86.5       # measured mean bytes per emitted sentence incl. separators

VOCAB = set()
for _lst in (W.NOUNS, W.ADJECTIVES, W.ADVERBS, W.OFFICIALS, W.SPEAKERS, W.TIMES,
             W.CONNECTIVES, W.NUMBERS, W.MONTHS, W.TAGS, W.OUTCOMES):
    for _item in _lst:
        VOCAB.update(re.findall(r"[a-z]+", _item.lower()))
for _v in W.VERBS:
    VOCAB.update(_v)
VOCAB.update("""the a an of and to in on for with by from at as is was were has have had
be been it its that this which who would could will must may said say says not since
after before over under more than about all every new old few main its their they we
our more most also only into within until unless whether though while city port san
falls springs affair war trial battle siege summit accord festival film talks peace
general election presidential mayoral strike dock floods earthquake protests civil
""".split())


def slugify(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    text = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return text or "x"


def cap(s: str) -> str:
    return s[:1].upper() + s[1:]


def yq(s: str) -> str:
    """A YAML double-quoted scalar (JSON strings are valid YAML)."""
    return json.dumps(s, ensure_ascii=False)


def fmt_int(n: int) -> str:
    return f"{n:,}"


class Ent:
    __slots__ = ("i", "kind", "sub", "name", "id", "aliases", "the", "country", "parent",
                 "demonym", "arts", "facts", "summary", "role", "coords", "boost",
                 "born", "orgs", "members", "date", "start", "end", "places",
                 "participants", "part_of", "links", "description", "acronym", "short")

    def __init__(self, kind, sub):
        self.kind, self.sub = kind, sub
        self.name = self.id = None
        self.aliases = []
        self.the = False
        self.country = self.parent = self.demonym = self.role = self.coords = None
        self.arts = []
        self.facts = []
        self.summary = ""
        self.boost = 1.0
        self.born = None
        self.orgs = []
        self.members = []
        self.date = self.start = self.end = None
        self.places = []
        self.participants = []
        self.part_of = None
        self.links = None
        self.description = None
        self.acronym = None
        self.short = None

    def ref(self, first=True):
        """How the entity is written in running text: full name, or its short alias."""
        text = self.name if (first or not self.short) else self.short
        return ("the " + text) if self.the else text


class Article:
    __slots__ = ("date", "dtime", "ents", "facts", "id", "title", "authors", "tags",
                 "about", "fm_mentions", "updated")

    def __init__(self, date):
        self.date = date
        self.dtime = None
        self.ents = []
        self.facts = []   # sentences to write into the body
        self.id = self.title = None
        self.authors = []
        self.tags = []
        self.about = []
        self.fm_mentions = []
        self.updated = None


class Generator:
    def __init__(self, n_articles, n_sheets, seed):
        self.n_articles = n_articles
        self.n_sheets = n_sheets
        self.seed = seed
        self.rng = random.Random(f"sitegen-bench-{seed}")
        self.taken = set()
        self.ids = set()
        self.ents: list[Ent] = []
        self.by_kind = {k: [] for k in KINDS}
        for tpl in self.FILLER + [t for ts in self.ENT_T.values() for t in ts] + self.HEADINGS:
            VOCAB.update(w.lower() for w in re.findall(r"[A-Za-z]+", tpl))

    # ---------------------------------------------------------------- names
    def claim_name(self, name):
        key = name.lower()
        if key in self.taken:
            return False
        self.taken.add(key)
        return True

    def free_name(self, name):
        return name.lower() not in self.taken

    def new_id(self, name):
        base = slugify(name)[:60].strip("-")
        cand = base
        n = 2
        while cand in self.ids:
            cand = f"{base}-{n}"
            n += 1
        self.ids.add(cand)
        return cand

    def token(self, onsets, middles, endings):
        r = self.rng
        for _ in range(1000):
            t = r.choice(onsets) + r.choice(middles) + r.choice(endings)
            t = cap(t.lower())
            if t.lower() not in VOCAB and len(t) >= 4 and t.lower() not in self.taken:
                return t
        raise RuntimeError("token space exhausted")

    def place_token(self):
        return self.token(W.PLACE_ONSETS, W.PLACE_MIDDLES, W.CITY_ENDINGS)

    def org_token(self):
        return self.token(W.SURNAME_ONSETS, W.SURNAME_MIDDLES, W.SURNAME_ENDINGS)

    def add(self, e: Ent, name, the=False):
        e.name = name
        e.the = the
        e.id = self.new_id(name)
        e.i = len(self.ents)
        self.ents.append(e)
        self.by_kind[e.kind].append(e)
        return e

    @staticmethod
    def demonym(country):
        c = country
        if c.endswith("ia"):
            return c + "n"
        if c.endswith("stan"):
            return c + "i"
        if c.endswith("land"):
            return c[:-4] + "lander" if len(c) > 6 else c + "ic"
        if c.endswith("a"):
            return c + "n"
        if c.endswith("e"):
            return c[:-1] + "ian"
        return c + "ese"

    # -------------------------------------------------------------- entities
    def make_places(self, n):
        r = self.rng
        n_countries = max(2, round(n * 0.06))
        n_regions = max(2, round(n * 0.22))
        n_cities = max(1, n - n_countries - n_regions)
        countries, regions = [], []
        for _ in range(n_countries):
            while True:
                name = self.token(W.PLACE_ONSETS, W.PLACE_MIDDLES, W.COUNTRY_ENDINGS)
                dem = self.demonym(name)
                if dem.lower() not in self.taken and self.claim_name(name):
                    break
            e = Ent("places", "country")
            e.demonym = dem
            e.coords = (round(r.uniform(-35, 60), 4), round(r.uniform(-20, 140), 4))
            e.boost = 10.0
            self.add(e, name)
            countries.append(e)
        for _ in range(n_regions):
            c = r.choice(countries)
            for _ in range(100):
                form = r.choice(W.REGION_FORMS)
                if form.startswith(("Northern", "Southern", "Eastern")) and r.random() < 0.5:
                    name = form.format(c.name)
                else:
                    name = form.format(self.place_token())
                if self.claim_name(name):
                    break
            e = Ent("places", "region")
            e.country = e.parent = c
            e.coords = (round(c.coords[0] + r.uniform(-3, 3), 4), round(c.coords[1] + r.uniform(-3, 3), 4))
            e.boost = 1.6
            self.add(e, name)
            regions.append(e)
        for _ in range(n_cities):
            parent = r.choice(regions) if r.random() < 0.8 else r.choice(countries)
            for _ in range(100):
                name = r.choice(W.CITY_FORMS).format(self.place_token())
                if self.claim_name(name):
                    break
            e = Ent("places", "city")
            e.parent = parent
            e.country = parent.country or parent
            e.coords = (round(parent.coords[0] + r.uniform(-1, 1), 4), round(parent.coords[1] + r.uniform(-1, 1), 4))
            self.add(e, name)
        self.countries = countries
        self.regions = regions
        self.cities = [e for e in self.by_kind["places"] if e.sub == "city"]

    def make_orgs(self, n):
        r = self.rng
        governments = {}
        ministries = set()
        subs = ["ministry"] * 14 + ["party"] * 14 + ["company"] * 16 + ["union"] * 8 + \
               ["ngo"] * 12 + ["militia"] * 8 + ["media"] * 8 + ["university"] * 5 + ["intl"] * 5
        made = 0
        while made < n:
            c = r.choice(self.countries)
            sub = "government" if c.name not in governments and r.random() < 0.5 else r.choice(subs)
            the, acr_ok, part_of = True, False, None
            if sub == "government":
                name = f"Government of {c.name}"
            elif sub == "ministry":
                dept = r.choice(W.DEPARTMENTS)
                if (c.name, dept) in ministries:
                    continue
                ministries.add((c.name, dept))
                name = f"{c.demonym} Ministry of {dept}"
                part_of = governments.get(c.name)
            elif sub == "party":
                adj = r.choice(W.PARTY_ADJS)
                name = f"{adj} Party of {c.name}" if r.random() < 0.5 else f"{c.demonym} {adj} Party"
                acr_ok = True
            elif sub == "company":
                base = self.org_token() if r.random() < 0.7 else r.choice(self.cities).name
                name = f"{base} {r.choice(W.INDUSTRIES)}"
                the = False
                acr_ok = r.random() < 0.3
                if acr_ok:
                    name += " Company"
            elif sub == "union":
                name = f"{c.demonym} Union of {r.choice(W.WORKERS)}"
                acr_ok = True
            elif sub == "ngo":
                name = f"{self.org_token()} {r.choice(['Foundation', 'Relief Network', 'Institute', 'Trust', 'Centre for Policy Studies'])}"
            elif sub == "militia":
                name = f"{self.place_token()} {r.choice(['Liberation Front', 'Popular Army', 'Brigade', 'Self-Defence Forces'])}"
                acr_ok = True
            elif sub == "media":
                if r.random() < 0.5:
                    name = f"{self.org_token()} Broadcasting Corporation"
                    acr_ok = True
                else:
                    name = f"{r.choice(self.cities).name} {r.choice(['Herald', 'Daily Courier', 'Evening Post', 'Tribune'])}"
            elif sub == "university":
                name = f"University of {r.choice(self.cities).name}"
            else:
                name = f"{self.place_token()} {r.choice(['Cooperation Council', 'Development Bank', 'Trade Organisation'])}"
                acr_ok = True
            if not self.claim_name(name):
                continue
            e = Ent("organisations", sub)
            e.country = c
            e.part_of = part_of
            e.boost = {"government": 6.0, "party": 2.5, "militia": 2.0, "ministry": 1.5}.get(sub, 1.0)
            self.add(e, name, the=the)
            if sub == "government":
                governments[c.name] = e
            if acr_ok and r.random() < 0.75:
                letters = "".join(w[0] for w in re.split(r"[\s-]+", name) if w and w[0].isupper())
                if 2 <= len(letters) <= 5 and letters.lower() not in VOCAB and self.claim_name(letters):
                    e.acronym = e.short = letters
                    e.aliases.append(letters)
            made += 1
        self.governments = governments

    def make_people(self, n):
        r = self.rng
        roles = list(W.ROLES)
        role_w = list(W.ROLES.values())
        people = []
        for _ in range(n):
            for _ in range(200):
                first = r.choice(W.FIRST_NAMES)
                sur = self.org_token() if r.random() < 0.15 else cap((r.choice(W.SURNAME_ONSETS) + r.choice(W.SURNAME_MIDDLES) + r.choice(W.SURNAME_ENDINGS)).lower())
                if sur.lower() in VOCAB:
                    continue
                if self.claim_name(f"{first} {sur}"):
                    break
            e = Ent("people", "person")
            e.role = r.choices(roles, role_w)[0]
            e.country = r.choice(self.countries)
            e.boost = 1.5 if e.role == "politician" else 1.0
            e.acronym = None
            self.add(e, f"{first} {sur}")
            people.append((e, sur))
        counts = {}
        for e, sur in people:
            counts[sur.lower()] = counts.get(sur.lower(), 0) + 1
        for e, sur in people:
            if counts[sur.lower()] == 1 and self.claim_name(sur):
                e.aliases.append(sur)
                e.short = sur
        # countries: the long form as an alias
        for c in self.countries:
            if r.random() < 0.4:
                long = f"Republic of {c.name}"
                if self.claim_name(long):
                    c.aliases.append(long)

    def make_event_stubs(self, n):
        r = self.rng
        subs = list(W.EVENT_WEIGHTS)
        w = list(W.EVENT_WEIGHTS.values())
        for _ in range(n):
            sub = r.choices(subs, w)[0]
            e = Ent("events", sub)
            e.boost = {"war": 5.0, "protests": 2.0, "talks": 2.0, "election": 1.5}.get(sub, 1.0)
            e.i = len(self.ents)
            self.ents.append(e)
            self.by_kind["events"].append(e)

    # -------------------------------------------------------------- articles
    def make_articles(self):
        r = self.rng
        n = self.n_articles
        days = sorted(int((r.random() ** 0.85) * SPAN_DAYS) for _ in range(n))
        self.articles = [Article(START + dt.timedelta(days=d)) for d in days]
        # popularity ranking
        keyed = sorted(self.ents, key=lambda e: -(r.random() ** (1.0 / e.boost)))
        self.ranked = keyed
        cum, tot = [], 0.0
        for rank in range(len(keyed)):
            tot += 1.0 / (rank + 1)
            cum.append(tot)
        self.cum, self.tot = cum, tot
        for ai, a in enumerate(self.articles):
            k = r.randint(3, 8)
            seen = set()
            ents = []
            tries = 0
            while len(ents) < k and tries < 50:
                tries += 1
                e = keyed[bisect.bisect(cum, r.random() * tot)]
                if e.i not in seen:
                    seen.add(e.i)
                    ents.append(e)
            a.ents = ents
            for e in ents:
                e.arts.append(ai)
        for e in self.ents:
            if not e.arts:
                ai = r.randrange(n)
                self.articles[ai].ents.append(e)
                e.arts.append(ai)

    def zipf_pick(self, kind=None, exclude=()):
        r = self.rng
        for _ in range(200):
            e = self.ranked[bisect.bisect(self.cum, r.random() * self.tot)]
            if (kind is None or e.kind == kind) and e.i not in exclude and e.name:
                return e
        pool = [e for e in self.by_kind[kind or "people"] if e.i not in exclude]
        return r.choice(pool)

    def comentioned(self, e, kind, limit=40):
        counts = {}
        for ai in e.arts[:limit]:
            for o in self.articles[ai].ents:
                if o.kind == kind and o is not e and o.name:
                    counts[o.i] = counts.get(o.i, 0) + 1
        return [self.ents[i] for i, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]

    def name_events(self):
        r = self.rng
        for e in self.by_kind["events"]:
            first = self.articles[e.arts[0]].date
            last = self.articles[e.arts[-1]].date
            long = e.sub in W.LONG_EVENTS and (last - first).days > 20
            if long:
                e.start = max(dt.date(2014, 6, 1), first - dt.timedelta(days=r.randint(0, 40)))
                if e.sub != "war":
                    last = min(last, e.start + dt.timedelta(days=r.randint(10, 500)))
                e.end = last if last < dt.date(2024, 9, 1) else None
                year = e.start.year
            else:
                ref = self.articles[e.arts[min(len(e.arts) - 1, len(e.arts) // 4)]].date
                e.date = ref - dt.timedelta(days=r.randint(0, 5))
                year = e.date.year
            places = self.comentioned(e, "places")
            cities = [p for p in places if p.sub == "city"] or [r.choice(self.cities)]
            regions = [p for p in places if p.sub == "region"] or [r.choice(self.regions)]
            countries = [p for p in places if p.sub == "country"] or [r.choice(self.countries)]
            people = self.comentioned(e, "people")
            sub = e.sub
            name = None
            for attempt in range(30):
                city, region, country = r.choice(cities[:3]), r.choice(regions[:3]), r.choice(countries[:3])
                where = city
                if sub == "election":
                    opts = [(f"{year} {country.name} general election", country),
                            (f"{year} {country.name} presidential election", country),
                            (f"{year} {city.name} mayoral election", city)]
                    cand, where = r.choice(opts)
                elif sub == "summit":
                    cand = f"{year} {city.name} summit"
                elif sub == "earthquake":
                    cand, where = f"{year} {region.name} earthquake", region
                elif sub == "floods":
                    cand, where = f"{year} {region.name} floods", region
                elif sub == "battle":
                    cand = f"Battle of {city.name}"
                elif sub == "siege":
                    cand = f"Siege of {city.name}"
                elif sub == "war":
                    cand, where = r.choice([(f"{country.demonym} civil war", country),
                                            (f"War in {region.name}", region)])
                elif sub == "protests":
                    cand = f"{year} {city.name} protests"
                elif sub == "strike":
                    cand = r.choice([f"{year} {city.name} dock strike",
                                     f"{year} {country.demonym} general strike"])
                    if "general" in cand:
                        where = country
                elif sub == "talks":
                    cand = f"{city.name} peace talks" if attempt < 5 else f"{year} {city.name} peace talks"
                elif sub == "accord":
                    cand = f"{city.name} Accord" if attempt < 5 else f"{year} {city.name} Accord"
                elif sub == "festival":
                    cand = f"{year} {city.name} Film Festival"
                elif sub == "trial" and people and attempt < 10:
                    cand = f"Trial of {r.choice(people[:4]).name}"
                else:  # affair, or a trial without a defendant
                    if people and r.random() < 0.6 and people[0].aliases:
                        base = people[0].aliases[0]
                    else:
                        base = self.org_token()
                    cand = f"{base} affair"
                    where = country
                    e.sub = sub = "affair"
                if attempt >= 20:
                    cand = f"{cand} {self.org_token()}"
                if self.claim_name(cand):
                    name = cand
                    break
            e.name = name
            e.the = True
            e.id = self.new_id(name)
            e.places = [where]
            if len(places) > 1 and r.random() < 0.4:
                extra = [p for p in places[:4] if p is not where]
                if extra:
                    e.places.append(r.choice(extra))
            orgs = self.comentioned(e, "organisations")
            parts = people[:r.randint(1, 4)] + orgs[:r.randint(0, 2)]
            e.participants = [p for p in parts if p is not None]
            e.country = where.country or where
        wars = [e for e in self.by_kind["events"] if e.sub == "war"]
        for e in self.by_kind["events"]:
            if e.sub in ("battle", "siege") and wars and r.random() < 0.6:
                e.part_of = r.choice(wars)

    # ------------------------------------------------------------ relations
    def make_relations(self):
        r = self.rng
        for e in self.by_kind["people"]:
            if r.random() < 0.45:
                e.born = dt.date(r.randint(1940, 1995), r.randint(1, 12), r.randint(1, 28))
            if r.random() < 0.35:
                orgs = self.comentioned(e, "organisations")[:2]
                e.orgs = orgs or [self.zipf_pick("organisations")]
        for e in self.by_kind["organisations"]:
            if e.sub in ("party", "union", "militia", "ngo", "government") and r.random() < 0.6:
                e.members = self.comentioned(e, "people")[:r.randint(1, 5)]
        for e in self.ents:
            if r.random() < 0.3:
                e.links = [("Encyclopedia", "https://encyclopedia.example.org/wiki/" + e.name.replace(" ", "_"))]
            e.summary = self.summary_of(e)

    def summary_of(self, e):
        r = self.rng
        k = e.kind
        if k == "people":
            return f"{e.country.demonym} {e.role}."
        if k == "places":
            if e.sub == "country":
                other = r.choice([c for c in self.countries if c is not e] or [e])
                return f"Country neighbouring {other.name}."
            if e.sub == "region":
                return f"Region of {e.country.name}."
            return f"City in {e.parent.name}{', ' + e.country.name if e.parent is not e.country else ''}."
        if k == "organisations":
            kind = {"government": "National government", "ministry": "Government ministry",
                    "party": "Political party", "company": "Company", "union": "Trade union",
                    "ngo": "Non-governmental organisation", "militia": "Armed group",
                    "media": "News organisation", "university": "University",
                    "intl": "International organisation"}[e.sub]
            return f"{kind} based in {e.country.name}."
        when = (e.date or e.start).year
        label = {"election": "Election", "summit": "Summit", "earthquake": "Earthquake",
                 "floods": "Floods", "battle": "Battle", "siege": "Siege", "war": "Armed conflict",
                 "protests": "Protest movement", "strike": "Strike", "talks": "Peace negotiations",
                 "accord": "Agreement", "affair": "Political scandal", "festival": "Festival",
                 "trial": "Criminal trial"}[e.sub]
        return f"{label} in {e.places[0].name}, {when}."

    # ---------------------------------------------------------------- facts
    def pick_arts(self, e, n):
        """Up to n articles of e with distinct dates, in date order."""
        arts = e.arts
        if n >= len(arts):
            cand = list(arts)
        else:
            cand = sorted(self.rng.sample(arts, min(len(arts), n * 3)))
        out, dates = [], set()
        for ai in cand:
            d = self.articles[ai].date
            if d not in dates:
                dates.add(d)
                out.append(ai)
        if len(out) > n:
            idx = sorted(self.rng.sample(range(len(out)), n))
            out = [out[i] for i in idx]
        return out

    def related(self, e, ai, kind, exclude=(), subs=None):
        """An entity of `kind` (and sub-kind in `subs`) named in article ai, else a popular one."""
        ok = (lambda o: o.kind == kind and o is not e and o.name and o.i not in exclude
              and (subs is None or o.sub in subs))
        cands = [o for o in self.articles[ai].ents if ok(o)]
        if cands and self.rng.random() < 0.8:
            return self.rng.choice(cands)
        for _ in range(50):
            o = self.zipf_pick(kind, exclude={e.i, *exclude})
            if ok(o):
                return o
        pool = [o for o in self.by_kind[kind] if ok(o)] or [o for o in self.by_kind[kind] if o is not e]
        return self.rng.choice(pool)

    def claims_for(self, e):
        """(claim, series?, make) where make(points) -> list of (value_yaml, core, start_hint)."""
        k = e.kind
        r = self.rng
        nm = e.name
        The = cap(e.ref())
        the = e.ref()
        out = []
        if k == "people":
            def positions(n, ais):
                pool = []
                c = e.country
                role = e.role
                for _ in range(n * 3):
                    if role == "politician":
                        pool.append(r.choice([f"Minister of {r.choice(W.DEPARTMENTS)}",
                                              f"Deputy Minister of {r.choice(W.DEPARTMENTS)}",
                                              f"Governor of {r.choice(self.regions).name}",
                                              f"Mayor of {r.choice(self.cities).name}",
                                              "Deputy Prime Minister", "Speaker of Parliament"]))
                    elif role == "diplomat":
                        pool.append(f"Ambassador to {r.choice(self.countries).name}")
                    elif role in ("businessman", "businesswoman"):
                        pool.append(r.choice(["chief executive", "chair", "finance director"]) + " of " + r.choice(self.by_kind['organisations']).ref())
                    elif role == "military officer":
                        pool.append(r.choice(["commander of the Northern Command", "Chief of Staff", "deputy commander of the army", "head of military intelligence"]))
                    else:
                        pool.append(r.choice(["spokesperson for ", "adviser to ", "director of "]) + r.choice(self.by_kind['organisations']).ref())
                seen, vals = set(), []
                for p in pool:
                    if p not in seen:
                        seen.add(p)
                        vals.append(p)
                vals = vals[:n]
                return [(yq(v), f"{nm} was appointed {v}", None) for v in vals]
            out.append(("Position", True, positions))

            def member(n, ais):
                o = self.related(e, ais[0], "organisations")
                return [(yq(f"[[{o.id}]]"), f"{nm} is a member of {o.ref()}", None)]
            out.append(("Member of", False, member))

            def approval(n, ais):
                v = r.randint(25, 65)
                res = []
                for _ in range(n):
                    res.append((str(v), f"{nm} had an approval rating of {v} percent", None))
                    v = max(5, min(90, v + r.choice([-7, -5, -3, -2, 2, 3, 4, 6])))
                return res
            out.append(("Approval rating", True, approval))

            def residence(n, ais):
                p = self.related(e, ais[0], "places")
                return [(yq(f"[[{p.id}]]"), f"{nm}, who lives in {p.name},", None)]
            out.append(("Residence", False, residence))

            def age(n, ais):
                a = r.randint(31, 79)
                return [(str(a), f"{nm}, aged {a},", None)]
            out.append(("Age", False, age))

            def fortune(n, ais):
                v = round(r.uniform(1.5, 90), 1)
                res = []
                for _ in range(n):
                    res.append((yq(f"{v} million {W.CURRENCY}"), f"{nm} has an estimated fortune of {v} million {W.CURRENCY}", None))
                    v = round(v * r.uniform(0.8, 1.4), 1)
                return res
            out.append(("Estimated fortune", True, fortune))
        elif k == "places":
            def population(n, ais):
                base = {"country": r.randint(2_000_000, 60_000_000), "region": r.randint(150_000, 5_000_000)}.get(e.sub, r.randint(8_000, 2_000_000))
                v = base // 100 * 100
                res = []
                for _ in range(n):
                    res.append((str(v), f"the population of {nm} stood at {fmt_int(v)}", None))
                    v = int(v * r.uniform(0.97, 1.05)) // 100 * 100
                return res
            out.append(("Population", True, population))

            def control(n, ais):
                res, used = [], set()
                for ai in ais[:n]:
                    o = self.related(e, ai, "organisations", exclude=used, subs=("militia", "government"))
                    used.add(o.i)
                    res.append((yq(f"[[{o.id}]]"), f"{cap(o.ref())} took control of {nm}", None))
                return res
            out.append(("Controlled by", True, control))

            def head(n, ais):
                p = self.related(e, ais[0], "people")
                title = {"country": "president", "region": "governor"}.get(e.sub, "mayor")
                return [(yq(f"[[{p.id}]]"), f"{p.name} was elected {title} of {nm}", None)]
            out.append(({"country": "Head of state", "region": "Governor"}.get(e.sub, "Mayor"), False, head))

            def displaced(n, ais):
                v = r.randint(2, 80) * 500
                res = []
                for _ in range(n):
                    res.append((str(v), f"about {fmt_int(v)} residents of {nm} have been displaced", None))
                    v = int(v * r.uniform(1.05, 1.8)) // 10 * 10
                return res
            out.append(("Displaced residents", True, displaced))

            def unemployment(n, ais):
                v = round(r.uniform(3, 18), 1)
                res = []
                for _ in range(n):
                    nv = round(max(1.0, v + r.uniform(-2.5, 2.5)), 1)
                    word = "rose" if nv > v else "fell"
                    res.append((str(nv), f"unemployment in {nm} {word} to {nv} percent", None))
                    v = nv
                return res
            out.append(("Unemployment rate", True, unemployment))
        elif k == "organisations":
            def members(n, ais):
                v = r.randint(5, 2000) * 100
                res = []
                for _ in range(n):
                    res.append((str(v), f"{The} now has {fmt_int(v)} members", None))
                    v = int(v * r.uniform(0.9, 1.3)) // 10 * 10
                return res
            out.append(("Members", True, members))

            def leader(n, ais):
                res, used = [], set()
                for ai in ais[:n]:
                    p = self.related(e, ai, "people", exclude=used)
                    used.add(p.i)
                    res.append((yq(f"[[{p.id}]]"), f"{p.name} was named head of {the}", None))
                return res
            out.append(("Leader", True, leader))

            def hq(n, ais):
                p = self.related(e, ais[0], "places")
                return [(yq(f"[[{p.id}]]"), f"{The} is headquartered in {p.name}", None)]
            out.append(("Headquarters", False, hq))

            def founded(n, ais):
                d = dt.date(r.randint(1920, 2012), r.randint(1, 12), r.randint(1, 28))
                return [(d.isoformat(), f"{The} was founded on {d.day} {W.MONTHS[d.month - 1]} {d.year}", None)]
            out.append(("Founded", False, founded))

            def budget(n, ais):
                v = r.randint(20, 900)
                res = []
                for _ in range(n):
                    res.append((yq(f"{v} million {W.CURRENCY}"), f"{The} has an annual budget of {v} million {W.CURRENCY}", None))
                    v = int(v * r.uniform(0.85, 1.25)) + 1
                return res
            out.append(("Annual budget", True, budget))

            def employees(n, ais):
                v = r.randint(3, 900) * 10
                res = []
                for _ in range(n):
                    res.append((str(v), f"{The} employs about {fmt_int(v)} people", None))
                    v = int(v * r.uniform(0.9, 1.2))
                return res
            out.append(("Employees", True, employees))
        else:  # events
            def toll(n, ais):
                v = r.randint(2, 60)
                res = []
                for _ in range(n):
                    res.append((str(v), f"the death toll from {the} rose to {fmt_int(v)}", None))
                    v = v + r.randint(1, max(2, v // 2))
                return res
            if e.sub in ("earthquake", "floods", "battle", "siege", "war", "protests"):
                out.append(("Death toll", True, toll))

            def attendance(n, ais):
                v = r.randint(3, 400) * 100
                return [(str(v), f"{fmt_int(v)} people attended {the}", None)]
            if e.sub in ("summit", "festival", "protests", "talks"):
                out.append(("Attendance", False, attendance))

            def arrests(n, ais):
                v = r.randint(3, 40)
                res = []
                for _ in range(n):
                    res.append((str(v), f"{v} people had been arrested in connection with {the}", None))
                    v = v + r.randint(1, 30)
                return res
            out.append(("Arrests", True, arrests))

            def outcome(n, ais):
                v = r.choice(W.OUTCOMES)
                return [(yq(v), f"{The} ended in {v}", None)]
            out.append(("Outcome", False, outcome))

            def turnout(n, ais):
                v = round(r.uniform(38, 82), 1)
                return [(str(v), f"turnout in {the} was {v} percent", None)]
            if e.sub == "election":
                out.append(("Turnout", False, turnout))

            def cost(n, ais):
                v = r.randint(5, 4000)
                res = []
                for _ in range(n):
                    res.append((yq(f"{v} million {W.CURRENCY}"), f"{The} is estimated to have cost {v} million {W.CURRENCY}", None))
                    v = int(v * r.uniform(1.05, 1.6))
                return res
            out.append(("Estimated cost", True, cost))

            def location(n, ais):
                p = e.places[0]
                return [(yq(f"[[{p.id}]]"), f"{The} took place in {p.name}", None)]
            out.append(("Location", False, location))
        return out

    SENT_PREFIX = ["", "", "", "Officials confirmed that ", "Reports said ", "It was confirmed that ",
                   "Figures released on Tuesday showed ", "According to local media, ",
                   "Records show that ", "The ministry said "]
    SENT_SUFFIX = [".", ".", ", officials said.", ", according to a statement.",
                   ", the report found.", " this week.", ", sources said."]

    def sentence(self, core):
        r = self.rng
        pre = r.choice(self.SENT_PREFIX)
        if not pre:
            core = cap(core)
        suf = r.choice(self.SENT_SUFFIX)
        if core.endswith(","):
            suf = " " + r.choice(["welcomed the decision.", "declined to comment.",
                                  "spoke to reporters on Monday.", "attended the meeting."])
        return pre + core + suf, core.rstrip(",")

    def make_facts(self):
        r = self.rng
        arts = self.articles
        for e in self.ents:
            claims = self.claims_for(e)
            nfacts = r.randint(2, 6)
            r.shuffle(claims)
            series_claims = [c for c in claims if c[1]]
            plan = []
            budget = nfacts
            distinct = len({arts[ai].date for ai in e.arts[:50]})
            if series_claims and distinct >= 2 and r.random() < 0.4 and budget >= 2:
                c = series_claims[0]
                npts = min(budget, r.randint(2, 5))
                plan.append((c, npts))
                budget -= npts
            for c in claims:
                if budget <= 0:
                    break
                if any(p[0] is c for p in plan):
                    continue
                plan.append((c, 1))
                budget -= 1
            for (claim, is_series, make), npts in plan:
                if npts > 1:
                    ais = self.pick_arts(e, npts)
                    vals = make(len(ais), ais)
                    ais = ais[:len(vals)]
                    facts = []
                    for ai, (val, core, _) in zip(ais, vals):
                        sent, quote = self.sentence(core)
                        arts[ai].facts.append(sent)
                        facts.append({"claim": claim, "value": val, "date": arts[ai].date,
                                      "sources": [(arts[ai], quote)]})
                    if claim in ("Position", "Leader"):
                        for i, f in enumerate(facts):
                            f["start"] = f.pop("date")
                        for i in range(len(facts) - 1):
                            end = facts[i + 1]["start"] - dt.timedelta(days=1)
                            if end >= facts[i]["start"]:
                                facts[i]["end"] = end
                    elif len(facts) >= 3 and r.random() < 0.15:
                        j = r.randrange(len(facts) - 1)
                        facts[j]["rank"] = "deprecated"
                        facts[j]["reason"] = r.choice(["superseded by official figures", "later corrected by the source", "figure was disputed by officials"])
                    elif len(facts) >= 2 and r.random() < 0.05:
                        facts[-2]["rank"] = "preferred"
                        facts[-2]["reason"] = "official figure; later reports unconfirmed"
                    e.facts.extend(facts)
                else:
                    mode = r.random()
                    ai = r.choice(e.arts)
                    val, core, _ = make(1, [ai])[0]
                    f = {"claim": claim, "value": val}
                    if mode < 0.8:
                        sent, quote = self.sentence(core)
                        arts[ai].facts.append(sent)
                        f["date"] = arts[ai].date
                        f["sources"] = [(arts[ai], quote)]
                        if len(e.arts) > 1 and r.random() < 0.07:
                            ai2 = r.choice(e.arts)
                            if ai2 != ai:
                                sent2, quote2 = self.sentence(core)
                                arts[ai2].facts.append(sent2)
                                f["sources"].append((arts[ai2], quote2))
                    elif mode < 0.9:
                        if r.random() < 0.5:
                            f["note"] = r.choice(["awaiting confirmation", "figure from an unpublished briefing", "reported by several outlets"])
                    else:
                        f["date"] = START + dt.timedelta(days=r.randrange(SPAN_DAYS))
                        f["url"] = f"https://records.example.org/{e.id}/{slugify(claim)}"
                    e.facts.append(f)

    # ------------------------------------------------------------ front matter
    def make_front_matter(self):
        r = self.rng
        authors = []
        while len(authors) < 40:
            n = f"{r.choice(W.FIRST_NAMES)} {self.org_token()}"
            if self.claim_name(n):
                authors.append(n)
        tag_cum, t = [], 0.0
        for i in range(len(W.TAGS)):
            t += 1.0 / (i + 1) ** 0.7
            tag_cum.append(t)
        used_ids = set(self.ids)
        for a in self.articles:
            lead = a.ents[0]
            other = a.ents[1] if len(a.ents) > 1 else lead
            place = next((e for e in a.ents if e.kind == "places"), other)
            a.title = self.title(lead, other, place)
            base = f"{a.date.isoformat()}-{slugify(a.title)}"
            if len(base) > 72:
                base = base[:72].rsplit("-", 1)[0]
            aid, n = base, 2
            while aid in used_ids:
                aid = f"{base}-{n}"
                n += 1
            used_ids.add(aid)
            a.id = aid
            a.authors = [r.choice(authors)] + ([r.choice(authors)] if r.random() < 0.1 else [])
            if len(a.authors) == 2 and a.authors[0] == a.authors[1]:
                a.authors.pop()
            ntags = r.randint(1, 3)
            tags = []
            for _ in range(ntags):
                tg = W.TAGS[bisect.bisect(tag_cum, r.random() * t)]
                if tg not in tags:
                    tags.append(tg)
            a.tags = tags
            if r.random() < 0.3:
                a.about = [lead.id]
            if r.random() < 0.1:
                ex = {e.i for e in a.ents}
                a.fm_mentions = [self.zipf_pick(exclude=ex).id]
            if r.random() < 0.1:
                a.dtime = f"{a.date.isoformat()}T{r.randint(6, 22):02d}:{r.randint(0, 59):02d}:00Z"
            if r.random() < 0.05:
                a.updated = a.date + dt.timedelta(days=r.randint(1, 10))

    def headline_ref(self, e):
        if e.kind == "people" and e.aliases:
            return e.aliases[0]
        if e.acronym and self.rng.random() < 0.5:
            return e.acronym
        return e.name

    def title(self, lead, other, place):
        r = self.rng
        L = self.headline_ref(lead)
        O = self.headline_ref(other)
        P = self.headline_ref(place)
        v = r.choice(W.VERBS)
        n1, n2 = r.choice(W.NOUNS), r.choice(W.NOUNS)
        a = r.choice(W.ADJECTIVES)
        t = r.randrange(8)
        if t == 0:
            s = f"{L} {v[3]} {a} {n1}"
        elif t == 1:
            s = f"{L} {v[3]} {n1} amid {a} {n2}"
        elif t == 2 and place.kind == "places":
            s = f"{cap(r.choice(W.OFFICIALS))} {v[0]} {a} {n1} in {P}"
        elif t == 2:
            s = f"{L} to {v[0]} {a} {n1}"
        elif t == 3:
            s = f"{L} and {O} {v[0]} {a} {n1}"
        elif t == 4:
            s = f"{cap(a)} {n1} {v[2]} after {L} {n2}"
        elif t == 5:
            s = f"What the {a} {n1} means for {L}"
        elif t == 6:
            s = f"{L} faces {a} {n1} over {n2}"
        else:
            s = f"{L} {v[3]} {n1} as {O} {v[3]} {n2}"
        return cap(s)

    # ------------------------------------------------------------------ prose
    FILLER = [
        "{c} {o} said the {a} {n} would {vb} the {n} {t}.",
        "The {n} has been {vp} {av} since {mo}, according to {o}.",
        "{o} {vd} the {a} {n}, warning that the {n} could {vb} the {a} {n}.",
        "More than {numd} {ns} were {vp} during the {n}, {sp} said.",
        "\"We will {vb} the {n} and {vb} every {n} {t},\" {sp} said.",
        "The {a} {n} is expected to {vb} the {n} {t}.",
        "{c} the {n} {vd} the {a} {n} after {num} {ns} {vd} the {n}.",
        "{o} have {av} {vd} the {n}, saying it would {vb} the {a} {n}.",
        "It was not immediately clear whether the {n} would {vb} the {a} {n}.",
        "The {n} follows {a} {ns} over the {a} {n} and the {n} of the {n}.",
        "A {a} {n} published {t} {vd} the {n} and called for a {a} {n}.",
        "{c} {o} {av} {vd} the {n}, citing the {a} {n}.",
        "The {n} of {num} {ns} has {av} {vd}, and {o} expect the {n} to {vb} {t}.",
        "According to {sp}, the {a} {n} remains the main {n} for the {n}.",
        "{o} say the {n} could {vb} the {a} {n} unless the {n} is {vp} {t}.",
        "Talks on the {a} {n} are due to resume {t}.",
        "The {n} was {vp} by a {a} margin {t}.",
        "Few {o} believe the {n} will {vb} the {n} before the {n} of {mo}.",
        "{c} the {a} {n} has {av} {vd} the {n} of the {a} {n}.",
        "The {n} said it had {vd} the {n} and would {vb} a {a} {n} {t}.",
        "Asked about the {n}, {sp} said the {n} had been {vp} {av}.",
        "{o} estimate that the {n} will affect {num} {ns} and {vb} the {n}.",
        "The {a} {n} drew {a} criticism from {o} and {o}.",
        "Under the {a} {n}, the {n} must {vb} the {n} within a year.",
        "{o} told reporters the {n} had {vd} the {n}, though {o} {vd} the {n}.",
        "The {n} remains {a}, and {o} warned of {a} {ns} ahead of {mo}.",
        "It is not yet clear when the {n} will be put to a vote.",
        "But there are signs that the mood is now starting to shift.",
        "That may be hard to do, as the {n} has to be paid for by the end of the year.",
        "\"It is a good day for all of us,\" {sp} said.",
        "Many of those who spoke to us did not want to be named.",
        "Some say it will take a long time for the {n} to be felt on the ground.",
        "There was no word on how many {ns} had been hit.",
        "One said it was too early to say what would come next.",
        "Few had expected it to go this far, or this fast.",
        "The {n} is set to go ahead next week, if all goes to plan.",
        "Not all of them agree, and some say the {n} is a step too far.",
        "It was the third time in a year that the {n} had to be put off.",
    ]
    ENT_T = {
        "people": [
            "{X} said the {a} {n} would {vb} the {n} {t}.",
            "According to {X}, the {n} has {av} {vd} the {a} {n}.",
            "\"The {n} must {vb} the {n},\" {X} told reporters {t}.",
            "{X} {vd} the {a} {n} and promised to {vb} the {n}.",
            "{c} {X} {av} {vd} the {n} of the {a} {n}.",
            "Critics accused {X} of failing to {vb} the {n}.",
            "{X}, speaking {t}, {vd} the {n} as {a}.",
        ],
        "places": [
            "In {X}, {o} {vd} the {a} {n} {t}.",
            "The {n} in {X} has been {vp} {av}, {o} said.",
            "{o} in {X} {vd} the {n} and the {n}.",
            "{c} {num} {ns} were {vp} near {X}.",
            "The {a} {n} from {X} is expected to {vb} the {n} {t}.",
            "Residents of {X} {vd} the {a} {n}.",
        ],
        "organisations": [
            "A spokesperson for {X} said the {n} would {vb} the {a} {n}.",
            "{X} {vd} the {a} {n} {t}.",
            "{c} {X} has {av} {vd} the {n}.",
            "{o} {vd} {X} for its handling of the {n}.",
            "In a statement, {X} said it would {vb} the {n}.",
        ],
        "events": [
            "Since {X}, the {n} has been {vp} {av}.",
            "{o} said {X} had {vd} the {a} {n}.",
            "{c} the {n} surrounding {X} {vd} the {n}.",
            "The {n} of {X} remains {a}, {sp} said.",
            "{X} {vd} the {a} {n}, according to {o}.",
        ],
    }
    HEADINGS = ["What happens next", "Reaction", "Background", "The {a} {n}", "A {a} {n}",
                "Questions over the {n}", "The {n} in numbers"]

    def prose_tools(self, rng):
        plural = {}
        for n in W.NOUNS:
            if n.endswith("sis"):
                p = n[:-3] + "ses"
            elif n.endswith("y") and n[-2] not in "aeiou":
                p = n[:-1] + "ies"
            elif n.endswith(("s", "sh", "ch", "x")):
                p = n + "es"
            else:
                p = n + "s"
            plural[n] = p
        lists = {
            "n": W.NOUNS, "ns": list(plural.values()), "a": W.ADJECTIVES, "av": W.ADVERBS,
            "vb": [v[0] for v in W.VERBS], "vd": [v[1] for v in W.VERBS],
            "vp": [v[2] for v in W.VERBS], "t": W.TIMES, "o": W.OFFICIALS, "sp": W.SPEAKERS,
            "c": W.CONNECTIVES, "num": W.NUMBERS, "mo": W.MONTHS,
            "numd": [x for x in W.NUMBERS if x[0].isdigit()],
        }
        choice = rng.choice

        class Fill(dict):
            __slots__ = ()

            def __missing__(self, key):
                return choice(lists[key])
        return Fill

    def render_body(self, a, rng, Fill):
        r = rng
        target = BODY_MEAN * (0.45 + 1.1 * r.random())
        S = max(8, round(target / AVG_SENTENCE))
        slots = {}
        seq = 0
        for j, e in enumerate(a.ents):
            cnt = 1 + (r.random() < 0.6) + (r.random() < 0.3) + (2 if j == 0 else 0)
            for c in range(cnt):
                pos = 0 if (j == 0 and c == 0) else r.randrange(S)
                slots.setdefault(pos, []).append((seq, "e", e))
                seq += 1
        for sent in a.facts:
            pos = r.randrange(1, S) if S > 1 else 0
            slots.setdefault(pos, []).append((seq, "f", sent))
            seq += 1
        seen = set()
        sents = []
        filler = self.FILLER
        ent_t = self.ENT_T
        for i in range(S):
            items = slots.get(i)
            if not items:
                sents.append(cap(filler[int(r.random() * len(filler))].format_map(Fill())))
                continue
            items.sort(key=lambda t: t[0])
            for _, typ, obj in items:
                if typ == "f":
                    sents.append(obj)
                    continue
                e = obj
                first = e.i not in seen
                seen.add(e.i)
                text = e.ref(first or r.random() < 0.3)
                if not first and e.kind == "places" and e.aliases and r.random() < 0.15:
                    text = e.aliases[0]
                x = r.random()
                if not first and x < 0.02:
                    core = text[4:] if e.the else text
                    text = ("the " if e.the else "") + f"[[{e.id}|{core}]]"
                elif not first and x < 0.025:
                    text = f"[[{e.id}]]"
                tpl = r.choice(ent_t[e.kind])
                f = Fill()
                f["X"] = text
                sents.append(cap(tpl.format_map(f)))
        # paragraphs
        out = []
        i = 0
        first = True
        nparas = 0
        while i < len(sents):
            k = r.randint(1, 2) if first else r.randint(2, 5)
            first = False
            if nparas >= 3 and r.random() < 0.07:
                f = Fill()
                out.append("## " + cap(r.choice(self.HEADINGS).format_map(f)))
            out.append(" ".join(sents[i:i + k]))
            nparas += 1
            i += k
        return "\n\n".join(out) + "\n"

    def description(self, e, rng, Fill):
        """One to four paragraphs: an opening line about the entity, then filler."""
        summary = e.summary.rstrip(".")
        art = "an" if summary[:1].lower() in "aeiou" else "a"
        opening = f"{cap(e.ref())} is {art} {summary[:1].lower() + summary[1:]}."
        paras = []
        for j in range(rng.randint(1, 5)):
            sents = [opening] if j == 0 else []
            for _ in range(rng.randint(2, 5)):
                sents.append(cap(rng.choice(self.FILLER).format_map(Fill())))
            paras.append(" ".join(sents))
        return paras

    # ------------------------------------------------------------------ write
    def write(self, out):
        content = os.path.join(out, "content")
        with open(os.path.join(out, "sitegen.yaml"), "w", encoding="utf-8", newline="\n") as fh:
            fh.write(
                "# Generated by bench/generate.py -- synthetic benchmark site\n"
                f"title: \"The Regional Tracker (benchmark, {self.n_articles} articles)\"\n"
                "description: \"A synthetic news tracker generated for sitegen's benchmark.\"\n"
                "base_url: \"https://tracker.example.org/\"\n"
                "language: en\n"
                "author: \"Benchmark Desk\"\n"
                "autolink: first\n"
            )
        prose_rng = random.Random(f"sitegen-bench-prose-{self.seed}")
        Fill = self.prose_tools(prose_rng)
        made = set()
        total_body = 0
        for a in self.articles:
            d = os.path.join(content, "articles", f"{a.date.year:04d}", f"{a.date.month:02d}")
            if d not in made:
                os.makedirs(d, exist_ok=True)
                made.add(d)
            fm = ["---", f"title: {yq(a.title)}", f"date: {a.dtime or a.date.isoformat()}"]
            if a.updated:
                fm.append(f"updated: {a.updated.isoformat()}")
            if len(a.authors) == 1:
                fm.append(f"author: {yq(a.authors[0])}")
            else:
                fm.append("author: [" + ", ".join(yq(x) for x in a.authors) + "]")
            fm.append("tags: [" + ", ".join(a.tags) + "]")
            if a.about:
                fm.append("about: [" + ", ".join(a.about) + "]")
            if a.fm_mentions:
                fm.append("mentions: [" + ", ".join(a.fm_mentions) + "]")
            fm.append("---")
            body = self.render_body(a, prose_rng, Fill)
            total_body += len(body.encode("utf-8"))
            with open(os.path.join(d, a.id + ".md"), "w", encoding="utf-8", newline="\n") as fh:
                fh.write("\n".join(fm) + "\n" + body)
        for k in KINDS:
            os.makedirs(os.path.join(content, k), exist_ok=True)
        for e in self.ents:
            with open(os.path.join(content, e.kind, e.id + ".yaml"), "w", encoding="utf-8", newline="\n") as fh:
                fh.write(self.sheet(e, prose_rng, Fill))
        return total_body

    def sheet(self, e, rng, Fill):
        L = [f"name: {yq(e.name)}"]
        if e.aliases:
            L.append("aliases: [" + ", ".join(yq(x) for x in e.aliases) + "]")
        L.append(f"summary: {yq(e.summary)}")
        if rng.random() < 0.95:
            L.append("description: |")
            for j, para in enumerate(self.description(e, rng, Fill)):
                if j:
                    L.append("")
                L.append("  " + para)
        if e.links:
            L.append("links:")
            for t, u in e.links:
                L.append(f"  - {{title: {yq(t)}, url: {yq(u)}}}")
        if e.kind == "places":
            if e.parent:
                L.append(f"part_of: {e.parent.id}")
            L.append(f"coordinates: [{e.coords[0]}, {e.coords[1]}]")
        elif e.kind == "events":
            if e.date:
                L.append(f"date: {e.date.isoformat()}")
            else:
                L.append(f"start: {e.start.isoformat()}")
                if e.end:
                    L.append(f"end: {e.end.isoformat()}")
            L.append("places: [" + ", ".join(p.id for p in e.places) + "]")
            if e.participants:
                L.append("participants: [" + ", ".join(p.id for p in e.participants) + "]")
            if e.part_of:
                L.append(f"part_of: {e.part_of.id}")
        elif e.kind == "organisations":
            if e.part_of:
                L.append(f"part_of: {e.part_of.id}")
            if e.members:
                L.append("members: [" + ", ".join(p.id for p in e.members) + "]")
        else:
            if e.born:
                L.append(f"born: {e.born.isoformat()}")
            if e.orgs:
                L.append("organisations: [" + ", ".join(o.id for o in e.orgs) + "]")
        L.append("")
        L.append("facts:")
        for f in e.facts:
            L.append(f"  - claim: {f['claim']}")
            L.append(f"    value: {f['value']}")
            for key in ("date", "start", "end"):
                if key in f:
                    L.append(f"    {key}: {f[key].isoformat()}")
            srcs = f.get("sources")
            if srcs and len(srcs) == 1:
                art, q = srcs[0]
                L.append(f"    source: {art.id}")
                L.append(f"    quote: {yq(q)}")
            elif srcs:
                L.append("    sources:")
                for art, q in srcs:
                    L.append(f"      - {{source: {art.id}, quote: {yq(q)}}}")
            elif "url" in f:
                L.append(f"    source: {f['url']}")
            for key in ("rank", "reason", "note"):
                if key in f:
                    L.append(f"    {key}: {f[key] if key == 'rank' else yq(f[key])}")
        return "\n".join(L) + "\n"

    # ------------------------------------------------------------------ main
    def build(self):
        S = self.n_sheets
        n_people = round(S * 0.45)
        n_places = max(5, round(S * 0.22))
        n_orgs = max(2, round(S * 0.18))
        n_events = max(1, S - n_people - n_places - n_orgs)
        self.make_places(n_places)
        self.make_orgs(n_orgs)
        self.make_people(n_people)
        self.make_event_stubs(n_events)
        self.make_articles()
        self.name_events()
        self.make_relations()
        self.make_facts()
        self.make_front_matter()


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out", help="output site folder")
    ap.add_argument("--articles", type=int, default=10000)
    ap.add_argument("--sheets", type=int, default=None, help="fact sheets (default: articles // 3)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--force", action="store_true", help="replace OUT/content and OUT/sitegen.yaml if present")
    ap.add_argument("-q", "--quiet", action="store_true")
    args = ap.parse_args(argv)
    if args.articles < 1:
        ap.error("--articles must be at least 1")
    sheets = args.sheets if args.sheets is not None else max(12, args.articles // 3)
    if sheets < 12:
        ap.error("--sheets must be at least 12")
    out = args.out
    content = os.path.join(out, "content")
    if os.path.exists(content) or os.path.exists(os.path.join(out, "sitegen.yaml")):
        if not args.force:
            ap.error(f"{out} already holds a site; use --force to replace it")
        shutil.rmtree(content, ignore_errors=True)
    os.makedirs(out, exist_ok=True)
    import time
    t0 = time.perf_counter()
    g = Generator(args.articles, sheets, args.seed)
    g.build()
    body = g.write(out)
    if not args.quiet:
        print(f"generated {args.articles} articles, {len(g.ents)} fact sheets "
              f"({body / 1e6:.1f} MB of bodies) in {out} in {time.perf_counter() - t0:.1f} s")


if __name__ == "__main__":
    main()
