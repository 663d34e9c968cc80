"""Reference data of the demo slice: regions, settlements, institutions, name helpers.

Everything here is fixed; the randomness lives in `load.py` (seeded), so the shape of the demo
tree never depends on the seed, only the people, addresses and numbers do.
"""

from __future__ import annotations

from dataclasses import dataclass

from mse.domain.organisation import Profile

FEDERAL_SHORT = "ФГБУ ФБ МСЭ Минтруда России"
FEDERAL_NAME = ('Федеральное государственное бюджетное учреждение "Федеральное бюро медико-социальной экспертизы" '
                "Министерства труда и социальной защиты Российской Федерации")
FEDERAL_ADDRESS = "127486, г. Москва, ул. Ивана Сусанина, д. 3"
FEDERAL_COMPOSITIONS: tuple[tuple[int, Profile], ...] = ((1, Profile.GENERAL), (2, Profile.PSYCHIATRIC))


@dataclass(frozen=True)
class Place:
    """A place as it is written in the text of a document: genitive and «в/по …» forms."""

    genitive: str  # «Отделом ЗАГС г. Подольска», «Отделом внутренних дел района Марьино г. Москвы»
    prepositional: str  # «Отделением УФМС России по Московской области в г. Подольске»


@dataclass(frozen=True)
class Settlement:
    name: str
    places: tuple[Place, ...]
    postcode_base: int
    postcode_spread: int
    weight: int
    rural: bool = False
    district: str | None = None


@dataclass(frozen=True)
class DemoMedicalOrg:
    name: str
    settlement: int  # index into DemoRegion.settlements
    children: bool = False  # a children's organisation: refers children


@dataclass(frozen=True)
class DemoRegion:
    code: str
    main_short: str
    main_name: str
    genitive: str  # «Московской области»
    dative: str  # «по Московской области»
    mvd: str  # passport issuer since 2017
    zags: str  # «Управления ЗАГС Москвы» (genitive, after «Отделом ЗАГС …»)
    passport_okato: str  # first two digits of a passport series (ОКАТО code of the region)
    birth_cert_series: tuple[str, ...]  # Roman part of a birth certificate series
    landline_codes: tuple[str, ...]
    weight: int  # share of persons, per cent
    settlements: tuple[Settlement, ...]
    compositions: tuple[tuple[int, Profile], ...]
    bureaus: tuple[tuple[int, Profile, int], ...]  # (number, profile, settlement index)
    medical_orgs: tuple[DemoMedicalOrg, ...]


def _city(name: str, genitive: str, prepositional: str, base: int, spread: int, weight: int) -> Settlement:
    return Settlement(name, (Place(f"г. {genitive}", f"в г. {prepositional}"),), base, spread, weight)


def _village(name: str, district: str, district_gen: str, district_prep: str, base: int, weight: int) -> Settlement:
    return Settlement(name, (Place(district_gen, f"в {district_prep}"),), base, 9, weight, rural=True, district=district)


_MOSCOW_DISTRICTS = (
    ("Тверского района", "по Тверскому району"),
    ("Таганского района", "по Таганскому району"),
    ("района Хамовники", "по району Хамовники"),
    ("района Марьино", "по району Марьино"),
    ("района Гольяново", "по району Гольяново"),
    ("района Митино", "по району Митино"),
    ("района Северное Бутово", "по району Северное Бутово"),
    ("района Выхино-Жулебино", "по району Выхино-Жулебино"),
    ("района Ясенево", "по району Ясенево"),
    ("района Строгино", "по району Строгино"),
    ("района Бибирево", "по району Бибирево"),
    ("района Отрадное", "по району Отрадное"),
    ("района Перово", "по району Перово"),
    ("района Измайлово", "по району Измайлово"),
)

