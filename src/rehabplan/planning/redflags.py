"""Red flags: the weekly yes/no questions and the phrases that mean the same in a patient's words.

Pure data and functions (no I/O). Source: the clinical brief's red flags (NHS CKS, BASS 2018
cauda equina guidance, AHCPR table 1). The first four questions (cauda equina, both legs, foot
drop) are URGENT: the clinician contacts the patient today and the plan changes nothing. The
others are REVIEW: progression holds until the clinician has seen the patient.

Notes are read with phrase patterns that cover everyday wording ("cannot feel the paper when I
wipe", "dribbling", "my foot slaps when I walk"). The patterns lean towards flagging: a false
alarm costs a phone call, a missed cauda equina costs a bladder. tests/test_redflags.py holds
the phrasings each category must catch and the ordinary notes that must not alarm.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

Level = Literal["urgent", "review"]


@dataclass(frozen=True)
class RedFlag:
    id: str  # also the log's column name
    level: Level
    question: str  # the yes/no question as the paper log and the spreadsheet print it
    clinician: str  # what it means, for the clinician


RED_FLAGS: tuple[RedFlag, ...] = (
    RedFlag(
        "numb_between_legs",
        "urgent",
        "Numbness between your legs or around your bottom (for example, you cannot feel the toilet paper when you wipe)?",
        "saddle numbness (possible cauda equina)",
    ),
    RedFlag(
        "bladder_bowel",
        "urgent",
        "Trouble peeing, or trouble controlling your bladder or bowel?",
        "bladder or bowel change (possible cauda equina)",
    ),
    RedFlag(
        "both_legs",
        "urgent",
        "New or worse weakness, numbness or pain in both legs?",
        "symptoms in both legs",
    ),
    RedFlag(
        "foot_drop",
        "urgent",
        "A foot that drags, slaps down or catches when you walk?",
        "foot drop",
    ),
    RedFlag("night_pain", "review", "Pain that wakes you every night?", "night pain"),
    RedFlag(
        "fever_weight_loss",
        "review",
        "A fever, or weight loss without trying?",
        "fever, weight loss or another sign of serious illness",
    ),
    RedFlag("fall", "review", "A fall or an injury?", "a fall or injury"),
)
BY_ID = {f.id: f for f in RED_FLAGS}
# The questions as the paper log's weekly box prints them: short, plain, the urgent four first.
PAPER = {
    "numb_between_legs": "Numbness between your legs or around your bottom",
    "bladder_bowel": "Trouble peeing, or controlling your bladder or bowel",
    "both_legs": "New or worse weakness or numbness in both legs",
    "foot_drop": "A foot that drags or slaps when you walk",
    "night_pain": "Pain that wakes you every night",
    "fever_weight_loss": "A fever, or weight loss without trying",
    "fall": "A fall or an injury",
}
QUESTION_COLUMNS = tuple(f.id for f in RED_FLAGS)

URGENT_ACTION = "contact the patient today; do not progress the plan"
REVIEW_ACTION = "progression is on hold until you have seen the patient"

# --------------------------------------------------------------------------- phrase patterns

_NUMB = (
    r"(numb\w*|tingl\w*|pins and needles|no feeling|not feel\w*|cannot feel|can not feel|could not feel|"
    r"lost (the )?feeling|loss of feeling|less feeling|reduced feeling|dead|strange|weird|odd|different|"
    r"funny|like rubber|like cardboard|like (a )?cotton wool|cold|asleep)"
)
_SADDLE = (
    r"(down there|down below|between (my |the )?legs|(my |the )?(bottom|bum|backside|butt|buttocks|behind|"
    r"genital\w*|privates|private parts|groin|crotch|saddle|vagina\w*|penis|scrotum|testicles|"
    r"anus|back passage|perine\w*|inner thighs)|when i wipe|wiping|toilet paper|loo roll|toilet roll)"
)
_BOTH = r"(both|each|my two|the two)\s+(of my\s+)?(legs|feet|foot|calves|calf|thighs|shins|ankles|knees|sides|hips|buttocks|heels|toes)"
_SYMPTOM = (
    r"(weak\w*|numb\w*|tingl\w*|pins and needles|pain\w*|ache\w*|aching|hurt\w*|sciatica|dead|heavy|"
    r"jelly|giv\w* way|gave way|buckl\w*|wobbly|burn\w*|shoot\w*|electric|sting\w*|buzz\w*|cannot feel|no feeling)"
)

# "Wee" for urine, not the Scots "a wee bit" or "a wee walk".
_WEE = r"(?<!a )wee(?! (bit|walk|while|one|dram|hour))"

# Each category: patterns searched in the normalised text (lower case, "can't" -> "cannot").
# A window ".{0,40}" allows a few words between the parts ("numb all around my bottom").
PATTERNS: dict[str, tuple[str, ...]] = {
    "numb_between_legs": (
        rf"{_NUMB}.{{0,40}}{_SADDLE}",
        rf"{_SADDLE}.{{0,40}}{_NUMB}",
        r"saddle (area|numb\w*|anaesth\w*|anesth\w*)",
        r"(cannot|can not|could not|do not|did not|don't|didn't) feel (the |my )?(paper|wiping|loo roll|toilet)",
        r"(sex|intercourse|erection\w*) (feels? |is |was )?(numb|different|strange|no feeling|gone)",
        r"(lost|no|losing) (feeling|sensation) (in|around|down) ",
        r"sexual\w* (numb\w*|problem\w*|dysfunction|difficult\w*|feeling)|(numb\w*|no feeling)\w* (during|in|with|when having) sex",
        r"erection\w*|impoten\w*|(cannot|could not|can not|trouble|problems?) (getting|get|keep\w*) (it )?(up|hard)",
    ),
    "bladder_bowel": (
        r"bladder|bowel|incontinen\w*|catheter|urinary retention",
        r"wet (myself|my pants|my trousers|the bed|my underwear)|wetting (myself|the bed)",
        r"dribbl\w*|leak\w* (urine|pee|wee)|(urine|pee|wee) leak\w*|leaking (when|a bit|a little|urine)",
        r"(cannot|can not|could not|trouble|struggl\w*|hard to|difficult to|difficulty|unable to|not able to|no) "
        r"(to )?(start (to )?|starting (to )?)?(pee|peeing|wee|weeing|urinat\w*|pass water|empty (my )?bladder|go to the toilet|go to the loo|poo|pooing)",
        r"(cannot|can not|could not|cannot) (hold|control|stop) (it|my (pee|wee|urine|poo|bowels?|bladder)|myself)",
        r"(lost|losing|no|loss of) control",
        r"(pooed|soiled|pooped|messed) (myself|my pants)|accident\w* (in|with) (my )?(pants|underwear|trousers|bed|knickers)",
        r"(did not|didn't|do not|don't|not) (know|notice|feel|realise|realize)\w* (i|when i|that i) (needed|need|had) to (go|pee|wee|poo)",
        r"(no|not) (feel\w* )?(the )?urge to (pee|wee|go|poo)|no urge",
        r"(weak|slow) (stream|flow)|straining to (pee|wee)|pee (is )?(weak|slow|stop\w*)",
        rf"(pee|peeing|{_WEE}|weeing|urine|urinating)\b.{{0,30}}(strain\w*|hard|difficult|slow\w*|less|push\w*|cannot feel|not feel\w*|no feeling)",
        rf"(strain\w*|push\w*) (\w+ ){{0,3}}(pee|{_WEE}|urine)\b",
        r"(did not|not|never|nearly did not|almost did not|barely) (make|made) it to the (toilet|loo|bathroom)",
        r"(peed|pee'd|wee'd|weed) (myself|my pants|my trousers|the bed|in bed)|constipat\w*",
        r"(need\w*|want\w*|tr\w*|desperate) to (pee|wee|poo|go to the (toilet|loo))\b.{0,30}(could not|cannot|can not|nothing|would not|won't)",
        r"(cannot|could not|can not|unable to|struggl\w* to|trouble|hard to) (go for|have|do|get out) (a )?(poo|pee|wee|number two)",
    ),
    "both_legs": (
        rf"{_BOTH}.{{0,40}}{_SYMPTOM}",
        rf"{_SYMPTOM}.{{0,40}}{_BOTH}",
        r"(legs|knees) (keep |kept |are |feel |felt |went |go |going |have |giving |like )*(weak\w*|numb\w*|tingl\w*|jelly|wobbly|dead|heavy|giv\w* way|gave way|gone|buckl\w*)",
        r"(weak\w*|numb\w*|tingl\w*|pins and needles) (in|down|of) (my |the )?(legs|feet|thighs|calves)\b",
        rf"(other|opposite|good|left and right|right and left) (leg|side|foot|hip|buttock)\b.{{0,40}}({_SYMPTOM}|too|as well|also|now|spread\w*|started)",
        rf"({_SYMPTOM}|spread\w*|started|moved).{{0,40}}(other|opposite|good) (leg|side|foot|buttock)\b",
        r"(left and right|right and left) (legs?|feet|sides?)",
        r"bilateral",
        rf"{_SYMPTOM}.{{0,40}}(left|right) (leg|side|foot|buttock|thigh|calf) (as well|too|also)\b",
        r"(cannot|could not|can not|struggl\w* to) (stand|walk|get up)\b.{0,30}(legs?|weak)",
    ),
    "foot_drop": (
        r"foot ?drop|drop ?foot|(foot|ankle) (is |keeps |kept )?(dropping|droops?|drooping|flops?|flopp\w*)",
        r"(foot|feet|toes?) (\w+ ){0,3}(drag\w*|slap\w*|flap\w*|flop\w*|scuff\w*|catch\w*|caught|trip\w*|floppy)",
        r"(drag\w*|slap\w*|scuff\w*|scrap\w*) (\w+ ){0,2}(my |the )?(foot|feet|toes?)",
        r"trip\w* (over|on) (my )?(own )?(foot|feet|toes?)",
        r"(cannot|can not|could not|unable to|struggl\w* to|hard to|will not|won't|does not|doesn't|not) "
        r"(lift|raise|pull up|bring up|point up|flex|walk on) (\w+ ){0,2}(foot|feet|toes?|ankle|heels?)",
        r"(foot|toes?) (will not|won't|does not|doesn't|cannot|can not) (lift|go up|come up|move)",
        r"(foot|ankle) (feels? |is |has gone |went )?(weak|floppy|limp|dead)|(weak|floppy|limp|dead) (foot|ankle)",
        r"(stand|walk\w*) on (my )?(heels?)\b.{0,20}(cannot|could not|hard|difficult|struggl\w*)|(cannot|could not|can not|struggl\w* to|hard to) (stand|walk) on (my )?heels?",
        r"stub\w* (my )?(toes?|foot)|(keep|keeps|kept) tripping|tripping (a lot|all the time|often|more)",
    ),
    "night_pain": (
        r"(wakes?|woke|waking|woken|keeps? waking|kept waking) (me )?(up )?.{0,30}(night|pain|sleep)",
        r"(pain|ache|sciatica|it) (wakes?|woke|waking|keeps? waking|kept me awake)",
        r"(cannot|can not|could not|unable to|barely|hardly) (sleep|get to sleep)\w*.{0,30}(pain|hurt|ache|sciatica)",
        r"(no|not|hardly any|barely any) sleep.{0,30}(pain|hurt|ache|sciatica)",
        r"(awake|up) (all|most of the) night|night pain|pain (at|in the|every|through the|during the) night|(worse|bad|terrible|awful) (at|every|each) night",
        r"every night.{0,30}(pain|hurt|ache|awake|wake)",
    ),
    "fever_weight_loss": (
        r"fever\w*|temperature|feverish|chills|shiver\w*|night sweats|sweating at night|sweats at night|hot and cold",
        r"(los\w*|lost|dropp\w*|dropped|down) (\w+ ){0,2}\d*(weight|kilos?|kg|pounds|lbs?|stone)\b|weight loss|weight (is )?(dropping|going down)",
        r"clothes (are |feel )?(loose|falling off|baggy)",
        r"(lost|losing|no|poor) (my )?appetite|not (eating|hungry)",
        r"(feel\w*|felt|been) (really |very |quite |so )?(unwell|ill|poorly|rough)",
        r"cancer|tumou?r|\blumps?\b|chemo\w*",
        r"infection|antibiotic\w*",
    ),
    "fall": (
        r"\b(fell|fall|falling|fallen)\b(?! asleep)(?! for)",
        r"\bhad a fall|took a tumble|tumbled|slipped|tripped|stumbled|lost (my )?balance",
        r"came off (my |the )?(bike|horse|ladder)|car (crash|accident)|crash\w*|\baccident\b|collision",
        r"(hit|banged|bumped|knocked|landed on|bashed|whacked) (my |the )?(back|hip|head|bottom|bum|tailbone|spine|side)",
        r"injur\w*|hurt myself|twisted",
    ),
}
_COMPILED = {cat: [re.compile(p) for p in pats] for cat, pats in PATTERNS.items()}

# Words that mean "no" in a yes/no question cell (anything else with text is screened).
_NEGATION_ONLY = re.compile(r"^(no|n|none|nil|nope|0|false|-|—|–|no\.|not? really|x? ?no)$")


def normalise(text: str) -> str:
    """Lower case, one kind of apostrophe, contractions spelt out, single spaces."""
    t = text.lower().replace("\u2019", "'").replace("\u2018", "'").replace("`", "'")
    t = re.sub(r"\b(can'?t|cnt)\b", "cannot", t)
    t = re.sub(r"\bcouldn'?t\b", "could not", t)
    t = re.sub(r"\bwon'?t\b", "won't", t)
    t = re.sub(r"\bdidn'?t\b", "did not", t)
    t = re.sub(r"\bdon'?t\b", "do not", t)
    t = re.sub(r"\bdoesn'?t\b", "does not", t)
    t = re.sub(r"\bi'?m\b", "i am", t)
    t = re.sub(r"[^\w'/ ]+", " ", t)
    return re.sub(r"\s+", " ", t).strip()


def screen_text(text: str) -> list[str]:
    """The red-flag categories a piece of free text may describe (empty for ordinary notes)."""
    if not text or not text.strip():
        return []
    t = normalise(text)
    return [cat for cat, patterns in _COMPILED.items() if any(p.search(t) for p in patterns)]


def level_of(categories: list[str] | set[str]) -> Level | None:
    levels = {BY_ID[c].level for c in categories}
    return "urgent" if "urgent" in levels else ("review" if levels else None)


@dataclass(frozen=True)
class Hit:
    """A red flag found in a log: where, which, and the patient's own words."""

    row: int | None  # the file's line (CSV/YAML) or the week (PDF form)
    column: str  # the column or field it was found in ("" when unknown)
    category: str
    words: str  # what the patient wrote (or "yes" to the question)
    answered: bool = False  # a "yes" to the question itself, not a phrase in a note
    week: int | None = None
    date: str = ""

    @property
    def level(self) -> Level:
        return BY_ID[self.category].level

    def describe(self) -> str:
        where = f"row {self.row}" if self.row else "the log"
        if self.week:
            where += f", week {self.week}"
        if self.date:
            where += f", {self.date}"
        said = f'answered yes to "{BY_ID[self.category].question}"' if self.answered else f'wrote "{self.words}"'
        return f"{BY_ID[self.category].clinician}: {where}: {said}"


def screen_cell(row: int | None, column: str, value: str, *, week: int | None = None, date: str = "") -> list[Hit]:
    """A cell of the log: a red-flag question answered yes, or any text that reads as a red flag.

    A question column counts as "yes" for anything but a plain no or a blank (a tick, "Y", "a
    bit"): when in doubt the clinician is asked.
    """
    value = "" if value is None else str(value)
    text = value.strip()
    if not text:
        return []
    hits: list[Hit] = []
    col = column.strip().lower()
    if col in BY_ID and not _NEGATION_ONLY.match(text.lower()):
        hits.append(Hit(row, column, col, text, answered=True, week=week, date=date))
    for cat in screen_text(text):
        if not any(h.category == cat for h in hits):
            hits.append(Hit(row, column, cat, text, week=week, date=date))
    return hits


def screen_header_cell(row: int | None, value: str) -> list[Hit]:
    """A header cell that is not a known column may be a note typed in the wrong place."""
    return [Hit(row, "", cat, value.strip()) for cat in screen_text(value)]
