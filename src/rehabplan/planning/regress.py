"""What an amber or a red light does to a slot's dose timeline (the pain-monitoring model,
Silbernagel et al. 2007): amber holds the last done dose for a week and the plan goes on a step
behind; red goes back two steps of the exercise's own plan (below its start: the easier variant,
or a lighter dose), then builds up again. The weeks' limits still hold afterwards: the loading
sets rise no faster than the protocol allows and every session fits the patient's minutes."""

from __future__ import annotations

from dataclasses import dataclass, replace

from rehabplan.models import AgeBand, DoseKind, Patient, Program
from rehabplan.planning.choice import excluded
from rehabplan.planning.painrule import Light
from rehabplan.planning.progression import Context, Dose, deload, start_dose
from rehabplan.planning.rules import volume_allowance
from rehabplan.planning.timelines import Track, track_seconds, track_sets
from rehabplan.sources.library import Library

AMBER_NOTE = "same as last week, because your pain went a little over your limit"
RED_NOTE = "made easier, because your pain went over your limit"
BACK_FROM_DELOAD = "back to full dose"
WAIT_NOTE = "same as last week, so the session and the week stay within their limits"


@dataclass
class Shifted:
    """A slot's new doses in the weeks from ``start`` that are not deloads, in order."""

    weeks: list[int]
    doses: list[Dose]
    notes: list[str | None]
    change: str  # what changed, for the clinician ("back to 2x10, then build again")
    no_easier: bool = False  # red, and nothing in the exercise's range asks less than the dose that hurt


def shift(program: Program, library: Library, track: Track, start: int, light: Light) -> Shifted:
    """Amber holds the last done dose for a week, then the plan continues a step behind; red goes
    back two steps of the plan (below its start: the easier variant, or a lighter dose)."""
    deloads = set(program.deload_weeks)
    planned = [w for w in sorted(track.doses) if w not in deloads]
    seq = [track.doses[w] for w in planned]
    seq_notes = [track.notes.get(w) for w in planned]
    done_index = max((i for i, w in enumerate(planned) if w < start), default=0)
    weeks = [w for w in planned if w >= start]
    easier = regressed(program, library, track, seq[0])
    patient = program.patient

    def asks_less(a: Dose, b: Dose) -> bool:
        return lighter(a, b, library, track, patient)

    hurt = done_dose(program, library, track, start - 1, seq[done_index])
    # Red goes back two steps, further when those steps ask no less than the dose that hurt (a
    # plan that held a dose for weeks, or a light in a lighter week, whose cut dose hurt): the
    # first earlier dose that asks less, else the easier one.
    back, back_to = (1, done_index) if light == "amber" else (3, done_index - 2)
    if light == "red":
        while back_to >= 0 and not asks_less(seq[back_to], hurt):
            back_to -= 1
        if back_to < done_index - 2:
            back = done_index + 1 - max(back_to, -1)
    if light == "red" and back_to < 0 and not asks_less(easier, hurt):
        easier = hurt  # nothing in its range asks less: it stays at the dose that hurt, for review
    doses: list[Dose] = []
    notes: list[str | None] = []
    for k, _week in enumerate(weeks, start=1):
        target = done_index + k - back
        note: str | None
        if target < 0:
            dose, note = easier, RED_NOTE
        elif target >= len(seq):
            dose, note = seq[-1], "same as last week"
        else:
            dose, note = seq[target], strip_note(seq_notes[target])
            if doses and doses[-1] == easier and easier != seq[0] and target == 0:
                note = "back to the planned dose"
        if k == 1:
            note = AMBER_NOTE if light == "amber" else RED_NOTE
            if light == "amber":
                dose = hurt  # amber in a lighter week holds the lighter dose, not the full one before it
        doses.append(dose)
        notes.append(note)

    back_dose = seq[back_to] if back_to >= 0 else None
    change = _change(light, hurt, back_dose, easier, seq[0], library, track)
    return Shifted(weeks, doses, notes, change, light == "red" and back_dose is None and easier == hurt)


def _change(light: Light, hurt: Dose, back: Dose | None, easier: Dose, first: Dose, library: Library, track: Track) -> str:
    """What amber or red changed, for the clinician."""

    def text(d: Dose) -> str:
        return dose_text(d, library, track)

    if light == "amber":
        return f"hold at {text(hurt)} for a week, then continue"
    if back is not None:
        return f"back to {text(back)}{_what_else(back, hurt, library)}, then build again"
    if easier == hurt:
        return f"no easier dose in its range: stays at {text(hurt)}; review the exercise"
    if easier.exercise != first.exercise:
        return f"easier: {library[easier.exercise].name} {text(easier)}"
    return f"lower dose: {text(easier)}"


