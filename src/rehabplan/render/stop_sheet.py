"""The one-page sheet `rehabplan adjust --handout` writes instead of a new plan after an urgent
red flag: stop the exercises and get assessed today, with the emergency number and the clinic."""

from __future__ import annotations

import html
from pathlib import Path

from rehabplan.models import Program

PAGE_CSS = """
@page { size: A4; margin: 22mm 20mm; }
body { font-family: "Atkinson Hyperlegible", "DejaVu Sans", sans-serif; font-size: 16pt; line-height: 1.4; color: #000; }
h1 { font-size: 26pt; margin: 0 0 8mm; }
.box { border: 3pt solid #b00020; padding: 6mm 7mm; margin: 0 0 8mm; }
.number { font-size: 30pt; font-weight: bold; }
p { margin: 0 0 5mm; }
.small { font-size: 13pt; }
"""


def stop_sheet_html(program: Program, emergency: str, emergency_place: str, clinic_name: str, clinic_phone: str | None) -> str:
    e = html.escape
    name = e(program.patient.name)
    clinic = e(clinic_name) + (
        f", phone <strong>{e(clinic_phone)}</strong>" if clinic_phone else " (its phone number is on the front of your plan)"
    )
    clinician = f" ({e(program.patient.clinician)})" if program.patient.clinician else ""
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Stop your exercises and get checked today</title>
<meta name="author" content="{e(clinic_name)}"><style>{PAGE_CSS}</style></head>
<body>
<h1>{name}: stop your exercises and get checked today</h1>
<div class="box">
<p>What you wrote in your log can be a sign of a rare but serious problem with the nerves in your back.</p>
<p><strong>Stop doing your exercises.</strong> Get checked by a doctor today. Do not wait for your next appointment.</p>
<p>Call <span class="number">{e(emergency)}</span> or go to {e(emergency_place)} now if you have any of these:
numbness between your legs or around your bottom; trouble peeing or controlling your bladder or bowel;
new or worse weakness or numbness in both legs.</p>
</div>
<p>Your clinic: {clinic}{clinician}. We will also try to contact you today.</p>
<p class="small">Start your exercises again only when your doctor or clinician says it is safe. Your clinician
will give you a new plan.</p>
</body></html>"""


def write_stop_sheet(program: Program, config, target: Path, force: bool) -> Path:
    from weasyprint import HTML

    from rehabplan.outputs.files import atomic_write
    from rehabplan.render.html import _emergency_place

    page = stop_sheet_html(
        program,
        config.emergency,
        _emergency_place(config.locale),
        config.clinic.name,
        config.clinic.phone,
    )
    data = HTML(string=page).write_pdf(pdf_variant="pdf/ua-1", pdf_tags=True, pdf_identifier=False)
    return atomic_write(target, data, force)
