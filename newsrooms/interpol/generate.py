"""Archive-scale releases: recombined sentence templates, a pure function of (seed, family id).

Every family gets a unique code name (adjective + noun + roman numeral cycle) that appears in all
its titles, so slugs are unique within a year and can be decoded back to the family id without
keeping an index in memory.
"""

from __future__ import annotations

import random
import re
from functools import lru_cache

from .content import Block, Release
from .langs import slugify

ADJ = (
    "Amber",
    "Azure",
    "Silent",
    "Iron",
    "Silver",
    "Golden",
    "Crimson",
    "Northern",
    "Southern",
    "Eastern",
    "Western",
    "Hidden",
    "Rapid",
    "Steel",
    "Stone",
    "Desert",
    "Ocean",
    "Coral",
    "Jade",
    "Cobalt",
    "Scarlet",
    "Granite",
    "Frozen",
    "Burning",
    "Swift",
    "Quiet",
    "Distant",
    "Broken",
    "Bright",
    "Dark",
    "Emerald",
    "Ivory",
    "Onyx",
    "Copper",
    "Velvet",
    "Thunder",
    "Lunar",
    "Solar",
    "Arctic",
    "Tropical",
    "Savage",
    "Noble",
    "Hollow",
    "Wild",
    "Twin",
    "Black",
    "White",
    "Red",
    "Blue",
    "Grey",
)
NOUN = (
    "Falcon",
    "Harbour",
    "Lion",
    "Shield",
    "Trident",
    "Compass",
    "Anchor",
    "Horizon",
    "Summit",
    "Lantern",
    "Arrow",
    "Delta",
    "Bridge",
    "Beacon",
    "Fortress",
    "Cedar",
    "Condor",
    "Jaguar",
    "Orca",
    "Heron",
    "Sentinel",
    "Tempest",
    "Meridian",
    "Glacier",
    "Canyon",
    "Monsoon",
    "Citadel",
    "Pelican",
    "Viper",
    "Phoenix",
    "Lynx",
    "Raven",
    "Tide",
    "Crescent",
    "Pyramid",
    "Cascade",
    "Barracuda",
    "Mustang",
    "Oasis",
    "Serpent",
    "Typhoon",
    "Lighthouse",
    "Gateway",
    "Harvest",
    "Panther",
    "Albatross",
    "Kestrel",
    "Mirage",
    "Obsidian",
    "Rampart",
)
_ADJ_IX = {w: i for i, w in enumerate(ADJ)}
_NOUN_IX = {w: i for i, w in enumerate(NOUN)}
_CYCLE = len(ADJ) * len(NOUN)
_ROMAN = [
    "",
    "II",
    "III",
    "IV",
    "V",
    "VI",
    "VII",
    "VIII",
    "IX",
    "X",
    "XI",
    "XII",
    "XIII",
    "XIV",
    "XV",
    "XVI",
    "XVII",
    "XVIII",
    "XIX",
    "XX",
]
_ROMAN_IX = {r: i for i, r in enumerate(_ROMAN) if r}


def codename(fid: int) -> str:
    """Bijective family id -> code name; the permutation hides sequential ids."""
    k = fid % _CYCLE
    hi, lo = divmod(k, len(ADJ))
    a = (lo * 17 + hi) % len(ADJ)
    n = (hi * 23 + 7) % len(NOUN)
    cyc = fid // _CYCLE
    name = f"{ADJ[a]} {NOUN[n]}"
    return f"{name} {_ROMAN[cyc]}" if cyc else name


def _decode(a: int, n: int, cyc: int) -> int:
    hi = ((n - 7) * pow(23, -1, len(NOUN))) % len(NOUN)
    lo = ((a - hi) * pow(17, -1, len(ADJ))) % len(ADJ)
    return cyc * _CYCLE + hi * len(ADJ) + lo


def candidate_fids(slug: str) -> list[int]:
    """Family ids whose code name occurs in `slug` (callers verify by re-rendering the slug)."""
    toks = slug.split("-")
    out: list[int] = []
    for i in range(len(toks) - 1):
        a, n = _ADJ_IX.get(toks[i]), _NOUN_IX.get(toks[i + 1])
        if a is None or n is None:
            continue
        cyc = _ROMAN_IX.get(toks[i + 2], 0) if i + 2 < len(toks) else 0
        out.append(_decode(a, n, cyc))
    return out


# --- vocabulary: tuples are (en, fr, es, ar) -------------------------------------------------
L = {"en": 0, "fr": 1, "es": 2, "ar": 3}