REGIONS: tuple[DemoRegion, ...] = (
    DemoRegion(
        code="77",
        main_short="ФКУ «ГБ МСЭ по г. Москве» Минтруда России",
        main_name=("Федеральное казенное учреждение «Главное бюро медико-социальной экспертизы по г. Москве» "
                   "Министерства труда и социальной защиты Российской Федерации"),
        genitive="г. Москвы", dative="по г. Москве", mvd="ГУ МВД России по г. Москве",
        zags="Управления ЗАГС Москвы", passport_okato="45", birth_cert_series=("IV", "V", "VI", "IX", "XI"),
        landline_codes=("495", "499"), weight=35,
        settlements=(
            Settlement("Москва", tuple(Place(f"{g} г. Москвы", p) for g, p in _MOSCOW_DISTRICTS), 101000, 28999, 10),
        ),
        compositions=((1, Profile.GENERAL), (2, Profile.PSYCHIATRIC)),
        bureaus=((1, Profile.GENERAL, 0), (12, Profile.PSYCHIATRIC, 0), (27, Profile.PAEDIATRIC, 0),
                 (45, Profile.OPHTHALMIC, 0), (73, Profile.ONCOLOGY, 0)),
        medical_orgs=(
            DemoMedicalOrg('ГБУЗ "Городская поликлиника № 5 ДЗМ"', 0),
            DemoMedicalOrg('ГБУЗ "Городская клиническая больница им. С.П. Боткина ДЗМ"', 0),
            DemoMedicalOrg('ГБУЗ "Детская городская поликлиника № 32 ДЗМ"', 0, children=True),
            DemoMedicalOrg('ГБУЗ "Психиатрическая клиническая больница № 1 им. Н.А. Алексеева ДЗМ"', 0),
            DemoMedicalOrg('ГБУЗ "Городская поликлиника № 220 ДЗМ"', 0),
            DemoMedicalOrg('ГБУЗ "Московская городская онкологическая больница № 62 ДЗМ"', 0),
        ),
    ),
    DemoRegion(
        code="50",
        main_short="ФКУ «ГБ МСЭ по Московской области» Минтруда России",
        main_name=("Федеральное казенное учреждение «Главное бюро медико-социальной экспертизы по Московской области» "
                   "Министерства труда и социальной защиты Российской Федерации"),
        genitive="Московской области", dative="по Московской области", mvd="ГУ МВД России по Московской области",
        zags="Главного управления ЗАГС Московской области", passport_okato="46",
        birth_cert_series=("IX", "X", "XI", "XII"), landline_codes=("496", "498"), weight=30,
        settlements=(
            _city("Подольск", "Подольска", "Подольске", 142100, 19, 6),
            _city("Химки", "Химок", "Химках", 141400, 12, 5),
            _city("Балашиха", "Балашихи", "Балашихе", 143900, 16, 6),
            _city("Коломна", "Коломны", "Коломне", 140400, 13, 3),
            _city("Мытищи", "Мытищ", "Мытищах", 141000, 18, 4),
            _city("Люберцы", "Люберец", "Люберцах", 140000, 14, 4),
            _city("Сергиев Посад", "Сергиева Посада", "Сергиевом Посаде", 141300, 15, 3),
            _village("Константиново", "Сергиево-Посадский городской округ", "Сергиево-Посадского городского округа",
                     "Сергиево-Посадском городском округе", 141330, 1),
            _village("Степановское", "Раменский городской округ", "Раменского городского округа",
                     "Раменском городском округе", 140150, 1),
        ),
        compositions=((1, Profile.GENERAL), (2, Profile.PAEDIATRIC)),
        bureaus=((3, Profile.GENERAL, 0), (8, Profile.CARDIOLOGY, 1), (15, Profile.PAEDIATRIC, 2),
                 (21, Profile.NEUROLOGY, 3)),
        medical_orgs=(
            DemoMedicalOrg('ГБУЗ МО "Подольская областная клиническая больница"', 0),
            DemoMedicalOrg('ГБУЗ МО "Химкинская областная больница"', 1),
            DemoMedicalOrg('ГБУЗ МО "Балашихинская областная больница"', 2),
            DemoMedicalOrg('ГБУЗ МО "Коломенская областная больница"', 3),
            DemoMedicalOrg('ГБУЗ МО "Мытищинская городская клиническая больница"', 4),
        ),
    ),
    DemoRegion(
        code="16",
        main_short="ФКУ «ГБ МСЭ по Республике Татарстан» Минтруда России",
        main_name=("Федеральное казенное учреждение «Главное бюро медико-социальной экспертизы по Республике Татарстан "
                   "(Татарстан)» Министерства труда и социальной защиты Российской Федерации"),
        genitive="Республики Татарстан", dative="по Республике Татарстан", mvd="МВД по Республике Татарстан",
        zags="Управления ЗАГС Кабинета Министров Республики Татарстан", passport_okato="92",
        birth_cert_series=("I", "II", "III"), landline_codes=("843", "855"), weight=20,
        settlements=(
            _city("Казань", "Казани", "Казани", 420000, 140, 10),
            _city("Набережные Челны", "Набережных Челнов", "Набережных Челнах", 423800, 99, 5),
            _city("Нижнекамск", "Нижнекамска", "Нижнекамске", 423570, 9, 2),
            _city("Альметьевск", "Альметьевска", "Альметьевске", 423450, 9, 2),
            _city("Зеленодольск", "Зеленодольска", "Зеленодольске", 422540, 9, 1),
            _village("Высокая Гора", "Высокогорский муниципальный район", "Высокогорского района",
                     "Высокогорском районе", 422700, 1),
            _village("Богатые Сабы", "Сабинский муниципальный район", "Сабинского района", "Сабинском районе",
                     422060, 1),
        ),
        compositions=((1, Profile.GENERAL), (2, Profile.MIXED)),
        bureaus=((1, Profile.GENERAL, 0), (5, Profile.PSYCHIATRIC, 0), (11, Profile.PHTHISIATRIC, 0),
                 (17, Profile.GENERAL, 1)),
        medical_orgs=(
            DemoMedicalOrg('ГАУЗ "Республиканская клиническая больница"', 0),
            DemoMedicalOrg('ГАУЗ "Городская поликлиника № 7" г. Казани', 0),
            DemoMedicalOrg('ГАУЗ "Детская республиканская клиническая больница"', 0, children=True),
            DemoMedicalOrg('ГАУЗ "Камский детский медицинский центр"', 1, children=True),
            DemoMedicalOrg('ГАУЗ "Альметьевская центральная районная больница"', 3),
        ),
    ),
    DemoRegion(
        code="66",
        main_short="ФКУ «ГБ МСЭ по Свердловской области» Минтруда России",
        main_name=("Федеральное казенное учреждение «Главное бюро медико-социальной экспертизы по Свердловской области» "
                   "Министерства труда и социальной защиты Российской Федерации"),
        genitive="Свердловской области", dative="по Свердловской области", mvd="ГУ МВД России по Свердловской области",
        zags="Департамента ЗАГС Свердловской области", passport_okato="65", birth_cert_series=("IV", "V", "VI"),
        landline_codes=("343",), weight=15,
        settlements=(
            _city("Екатеринбург", "Екатеринбурга", "Екатеринбурге", 620000, 149, 10),
            _city("Нижний Тагил", "Нижнего Тагила", "Нижнем Тагиле", 622000, 51, 3),
            _city("Каменск-Уральский", "Каменска-Уральского", "Каменске-Уральском", 623400, 31, 2),
            _city("Первоуральск", "Первоуральска", "Первоуральске", 623100, 12, 2),
            _village("Покровское", "Артёмовский городской округ", "Артёмовского городского округа",
                     "Артёмовском городском округе", 623770, 1),
        ),
        compositions=((1, Profile.GENERAL), (2, Profile.PSYCHIATRIC)),
        bureaus=((1, Profile.GENERAL, 0), (9, Profile.CARDIOLOGY, 0), (14, Profile.PAEDIATRIC, 0),
                 (22, Profile.MIXED, 1)),
        medical_orgs=(
            DemoMedicalOrg('ГАУЗ СО "Свердловская областная клиническая больница № 1"', 0),
            DemoMedicalOrg('ГАУЗ СО "Городская клиническая больница № 40 г. Екатеринбург"', 0),
            DemoMedicalOrg('ГАУЗ СО "Детская городская клиническая больница № 11 г. Екатеринбург"', 0, children=True),
            DemoMedicalOrg('ГАУЗ СО "Городская больница № 4 г. Нижний Тагил"', 1),
        ),
    ),
)


