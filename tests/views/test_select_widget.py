"""The panel's Select2 drop-down writes the same HTML as FAB's, faster."""

from __future__ import annotations

from flask_appbuilder.fieldwidgets import Select2Widget
from wtforms import Form, SelectField

from app.views.forms import PanelSelect2Widget, fast_select_widgets

CHOICES = [
    ("__None", ""),
    ("1", 'POP <Centro> & "Norte"'),
    ("2", "Cidade 2/RN"),
    ("3", "Fibra 300 Mega 'Plus'"),
    ("4", None),  # no label: the value is shown
]


def _render(widget, data) -> str:
    class Choosing(Form):
        place = SelectField("Place", choices=CHOICES, widget=widget)

    form = Choosing(data={"place": data})
    return str(form.place())


def test_same_html_as_fab_with_escaping_and_selection(app):
    with app.test_request_context():
        for data in (None, "1", "3", "4"):
            assert _render(PanelSelect2Widget(), data) == _render(Select2Widget(), data)
        html = _render(PanelSelect2Widget(), "1")
    assert "&lt;Centro&gt; &amp; &#34;Norte&#34;" in html
    assert '<option selected value="1">' in html
    assert html.count("selected") == 1


def test_forms_built_by_fab_get_the_fast_widget(app):
    class Built(Form):
        place = SelectField("Place", choices=CHOICES, widget=Select2Widget(extra_classes="x"))
        other = SelectField("Other", choices=CHOICES)

    fast_select_widgets(Built)

    widget = Built.place.kwargs["widget"]
    assert type(widget) is PanelSelect2Widget and widget.extra_classes == "x"
    assert "widget" not in Built.other.kwargs  # a plain select is left as it is
    with app.test_request_context():
        assert 'class="my_select2 form-control x"' in str(Built().place())


def test_list_screens_use_it(app):
    from app.views.plans import SubscriptionListView

    view = next(v for v in app.appbuilder.baseviews if isinstance(v, SubscriptionListView))
    assert type(view.search_form.plan.kwargs["widget"]) is PanelSelect2Widget