COUNTRIES = [
    ("Argentina", "Argentine", "Argentina", "الأرجنتين"),
    ("Brazil", "Brésil", "Brasil", "البرازيل"),
    ("Chile", "Chili", "Chile", "شيلي"),
    ("Colombia", "Colombie", "Colombia", "كولومبيا"),
    ("Peru", "Pérou", "Perú", "بيرو"),
    ("Mexico", "Mexique", "México", "المكسيك"),
    ("Spain", "Espagne", "España", "إسبانيا"),
    ("France", "France", "Francia", "فرنسا"),
    ("Italy", "Italie", "Italia", "إيطاليا"),
    ("Nigeria", "Nigéria", "Nigeria", "نيجيريا"),
    ("Kenya", "Kenya", "Kenia", "كينيا"),
    ("Ghana", "Ghana", "Ghana", "غانا"),
    ("Senegal", "Sénégal", "Senegal", "السنغال"),
    ("Morocco", "Maroc", "Marruecos", "المغرب"),
    ("Egypt", "Égypte", "Egipto", "مصر"),
    ("Jordan", "Jordanie", "Jordania", "الأردن"),
    (
        "United Arab Emirates",
        "Émirats arabes unis",
        "Emiratos Árabes Unidos",
        "الإمارات العربية المتحدة",
    ),
    ("Thailand", "Thaïlande", "Tailandia", "تايلند"),
    ("Indonesia", "Indonésie", "Indonesia", "إندونيسيا"),
    ("Philippines", "Philippines", "Filipinas", "الفلبين"),
    ("Singapore", "Singapour", "Singapur", "سنغافورة"),
    ("Viet Nam", "Viet Nam", "Viet Nam", "فييت نام"),
    ("Portugal", "Portugal", "Portugal", "البرتغال"),
    ("Türkiye", "Türkiye", "Türkiye", "تركيا"),
]

# (dateline per language, plain city name per language)
CITIES = [
    (
        ("LYON, France", "LYON (France)", "LYON (Francia)", "ليون (فرنسا)"),
        ("Lyon", "Lyon", "Lyon", "ليون"),
    ),
    (
        ("SINGAPORE", "SINGAPOUR", "SINGAPUR", "سنغافورة"),
        ("Singapore", "Singapour", "Singapur", "سنغافورة"),
    ),
    (
        (
            "BUENOS AIRES, Argentina",
            "BUENOS AIRES (Argentine)",
            "BUENOS AIRES (Argentina)",
            "بوينس آيرس (الأرجنتين)",
        ),
        ("Buenos Aires", "Buenos Aires", "Buenos Aires", "بوينس آيرس"),
    ),
    (
        ("NAIROBI, Kenya", "NAIROBI (Kenya)", "NAIROBI (Kenia)", "نيروبي (كينيا)"),
        ("Nairobi", "Nairobi", "Nairobi", "نيروبي"),
    ),
    (
        (
            "ABU DHABI, United Arab Emirates",
            "ABOU DHABI (Émirats arabes unis)",
            "ABU DABI (Emiratos Árabes Unidos)",
            "أبوظبي (الإمارات العربية المتحدة)",
        ),
        ("Abu Dhabi", "Abou Dhabi", "Abu Dabi", "أبوظبي"),
    ),
    (
        ("BANGKOK, Thailand", "BANGKOK (Thaïlande)", "BANGKOK (Tailandia)", "بانكوك (تايلند)"),
        ("Bangkok", "Bangkok", "Bangkok", "بانكوك"),
    ),
    (
        ("DAKAR, Senegal", "DAKAR (Sénégal)", "DAKAR (Senegal)", "داكار (السنغال)"),
        ("Dakar", "Dakar", "Dakar", "داكار"),
    ),
    (
        ("AMMAN, Jordan", "AMMAN (Jordanie)", "AMÁN (Jordania)", "عمّان (الأردن)"),
        ("Amman", "Amman", "Amán", "عمّان"),
    ),
    (
        ("LIMA, Peru", "LIMA (Pérou)", "LIMA (Perú)", "ليما (بيرو)"),
        ("Lima", "Lima", "Lima", "ليما"),
    ),
    (
        ("MADRID, Spain", "MADRID (Espagne)", "MADRID (España)", "مدريد (إسبانيا)"),
        ("Madrid", "Madrid", "Madrid", "مدريد"),
    ),
]

TOPICS = ["trafficking", "drugs", "cyber", "environment", "firearms", "fugitives", "conference"]

