"""Red flags in a patient's own words: each category's phrasings are caught, ordinary notes are not."""

from __future__ import annotations

import pytest

from rehabplan.planning.redflags import RED_FLAGS, level_of, screen_cell, screen_text

PHRASINGS = {
    "numb_between_legs": [
        "numb down there when I wipe",
        "I can't feel the toilet paper",
        "cannot feel the paper when I wipe",
        "numbness around my bottom",
        "my bum feels numb",
        "tingling between my legs",
        "pins and needles in my groin",
        "saddle area feels numb",
        "numb privates since Tuesday",
        "lost feeling around my back passage",
        "wiping feels strange, like I can't feel it",
        "my genitals feel numb",
        "numb all around my backside",
        "it feels dead down there",
        "sex feels numb",
        "no feeling between the legs",
        "didn't feel the loo roll",
        "sexual numbness since the weekend",
        "numb during sex",
        "problems getting an erection now",
        "tingly down below",
        "cnt feel when i wipe",
    ],
    "bladder_bowel": [
        "trouble with my bladder",
        "dribbling urine",
        "a bit of dribbling",
        "I wet myself on the way to the toilet",
        "can't pee properly",
        "struggling to start peeing",
        "hard to wee this morning",
        "couldn't empty my bladder",
        "bowels not right, can't control them",
        "had an accident in my pants",
        "didn't know I needed to go until too late",
        "leaking urine when I walk",
        "cannot hold my wee",
        "lost control of my bowels",
        "pooed myself",
        "no urge to pee all day",
        "weak stream when I pee",
        "incontinence since Monday",
        "peeing is hard, I have to strain",
        "didn't make it to the toilet in time",
        "peeing less and I can't feel it",
        "have to push to get the wee out",
        "wee comes out slowly now",
        "peed the bed",
        "needed to wee loads and couldnt",
        "couldn't go for a poo, no feeling",
        "constipated for 4 days",
    ],
    "both_legs": [
        "both my legs feel weak",
        "tingling in both feet now",
        "pain down both legs",
        "sciatica on both sides",
        "both legs went numb",
        "my legs keep giving way",
        "legs feel like jelly",
        "numbness in my legs",
        "now the pain is in the other leg too",
        "the other leg has started tingling",
        "left and right leg both sore",
        "weakness in both thighs",
        "pins and needles in my feet",
        "can't stand up, my legs are weak",
        "both calves numb after the walk",
        "my knees gave way on the stairs",
        "bilateral leg pain",
        "sciatica has moved to my right leg as well",
    ],
    "foot_drop": [
        "my foot slaps when I walk",
        "foot drop",
        "my foot drags",
        "foot keeps catching on the carpet",
        "tripping over my toes",
        "I keep tripping over my own foot",
        "can't lift my foot properly",
        "cannot lift my toes",
        "my foot is floppy",
        "toes catch on the stairs",
        "dragging my right foot",
        "can't walk on my heels",
        "my foot won't lift",
        "ankle feels weak and floppy",
        "my foot flops down",
        "scuffing my foot when I walk",
        "can't stand on my heel",
        "tripping a lot",
        "weak ankle keeps rolling",
        "I keep stubbing my toes",
    ],
    "night_pain": [
        "pain wakes me every night",
        "woke up with pain at 3am",
        "woken by the pain again",
        "can't sleep because of the pain",
        "up all night with it",
        "awake most of the night",
        "night pain is bad",
        "pain at night is terrible",
        "it keeps waking me",
        "worse at night",
        "no sleep, the sciatica was awful",
        "hardly sleep with the pain",
        "every night the ache wakes me",
        "pain through the night",
        "the ache kept me awake",
    ],
    "fever_weight_loss": [
        "had a fever",
        "running a temperature",
        "feeling feverish",
        "night sweats",
        "lost weight without trying",
        "lost 5 kg",
        "losing weight",
        "clothes are loose",
        "lost my appetite",
        "feeling really unwell",
        "chills and shivers",
        "hot and cold all night",
        "found a lump",
        "my cancer is back",
        "dropped a stone this month",
        "on antibiotics for an infection",
        "lost 5kg without trying",
        "down 3kg and not dieting",
    ],
    "fall": [
        "I fell in the garden",
        "had a fall",
        "slipped on the ice",
        "tripped on the kerb",
        "fell down the stairs",
        "took a tumble",
        "lost my balance and went down",
        "came off my bike",
        "car accident on Monday",
        "banged my hip on the table",
        "landed on my bottom",
        "hurt myself lifting",
        "stumbled on the step",
        "fallen over at work",
        "hit my back on the door",
    ],
}

