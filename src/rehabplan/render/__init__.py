"""Program -> patient handout (HTML for a browser, PDF for print).

    from rehabplan.render.html import render_html   # no WeasyPrint needed
    from rehabplan.render.pdf import render_pdf, Renderer

``render.html`` builds the page from the templates in ``templates/`` (a clinic's folder may
override any of them by name); ``render.pdf`` lays it out with WeasyPrint, which is imported
only when a PDF is made; ``render.chart`` and ``render.qr`` draw the SVGs the page embeds.
"""