CRIME = {
    "trafficking": (
        "human trafficking",
        "la traite d'êtres humains",
        "la trata de personas",
        "الاتجار بالبشر",
    ),
    "drugs": (
        "drug trafficking",
        "le trafic de drogue",
        "el tráfico de drogas",
        "الاتجار بالمخدرات",
    ),
    "cyber": ("online fraud", "la fraude en ligne", "el fraude en línea", "الاحتيال الإلكتروني"),
    "environment": (
        "wildlife crime",
        "la criminalité liée aux espèces sauvages",
        "los delitos contra la vida silvestre",
        "الجرائم المتصلة بالأحياء البرية",
    ),
    "firearms": (
        "firearms trafficking",
        "le trafic d'armes à feu",
        "el tráfico de armas de fuego",
        "الاتجار بالأسلحة النارية",
    ),
    "fugitives": (
        "transnational fugitives",
        "les fugitifs transnationaux",
        "los prófugos transnacionales",
        "الفارين الدوليين",
    ),
    "conference": (
        "organized crime",
        "la criminalité organisée",
        "la delincuencia organizada",
        "الجريمة المنظمة",
    ),
}

TITLES = (
    (
        "Operation {op}: {arrests} arrests in crackdown on {crime}",
        "Opération {op} : {arrests} arrestations dans la lutte contre {crime}",
        "Operación {op}: {arrests} detenidos en una ofensiva contra {crime}",
        "عملية {op}: توقيف {arrests} شخصا في حملة لمكافحة {crime}",
    ),
    (
        "{arrests} arrested as INTERPOL operation {op} targets {crime}",
        "{arrests} arrestations lors de l'opération {op} d'INTERPOL ciblant {crime}",
        "{arrests} detenidos en la operación {op} de INTERPOL contra {crime}",
        "توقيف {arrests} شخصا في إطار عملية {op} للإنتربول التي تستهدف {crime}",
    ),
    (
        "Operation {op} strikes at {crime} in {nc} countries",
        "L'opération {op} cible {crime} dans {nc} pays",
        "La operación {op} golpea {crime} en {nc} países",
        "عملية {op} تستهدف {crime} في {nc} بلدا",
    ),
)
CONF_TITLE = (
    "INTERPOL {region} Regional Conference launches Project {op} against {crime}",
    "La Conférence régionale {region} d'INTERPOL lance le projet {op} contre {crime}",
    "La Conferencia Regional {region} de INTERPOL lanza el proyecto {op} contra {crime}",
    "المؤتمر الإقليمي {region} للإنتربول يطلق مشروع {op} لمكافحة {crime}",
)
REGIONS = (
    ("African", "africaine", "Africana", "الأفريقي"),
    ("European", "européenne", "Europea", "الأوروبي"),
    ("Asian", "asiatique", "Asiática", "الآسيوي"),
    ("Americas", "des Amériques", "de las Américas", "للأمريكتين"),
)
UNITS = (
    (
        "Command and Coordination Centre",
        "du Centre de commandement et de coordination d'INTERPOL",
        "del Centro de Mando y Coordinación de INTERPOL",
        "مركز القيادة والتنسيق التابع للإنتربول",
    ),
    (
        "Financial Crime and Anti-Corruption Centre",
        "du Centre de lutte contre la criminalité financière et la corruption d'INTERPOL",
        "del Centro de Lucha contra la Delincuencia Financiera y la Corrupción de INTERPOL",
        "مركز مكافحة الجرائم المالية والفساد التابع للإنتربول",
    ),
    (
        "Regional Bureau",
        "de son Bureau régional",
        "de su Oficina Regional",
        "المكتب الإقليمي للإنتربول",
    ),
)
STANDFIRST = (
    "Police in {nc} countries joined forces over {weeks} weeks, with support from INTERPOL's "
    "{unit}.",
    "Les polices de {nc} pays ont uni leurs forces pendant {weeks} semaines, avec l'appui {unit}.",
    "Las policías de {nc} países unieron sus fuerzas durante {weeks} semanas con el apoyo {unit}.",
    "تعاونت أجهزة الشرطة في {nc} بلدا على مدى {weeks} أسابيع بدعم من {unit}.",
)
CONF_STANDFIRST = (
    "Senior police officials from {nc} countries agreed on joint priorities for the coming year.",
    "De hauts responsables de police de {nc} pays se sont accordés sur des priorités communes "
    "pour l'année à venir.",
    "Altos mandos policiales de {nc} países acordaron prioridades comunes para el próximo año.",
    "اتفق كبار مسؤولي الشرطة من {nc} بلدا على أولويات مشتركة للعام المقبل.",
)
LEDE = (
    "An INTERPOL-coordinated operation against {crime} has led to {arrests} arrests and the "
    "identification of {suspects} further suspects, with investigators following leads in "
    "countries such as {c3}.",
    "Une opération coordonnée par INTERPOL contre {crime} a abouti à {arrests} arrestations et à "
    "l'identification de {suspects} autres suspects, les enquêteurs ayant suivi des pistes "
    "notamment dans les pays suivants : {c3}.",
    "Una operación coordinada por INTERPOL contra {crime} se ha saldado con {arrests} detenciones "
    "y la identificación de otros {suspects} sospechosos, tras pistas seguidas en países como "
    "{c3}.",
    "أسفرت عملية نسقها الإنتربول لمكافحة {crime} عن توقيف {arrests} شخصا وتحديد هوية {suspects} "
    "مشتبها فيهم آخرين، بعد أن تتبع المحققون خيوطا في بلدان منها {c3}.",
)
RESULT = {
    "trafficking": (
        "Officers rescued {n2} victims, including {n3} minors, and inspected border crossings, "
        "airports and bus stations.",
        "Les agents ont secouru {n2} victimes, dont {n3} mineurs, et contrôlé des "
        "postes-frontières, des aéroports et des gares routières.",
        "Los agentes rescataron a {n2} víctimas, entre ellas {n3} menores, e inspeccionaron pasos "
        "fronterizos, aeropuertos y estaciones de autobuses.",
        "وأنقذ الضباط {n2} ضحية، من بينهم {n3} قاصرا، وفتشوا المعابر الحدودية والمطارات ومحطات "
        "الحافلات.",
    ),
    "drugs": (
        "Seizures included {n2} kilograms of cocaine, {n3} kilograms of methamphetamine and "
        "precursor chemicals hidden in shipping containers.",
        "Les saisies comprennent {n2} kilogrammes de cocaïne, {n3} kilogrammes de méthamphétamine "
        "et des précurseurs chimiques dissimulés dans des conteneurs maritimes.",
        "Entre lo incautado figuran {n2} kilogramos de cocaína, {n3} kilogramos de metanfetamina y "
        "precursores químicos ocultos en contenedores marítimos.",
        "وشملت المضبوطات {n2} كيلوغراما من الكوكايين و{n3} كيلوغراما من الميثامفيتامين وسلائف "
        "كيميائية مخبأة في حاويات الشحن.",
    ),
    "cyber": (
        "Investigators blocked {n2} bank accounts and intercepted USD {n3} million in illicit "
        "funds linked to phishing and business e-mail compromise.",
        "Les enquêteurs ont bloqué {n2} comptes bancaires et intercepté {n3} millions de dollars "
        "des États-Unis de fonds illicites liés à l'hameçonnage.",
        "Los investigadores bloquearon {n2} cuentas bancarias e interceptaron {n3} millones de "
        "dólares estadounidenses en fondos ilícitos vinculados al phishing.",
        "وجمّد المحققون {n2} حسابا مصرفيا واعترضوا {n3} مليون دولار أمريكي من الأموال غير "
        "المشروعة المرتبطة بالتصيد الاحتيالي.",
    ),
    "environment": (
        "Officers seized {n2} live animals, {n3} cubic metres of timber, and ivory and pangolin "
        "scales bound for overseas markets.",
        "Les agents ont saisi {n2} animaux vivants, {n3} mètres cubes de bois ainsi que de "
        "l'ivoire et des écailles de pangolin destinés à des marchés étrangers.",
        "Los agentes incautaron {n2} animales vivos, {n3} metros cúbicos de madera, y marfil y "
        "escamas de pangolín destinados a mercados extranjeros.",
        "وضبط الضباط {n2} حيوانا حيا و{n3} مترا مكعبا من الأخشاب، إضافة إلى العاج وحراشف آكل "
        "النمل الحرشفي الموجهة إلى الأسواق الخارجية.",
    ),
    "firearms": (
        "More than {n2} firearms, {n3} rounds of ammunition and several kilograms of explosives "
        "were recovered.",
        "Plus de {n2} armes à feu, {n3} cartouches et plusieurs kilogrammes d'explosifs ont été "
        "récupérés.",
        "Se recuperaron más de {n2} armas de fuego, {n3} cartuchos de munición y varios kilogramos "
        "de explosivos.",
        "واستُرد أكثر من {n2} قطعة سلاح ناري و{n3} طلقة ذخيرة وعدة كيلوغرامات من المتفجرات.",
    ),
    "fugitives": (
        "Among those located were {n2} fugitives subject to INTERPOL Red Notices, wanted for "
        "murder, fraud and drug offences.",
        "Parmi les personnes localisées figurent {n2} fugitifs visés par une notice rouge "
        "d'INTERPOL, recherchés pour meurtre, fraude et infractions liées à la drogue.",
        "Entre las personas localizadas figuran {n2} prófugos objeto de notificaciones rojas de "
        "INTERPOL, buscados por asesinato, fraude y delitos de drogas.",
        "ومن بين الأشخاص الذين حُدد مكانهم {n2} فارا صدرت بحقهم نشرات حمراء من الإنتربول، وهم "
        "مطلوبون بتهم القتل والاحتيال وجرائم المخدرات.",
    ),
}
CHECKS = (
    "Frontline officers checked passengers and goods against INTERPOL's databases more than "
    "{checks} times, generating {hits} hits on stolen travel documents and wanted persons.",
    "Les agents de première ligne ont interrogé les bases de données d'INTERPOL plus de {checks} "
    "fois, ce qui a généré {hits} concordances concernant des documents de voyage volés et des "
    "personnes recherchées.",
    "Los agentes de primera línea consultaron las bases de datos de INTERPOL más de {checks} "
    "veces, lo que generó {hits} coincidencias relativas a documentos de viaje robados y personas "
    "buscadas.",
    "وأجرى ضباط الخطوط الأمامية أكثر من {checks} عملية تدقيق في قواعد بيانات الإنتربول، أسفرت عن "
    "{hits} نتيجة إيجابية تتعلق بوثائق سفر مسروقة وأشخاص مطلوبين.",
)
HEADINGS = (
    ("Coordinated action", "Une action coordonnée", "Acción coordinada", "عمل منسق"),
    (
        "Intelligence-led checks",
        "Des contrôles fondés sur le renseignement",
        "Controles basados en inteligencia",
        "عمليات تدقيق قائمة على الاستخبارات",
    ),
    ("Next steps", "Prochaines étapes", "Próximos pasos", "الخطوات المقبلة"),
)
LIST_INTRO = (
    "The operation focused on:",
    "L'opération était axée sur les points suivants :",
    "La operación se centró en:",
    "وركزت العملية على ما يلي:",
)
CONF_LIST_INTRO = (
    "Delegates agreed to prioritize:",
    "Les délégués sont convenus de privilégier :",
    "Los delegados acordaron dar prioridad a:",
    "واتفق المندوبون على إيلاء الأولوية لما يلي:",
)
ITEMS = (
    (
        "identifying and dismantling the organized crime groups behind the networks;",
        "identifier et démanteler les groupes criminels organisés à l'origine des réseaux ;",
        "identificar y desarticular a los grupos delictivos organizados que están detrás de las "
        "redes;",
        "تحديد مجموعات الجريمة المنظمة التي تقف وراء الشبكات وتفكيكها؛",
    ),
    (
        "tracing and freezing criminal proceeds;",
        "localiser et geler les avoirs d'origine criminelle ;",
        "rastrear y congelar el producto del delito;",
        "تعقب العائدات الإجرامية وتجميدها؛",
    ),
    (
        "protecting and supporting victims;",
        "protéger et soutenir les victimes ;",
        "proteger y apoyar a las víctimas;",
        "حماية الضحايا ودعمهم؛",
    ),
    (
        "sharing intelligence in real time through INTERPOL's secure network;",
        "échanger des renseignements en temps réel via le réseau sécurisé d'INTERPOL ;",
        "intercambiar inteligencia en tiempo real a través de la red segura de INTERPOL;",
        "تبادل المعلومات الاستخباراتية آنيا عبر شبكة الإنتربول المأمونة؛",
    ),
    (
        "checking travellers and cargo at key border points;",
        "contrôler les voyageurs et les marchandises aux principaux points de passage frontaliers ;",
        "controlar a los viajeros y la carga en los principales puntos fronterizos;",
        "تفتيش المسافرين والبضائع في النقاط الحدودية الرئيسية؛",
    ),
    (
        "training frontline officers in new investigative techniques.",
        "former les agents de première ligne aux nouvelles techniques d'enquête.",
        "formar a los agentes de primera línea en nuevas técnicas de investigación.",
        "تدريب ضباط الخطوط الأمامية على تقنيات التحقيق الجديدة.",
    ),
)
# (name latin, name arabic, female, title per language, title before name in English)
OFFICIALS = (
    (
        "Amara Okafor",
        "أمارا أوكافور",
        True,
        (
            "INTERPOL Secretary General",
            "Secrétaire générale d'INTERPOL",
            "Secretaria General de INTERPOL",
            "الأمينة العامة للإنتربول",
        ),
        True,
    ),
    (
        "Henrik Lindqvist",
        "هنريك ليندكفيست",
        False,
        (
            "INTERPOL Director of Organized and Emerging Crime",
            "Directeur de la criminalité organisée et émergente d'INTERPOL",
            "Director de Delincuencia Organizada y Emergente de INTERPOL",
            "مدير الجريمة المنظمة والناشئة في الإنتربول",
        ),
        True,
    ),
    (
        "Lucía Márquez",
        "لوسيا ماركيز",
        True,
        (
            "INTERPOL Executive Director of Police Services",
            "Directrice exécutive des services de police d'INTERPOL",
            "Directora Ejecutiva de Servicios Policiales de INTERPOL",
            "المديرة التنفيذية لخدمات الشرطة في الإنتربول",
        ),
        True,
    ),
    (
        "Tomasz Wrona",
        "توماش فرونا",
        False,
        (
            "Head of INTERPOL's Cybercrime Directorate",
            "Chef de la Direction de la cybercriminalité d'INTERPOL",
            "Jefe de la Dirección de Ciberdelincuencia de INTERPOL",
            "رئيس مديرية الجريمة السيبرية في الإنتربول",
        ),
        True,
    ),
    (
        "Mei Ling Tan",
        "مي لينغ تان",
        True,
        (
            "INTERPOL Director of Environmental Security",
            "Directrice de la sécurité environnementale d'INTERPOL",
            "Directora de Seguridad Ambiental de INTERPOL",
            "مديرة الأمن البيئي في الإنتربول",
        ),
        True,
    ),
)
NATIONALS = (
    (
        "Daniel Mensah",
        "دانيال منساه",
        False,
        (
            "the national coordinator of the operation",
            "coordonnateur national de l'opération",
            "coordinador nacional de la operación",
            "المنسق الوطني للعملية",
        ),
        False,
    ),
    (
        "Sofia Almeida",
        "صوفيا ألميدا",
        True,
        (
            "head of the National Central Bureau in Lisbon",
            "cheffe du Bureau central national de Lisbonne",
            "jefa de la Oficina Central Nacional de Lisboa",
            "رئيسة المكتب المركزي الوطني في لشبونة",
        ),
        False,
    ),
)
QUOTES = (
    (
        "No country can tackle {crime} alone. This operation shows what police achieve when they "
        "share information quickly and act together",
        "Aucun pays ne peut lutter seul contre {crime}. Cette opération montre ce que les polices "
        "obtiennent lorsqu'elles échangent rapidement des informations et agissent ensemble",
        "Ningún país puede combatir {crime} por sí solo. Esta operación demuestra lo que logran las "
        "policías cuando intercambian información con rapidez y actúan juntas",
        "لا يمكن لأي بلد أن يكافح {crime} بمفرده. وتبيّن هذه العملية ما يمكن أن تحققه الشرطة عندما "
        "تتبادل المعلومات بسرعة وتعمل معا",
    ),
    (
        "Behind every case are victims and communities harmed by organized crime. We will keep "
        "targeting the networks, not just the couriers",
        "Derrière chaque affaire, il y a des victimes et des communautés frappées par la criminalité "
        "organisée. Nous continuerons de cibler les réseaux, et pas seulement les passeurs",
        "Detrás de cada caso hay víctimas y comunidades perjudicadas por la delincuencia organizada. "
        "Seguiremos apuntando a las redes, no solo a los correos",
        "وراء كل قضية ضحايا ومجتمعات تضررت من الجريمة المنظمة. وسنواصل استهداف الشبكات وليس فقط "
        "ناقلي البضائع",
    ),
    (
        "Criminals exploit the gaps between borders. Our answer is to close those gaps, one "
        "database check at a time",
        "Les criminels exploitent les failles entre les frontières. Notre réponse est de combler ces "
        "failles, une vérification à la fois",
        "Los delincuentes aprovechan los vacíos entre fronteras. Nuestra respuesta es cerrarlos, "
        "consulta a consulta",
        "يستغل المجرمون الثغرات بين الحدود، وردّنا هو سدّ هذه الثغرات، عملية تدقيق تلو الأخرى",
    ),
)
COUNTRY_LIST = (
    "Participating countries: {clist}.",
    "Pays participants : {clist}.",
    "Países participantes: {clist}.",
    "البلدان المشاركة: {clist}.",
)
FOLLOW_UP = (
    "Investigations are continuing, and further arrests are expected as seized devices and "
    "documents are analysed.",
    "Les enquêtes se poursuivent et d'autres arrestations sont attendues à mesure que les "
    "appareils et documents saisis seront analysés.",
    "Las investigaciones continúan y se prevén más detenciones a medida que se analicen los "
    "dispositivos y documentos incautados.",
    "ولا تزال التحقيقات جارية، ويُتوقع تنفيذ مزيد من عمليات التوقيف مع تحليل الأجهزة والوثائق "
    "المضبوطة.",
)
FUNDING = (
    "The operation was funded by {donor} under INTERPOL's {prog} programme.",
    "L'opération a été financée par {donor} dans le cadre du programme {prog} d'INTERPOL.",
    "La operación fue financiada por {donor} en el marco del programa {prog} de INTERPOL.",
    "ومُوّلت العملية من {donor} في إطار برنامج {prog} التابع للإنتربول.",
)
DONORS = (
    ("the European Union", "l'Union européenne", "la Unión Europea", "الاتحاد الأوروبي"),
    (
        "the Government of Canada",
        "le Gouvernement du Canada",
        "el Gobierno del Canadá",
        "حكومة كندا",
    ),
    (
        "the Government of Germany",
        "le Gouvernement allemand",
        "el Gobierno de Alemania",
        "حكومة ألمانيا",
    ),
)
PROGRAMMES = ("CORAL", "ATLAS", "NEXUS", "KEYSTONE")
CONF_LEDE = (
    "The INTERPOL {region} Regional Conference closed with senior law enforcement officials "
    "backing Project {op}, a new initiative to strengthen cooperation against {crime}.",
    "La Conférence régionale {region} d'INTERPOL s'est achevée par le soutien de hauts "
    "responsables des services de police au projet {op}, une nouvelle initiative visant à "
    "renforcer la coopération contre {crime}.",
    "La Conferencia Regional {region} de INTERPOL concluyó con el respaldo de altos responsables "
    "policiales al proyecto {op}, una nueva iniciativa para reforzar la cooperación contra "
    "{crime}.",
    "اختتم المؤتمر الإقليمي {region} للإنتربول أعماله بدعم كبار مسؤولي إنفاذ القانون لمشروع "
    "{op}، وهو مبادرة جديدة لتعزيز التعاون في مكافحة {crime}.",
)
CONF_ATTEND = (
    "More than {n2} delegates from {nc} countries attended the three-day meeting, which also "
    "reviewed regional crime trends.",
    "Plus de {n2} délégués de {nc} pays ont participé à cette réunion de trois jours, qui a "
    "également passé en revue les tendances régionales de la criminalité.",
    "Más de {n2} delegados de {nc} países asistieron a la reunión de tres días, en la que también "
    "se examinaron las tendencias delictivas regionales.",
    "وشارك أكثر من {n2} مندوبا من {nc} بلدا في الاجتماع الذي استمر ثلاثة أيام، واستعرض أيضا "
    "اتجاهات الجريمة في المنطقة.",
)
CONF_NEXT = (
    "The next regional conference will be held in {city} in {nexty}.",
    "La prochaine conférence régionale se tiendra à {city} en {nexty}.",
    "La próxima conferencia regional se celebrará en {city} en {nexty}.",
    "وسيُعقد المؤتمر الإقليمي المقبل في {city} في عام {nexty}.",
)
CAPTIONS = (
    (
        "Officers inspect cargo during Operation {op}.",
        "Des agents inspectent des marchandises lors de l'opération {op}.",
        "Agentes inspeccionan mercancías durante la operación {op}.",
        "ضباط يفتشون البضائع خلال عملية {op}.",
    ),
    (
        "Delegates at the opening session of the meeting.",
        "Les délégués lors de la séance d'ouverture de la réunion.",
        "Los delegados en la sesión de apertura de la reunión.",
        "المندوبون خلال الجلسة الافتتاحية للاجتماع.",
    ),
)