def bureau_name(number: int, region: DemoRegion) -> str:
    return f"Бюро № {number} — филиал {region.main_short}"


def bureau_short(number: int, region: DemoRegion) -> str:
    return f"Бюро № {number} ({region.code})"


def composition_name(number: int, profile_label: str, parent_short: str) -> str:
    return f"Экспертный состав № {number} {profile_label} {parent_short}"


# Common fathers' names with the patronymics of a son and of a daughter. Faker's ru_RU list of patronymics
# stops half-way through the alphabet (no Николаевич, Сергеевич, Петрович…), so most patronymics come from here.
FATHER_NAMES: tuple[tuple[str, str, str], ...] = tuple(
    (name, male, female)
    for name, male, female in (
        ("Александр", "Александрович", "Александровна"),
        ("Алексей", "Алексеевич", "Алексеевна"),
        ("Анатолий", "Анатольевич", "Анатольевна"),
        ("Андрей", "Андреевич", "Андреевна"),
        ("Антон", "Антонович", "Антоновна"),
        ("Аркадий", "Аркадьевич", "Аркадьевна"),
        ("Артём", "Артёмович", "Артёмовна"),
        ("Борис", "Борисович", "Борисовна"),
        ("Вадим", "Вадимович", "Вадимовна"),
        ("Валентин", "Валентинович", "Валентиновна"),
        ("Валерий", "Валерьевич", "Валерьевна"),
        ("Василий", "Васильевич", "Васильевна"),
        ("Виктор", "Викторович", "Викторовна"),
        ("Виталий", "Витальевич", "Витальевна"),
        ("Владимир", "Владимирович", "Владимировна"),
        ("Владислав", "Владиславович", "Владиславовна"),
        ("Вячеслав", "Вячеславович", "Вячеславовна"),
        ("Геннадий", "Геннадьевич", "Геннадьевна"),
        ("Георгий", "Георгиевич", "Георгиевна"),
        ("Григорий", "Григорьевич", "Григорьевна"),
        ("Денис", "Денисович", "Денисовна"),
        ("Дмитрий", "Дмитриевич", "Дмитриевна"),
        ("Евгений", "Евгеньевич", "Евгеньевна"),
        ("Егор", "Егорович", "Егоровна"),
        ("Иван", "Иванович", "Ивановна"),
        ("Игорь", "Игоревич", "Игоревна"),
        ("Илья", "Ильич", "Ильинична"),
        ("Ильдар", "Ильдарович", "Ильдаровна"),
        ("Кирилл", "Кириллович", "Кирилловна"),
        ("Константин", "Константинович", "Константиновна"),
        ("Леонид", "Леонидович", "Леонидовна"),
        ("Марат", "Маратович", "Маратовна"),
        ("Максим", "Максимович", "Максимовна"),
        ("Михаил", "Михайлович", "Михайловна"),
        ("Николай", "Николаевич", "Николаевна"),
        ("Олег", "Олегович", "Олеговна"),
        ("Павел", "Павлович", "Павловна"),
        ("Пётр", "Петрович", "Петровна"),
        ("Роман", "Романович", "Романовна"),
        ("Руслан", "Русланович", "Руслановна"),
        ("Рустам", "Рустамович", "Рустамовна"),
        ("Сергей", "Сергеевич", "Сергеевна"),
        ("Станислав", "Станиславович", "Станиславовна"),
        ("Степан", "Степанович", "Степановна"),
        ("Фёдор", "Фёдорович", "Фёдоровна"),
        ("Юрий", "Юрьевич", "Юрьевна"),
        ("Яков", "Яковлевич", "Яковлевна"),
    )
)