def done_dose(program: Program, library: Library, track: Track, week: int, dose: Dose) -> Dose:
    """The dose the patient did in ``week``: in a lighter week, the loading dose after its cut."""
    ex = library[dose.exercise]
    if week not in program.deload_weeks or not ex.is_loading:
        return dose
    pyramid = track.rule == "pyramid" and ex.dosage.kind is DoseKind.hold
    return deload(dose, ex, program.deload_volume_factor, program.patient.age_band is AgeBand.older, pyramid)


def lighter(a: Dose, b: Dose, library: Library, track: Track, patient: Patient) -> bool:
    """``a`` asks less than ``b``: ``b``'s easier variant, or the same exercise at a lighter load,
    or at the same load for less time with no longer a hold and no slower a rep (fewer but
    longer holds are the next step of a hold exercise, not an easier dose)."""
    if a.exercise != b.exercise:
        return library[b.exercise].easier == a.exercise
    if a.load_index != b.load_index:
        return a.load_index < b.load_index
    if (a.hold_s or 0) > (b.hold_s or 0) or _rep_seconds(a) > _rep_seconds(b):
        return False
    if (a.minutes or 0) != (b.minutes or 0):
        return (a.minutes or 0) < (b.minutes or 0)
    return track_seconds(track, a, library, patient) < track_seconds(track, b, library, patient)


def strip_note(note: str | None) -> str | None:
    """A planned note without its "back to full dose" (which belongs to the week after a deload)."""
    if note and note.startswith(BACK_FROM_DELOAD):
        return note[len(BACK_FROM_DELOAD) :].lstrip("; ") or None
    return note


def regressed(program: Program, library: Library, track: Track, first: Dose) -> Dose:
    """One step below the plan's first dose: the easier variant at the bottom of its ranges (when
    the patient can do it), else the first dose lightened by the protocol's deload factor."""
    ex = library[first.exercise]
    older = program.patient.age_band is AgeBand.older
    pyramid = track.rule == "pyramid" and ex.dosage.kind is DoseKind.hold
    easier = library[ex.easier] if ex.easier and ex.easier in library else None
    if easier is not None and easier.dosage.kind is ex.dosage.kind and excluded(easier, program.patient) is None:
        ctx = Context(
            exercises=library.exercises,
            allowed=lambda _id: True,
            loads_available=lambda _ex: 1,  # the lightest load: no band or weight needed
            older_adult=older,
            pyramid=pyramid,
        )
        easy = start_dose(easier, ctx, gentle=True, sets=first.sets)
        if track_seconds(track, easy, library, program.patient) > track_seconds(track, first, library, program.patient):
            easy = easy._replace(sets=int(easier.dosage.sets.min))  # easier, and never longer than the plan's start
        if track_seconds(track, easy, library, program.patient) <= track_seconds(track, first, library, program.patient):
            return easy
    factor = program.deload_volume_factor
    if pyramid:  # McGill's 5-3-1 stays; the holds get shorter
        return first._replace(hold_s=max(1, round((first.hold_s or 0) * factor)))
    return deload(first, ex, factor, older)


def not_harder(a: Dose, b: Dose, library: Library) -> bool:
    """``a`` asks no more than ``b``: the same exercise at no higher a dose, or its easier variant."""
    if a.exercise != b.exercise:
        return library[b.exercise].easier == a.exercise
    return (
        a.sets <= b.sets
        and a.reps <= b.reps
        and (a.hold_s or 0) <= (b.hold_s or 0)
        and (a.minutes or 0) <= (b.minutes or 0)
        and a.load_index <= b.load_index
    )


def dose_text(dose: Dose, library: Library, track: Track) -> str:
    """A dose as the clinician reads it: 2x10, 5-3-1x10s, 20 min."""
    kind = library[dose.exercise].dosage.kind
    if kind is DoseKind.duration:
        return f"{dose.minutes} min"
    if kind is DoseKind.hold:
        holds = "-".join(map(str, dose.pyramid())) if track.rule == "pyramid" else f"{dose.sets}x{dose.reps}"
        return f"{holds}x{dose.hold_s}s"
    return f"{dose.sets}x{dose.reps}"


