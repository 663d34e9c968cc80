"""The shape of one synthetic national year: how many of everything at a scale, and the distributions they are drawn from.

Every share below is APPROXIMATE: recalled from the published statistics of the МСЭ service and Rosstat (orders of
magnitude and proportions), not verified against a dated source — `DISTRIBUTIONS_VERIFIED` is False and the CLI says
so. They only have to make a load that looks like a country: adults dominate, children are a few per cent, circulatory
diseases and neoplasms lead the primary disability, group III is the most frequent, appeals are a few per cent.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from mse.rules.decision_support import OUTCOME_LABELS

__all__ = ["OUTCOME_LABELS"]  # re-exported for the protocol stage: the labels of item 80 as the evaluator writes them

DISTRIBUTIONS_VERIFIED = False

# Scale 1 = one national year (issue 7): ~2.5 M referrals in ~2,000 bureaus; ~6,000 referring medical organisations.
NATIONAL_REFERRALS = 2_500_000
NATIONAL_BUREAUS = 2_000
NATIONAL_MEDICAL_ORGS = 6_000

# Population of the 89 subjects, thousands (approximate, ~2022–2023; verified: false). Codes of refdata/subjects_rf.csv.
REGION_POPULATION: dict[str, int] = {
    "01": 497, "02": 4064, "03": 975, "04": 211, "05": 3183, "06": 519, "07": 904, "08": 267, "09": 469, "10": 527,
    "11": 726, "12": 677, "13": 779, "14": 997, "15": 681, "16": 4004, "17": 337, "18": 1443, "19": 528, "20": 1533,
    "21": 1186, "22": 2131, "23": 5838, "24": 2846, "25": 1845, "26": 2908, "27": 1284, "28": 757, "29": 978, "30": 960,
    "31": 1531, "32": 1152, "33": 1343, "34": 2491, "35": 1129, "36": 2285, "37": 914, "38": 2345, "39": 1032, "40": 1070,
    "41": 289, "42": 2568, "43": 1139, "44": 571, "45": 776, "46": 1078, "47": 2024, "48": 1126, "49": 136, "50": 8525,
    "51": 658, "52": 3120, "53": 583, "54": 2797, "55": 1832, "56": 1841, "57": 697, "58": 1266, "59": 2508, "60": 599,
    "61": 4163, "62": 1102, "63": 3152, "64": 2442, "65": 460, "66": 4239, "67": 888, "68": 982, "69": 1230, "70": 1062,
    "71": 1501, "72": 1601, "73": 1196, "74": 3431, "75": 1004, "76": 1209, "77": 13104, "78": 5601, "79": 150, "83": 42,
    "86": 1730, "87": 48, "89": 511, "90": 500, "91": 1909, "92": 548, "93": 2270, "94": 1400, "95": 300,
}

# Ages of the examined (approximate): children ~3.5 %, pensioners the majority. (low, high inclusive, weight)
AGE_BANDS: tuple[tuple[int, int, float], ...] = (
    (0, 6, 1.2), (7, 13, 1.4), (14, 17, 0.9),  # children: ~3.5 %
    (18, 29, 3.5), (30, 44, 11.0), (45, 54, 14.0), (55, 64, 24.0), (65, 74, 26.0), (75, 94, 18.0),
)
FEMALE_SHARE = 0.54  # women slightly more (approximate)
CHILD_MAX_AGE = 17

# ICD-10 of the main disease (item 77.2) by class: (class, weight among adults, weight among children, codes).
# A code carries the impairment type it usually causes (389н п.79.1–79.12) for the protocol.
# Weights approximate (structure of primary disability: circulatory and neoplasms lead among adults; mental,
# nervous and congenital among children).
ICD_CLASSES: tuple[tuple[str, float, float, tuple[tuple[str, str], ...]], ...] = (
    ("circulatory", 24.0, 1.0, (("I69.3", "79.4"), ("I25.2", "79.5"), ("I11.9", "79.5"), ("I63.5", "79.4"),
                                ("I50.0", "79.5"), ("I20.8", "79.5"))),
    ("neoplasms", 26.0, 5.0, (("C50.9", "79.4"), ("C34.9", "79.6"), ("C18.9", "79.7"), ("C61", "79.10"),
                              ("C16.9", "79.7"), ("C67.9", "79.10"), ("C92.0", "79.9"), ("C71.9", "79.1"))),
    ("musculoskeletal", 8.0, 4.0, (("M17.0", "79.4"), ("M16.1", "79.4"), ("M05.8", "79.4"), ("M42.1", "79.4"),
                                   ("M45", "79.4"))),
    ("mental", 6.5, 27.0, (("F20.0", "79.1"), ("F71.1", "79.1"), ("F06.7", "79.1"), ("F84.0", "79.1"),
                           ("F70.0", "79.1"))),
    ("nervous", 6.0, 22.0, (("G35", "79.4"), ("G40.2", "79.1"), ("G80.1", "79.4"), ("G20", "79.4"), ("G12.2", "79.4"))),
    ("injuries", 4.5, 2.0, (("T90.5", "79.1"), ("T91.3", "79.4"), ("T93.6", "79.4"), ("T92.6", "79.4"))),
    ("eye", 4.0, 3.5, (("H40.1", "79.3"), ("H54.0", "79.3"), ("H35.3", "79.3"), ("H52.2", "79.3"))),
    ("ear", 2.0, 4.0, (("H90.3", "79.3"), ("H91.3", "79.3"))),
    ("endocrine", 4.5, 9.0, (("E11.7", "79.8"), ("E10.7", "79.8"), ("E84.0", "79.6"))),
    ("respiratory", 2.5, 1.5, (("J44.1", "79.6"), ("J45.0", "79.6"), ("J84.1", "79.6"))),
    ("tuberculosis", 2.0, 0.5, (("A15.0", "79.6"), ("A16.2", "79.6"))),
    ("hiv", 2.0, 0.5, (("B20.7", "79.9"), ("B24", "79.9"))),
    ("digestive", 2.0, 1.0, (("K74.6", "79.7"), ("K50.1", "79.7"))),
    ("genitourinary", 2.0, 1.0, (("N18.5", "79.10"), ("N18.4", "79.10"))),
    ("congenital", 1.0, 18.0, (("Q90.0", "79.1"), ("Q05.2", "79.4"), ("Q21.1", "79.5"), ("Q65.0", "79.4"))),
    ("other", 3.0, 0.0, (("L40.5", "79.11"), ("D61.9", "79.9"))),
)

# The decision (item 80) among decided cases (approximate): group III the most frequent; ~18 % not established.
ADULT_OUTCOMES: tuple[tuple[str, float], ...] = (("80.1", 0.11), ("80.2", 0.27), ("80.3", 0.44), ("80.5", 0.18))
CHILD_OUTCOMES: tuple[tuple[str, float], ...] = (("80.4", 0.88), ("80.5", 0.12))
# Final percent per outcome (374н п.6: I — 90–100 %, II — 70–80 %, III — 40–60 %, not established — 10–30 %;
# a child-invalid — 40–100 %), with the degree option 79.x.N / 79.13.4.N.
OUTCOME_PERCENTS: dict[str, tuple[int, ...]] = {"80.1": (90, 100), "80.2": (70, 80), "80.3": (40, 50, 60),
                                                "80.4": (40, 50, 60, 70, 80, 90, 100), "80.5": (10, 20, 30)}
DEGREES = {10: "I", 20: "I", 30: "I", 40: "II", 50: "II", 60: "II", 70: "III", 80: "III", 90: "IV", 100: "IV"}

# The fate of a referral (approximate): a few are not accepted (no case), a few returned to the МО after the check.
NOT_ACCEPTED_SHARE = 0.01
RETURNED_SHARE = 0.025
REPEAT_SHARE = 0.55  # repeat examinations (22.1 «повторно»): re-examination of those already disabled
TERMINATED_SHARE = 0.008  # withdrawn, died, moved
AWAITING_DOCUMENTS_SHARE = 0.04  # postponed for documents (T11 → T12)
APPEAL_SHARE = 0.03  # decisions appealed to the main bureau
APPEAL_FATES: tuple[tuple[str, float], ...] = (("upheld", 0.72), ("superseded", 0.2), ("pending", 0.08))
SAME_PERSON_SHARE = 0.03  # a second referral of the same person in the year (e.g. after a return)

# Days between the steps (approximate, within the 30-day DL-01 term mostly).
DAYS_TO_SCHEDULE = (1, 6)
DAYS_TO_SESSION = (4, 24)
DAYS_TO_COMPLETE = (1, 3)
DAYS_AWAITING = (5, 40)
DAYS_TO_APPEAL = (5, 30)
DAYS_APPEAL_DECIDED = (10, 30)


@dataclass(frozen=True)
class Plan:
    scale: float
    seed: int
    year: int
    referrals: int
    bureaus_by_region: dict[str, int]
    medical_orgs_by_region: dict[str, int]
    compositions_by_region: dict[str, int]

    @property
    def bureaus(self) -> int:
        return sum(self.bureaus_by_region.values())

    @property
    def medical_orgs(self) -> int:
        return sum(self.medical_orgs_by_region.values())


def _spread(total: float, minimum: int) -> dict[str, int]:
    people = sum(REGION_POPULATION.values())
    return {code: max(minimum, round(total * pop / people)) for code, pop in REGION_POPULATION.items()}


def make_plan(scale: float, *, seed: int, year: int) -> Plan:
    """Counts at `scale` (fractions work: 0.0002 → 500 referrals). Every subject keeps at least one bureau, one
    medical organisation and one expert composition, so the tree is always the whole country."""
    if not (scale > 0 and math.isfinite(scale)):
        raise ValueError("scale must be a positive number")
    referrals = max(1, round(NATIONAL_REFERRALS * scale))
    compositions = {code: 1 + (pop > 3000) + (pop > 6000) for code, pop in REGION_POPULATION.items()}
    return Plan(scale=scale, seed=seed, year=year, referrals=referrals,
                bureaus_by_region=_spread(NATIONAL_BUREAUS * scale, 1),
                medical_orgs_by_region=_spread(NATIONAL_MEDICAL_ORGS * scale, 1),
                compositions_by_region=compositions)
