"""Word lists for the benchmark generator (bench/generate.py).

Everything the generator writes comes from these lists and a seeded random
generator: no external data. Filler prose only uses lower-case words (plus
sentence-initial capitals), and every entity name contains at least one
generated token that never occurs in these lists, so entity names cannot
appear in a body by accident.
"""

FIRST_NAMES = """
Aaron Adela Adrian Agnes Aisha Alba Aleksander Alice Amara Amir Ana Andrei
Anika Anton Ariadna Arjun Astrid Aurelio Ayla Beatriz Benedikt Bianca Boris
Bruno Camila Carla Carmen Caspar Cecilia Celine Chiara Clara Colm Cyrus Dafne
Damian Daria Dario Dmitri Edith Elena Elias Elif Emil Emma Enzo Erik Esther
Eva Ewa Fabian Farah Felix Filip Fiona Frida Gabriel Greta Gustav Hana Hannah
Harald Hassan Helena Hugo Ida Igor Ilse Imran Ines Ingrid Irene Isaac Ivan
Jakob Jana Jasper Javier Joanna Johan Jonas Josef Julia Julian Kai Kamal Karin
Karim Katya Kenji Klara Konrad Lara Laszlo Layla Lena Leo Leon Liam Lidia Lina
Lorenzo Luca Lucia Ludmila Lukas Magnus Maja Malik Marco Marek Maria Marta
Mateo Matilda Maxim Maya Mei Miguel Mila Milan Mira Nadia Naomi Nikolai Nils
Nina Noor Oksana Olga Omar Oskar Pablo Paula Pavel Petra Pia Rafael Rania Rasmus
Rhea Rita Roman Rosa Ruben Rufus Salma Samir Sandra Sara Sebastian Selin Sergei
Silvia Simon Sofia Stefan Sven Tamar Tariq Teresa Theo Tobias Tomas Ursula
Valentina Vera Viktor Vivian Walter Yara Yusuf Zainab Zofia Zora
José Zoë Søren Łukasz Ana-María Jérôme Dóra Mónica Björn Agnès
""".split()

# surname = onset + middle + ending
SURNAME_ONSETS = """
Bar Kal Mor Ves Tal Ren Dor Sal Kes Fen Gor Hal Lin Nor Pel Rad Sor Tor Val Zor
Bel Cor Dav Ev Fal Gal Har Ir Jan Kor Lev Mil Nav Or Pav Ros Sev Tam Ul Vor Wen
Yar Zel Ant Brun Cas Del Fer Grim Hol Kur Lund Mak Nes Ost Prus Rym Stav Trel
""".split()
SURNAME_MIDDLES = ["", "", "", "a", "e", "i", "o", "an", "en", "ov", "ar", "el", "in", "ak"]
SURNAME_ENDINGS = """
sky ov enko ic son berg ani ez ari eli ovic stad mann sen ard ello ine ur osa ti
wick ley dal mont more ford ing escu aki ssen kova dottir ou idis
""".split()

PLACE_ONSETS = """
Tar Kel Vel Dor Ash Bram Cal Dun Esk Fal Gar Hel Isk Jor Kar Lom Mar Nor Ost Pra
Quel Ros Sal Tor Ul Var Wes Yl Zar Bel Cor Dra Fen Gol Hav Lir Mel Nav Orm Pel
Rav Sev Tam Val Arv Brel Cren Dal Ery Galt Hesk Irv Kes Lun Mok Narv Ovr Pell
""".split()
PLACE_MIDDLES = ["", "", "a", "e", "i", "o", "en", "ar", "or", "il", "um", "es"]
CITY_ENDINGS = """
on ford grad sk ova burg mouth vik stad ira ena ach heim ton by dale mar ano ez
ova ingen avo ost ric ula eux ria ovo ham
""".split()
COUNTRY_ENDINGS = ["ia", "ia", "ia", "land", "stan", "ora", "ania", "istan", "avia", "ene", "aria"]

REGION_FORMS = ["{} Province", "{} Valley", "{} Coast", "{} Highlands", "Northern {}",
                "Southern {}", "{} Plains", "{} Delta", "Eastern {}", "{} Region"]
CITY_FORMS = ["{}"] * 14 + ["Port {}", "New {}", "San {}", "{} Falls", "{} Springs"]

DEPARTMENTS = """Finance|Defence|Health|Foreign Affairs|Trade|Energy|Justice|Transport|
Education|Interior|Agriculture|Labour|Culture|Environment|Housing""".replace("\n", "").split("|")
PARTY_ADJS = ["Progressive", "Democratic", "National", "Liberal", "Conservative", "Green",
              "Socialist", "Reform", "Unity", "Agrarian", "Republican", "Social Democratic"]
INDUSTRIES = ["Petroleum", "Mining", "Telecom", "Airlines", "Shipping", "Holdings", "Energy",
              "Steel", "Pharmaceuticals", "Motors", "Construction", "Logistics", "Textiles"]
WORKERS = ["Dockworkers", "Teachers", "Miners", "Nurses", "Journalists", "Rail Workers",
           "Farmers", "Steelworkers", "Transport Workers", "Civil Servants"]