CALM = [
    "sore bum from cycling",
    "knee clicked",
    "tired",
    "felt good",
    "easier today",
    "bit stiff in the morning",
    "hamstrings tight",
    "did it after work",
    "walked the dog",
    "missed one, busy at work",
    "glute sore the next day",
    "stretched both legs",
    "band snapped, used a towel",
    "slept well",
    "back a bit achy after gardening",
    "lots of sitting at work",
    "felt stronger",
    "hip clicked on the bridge",
    "forgot the walk",
    "raining so walked inside",
    "did double on Saturday",
    "did both sides",
    "feeling positive",
    "pain 2 then gone",
    "mild ache in my buttock after sitting",
    "long drive today",
    "stiff getting out of bed",
    "tight on the left side",
    "right hip a bit sore",
    "good week",
    "played with the grandkids",
    "felt a stretch in the back of my leg",
    "leg felt a bit heavy after the walk",
    "pins and needles in my foot when I sit too long",
    "fell asleep on the sofa",
    "calf cramp last night",
    "easy, could do more",
    "bridge was hard work",
    "2/10",
    "Seated sciatic nerve slider",
    "strained my calf on the walk",
    "made it to the gym",
    "sat on a hard chair for the match, bit sore",
    "went to the toilet before the walk",
    "sex was fine, no pain",
    "a wee bit harder today",
    "had a wee walk, hard going",
    "water aerobics was hard",
    "wanted to go for a walk but could not",
    "weed the garden",
    "stood on my heels fine",
]


@pytest.mark.parametrize("category", sorted(PHRASINGS))
def test_every_category_has_at_least_15_everyday_phrasings(category):
    assert len(PHRASINGS[category]) >= 15
    assert category in {f.id for f in RED_FLAGS}


@pytest.mark.parametrize("category,phrase", [(c, p) for c, ps in PHRASINGS.items() for p in ps])
def test_each_everyday_phrasing_is_caught_in_its_category(category, phrase):
    assert category in screen_text(phrase), phrase


def test_at_least_30_ordinary_notes_and_none_of_them_alarms():
    assert len(CALM) >= 30
    alarmed = {note: screen_text(note) for note in CALM if screen_text(note)}
    assert not alarmed


def test_the_first_four_are_urgent_and_the_rest_review():
    assert [f.level for f in RED_FLAGS] == ["urgent"] * 4 + ["review"] * 3
    assert level_of(["fall", "both_legs"]) == "urgent"
    assert level_of(["fall"]) == "review"
    assert level_of([]) is None


@pytest.mark.parametrize("answer", ["yes", "Y", "y", "x", "X", "✓", "true", "a bit", "yes!"])
def test_anything_but_no_in_a_question_column_is_a_yes(answer):
    hits = screen_cell(3, "bladder_bowel", answer)
    assert [h.category for h in hits] == ["bladder_bowel"] and hits[0].answered


@pytest.mark.parametrize("answer", ["", "no", "N", "n", " No ", "-", "0", "none"])
def test_a_plain_no_or_a_blank_in_a_question_column_is_no(answer):
    assert screen_cell(3, "bladder_bowel", answer) == []


def test_a_flag_word_in_the_wrong_column_is_still_caught():
    hits = screen_cell(7, "done", "bladder")
    assert [(h.row, h.column, h.category) for h in hits] == [(7, "done", "bladder_bowel")]
