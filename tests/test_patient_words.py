"""Patient files and roster rows as clinics write them: choices in any case, everyday names of
equipment, and dates in ISO or the clinic's `date_format` (an ambiguous date names the format
expected)."""

from __future__ import annotations

import datetime as dt

import pytest

from rehabplan.errors import PatientError
from rehabplan.models.patient import DATE_FORMAT, parse_date
from rehabplan.sources.patients import patient_from_row

pytestmark = pytest.mark.slow  # whole-handout renders or long runs: make test-fast skips them

ROW = {"id": "R1", "name": "Rae Row", "protocol": "Deep-Gluteal-Syndrome", "start_date": "2027-01-12", "side": "Left"}


def test_choices_in_a_roster_row_are_read_in_any_case():
    patient = patient_from_row({**ROW, "irritability": "HIGH", "age_band": "Older"}, "roster.csv", 2)
    assert (patient.protocol, patient.side.value, patient.irritability.value, patient.age_band.value) == (
        "deep-gluteal-syndrome",
        "left",
        "high",
        "older",
    )


@pytest.mark.parametrize(
    ("said", "means"),
    [
        ("Theraband", "band"),
        ("resistance band", "band"),
        ("Dumbbells", "weight"),
        ("kettlebell", "weight"),
        ("ankle weights", "weight"),
    ],
)
def test_everyday_equipment_names_mean_the_librarys_word(said, means):
    assert [e.value for e in patient_from_row({**ROW, "equipment": said}, "roster.csv", 2).equipment] == [means]


def test_a_uk_spreadsheet_date_is_refused_under_iso_naming_the_expected_format():
    with pytest.raises(PatientError) as caught:
        patient_from_row({**ROW, "start_date": "12/01/2027"}, "roster.csv", 3)
    said = str(caught.value.problems[0])
    assert "YYYY-MM-DD" in said and "date_format: dmy" in said and "2027-01-12 if day/month" in said


def test_the_clinics_date_format_reads_local_dates():
    assert parse_date("12/01/2027", "dmy") == dt.date(2027, 1, 12)
    assert parse_date("12/01/2027", "mdy") == dt.date(2027, 12, 1)
    assert parse_date("2027-01-12", "dmy") == dt.date(2027, 1, 12)  # ISO always works
    token = DATE_FORMAT.set("dmy")
    try:
        assert patient_from_row({**ROW, "start_date": "25/12/2026"}, "roster.csv", 2).start_date == dt.date(2026, 12, 25)
    finally:
        DATE_FORMAT.reset(token)
    with pytest.raises(ValueError, match="DD/MM/YYYY"):
        parse_date("31/02/2027", "dmy")


def test_a_patient_read_again_keeps_its_choices():
    patient = patient_from_row({**ROW, "equipment": "band, dumbbells"}, "roster.csv", 2)
    again = type(patient).model_validate(patient.model_dump())
    assert again == patient and [e.value for e in again.equipment] == ["band", "weight"]


def test_a_roster_reads_dates_in_the_clinics_format(tmp_path):
    from rehabplan.bulk.run import bulk_build

    (tmp_path / "rehabplan.yaml").write_text("date_format: dmy\n")
    roster = tmp_path / "roster.csv"
    roster.write_text("id,name,protocol,start_date,side\nR1,Rae Row,deep-gluteal-syndrome,12/01/2027,left\n", encoding="utf-8")
    report = bulk_build(roster, tmp_path / "out", formats=("json",), config=tmp_path / "rehabplan.yaml", jobs=1)
    assert [o.status for o in report.outcomes] == ["built"], [o.reason for o in report.outcomes]
    assert '"start_date": "2027-01-12"' in next((tmp_path / "out").glob("*.json")).read_text()
