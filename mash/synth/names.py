"""Curated, fictional-world vocabularies: forenames, surnames, streets, nickname variants.

Everything here must be encodable in cp1252 because the adult-social-care and
probation feeds are written in it (so no Polish Ł, no Czech č). Lists are
ordered by rough popularity; samplers use Zipf-like weights so common names
collide as they do in real data.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

# Name "origins" only steer which lists a family draws from, so one household's names hang together.
ORIGINS = ("british", "south_asian", "black", "east_european", "irish_welsh", "iberian_french")
ORIGIN_SHARES = (0.66, 0.11, 0.08, 0.06, 0.06, 0.03)

CHILD_M = {
    "british": ["Oliver", "Harry", "Jack", "George", "Noah", "Charlie", "Jacob", "Alfie", "Freddie", "Oscar",
                "Leo", "Logan", "Archie", "Theo", "Thomas", "James", "Joshua", "William", "Mason", "Ethan",
                "Jayden", "Riley", "Tyler", "Kai", "Callum", "Lewis", "Kian", "Harley", "Aiden", "Connor",
                "Liam", "Dylan", "Reece", "Brandon", "Max", "Finley", "Tommy", "Alexander", "Daniel", "Samuel"],
    "south_asian": ["Mohammed", "Muhammad", "Ayaan", "Ibrahim", "Yusuf", "Zayn", "Ali", "Hamza", "Arjun", "Aarav",
                    "Rayan", "Omar", "Bilal", "Haris", "Rohan", "Adam"],
    "black": ["Malachi", "Joshua", "Elijah", "David", "Daniel", "Samuel", "Isaac", "Tobi", "Kayden", "Jerome",
              "Emmanuel", "Nathaniel", "Kwame", "Tyrese"],
    "east_european": ["Jakub", "Filip", "Szymon", "Antoni", "Kacper", "Mateusz", "Dawid", "Nikola", "Luka",
                      "Andrei", "Mihai", "Oskar"],
    "irish_welsh": ["Seán", "Cian", "Oisín", "Darragh", "Conor", "Rhys", "Dylan", "Owen", "Gethin", "Tadhg",
                    "Ronan", "Dáire"],
    "iberian_french": ["José", "Mateo", "Andrés", "Hugo", "Raúl", "Nicolás", "Théo", "Léo", "Adrián", "Jesús"],
}
CHILD_F = {
    "british": ["Olivia", "Amelia", "Isla", "Ava", "Mia", "Ivy", "Lily", "Isabella", "Rosie", "Sophia",
                "Grace", "Willow", "Freya", "Evie", "Poppy", "Ella", "Ellie", "Daisy", "Millie", "Chloe",
                "Layla", "Lacey", "Skye", "Amber", "Jessica", "Emily", "Ruby", "Megan", "Holly", "Courtney",
                "Elizabeth", "Katie", "Summer", "Paige", "Charlotte", "Eliza", "Harper", "Scarlett"],
    "south_asian": ["Aisha", "Maryam", "Fatima", "Zara", "Inaya", "Anaya", "Hafsa", "Aleena", "Amira", "Priya",
                    "Saanvi", "Zainab", "Khadija", "Noor"],
    "black": ["Amara", "Abigail", "Precious", "Grace", "Favour", "Blessing", "Nia", "Chantelle", "Imani",
              "Ama", "Esther", "Deborah"],
    "east_european": ["Zuzanna", "Julia", "Maja", "Hanna", "Aleksandra", "Natalia", "Oliwia", "Wiktoria",
                      "Alexandra", "Ioana", "Elena", "Nikola"],
    "irish_welsh": ["Siân", "Niamh", "Aoife", "Siobhan", "Saoirse", "Caoimhe", "Ffion", "Cerys", "Róisín",
                    "Seren", "Megan", "Gwen"],
    "iberian_french": ["Zoë", "Lucía", "Sofía", "Chloé", "Inès", "Léa", "Anaïs", "Renée", "Zoé", "María"],
}
ADULT_M = {
    "british": ["David", "Paul", "Mark", "Andrew", "John", "Michael", "Richard", "Stephen", "Darren", "Lee",
                "Craig", "Wayne", "Daniel", "Christopher", "James", "Robert", "Gary", "Scott", "Jamie", "Ryan",
                "Kevin", "Matthew", "Dean", "Carl", "Jason", "Anthony", "William", "Thomas", "Peter", "Ian",
                "Shaun", "Liam", "Adam", "Simon", "Neil", "Stuart", "Joseph", "Alan", "Brian", "Keith"],
    "south_asian": ["Mohammed", "Muhammad", "Mohamed", "Mohammad", "Imran", "Tariq", "Asif", "Amir", "Sajid",
                    "Raj", "Sanjay", "Faisal", "Shahid", "Kamran"],
    "black": ["Michael", "Emmanuel", "Samuel", "Olusegun", "Kofi", "Tunde", "Marcus", "Delroy", "Winston",
              "Chidi", "Joseph", "Andre"],
    "east_european": ["Piotr", "Tomasz", "Krzysztof", "Marcin", "Andrzej", "Pawel", "Ionut", "Marius",
                      "Aleksander", "Dmitri", "Adrian", "Robert"],
    "irish_welsh": ["Seán", "Patrick", "Declan", "Ciarán", "Padraig", "Gareth", "Rhodri", "Dafydd", "Eoin",
                    "Kieran", "Brendan", "Aled"],
    "iberian_french": ["José", "Jesús", "Raúl", "Andrés", "Álvaro", "François", "Jérôme", "Rubén", "Joaquín",
                       "Sébastien"],
}
ADULT_F = {
    "british": ["Sarah", "Emma", "Claire", "Laura", "Nicola", "Lisa", "Michelle", "Rebecca", "Kelly", "Gemma",
                "Amy", "Stacey", "Jade", "Kirsty", "Samantha", "Donna", "Joanne", "Hayley", "Danielle", "Leanne",
                "Elizabeth", "Victoria", "Charlotte", "Louise", "Rachel", "Zoe", "Natalie", "Jennifer", "Katherine",
                "Margaret", "Susan", "Karen", "Tracey", "Julie", "Deborah", "Angela", "Carol", "Jean", "Patricia",
                "Sharon"],
    "south_asian": ["Fatima", "Ayesha", "Nazia", "Shazia", "Farah", "Sadia", "Rukhsana", "Priya", "Anjali",
                    "Samina", "Yasmin", "Nusrat"],
    "black": ["Grace", "Patience", "Blessing", "Joy", "Marcia", "Sandra", "Funmi", "Abena", "Yvonne", "Ngozi",
              "Beverley", "Comfort"],
    "east_european": ["Agnieszka", "Katarzyna", "Anna", "Magdalena", "Aleksandra", "Alexandra", "Monika",
                      "Ewa", "Ioana", "Elena", "Daniela", "Irina"],
    "irish_welsh": ["Siobhan", "Siobhán", "Siân", "Niamh", "Aoife", "Bronagh", "Gwenllian", "Rhiannon", "Eileen",
                    "Mairéad", "Catrin", "Bethan"],
    "iberian_french": ["Zoë", "María", "Inés", "Lucía", "Renée", "Amélie", "Mónica", "Begoña", "Hélène",
                       "Sofía"],
}
SURNAMES = {
    "british": ["Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Robinson",
                "Wright", "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall", "Wood", "Jackson",
                "Clarke", "Harris", "Lewis", "Hughes", "Edwards", "Turner", "Hill", "Moore", "Cooper", "Ward",
                "Morris", "King", "Baker", "Harrison", "Morgan", "Allen", "Martin", "Clark", "Young", "Mitchell",
                "Watson", "Bennett", "Price", "Parker", "Bailey", "Kelly", "Collins", "Shaw", "Marshall",
                "Holmes", "Russell", "Chapman", "Mason", "Fletcher", "Dixon", "Pearson", "Barnes", "Gibson",
                "Hunt", "Lloyd", "Webb", "Ellis", "Hayes", "Poole", "Gregory", "Rowe", "Slater", "Doyle"],
    "south_asian": ["Khan", "Ahmed", "Hussain", "Ali", "Akhtar", "Begum", "Iqbal", "Mahmood", "Patel",
                    "Shah", "Rahman", "Choudhury", "Sharma", "Singh", "Kaur", "Malik", "Bibi", "Aziz"],
    "black": ["Okafor", "Mensah", "Adeyemi", "Johnson", "Campbell", "Francis", "Boateng", "Okoro", "Williams",
              "Brown", "Oduya", "Asante", "Grant", "Reid"],
    "east_european": ["Nowak", "Kowalski", "Wisniewski", "Wojcik", "Kaminski", "Lewandowski", "Zielinski",
                      "Popescu", "Ionescu", "Popa", "Kowalczyk", "Novak"],
    "irish_welsh": ["O’Brien", "O'Neill", "Murphy", "Kelly", "Byrne", "Ryan", "O’Sullivan", "Walsh", "Ó Briain",
                    "Davies", "Pritchard", "Llewellyn", "McCarthy", "Ní Dhomhnaill", "Gallagher"],
    "iberian_french": ["García", "Fernández", "González", "Rodríguez", "Pérez", "Martínez", "Núñez", "Peña",
                       "Lefèvre", "Dubois", "Müller", "Gómez"],
}
# Spaces inside Irish surnames ("Ó Briain") make the full-name splitter guess wrong: kept rare but present.

# Hand-picked spelling/nickname variants that the nicknames package does not know (it is US-centric).
CURATED_VARIANTS = {
    "Mohammed": ["Muhammad", "Mohamed", "Mohammad", "Mohd", "Mo"],
    "Muhammad": ["Mohammed", "Mohamed", "Muhammed"],
    "Mohamed": ["Mohammed", "Muhammad"],
    "Mohammad": ["Mohammed", "Muhammad"],
    "Aleksandra": ["Alexandra", "Ola", "Alex"],
    "Alexandra": ["Aleksandra", "Alex", "Sasha"],
    "Siobhan": ["Shivon", "Siobhán", "Shiv"],
    "Siobhán": ["Siobhan", "Shivon"],
    "Siân": ["Sian", "Shan"],
    "Seán": ["Sean", "Shaun", "Shawn"],
    "Zoë": ["Zoe", "Zoey"],
    "Zoé": ["Zoe"],
    "Chloé": ["Chloe"],
    "José": ["Jose", "Pepe"],
    "Jesús": ["Jesus"],
    "Raúl": ["Raul"],
    "Renée": ["Renee"],
    "Róisín": ["Roisin", "Rosheen"],
    "Oisín": ["Oisin", "Osheen"],
    "Niamh": ["Neve", "Neeve"],
    "Aoife": ["Eva", "Eefa"],
    "Jayden": ["Jaydon", "Jaden", "Jaiden"],
    "Aiden": ["Aidan", "Ayden"],
    "Layla": ["Leila", "Laila"],
    "Kayden": ["Caiden", "Kaden"],
    "Tyrese": ["Tyreese"],
    "Stacey": ["Stacy"],
    "Hayley": ["Haley", "Hailey"],
    "Zara": ["Zarah"],
    "Maryam": ["Mariam", "Miriam"],
    "Aisha": ["Ayesha", "Aysha"],
    "Ayesha": ["Aisha"],
    "Callum": ["Calum"],
    "Rhys": ["Reece", "Rees"],
    "Reece": ["Rhys", "Reese"],
    "Lacey": ["Lacie"],
    "Yusuf": ["Yousef", "Joseph"],
    "Piotr": ["Peter"],
    "Pawel": ["Paul"],
    "Jakub": ["Jacob", "Kuba"],
    "Tomasz": ["Tom", "Tomek"],
    "Katarzyna": ["Kasia", "Kate"],
    "Agnieszka": ["Aga", "Agnes"],
}
# Similar-but-different forenames for twins (a decoy: the matcher must not merge them).
SIMILAR_TWIN_NAMES = [("Jayden", "Jaydon"), ("Aiden", "Aidan"), ("Layla", "Leyla"), ("Ella", "Ellie"),
                      ("Harley", "Harvey"), ("Amelia", "Amelie"), ("Isla", "Isa"), ("Mason", "Jason"),
                      ("Ryan", "Rhian"), ("Kian", "Kyan"), ("Lily", "Lila"), ("Tyler", "Taylor")]

STREET_STEMS = [
    "Acacia", "Albert", "Alder", "Ash", "Aspen", "Avon", "Beech", "Birch", "Blackthorn", "Bramble", "Brook",
    "Buttercup", "Castle", "Cedar", "Chapel", "Chestnut", "Church", "Clarence", "Clover", "Coronation", "Cotton",
    "Cromwell", "Daisy", "Dale", "Denmark", "Elm", "Fern", "Field", "Fir", "Forest", "Foxglove", "Garden",
    "George", "Gladstone", "Granby", "Grange", "Hawthorn", "Hazel", "Heather", "High", "Highfield", "Hill",
    "Holly", "Ivy", "Jubilee", "Juniper", "Kings", "Laburnum", "Larch", "Laurel", "Lavender", "Lime", "Linden",
    "Maple", "Marsh", "Meadow", "Mill", "Milton", "Moor", "Nelson", "New", "North", "Oak", "Orchard", "Park",
    "Pine", "Poplar", "Primrose", "Princes", "Queens", "Railway", "Regent", "Richmond", "River", "Rose", "Rowan",
    "Salisbury", "School", "Sefton", "South", "Spring", "Station", "Stanley", "Sycamore", "Thistle", "Tudor",
    "Union", "Vicarage", "Victoria", "Walnut", "Water", "Waterloo", "Wellington", "West", "Willow", "Windsor",
    "Wood", "York", "Abbey", "Barley", "Beacon", "Bluebell", "Bridge", "Brunswick", "Canal", "Carlton", "Cherry",
    "Clifton", "Cobden", "Dover", "Eden", "Foundry", "Gas", "Glebe", "Green", "Harbour", "Heath", "Hope",
    "Kestrel", "Kingfisher", "Lark", "Manor", "Market", "Merton", "Minster", "Nightingale", "Osprey", "Palmer",
    "Peel", "Pottery", "Quarry", "Raven", "Rectory", "Robin", "Sandy", "Shakespeare", "Silver", "Skylark",
    "Sparrow", "Swan", "Tannery", "Tennyson", "Thrush", "Tower", "Trinity", "Wharf", "Wren", "Yew",
]
STREET_KINDS = ["Road", "Street", "Avenue", "Close", "Lane", "Drive", "Way", "Crescent", "Gardens", "Place",
                "Court", "Grove", "Terrace", "Walk", "Rise", "Mews"]
# Recorded abbreviations (Road/Rd ...): a noise source, and an address normaliser has to undo them.
STREET_ABBREV = {"Road": "Rd", "Street": "St", "Avenue": "Ave", "Close": "Cl", "Lane": "Ln", "Drive": "Dr",
                 "Crescent": "Cres", "Gardens": "Gdns", "Place": "Pl", "Court": "Ct", "Grove": "Gr",
                 "Terrace": "Terr"}
LOCALITIES = ["Marsham", "Marsham Vale", "Eastbrook", "Westcombe", "Northgate", "Southfields", "Hollins Park",
              "Ferrybridge End", "Lowther", "Kingsmead", "Abbotsford", "Cranleigh Green", "Millbrook", "Ashby Cross"]
TOWN = "Marsham"
POSTCODE_AREA = "MH"  # not a real UK postcode area: no synthetic address can collide with a real one
INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"  # the inward code never uses C I K M O V

# Professionals named in feeds (referrers, authorisers). Fictional; some accented so cp1252 matters.
STAFF_NAMES = ["Siân Roberts", "Zoë Patel", "José Martins", "Renée Walsh", "Chloë Evans", "Seán O’Connor",
               "Aoife Byrne", "Priya Sharma", "Mark Ellis", "Helen Carter", "Tom Bradley", "Rachel Moss",
               "Andrzej Nowak", "Funmi Adeyemi", "Claire Dunn", "Gareth Pryce", "Nadia Hussain", "Jo Whitfield"]
SCHOOL_NAME_STEMS = ["St Mary's CE", "Marsham", "Eastbrook", "Westcombe", "Northgate", "Southfields", "Hollins",
                     "Kingsmead", "Millbrook", "Abbotsford", "Holy Trinity RC", "St Joseph's RC", "Oakfield",
                     "Riverside", "Meadowbank", "Cranleigh", "Ashby", "Lowther", "Ferrybridge", "Beacon Hill",
                     "Willow Tree", "Greenacres", "Brookside", "Castle View", "Highfield", "Park Lane"]


def zipf_weights(n: int, s: float = 0.9) -> np.ndarray:
    """Normalised 1/rank^s weights, so the first names of a list are the common ones.

    >>> w = zipf_weights(4); bool(abs(w.sum() - 1) < 1e-12 and w[0] > w[-1])
    True
    """
    w = 1.0 / np.arange(1, n + 1) ** s
    return w / w.sum()


@lru_cache(maxsize=1)
def name_variants() -> dict[str, tuple[str, ...]]:
    """Forename -> sorted tuple of recorded variants (nicknames, spellings, accent-stripped).

    Combines :data:`CURATED_VARIANTS` with the ``nicknames`` package; sets are sorted so the
    result never depends on hash order.

    >>> "Bill" in name_variants()["William"]
    True
    """
    from nicknames import NickNamer

    nn = NickNamer()
    every = set()
    for table in (CHILD_M, CHILD_F, ADULT_M, ADULT_F):
        for names in table.values():
            every.update(names)
    out: dict[str, tuple[str, ...]] = {}
    for name in sorted(every):
        found = set(CURATED_VARIANTS.get(name, []))
        if name.isascii():
            found.update(n.capitalize() for n in nn.nicknames_of(name.lower()) if len(n) > 1)
        found.discard(name)
        if found:
            out[name] = tuple(sorted(found))
    return out
