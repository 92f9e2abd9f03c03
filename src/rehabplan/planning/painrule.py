"""One pain rule per protocol: the traffic light that the handout's words, its colour key, the
phase criteria, the preview and ``adjust`` all read from here.

From the protocol's ``pain`` block (Silbernagel 2007 model; NHS AHP Suffolk wording):

* green  0 .. ceiling          (ceiling = the lowest of during_max, amber_from - 1, red_above)
* amber  ceiling + 1 .. red_above   (may be empty: then everything over the ceiling is red)
* red    above red_above, or worse the next morning, or spreading down the leg (nerve protocols)

The sciatica protocols: green 0-3, amber 4, red 5-10 (design choice: 3/10 is the ceiling the
handout prints; one point over it holds the dose, more regresses).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from rehabplan.models.protocol import PainRules

Light = Literal["green", "amber", "red"]


@dataclass(frozen=True)
class PainRule:
    green: tuple[int, int]
    amber: tuple[int, int] | None
    red: tuple[int, int]
    next_morning_worse_is_red: bool
    spread_is_red: bool

    @property
    def ceiling(self) -> int:
        """The highest pain that is green: "keep your pain at N out of 10 or less"."""
        return self.green[1]

    def light(
        self, during: int | None, morning: int | None, spread: bool = False, baseline_morning: int | None = None
    ) -> tuple[Light, str]:
        """The traffic light of one session, with its reason in plain words."""
        if self.spread_is_red and spread:
            return "red", "symptoms spread down the leg"
        for score, when in ((during, "during"), (morning, "the next morning")):
            if score is not None and score >= self.red[0]:
                return "red", f"pain {score}/10 {when} (green is 0-{self.ceiling})"
        if self.next_morning_worse_is_red and during is not None and morning is not None and morning > during:
            return "red", f"worse the next morning ({during} then {morning}/10)"
        worst = max(during or 0, morning or 0)
        if worst > self.ceiling:
            return "amber", f"pain {worst}/10 (green is 0-{self.ceiling})"
        return "green", f"pain {worst}/10, within 0-{self.ceiling}"

    def describe(self) -> str:
        """The rule in one line for the clinician (preview, protocols show)."""
        parts = [f"green {_range(self.green)}/10"]
        if self.amber:
            parts.append(f"amber {_range(self.amber)}")
        parts.append(f"red {_range(self.red)}")
        extra = []
        if self.next_morning_worse_is_red:
            extra.append("worse next morning = red")
        if self.spread_is_red:
            extra.append("spreading down the leg = red")
        return ", ".join(parts) + (f" ({'; '.join(extra)})" if extra else "")


def _range(pair: tuple[int, int]) -> str:
    return str(pair[0]) if pair[0] == pair[1] else f"{pair[0]}-{pair[1]}"


def pain_rule(rules: PainRules) -> PainRule:
    ceiling = max(0, min(rules.during_max, rules.amber_from - 1, rules.red_above))
    red_from = max(rules.red_above + 1, ceiling + 1)
    amber = (ceiling + 1, red_from - 1) if ceiling + 1 <= red_from - 1 else None
    return PainRule(
        green=(0, ceiling),
        amber=amber,
        red=(min(red_from, 10), 10),
        next_morning_worse_is_red=rules.next_morning_worse_is_red,
        spread_is_red=rules.spread_is_red,
    )
