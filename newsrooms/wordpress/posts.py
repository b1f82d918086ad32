"""The posts of the WordPress-like fixture newsroom: a customs agency's press office, in
English and French (not every story in both). Hand-written, so every page reads like a
release, and the ground truth is exactly what is written here.

Each story: `id` (the WordPress post id of the English version; the French one is id+1),
`published` / `modified` (UTC), the category, and one version per language: slug, title,
dateline, paragraphs (the first without its dateline), optional heading + list, and
optional quote (text, speaker as written in that language).
"""

from __future__ import annotations

from datetime import UTC, datetime

STORIES: list[dict] = [
    {
        "id": 412,
        "published": datetime(2024, 3, 5, 9, 12, tzinfo=UTC),
        "modified": datetime(2024, 3, 6, 7, 59, tzinfo=UTC),
        "category": "seizures",
        "en": {
            "slug": "record-cocaine-seizure-at-the-container-terminal",
            "title": "Record cocaine seizure at the container terminal",
            "dateline": "ROTTERDAM, Netherlands",
            "paragraphs": [
                "Customs officers found 1.2 tonnes of cocaine hidden in a shipment of frozen "
                "fruit pulp, the largest single seizure at the port this year.",
                "The containers arrived from South America and were selected for inspection "
                "by the agency's risk analysis team after irregularities in their documents.",
                "A scanner image showed dense blocks behind the pallets; a search found 1,046 "
                "packages in three of the twelve containers.",
            ],
            "heading": "How the shipment was selected",
            "items": [
                "documents filed late and amended twice",
                "an importer registered four weeks before the shipment",
                "a route through two transhipment ports",
            ],
            "quote": (
                "Our teams read the paperwork before they open the doors. This seizure "
                "started at a desk, not at the quay.",
                "Marit de Vries",
            ),
        },
        "fr": {
            "slug": "saisie-record-de-cocaine-au-terminal-a-conteneurs",
            "title": "Saisie record de cocaïne au terminal à conteneurs",
            "dateline": "ROTTERDAM, Pays-Bas",
            "paragraphs": [
                "Les agents des douanes ont découvert 1,2 tonne de cocaïne dissimulée dans "
                "une cargaison de pulpe de fruits surgelée, la plus importante saisie de "
                "l'année dans le port.",
                "Les conteneurs, arrivés d'Amérique du Sud, avaient été ciblés par l'équipe "
                "d'analyse de risque de l'agence en raison d'irrégularités documentaires.",
                "Une image de scanner a révélé des blocs denses derrière les palettes ; la "
                "fouille a permis de trouver 1 046 paquets dans trois des douze conteneurs.",
            ],
            "quote": (
                "Nos équipes lisent les documents avant d'ouvrir les portes. Cette "
                "saisie a commencé à un bureau, pas sur le quai.",
                "Marit de Vries",
            ),
        },
    },
    {
        "id": 398,
        "published": datetime(2024, 2, 27, 15, 45, tzinfo=UTC),
        "modified": datetime(2024, 2, 27, 15, 45, tzinfo=UTC),
        "category": "health",
        "en": {
            "slug": "counterfeit-medicines-stopped-at-the-airport",
            "title": "Counterfeit medicines stopped at the airport",
            "dateline": "BRUSSELS, Belgium",
            "paragraphs": [
                "More than 40,000 counterfeit tablets were intercepted in air freight during "
                "a two-week operation targeting medicines sold online.",
                "Laboratory tests showed that most of the tablets contained no active "
                "ingredient at all, while others held undeclared and dangerous substances.",
                "The parcels were addressed to private buyers in six countries; the "
                "investigation into the senders continues with partner agencies.",
            ],
            "quote": (
                "Buying medicines from unknown websites is a gamble with your health.",
                "Dr Hélène Marchal",
            ),
        },
        "fr": {
            "slug": "medicaments-contrefaits-interceptes-a-l-aeroport",
            "title": "Médicaments contrefaits interceptés à l'aéroport",
            "dateline": "BRUXELLES, Belgique",
            "paragraphs": [
                "Plus de 40 000 comprimés contrefaits ont été interceptés dans le fret "
                "aérien au cours d'une opération de deux semaines visant les médicaments "
                "vendus en ligne.",
                "Les analyses de laboratoire ont montré que la plupart des comprimés ne "
                "contenaient aucun principe actif, et que d'autres renfermaient des "
                "substances dangereuses non déclarées.",
                "Les colis étaient adressés à des particuliers dans six pays ; l'enquête sur "
                "les expéditeurs se poursuit avec les agences partenaires.",
            ],
        },
    },
    {
        "id": 377,
        "published": datetime(2024, 2, 12, 10, 0, tzinfo=UTC),
        "modified": datetime(2024, 2, 14, 8, 30, tzinfo=UTC),
        "category": "wildlife",
        "en": {
            "slug": "protected-eels-found-in-suitcases",
            "title": "Protected eels found in suitcases",
            "dateline": "AMSTERDAM, Netherlands",
            "paragraphs": [
                "Two travellers bound for Asia were stopped with 180,000 live glass eels "
                "packed in plastic bags inside their suitcases.",
                "The European eel is a protected species and its export from the European "
                "Union is banned; the eels were released into a river the same night.",
                "Both travellers were arrested and the case was handed to the public prosecutor.",
            ],
        },
        "fr": {
            "slug": "des-anguilles-protegees-decouvertes-dans-des-valises",
            "title": "Des anguilles protégées découvertes dans des valises",
            "dateline": "AMSTERDAM, Pays-Bas",
            "paragraphs": [
                "Deux voyageurs à destination de l'Asie ont été interpellés avec 180 000 "
                "civelles vivantes emballées dans des sacs en plastique au fond de leurs "
                "valises.",
                "L'anguille européenne est une espèce protégée dont l'exportation hors de "
                "l'Union européenne est interdite ; les civelles ont été relâchées dans une "
                "rivière le soir même.",
                "Les deux voyageurs ont été arrêtés et l'affaire a été confiée au parquet.",
            ],
        },
    },
    {
        "id": 351,
        "published": datetime(2024, 1, 22, 13, 20, tzinfo=UTC),
        "modified": datetime(2024, 1, 22, 13, 20, tzinfo=UTC),
        "category": "tobacco",
        "en": {
            "slug": "illegal-cigarette-factory-dismantled",
            "title": "Illegal cigarette factory dismantled",
            "dateline": "ANTWERP, Belgium",
            "paragraphs": [
                "Customs investigators and police dismantled an illegal cigarette factory "
                "in a warehouse on the edge of the port area.",
                "The production line could make up to 25 million cigarettes a month; "
                "8 million finished cigarettes and 30 tonnes of tobacco were seized.",
                "Eleven workers were found living on the site. Three suspected organisers "
                "were arrested.",
            ],
            "quote": (
                "Behind cheap cigarettes there is organised crime and exploited workers.",
                "Jonas Peeters",
            ),
        },
    },
    {
        "id": 330,
        "published": datetime(2023, 12, 18, 9, 0, tzinfo=UTC),
        "modified": datetime(2023, 12, 18, 9, 0, tzinfo=UTC),
        "category": "agency",
        "en": {
            "slug": "annual-results-more-seizures-fewer-delays",
            "title": "Annual results: more seizures, fewer delays",
            "dateline": "THE HAGUE, Netherlands",
            "paragraphs": [
                "The agency inspected fewer containers in 2023 than the year before, yet "
                "made 18 per cent more seizures, thanks to better targeting.",
                "Average clearance time for compliant traders fell to under four hours.",
                "The full annual report is published today in English and French.",
            ],
        },
        "fr": {
            "slug": "bilan-annuel-plus-de-saisies-moins-de-retards",
            "title": "Bilan annuel : plus de saisies, moins de retards",
            "dateline": "LA HAYE, Pays-Bas",
            "paragraphs": [
                "L'agence a contrôlé moins de conteneurs en 2023 que l'année précédente, "
                "mais a réalisé 18 % de saisies en plus grâce à un meilleur ciblage.",
                "Le délai moyen de dédouanement des opérateurs en règle est passé sous la "
                "barre des quatre heures.",
                "Le rapport annuel complet est publié aujourd'hui en anglais et en français.",
            ],
        },
    },
    {
        "id": 305,
        "published": datetime(2023, 11, 30, 11, 30, tzinfo=UTC),
        "modified": datetime(2023, 12, 1, 9, 0, tzinfo=UTC),
        "category": "seizures",
        "en": {
            "slug": "firearms-parts-hidden-in-car-engines",
            "title": "Firearms parts hidden in car engines",
            "dateline": "ZEEBRUGGE, Belgium",
            "paragraphs": [
                "Officers searching a roll-on roll-off ferry found firearm parts concealed "
                "inside the engine blocks of three used cars.",
                "The parts would have been enough to assemble 60 pistols.",
                "The cars had been bought at auctions and shipped through a freight "
                "forwarder that has since been placed under investigation.",
            ],
            "quote": (
                "Every part we stop is a weapon that never reaches the street.",
                "Marit de Vries",
            ),
        },
        "fr": {
            "slug": "pieces-d-armes-a-feu-cachees-dans-des-moteurs",
            "title": "Des pièces d'armes à feu cachées dans des moteurs",
            "dateline": "ZEEBRUGGE, Belgique",
            "paragraphs": [
                "En fouillant un navire roulier, les agents ont découvert des pièces "
                "d'armes à feu dissimulées dans les blocs moteurs de trois voitures "
                "d'occasion.",
                "Ces pièces auraient suffi à assembler 60 pistolets.",
                "Les voitures avaient été achetées aux enchères et expédiées par un "
                "transitaire qui fait désormais l'objet d'une enquête.",
            ],
            "quote": (
                "Chaque pièce que nous arrêtons est une arme qui n'atteindra jamais la rue.",
                "Marit de Vries",
            ),
        },
    },
    {
        "id": 288,
        "published": datetime(2023, 11, 8, 8, 45, tzinfo=UTC),
        "modified": datetime(2023, 11, 8, 8, 45, tzinfo=UTC),
        "category": "agency",
        "en": {
            "slug": "new-scanners-for-the-rail-terminal",
            "title": "New scanners for the rail terminal",
            "dateline": "ROTTERDAM, Netherlands",
            "paragraphs": [
                "Two drive-through scanners for freight trains entered service at the rail "
                "terminal, where traffic has doubled in five years.",
                "A whole train can now be scanned at walking pace without stopping.",
            ],
        },
    },
    {
        "id": 260,
        "published": datetime(2023, 10, 16, 14, 0, tzinfo=UTC),
        "modified": datetime(2023, 10, 16, 14, 0, tzinfo=UTC),
        "category": "seizures",
        "en": {
            "slug": "cash-smuggling-couriers-intercepted",
            "title": "Cash smuggling couriers intercepted",
            "dateline": "BRUSSELS, Belgium",
            "paragraphs": [
                "Three couriers carrying a total of 2.4 million euros in undeclared cash "
                "were intercepted at the high-speed rail station.",
                "The banknotes were sewn into the linings of jackets and sports bags.",
                "Travellers must declare 10,000 euros or more when entering or leaving the "
                "European Union.",
            ],
        },
        "fr": {
            "slug": "des-passeurs-d-argent-liquide-interceptes",
            "title": "Des passeurs d'argent liquide interceptés",
            "dateline": "BRUXELLES, Belgique",
            "paragraphs": [
                "Trois passeurs transportant au total 2,4 millions d'euros en espèces non "
                "déclarées ont été interceptés à la gare à grande vitesse.",
                "Les billets étaient cousus dans les doublures de vestes et de sacs de sport.",
                "Les voyageurs doivent déclarer toute somme de 10 000 euros ou plus à "
                "l'entrée ou à la sortie de l'Union européenne.",
            ],
        },
    },
]