@dataclass
class _WeekLoad:
    """The weeks' loading sets and longest session with the shifted doses in place."""

    tracks: dict[str, Track]
    shifted: dict[str, Shifted]
    start: int
    library: Library
    patient: Patient

    def dose_at(self, slot: str, week: int) -> Dose | None:
        sh = self.shifted.get(slot)
        if sh is not None and week >= self.start:  # (deload weeks are not compared)
            return sh.doses[sh.weeks.index(week)] if week in sh.weeks else None
        return self.tracks[slot].doses.get(week)

    def volume(self, week: int) -> int:
        return sum(
            track_sets(t, d, self.library) for slot, t in self.tracks.items() if (d := self.dose_at(slot, week)) is not None
        )

    def longest_day_s(self, week: int) -> float:
        daily = 0.0
        by_day: dict[int, float] = {}
        for slot, t in self.tracks.items():
            d = self.dose_at(slot, week)
            if d is None:
                continue
            secs = track_seconds(t, d, self.library, self.patient)
            if t.every_day:
                daily += secs
            for day in t.days:
                by_day[day] = by_day.get(day, 0.0) + secs
        return daily + max(by_day.values(), default=0.0)

    def new_per_week(self, prev: int, week: int) -> int:
        """The most sessions a week of a loading slot that starts in ``week``."""
        return max(
            (
                t.per_week
                for slot, t in self.tracks.items()
                if self.dose_at(slot, prev) is None
                and (d := self.dose_at(slot, week)) is not None
                and self.library[d.exercise].is_loading
            ),
            default=0,
        )

    def excess(self, week: int, max_sets: int, limit_s: int) -> tuple[bool, bool]:
        """(too many loading sets, a session too long) in ``week``."""
        return self.volume(week) > max_sets, self.longest_day_s(week) > limit_s


def hold_to_fit(program: Program, library: Library, tracks: dict[str, Track], shifted: dict[str, Shifted], start: int) -> None:
    """Shifting one exercise can put its step in the same week as another's: the week's loading
    sets still rise no faster than the protocol allows (the program records its limit) unless the
    week asks no more than first planned, and every session still fits the patient's minutes. An
    exercise that breaks either waits a week, drops to its fewest sets, or keeps its planned dose."""
    if not shifted:
        return
    load = _WeekLoad(tracks, shifted, start, library, program.patient)
    limit_s = program.patient.minutes * 60
    deloads = set(program.deload_weeks)
    normal = [w for w in range(1, len(program.weeks) + 1) if w not in deloads]
    planned_volume = {w.number: w.volume_sets for w in program.weeks}
    for prev, week in zip(normal, normal[1:]):
        if week < start:
            continue
        last = load.volume(prev)
        allowance = volume_allowance(last, program.max_weekly_volume_increase_pct, load.new_per_week(prev, week))
        # Never more than the plan first asked of this week (it kept the limit), nor a faster rise.
        max_sets = max(last + allowance, planned_volume[week])
        for slot, sh in shifted.items():
            if not any(load.excess(week, max_sets, limit_s)):
                break
            if week in sh.weeks:
                _ease(load, slot, sh, week, max_sets, limit_s)


def _ease(load: _WeekLoad, slot: str, sh: Shifted, week: int, max_sets: int, limit_s: int) -> None:
    """One shifted slot's dose in ``week`` eased until the week fits, if it can: it waits a week,
    drops to its fewest sets, or keeps the dose first planned for the week."""
    library, patient = load.library, load.patient
    i = sh.weeks.index(week)
    t, now = load.tracks[slot], sh.doses[i]
    ex = library[now.exercise]
    options: list[tuple[str, Dose]] = []
    if i > 0:
        options.append(("wait", sh.doses[i - 1]))
    if t.rule != "pyramid" and now.sets > ex.dosage.sets.min:
        options.append(("fewer sets, to fit your time", now._replace(sets=int(ex.dosage.sets.min))))
    planned = t.doses.get(week)
    # The dose first planned for this week, only when it asks less than the light's dose (a
    # heavier band for fewer reps is shorter, and is what hurt).
    if planned is not None and lighter(planned, now, library, t, patient):
        options.append((strip_note(t.notes.get(week)) or "", planned))
    too_many, too_long = load.excess(week, max_sets, limit_s)
    for how, alt in options:
        now = sh.doses[i]
        if not (too_many or too_long):
            break
        if (too_many and track_sets(t, alt, library) < track_sets(t, now, library)) or (
            too_long and track_seconds(t, alt, library, patient) < track_seconds(t, now, library, patient)
        ):
            if how == "wait":  # this exercise waits a week: the rest of its plan moves one week later
                sh.doses.insert(i, alt)
                sh.notes.insert(i, WAIT_NOTE)
                sh.doses.pop()
                sh.notes.pop()
            else:
                sh.doses[i], sh.notes[i] = alt, how or None
            too_many, too_long = load.excess(week, max_sets, limit_s)


def _last_before(sh: Shifted, track: Track, week: int) -> Dose:
    """A deload week repeats the dose of the week before it (the cut is applied when materialising);
    a deload week right after the light takes the light's first dose, so a red light's easier
    dose starts at once and the dose that hurt is not repeated, only lighter."""
    earlier = [i for i, w in enumerate(sh.weeks) if w < week]
    if earlier:
        return sh.doses[earlier[-1]]
    return sh.doses[0] if sh.doses else track.doses[week]