def _join(names: list[str], lang: str) -> str:
    if lang == "ar":
        return "، ".join(names[:-1]) + " و" + names[-1]
    conj = {"en": " and ", "fr": " et ", "es": " y "}[lang]
    return ", ".join(names[:-1]) + conj + names[-1]


def _quote_par(lang: str, who: tuple, text: str, qstyle: int) -> tuple[str, str]:
    name, name_ar, female, titles, pre = who
    li = L[lang]
    title = titles[li]
    if lang == "en":
        tail = f"said {title} {name}" if pre else f"said {name}, {title}"
        return f"“{text},” {tail}.", name
    if lang == "fr":
        t = title[0].lower() + title[1:] if not pre else title
        return f"« {text} », a déclaré {name}, {t}.", name
    if lang == "es":
        return f"«{text}», afirmó {name}, {title}.", name
    verb = "وقالت" if female else "وقال"
    q = f"’’{text}‘‘" if qstyle % 2 == 0 else f"«{text}»"
    return f"{verb} {title} {name_ar}: {q}.", name_ar


class Facts:
    """Language-independent facts of one generated family (all translations share them)."""

    def __init__(self, seed: int, fid: int) -> None:
        r = random.Random(f"newsroom:{seed}:{fid}")
        self.fid = fid
        self.op = codename(fid)
        self.topic = r.choice(TOPICS)
        self.title_ix = r.randrange(len(TITLES))
        self.city = r.randrange(len(CITIES))
        self.region = r.randrange(len(REGIONS))
        self.unit = r.randrange(len(UNITS))
        self.countries = r.sample(range(len(COUNTRIES)), r.randint(3, 9))
        self.nc = len(self.countries) + r.randint(0, 60)
        self.weeks = r.randint(2, 9)
        self.arrests = r.randint(12, 2900)
        self.suspects = r.randint(5, 400)
        self.n2 = r.randint(10, 900)
        self.n3 = r.randint(2, 300)
        self.checks = r.randint(2, 90) * 1000
        self.hits = r.randint(20, 2000)
        self.heading = r.randrange(len(HEADINGS))
        self.items = sorted(r.sample(range(len(ITEMS)), r.randint(2, 5)))
        self.official = r.randrange(len(OFFICIALS))
        self.quote = r.randrange(len(QUOTES))
        self.national = r.randrange(len(NATIONALS)) if r.random() < 0.5 else None
        self.quote2 = (self.quote + 1 + r.randrange(len(QUOTES) - 1)) % len(QUOTES)
        self.figure = r.random() < 0.7
        self.country_list = r.random() < 0.6
        self.funding = r.randrange(len(DONORS)) if r.random() < 0.5 else None
        self.prog = r.choice(PROGRAMMES)
        self.next_city = r.randrange(len(CITIES))
        self.date_style = r.randrange(3)
        self.quote_style = r.randrange(2)


