"""The weekly loading-volume limit: counted sets and the allowed rise."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from rehabplan.models import (
    AgeBand,
    DoseKind,
    Exercise,
    Irritability,
    Patient,
)
from rehabplan.planning.fitter import Fitter, FitWeek, _fewest_sets
from rehabplan.planning.fitting import _smaller_steps
from rehabplan.planning.progression import (
    TIME_DIMENSIONS,
    Dose,
    replaced,
    step,
    trade,
)
from rehabplan.planning.rules import PLATEAU_WEEKS, volume_allowance
from rehabplan.planning.state import _Prop, _Slot
from rehabplan.planning.timing import _sides_count
from rehabplan.sources.library import Library

# Weekly work (time under tension of the loading exercises) rises at most this much a week
# after the first WORK_FREE_WEEKS weeks (clinical brief, "Weekly work ... rises gradually":
# ~30 %, ~20 % for high irritability), plus the one new exercise of the week at its lightest
# start (one change at a time: at most one a week).
WORK_FREE_WEEKS = 2
WORK_RISE = 0.30
WORK_RISE_HIGH_IRRITABILITY = 0.20

# McGill's pyramid (5-3-1 holds) is three working sets each time; the brief allows it daily or
# at least 3 times a week. For an older or highly irritable patient two planks done 5-6 times
# a week come to 30+ sets a week on their own (ACSM novices: 1-3 sets, 2-3 days a week), so a
# pyramid is done 3 times a week for them (design choice): 9 sets a week for each plank.
GENTLE_PYRAMID_TIMES_A_WEEK = 3


def gentle_times_a_week(rule_name: str, ex: Exercise, patient: Patient) -> int | None:
    """The most times a week this slot may be done for this patient (None: no limit here)."""
    gentle = patient.age_band is AgeBand.older or patient.irritability is Irritability.high
    if gentle and rule_name == "pyramid" and ex.dosage.kind is DoseKind.hold:
        return max(GENTLE_PYRAMID_TIMES_A_WEEK, int(ex.dosage.sessions_per_week.min))
    return None


# An older or highly irritable patient's exercise that has been done at its fewest sets for this
# many weeks takes its second set before a new exercise that is not core starts (the new one
# waits a week): design choice, so that a second set comes by weeks 6-8 when the weekly sets,
# the work rise and the minutes allow.
SECOND_SET_AFTER_WEEKS = 6

# Last week's loading sets and work (work None in the first weeks: not limited yet).
Limits = tuple[int, float | None]

HELD_FOR_LIMIT = "same as last week, so the total does not rise too fast"


def _counted_sets(s: _Slot, sets: int, ex: Exercise) -> int:
    """Working sets for the weekly volume: every set prescribed (a McGill pyramid's three sets
    count as three, so ``volume_sets`` is the sum of the week's prescribed sets)."""
    return sets


def dose_work(dose: Dose, ex: Exercise, per_week: int, pyramid: bool, sides: int) -> int:
    """Weekly time under tension of one slot's dose, both sides (0 if not loading): reps x
    tempo, or holds x seconds; the same number ``materialise`` writes into ``tut_s``."""
    if not ex.is_loading:
        return 0
    d = ex.dosage
    if d.kind is DoseKind.hold:
        holds = sum(dose.pyramid()) if pyramid else dose.sets * dose.reps
        per_session = holds * (dose.hold_s or 0)
    elif d.kind is DoseKind.reps and dose.tempo is not None:
        per_session = dose.sets * dose.reps * dose.tempo.rep_s
    else:
        per_session = 0
    return per_session * per_week * sides


def _slot_work(s: _Slot, dose: Dose, library: Library, patient: Patient) -> int:
    ex = library.exercises[dose.exercise]
    return dose_work(dose, ex, s.per_week, s.pyramid and ex.dosage.kind is DoseKind.hold, _sides_count(ex, patient))


def _prop_work(s: _Slot, p: _Prop, library: Library, patient: Patient) -> int:
    if p.work < 0:
        p.work = _slot_work(s, p.dose, library, patient)
    return p.work


def _work(props: dict[str, _Prop], slots: list[_Slot], library: Library, patient: Patient) -> int:
    """The week's work: time under tension of every loading exercise (the walk is limited apart)."""
    total = 0
    for s in slots:
        p = props.get(s.id)
        if p is not None:
            total += _prop_work(s, p, library, patient)
    return total


def _volume(props: dict[str, _Prop], slots: list[_Slot], library: Library) -> int:
    total = 0
    for s in slots:
        p = props.get(s.id)
        if p is not None:
            volume = p.volume
            if volume < 0:
                ex = library.exercises[p.dose.exercise]
                volume = p.volume = _counted_sets(s, p.dose.sets, ex) * s.per_week if ex.is_loading else 0
            total += volume
    return total


def limit_volume(job: FitWeek, limits: Limits, no_harder: frozenset[str], high: bool = False) -> bool:
    """Weekly loading sets rise no faster than the protocol allows, phase changes included, and
    weekly work (time under tension) no faster than ``WORK_RISE`` (``limits``: last week's sets
    and work). True when the week's proposals had to change.

    Named steps (``_VolumeLimit.STEPS``), least important slot first: hold a set increase of a
    slot that is not core (retried next week; reps, tempo, band or variant may progress
    instead); start a new slot at its fewest sets (it climbs one set a week); hold a core slot's
    set increase; start a new slot that is not core a week later; hold the step of a slot that
    has stood still; start a new core slot a week later; last, hold any step that adds work.
    """
    limit = _VolumeLimit(job, limits, no_harder, high)
    if limit.within():
        return False
    for _name, action in limit.steps():
        if action():
            break
    return True


class _VolumeLimit:
    """One week's proposals brought within last week's sets and work plus the allowed rise."""

    def __init__(self, job: FitWeek, limits: Limits, no_harder: frozenset[str], high: bool) -> None:
        self.job = job
        self.last, self.last_work = limits
        self.no_harder = no_harder
        self.rise = WORK_RISE_HIGH_IRRITABILITY if high else WORK_RISE
        # Older or highly irritable patients start every exercise at its fewest sets: a second
        # set goes on before a new exercise that is not core (which waits a week), or they
        # would stay at one set while new exercises come in week after week.
        patient = job.patient
        self.gentle = patient.age_band is AgeBand.older or patient.irritability is Irritability.high
        states = job.states
        self.order = sorted((s for s in job.slots if s.id in job.props), key=_Slot.importance)
        # Holding is shared: of equal importance, the slot whose dose changed most recently
        # waits first, so the one that has waited longest progresses (no plateaus). A slot that
        # has stood still for PLATEAU_WEEKS - 1 weeks is held last (no plateaus).
        self.hold_order = sorted(self.order, key=lambda s: (self._stale(s), s.core, states[s.id].same, s.importance()))

    def steps(self) -> tuple[tuple[str, Callable[[], bool]], ...]:
        # A new exercise (at most one a week) starts before core steps go on: core slots hold
        # their step that week rather than the new one waiting (one change at a time).
        return (
            ("hold-biggest", self.hold_biggest),
            ("hold-sets", lambda: self.hold_sets(0)),
            ("start-low", self.start_low),
            ("hold-core-sets", lambda: self.hold_sets(1)),
            ("wait", lambda: self.wait(False)),
            ("hold-second-sets", lambda: self.hold_sets(3)),
            ("hold-stale-sets", lambda: self.hold_sets(2)),
            ("wait-core", lambda: self.wait(True)),
            ("hold-work", self.hold_work),
        )

    def _stale(self, s: _Slot) -> bool:
        return self.job.states[s.id].same >= PLATEAU_WEEKS - 1

    def _work_of(self, s: _Slot, dose: Dose) -> int:
        return _slot_work(s, dose, self.job.library, self.job.patient)

    def _prop_work(self, s: _Slot, p: _Prop) -> int:
        return _prop_work(s, p, self.job.library, self.job.patient)

    def _counted(self, s: _Slot, dose: Dose) -> int:
        ex = self.job.library.exercises[dose.exercise]
        return _counted_sets(s, dose.sets, ex) if ex.is_loading else 0

    def _new_loading(self) -> Iterator[tuple[_Slot, _Prop]]:
        job = self.job
        for s in job.slots:
            p = job.props.get(s.id)
            if p is not None and p.new and job.library.exercises[p.dose.exercise].is_loading:
                yield s, p

    def work_over(self) -> bool:
        if self.last_work is None:
            return False
        job = self.job
        new_work = max((self._prop_work(s, p) for s, p in self._new_loading()), default=0)
        return _work(job.props, job.slots, job.library, job.patient) > self.last_work * (1 + self.rise) + new_work

    def within(self) -> bool:
        # A new exercise that starts this week may take its own smallest step; one that waits may not.
        job = self.job
        new_per_week = max((p.dose.sets * s.per_week for s, p in self._new_loading()), default=0)
        allowance = volume_allowance(self.last, job.protocol.max_weekly_volume_increase_pct, new_per_week)
        return _volume(job.props, job.slots, job.library) <= self.last + allowance and not self.work_over()

    def hold_sets(self, group: int) -> bool:
        """group 0: not core; 1: core; 3: an older or highly irritable patient's second set
        (after a new exercise that is not core waits); 2: slots that have stood still
        PLATEAU_WEEKS - 1 weeks (last)."""
        for s in self.hold_order:
            p = self.job.props.get(s.id)
            if p is None or p.new or p.prev is None or self._group(s, p) != group:
                continue
            prev = p.prev
            over_work = self.work_over()
            more_work = over_work and self._prop_work(s, p) > self._work_of(s, prev)
            if self._stale(s) and more_work and prev.changed_dims(p.dose) == {"reps"} and p.dose.reps > prev.reps + 1:
                if self._smaller_step(s, p, prev):
                    return True
                p = self.job.props[s.id]
            if self._counted(s, p.dose) > self._counted(s, prev) or more_work:
                self.job.props[s.id] = self._held(s, prev, over_work)
                self.job.states[s.id].pending = True
                if self.within():
                    return True
        return False

    def hold_biggest(self) -> bool:
        """Over on work: the steps that add the most work wait first, one at a time, until the
        week is within the limit (one more set of a long hold can add as much as every other
        step together; it must not stop them all, week after week). A slot that has stood still
        waits last; a held slot progresses another way if it can. When the sets are still over,
        the named steps go on from here. An older or highly irritable patient's second set waits
        after the other steps (as the biggest step it would otherwise wait every week)."""
        if not self.work_over():
            return False
        job = self.job
        adders: list[tuple[bool, bool, int, int, _Slot, Dose]] = []
        for s in self.hold_order:
            p = job.props.get(s.id)
            if p is None or p.new or p.prev is None:
                continue
            more = self._prop_work(s, p) - self._work_of(s, p.prev)
            if more > 0:
                adders.append((self._stale(s), self._owed_second_set(s, p), -more, len(adders), s, p.prev))
        for _, _, _, _, s, prev in sorted(adders):
            job.props[s.id] = self._held(s, prev, True)
            job.states[s.id].pending = True
            if self.within():
                return True
            if not self.work_over():
                return False  # the work fits now; the weekly sets are the named steps' to fix
        return False

    def _group(self, s: _Slot, p: _Prop) -> int:
        if self._stale(s):
            return 2
        return 3 if self._owed_second_set(s, p) else int(s.core)

    def _owed_second_set(self, s: _Slot, p: _Prop) -> bool:
        """Does an older or highly irritable patient's slot step up from its fewest sets this
        week, after ``SECOND_SET_AFTER_WEEKS`` weeks there? Such a step is held after the others
        (as the biggest step it would otherwise be held every week, and the patient would stay
        at one set for the whole plan while new exercises come in)."""
        prev = p.prev
        if not self.gentle or prev is None or p.dose.sets <= prev.sets or p.dose.exercise != prev.exercise:
            return False
        fewest = _fewest_sets(s, self.job.library.exercises[prev.exercise])
        if prev.sets > fewest:
            return False
        weeks = sum(1 for d in self.job.states[s.id].timeline.values() if d.sets <= fewest)
        return weeks >= SECOND_SET_AFTER_WEEKS

    def _smaller_step(self, s: _Slot, p: _Prop, prev: Dose) -> bool:
        """A slot that has stood still takes a smaller step rather than none (fewer added reps or
        holds), so the work still rises gradually and it does not plateau."""
        word = "hold" if self.job.library.exercises[p.dose.exercise].dosage.kind is DoseKind.hold else "rep"
        for reps in range(p.dose.reps - 1, prev.reps, -1):
            n = reps - prev.reps
            self.job.props[s.id] = _Prop(replaced(p.dose, reps=reps), f"{n} more {word}{'s' if n > 1 else ''}", False, prev)
            if self.within():
                return True
        return False

    def _held(self, s: _Slot, prev: Dose, over_work: bool) -> _Prop:
        """Progress another way (reps, tempo, band, variant) when one exists; the set waits."""
        assert s.rule is not None
        ctx = self.job.ctxs[s.id]
        skip = frozenset({"sets"}) | self.no_harder
        if self.job.variant_waits(s):
            skip |= {"variant"}  # each harder version is practised a week before the next
        if over_work:
            skip |= TIME_DIMENSIONS  # only a step that adds no work (a firmer band, the harder variant)
        alt, note = step(prev, s.rule, ctx, skip)
        if (
            note is None
            or self._counted(s, alt) > self._counted(s, prev)
            or (over_work and self._work_of(s, alt) > self._work_of(s, prev))
        ):
            alt, note = trade(prev, s.rule, ctx) or (prev, HELD_FOR_LIMIT)
        return _Prop(alt, note, False, prev)

    def start_low(self) -> bool:
        job = self.job
        for s in self.order:
            p = job.props.get(s.id)
            if p is None:
                continue
            ex = job.library.exercises[p.dose.exercise]
            if p.new and ex.is_loading and p.dose.sets > _fewest_sets(s, ex):
                job.states[s.id].ramp_to = p.dose.sets
                job.props[s.id] = _Prop(replaced(p.dose, sets=_fewest_sets(s, ex)), p.note, True, None)
                if self.within():
                    return True
        return False

    def wait(self, core: bool) -> bool:
        job = self.job
        for s in self.order:
            p = job.props.get(s.id)
            if p is not None and s.core == core and p.new and job.library.exercises[p.dose.exercise].is_loading:
                del job.props[s.id]  # starts next week instead
                job.states[s.id].waited = (
                    "not started before the plan ended: weekly loading sets may rise "
                    f"only {job.protocol.max_weekly_volume_increase_pct} % a week"
                )
                if self.within():
                    return True
        return False

    def hold_work(self) -> bool:
        """The last resort: a slot whose step (or trade) still adds work keeps last week's dose,
        least important first, until the week's work is within the limit."""
        for s in self.hold_order:
            p = self.job.props.get(s.id)
            if p is None or p.new or p.prev is None or self._prop_work(s, p) <= self._work_of(s, p.prev):
                continue
            self.job.props[s.id] = _Prop(p.prev, HELD_FOR_LIMIT, False, p.prev)
            self.job.states[s.id].pending = True
            if self.within():
                return True
        return False


def step_back_in(job: FitWeek, limits: Limits | None, high: bool = False) -> None:
    """After the weekly limits: a slot held for time that has stood still ``PLATEAU_WEEKS``
    weeks (held, this is its 4th) takes the biggest of its steps that now fits the minutes and
    the limits, down to one more rep (the limits may have held a bigger step elsewhere and so
    freed the minutes). Reps, holds and sets only: no harder version or load comes this late."""
    f = Fitter(job, frozenset())
    states = job.states
    stale = [s for s in job.slots if s.id in job.held and s.id in job.props and states[s.id].same >= PLATEAU_WEEKS]
    for s in sorted(stale, key=lambda s: (-states[s.id].same, s.importance())):
        p = job.props[s.id]
        if p.prev is None or p.dose != p.prev or "to fit your time" not in (p.note or ""):
            continue
        for alt in _smaller_steps(f, s, job.held[s.id], p):
            if alt.dose.exercise != p.dose.exercise or alt.dose.load_index != p.dose.load_index:
                continue
            job.props[s.id] = alt
            f.check()
            if f.fits and (limits is None or _VolumeLimit(job, limits, frozenset(), high).within()):
                break
            job.props[s.id] = p