def write_shifted(track: Track, sh: Shifted, deloads: set[int], start: int) -> Track:
    """The track with its new doses from ``start`` on; deload weeks repeat the week before."""
    doses = {w: d for w, d in track.doses.items() if w < start}
    notes = {w: n for w, n in track.notes.items() if w < start}
    new = dict(zip(sh.weeks, zip(sh.doses, sh.notes, strict=True), strict=True))
    after_deload = False
    for week in sorted(track.doses):
        if week < start:
            after_deload = week in deloads
            continue
        if week in deloads:
            doses[week] = _last_before(sh, track, week)
            notes[week] = None
            after_deload = True
            continue
        dose, note = new[week]
        if after_deload:
            note = BACK_FROM_DELOAD + (f"; {note}" if note else "")
        doses[week], notes[week] = dose, note
        after_deload = False
    return replace(track, doses=doses, notes=notes)


def _rep_seconds(d: Dose) -> int:
    return 0 if d.tempo is None else d.tempo.rep_s


def _what_else(back: Dose, hurt: Dose, library: Library) -> str:
    """What makes the dose gone back to easier when its sets and reps alone do not say it: a
    lighter band or weight, or a quicker rep."""
    options = library[back.exercise].dosage.load_options
    if back.exercise == hurt.exercise and back.load_index < hurt.load_index and options:
        return f" with {options[back.load_index]}"
    if back.exercise == hurt.exercise and back.tempo != hurt.tempo and back.tempo is not None:
        return f" at tempo {back.tempo}"
    return ""


FIT_NOTE = "same as last week, to fit your time"


def wait_to_fit(program: Program, library: Library, tracks: dict[str, Track], start: int) -> dict[str, Track]:
    """Every session from ``start`` within the patient's minutes. Taking a plan up again after a
    hold, or one change a week, moves exercises' plans by different weeks, so a week can join
    steps the planner never put together; an exercise whose step does not fit waits a week (its
    plan a week later), never going back to a dose that asks more."""
    load = _WeekLoad(dict(tracks), {}, start, library, program.patient)
    limit_s = program.patient.minutes * 60
    deloads = set(program.deload_weeks)
    for week in range(max(start, 2), len(program.weeks) + 1):
        if week in deloads:
            continue  # a lighter week is shorter than the week before it
        while load.longest_day_s(week) > limit_s:
            slot = _longest_step(load, week)
            if slot is not None:
                load.tracks[slot] = a_week_later(load.tracks[slot], week, FIT_NOTE)
                continue
            fewer = _fewest_sets(load, week)
            if fewer is None:
                break
            slot, dose = fewer
            t = load.tracks[slot]
            load.tracks[slot] = replace(t, doses={**t.doses, week: dose}, notes={**t.notes, week: "fewer sets, to fit your time"})
    return load.tracks


def _fewest_sets(load: _WeekLoad, week: int) -> tuple[str, Dose] | None:
    """The slot whose dose in ``week`` saves the most seconds at its fewest sets (a slider back
    at its last symptom-free dose in place of a shorter tensioner, say), with that dose."""
    best: tuple[str, Dose] | None = None
    saved = 0.0
    for slot, t in load.tracks.items():
        now = t.doses.get(week)
        if now is None or t.rule == "pyramid":
            continue
        fewest = now._replace(sets=int(load.library[now.exercise].dosage.sets.min))
        gain = track_seconds(t, now, load.library, load.patient) - track_seconds(t, fewest, load.library, load.patient)
        if gain > saved:
            best, saved = (slot, fewest), gain
    return best


def _longest_step(load: _WeekLoad, week: int) -> str | None:
    """The slot whose step into ``week`` adds the most seconds, when waiting a week asks no more
    (a red light's easier dose never goes back to the dose that hurt)."""
    best, saved = None, 0.0
    for slot, t in load.tracks.items():
        before, now = t.doses.get(week - 1), t.doses.get(week)
        if before is None or now is None or before == now:
            continue
        if not (not_harder(before, now, load.library) or lighter(before, now, load.library, t, load.patient)):
            continue
        gain = track_seconds(t, now, load.library, load.patient) - track_seconds(t, before, load.library, load.patient)
        if gain > saved:
            best, saved = slot, gain
    return best


def a_week_later(t: Track, week: int, note: str) -> Track:
    """The track's plan from ``week`` moved a week later; ``week`` repeats the dose before it,
    with ``note`` (why it waits)."""
    weeks = [w for w in sorted(t.doses) if w >= week]
    doses = {w: d for w, d in t.doses.items() if w < week}
    notes = {w: n for w, n in t.notes.items() if w < week}
    if week - 1 in t.doses:
        doses[week], notes[week] = t.doses[week - 1], note
    for w, src in zip(weeks[1:], weeks, strict=False):
        doses[w], notes[w] = t.doses[src], t.notes.get(src)
    return replace(t, doses=doses, notes=notes)