# Bounded caches: a page render touches the same family's facts and its siblings' slugs several
# times; the bounds keep memory flat however large the archive is.
@lru_cache(maxsize=4096)
def facts(seed: int, fid: int) -> Facts:
    return Facts(seed, fid)


@lru_cache(maxsize=16384)
def gen_slug(seed: int, fid: int, lang: str) -> str:
    """The slug of a generated release without rendering its body."""
    f = facts(seed, fid)
    li = 0 if lang in ("en", "ar") else L[lang]
    conf = f.topic == "conference"
    tpl = CONF_TITLE[li] if conf else TITLES[f.title_ix][li]
    title = tpl.format(
        op=f.op, crime=CRIME[f.topic][li], arrests=f.arrests, nc=f.nc, region=REGIONS[f.region][li]
    )
    return _clean_slug(slugify(title))


@lru_cache(maxsize=512)
def generate(seed: int, fid: int, lang: str, year: int) -> Release:
    """The release of family `fid` in `lang` (rev 0). `year` feeds only the conference text."""
    f = facts(seed, fid)
    li = L[lang]
    crime = CRIME[f.topic][li]
    names = [COUNTRIES[c][li] for c in f.countries]
    v = {
        "op": f.op,
        "crime": crime,
        "arrests": f.arrests,
        "nc": f.nc,
        "weeks": f.weeks,
        "suspects": f.suspects,
        "n2": f.n2,
        "n3": f.n3,
        "checks": f.checks,
        "hits": f.hits,
        "region": REGIONS[f.region][li],
        "unit": UNITS[f.unit][li],
        "c3": _join(names[:3], lang),
        "clist": _join(names, lang),
        "city": CITIES[f.next_city][1][li],
        "nexty": year + 1,
        "prog": f.prog,
    }
    conf = f.topic == "conference"
    blocks: list[Block] = []
    if conf:
        title = CONF_TITLE[li].format(**v)
        standfirst = CONF_STANDFIRST[li].format(**v)
        blocks.append(Block("p", CONF_LEDE[li].format(**v)))
        blocks.append(Block("p", CONF_ATTEND[li].format(**v)))
    else:
        title = TITLES[f.title_ix][li].format(**v)
        standfirst = STANDFIRST[li].format(**v)
        blocks.append(Block("p", LEDE[li].format(**v)))
        blocks.append(Block("p", RESULT[f.topic][li].format(**v)))
    if f.figure:
        blocks.append(Block("figure", CAPTIONS[1 if conf else 0][li].format(**v)))
    blocks.append(Block("h", HEADINGS[f.heading][li]))
    blocks.append(Block("p", (CONF_LIST_INTRO if conf else LIST_INTRO)[li]))
    blocks.append(Block("ul", items=tuple(ITEMS[i][li] for i in f.items)))
    if not conf:
        blocks.append(Block("p", CHECKS[li].format(**v)))
    text = QUOTES[f.quote][li].format(**v)
    par, spk = _quote_par(lang, OFFICIALS[f.official], text, f.quote_style)
    blocks.append(Block("quote", par, speaker=spk))
    if f.country_list and not conf:
        blocks.append(Block("p", COUNTRY_LIST[li].format(**v)))
    if f.national is not None:
        text = QUOTES[f.quote2][li].format(**v)
        par, spk = _quote_par(lang, NATIONALS[f.national], text, f.quote_style)
        blocks.append(Block("quote", par, speaker=spk))
    blocks.append(Block("p", (CONF_NEXT if conf else FOLLOW_UP)[li].format(**v)))
    if f.funding is not None and not conf:
        blocks.append(Block("p", FUNDING[li].format(donor=DONORS[f.funding][li], prog=f.prog)))
    dateline = CITIES[f.city][0][li]
    return Release(
        lang,
        title,
        standfirst,
        dateline,
        tuple(blocks),
        gen_slug(seed, fid, lang),
        f.date_style,
        f.quote_style,
    )


def _clean_slug(slug: str) -> str:
    return re.sub(r"-{2,}", "-", slug).strip("-")