# Faker's ru_RU first names are an unweighted list with many rare ones (Нифонт, Евпраксия); a name is redrawn
# until it is one of these common ones, except for a small share kept for variety.
COMMON_MALE_NAMES = frozenset(
    "Александр Алексей Анатолий Андрей Аркадий Арсений Артем Богдан Борис Вадим Валентин Валерий Василий Виктор "
    "Виталий Владимир Владислав Вячеслав Геннадий Георгий Глеб Григорий Денис Дмитрий Евгений Егор Иван Игорь Илья "
    "Кирилл Константин Лев Леонид Максим Марк Матвей Михаил Никита Николай Олег Павел Петр Роман Руслан Семен "
    "Сергей Станислав Степан Тимофей Тимур Федор Эдуард Юрий Ярослав".split()
)
COMMON_FEMALE_NAMES = frozenset(
    "Александра Алина Алла Анастасия Ангелина Анна Антонина Валентина Валерия Варвара Вера Вероника Виктория "
    "Галина Дарья Евгения Екатерина Елена Елизавета Жанна Зинаида Зоя Ирина Кира Ксения Лариса Лидия Любовь "
    "Людмила Маргарита Марина Мария Надежда Наталья Нина Оксана Ольга Полина Раиса Регина Светлана София Таисия "
    "Тамара Татьяна Ульяна Юлия".split()
)


def feminine_surname(male: str) -> str:
    """The female form of a surname in -ов/-ев/-ин/-ын (every surname of Faker's ru_RU list ends so)."""
    for end in ("ов", "ев", "ёв", "ин", "ын"):
        if male.endswith(end):
            return male + "а"
    if male.endswith(("ский", "цкий")):
        return male[:-2] + "ая"
    return male


def masculine_surname(female: str) -> str:
    for end in ("ова", "ева", "ёва", "ина", "ына"):
        if female.endswith(end):
            return female[:-1]
    if female.endswith(("ская", "цкая")):
        return female[:-2] + "ий"
    return female


_TRANSLIT = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh", "з": "z", "и": "i",
    "й": "i", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t",
    "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ы": "y", "ь": "",
    "э": "e", "ю": "iu", "я": "ia",
}


def translit(text: str) -> str:
    """Latin spelling for demo e-mail addresses (ICAO-style, as in the foreign passport)."""
    return "".join(_TRANSLIT.get(ch, ch if ch.isascii() and ch.isalnum() else "") for ch in text.lower())


EMAIL_DOMAINS = ("mail.ru", "yandex.ru", "gmail.com", "rambler.ru", "bk.ru", "list.ru")
BIRTH_CERT_LETTERS = ("МЮ", "МЛ", "ИК", "АИ", "КБ", "ЛО")

# Share of women among the staff of each position (МСЭ is a largely female profession).
FEMALE_SHARE = {"head": 0.55, "expert": 0.7, "psychologist": 0.85, "rehab": 0.7, "social": 0.9, "registrar": 0.9}