ROLES = {
    "politician": 40, "diplomat": 8, "businessman": 5, "businesswoman": 5, "journalist": 6,
    "military officer": 8, "trade unionist": 5, "lawyer": 5, "economist": 5, "activist": 8,
    "judge": 3, "scientist": 4, "civil servant": 6,
}

EVENT_WEIGHTS = {
    "election": 18, "summit": 10, "earthquake": 4, "floods": 6, "battle": 7, "siege": 5,
    "war": 3, "protests": 12, "strike": 7, "talks": 8, "accord": 6, "affair": 8,
    "festival": 4, "trial": 6,
}
LONG_EVENTS = {"war", "protests", "talks", "siege", "affair", "trial", "strike", "floods"}

OUTCOMES = ["a negotiated ceasefire", "a joint declaration", "a stalemate", "a narrow result",
            "a partial agreement", "mass resignations", "a formal inquiry", "a suspended sentence",
            "a new round of talks", "a landslide result"]

NOUNS = """
agreement budget ceasefire coalition committee community compensation constitution
contract corridor council crisis decision delegation deployment economy election
embassy emergency evacuation facility framework funding government highway hospital
infrastructure inquiry investigation investment legislation majority ministry
negotiation operation opposition parliament pipeline policy pressure programme
project proposal protest reform region report resolution response settlement
shortage strategy supply tribunal vaccine warning withdrawal airport border convoy
shipment reservoir harbour prosecutor referendum inflation subsidy tariff mandate
census audit bridge railway network district schedule campaign assessment
allegation amendment appeal authority commission consortium deadline deficit
directive dispute estimate expansion incident initiative interview licence
mission moratorium outbreak payment petition procurement ruling sanction scandal
statement surplus timetable treaty verdict transition recovery checkpoint
garrison refinery terminal warehouse settlement curfew blockade tender ballot
""".split()

ADJECTIVES = """
additional controversial regional temporary significant international provisional
unexpected comprehensive emergency independent official preliminary substantial
considerable domestic economic political financial humanitarian diplomatic
military parliamentary constitutional environmental administrative strategic
critical historic national municipal disputed ambitious modest fragile lengthy
unprecedented sweeping detailed public confidential renewed revised fresh major
limited broader longstanding contested delayed urgent formal informal technical
""".split()

ADVERBS = """
sharply gradually significantly reportedly publicly repeatedly quietly officially
temporarily largely broadly narrowly formally swiftly cautiously openly firmly
""".split()

# base | past | past participle | third person
VERBS = [v.split("|") for v in """
approve|approved|approved|approves announce|announced|announced|announces
reject|rejected|rejected|rejects review|reviewed|reviewed|reviews
delay|delayed|delayed|delays suspend|suspended|suspended|suspends
expand|expanded|expanded|expands criticise|criticised|criticised|criticises
support|supported|supported|supports oppose|opposed|opposed|opposes
extend|extended|extended|extends launch|launched|launched|launches
propose|proposed|proposed|proposes defend|defended|defended|defends
secure|secured|secured|secures question|questioned|questioned|questions
finalise|finalised|finalised|finalises restore|restored|restored|restores
reconsider|reconsidered|reconsidered|reconsiders publish|published|published|publishes
challenge|challenged|challenged|challenges endorse|endorsed|endorsed|endorses
investigate|investigated|investigated|investigates negotiate|negotiated|negotiated|negotiates
implement|implemented|implemented|implements withdraw|withdrew|withdrawn|withdraws
overturn|overturned|overturned|overturns postpone|postponed|postponed|postpones
strengthen|strengthened|strengthened|strengthens block|blocked|blocked|blocks
""".split()]

OFFICIALS = """officials|analysts|residents|diplomats|observers|lawmakers|campaigners|
investigators|economists|aid workers|local authorities|witnesses|critics|opposition figures|
business leaders|union representatives|regional administrators|security sources|
independent monitors|legal experts""".replace("\n", "").split("|")

SPEAKERS = """a senior official|one diplomat|a government spokesperson|a local resident|
an aid worker|a regional analyst|a senior adviser|one lawmaker|a police spokesperson|
a ministry spokesperson|an independent observer|a community leader""".replace("\n", "").split("|")

TIMES = """on Monday|on Tuesday|on Wednesday|on Thursday|on Friday|on Saturday|on Sunday|
last week|earlier this month|in recent days|over the weekend|by the end of the year|
within weeks|since the spring|later this month|in the coming days|last month|
this week|earlier in the year|before the summer""".replace("\n", "").split("|")

CONNECTIVES = """However,|Meanwhile,|In a statement,|Separately,|At the same time,|Earlier,|
By contrast,|Nevertheless,|For now,|Even so,|In addition,|According to local media,|
In response,|Until then,""".replace("\n", "").split("|")

NUMBERS = """two|three|four|five|six|several|dozens of|hundreds of|12|18|25|40|60|85|120|150|
300|450|1,200|2,500|4,000|7,800|12,000|35,000|140,000|1.5 million""".replace("\n", "").split("|")

MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December"]

TAGS = """politics economy elections conflict health diplomacy energy environment justice
security migration trade labour infrastructure education housing transport media
human-rights corruption agriculture technology finance disaster protests culture
science defence budget investigation courts""".split()

CURRENCY = "crowns"
