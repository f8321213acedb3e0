"""Base classes of the panel's FAB screens.

:class:`PanelModelView` maps CRUD methods onto the read/write/delete permissions of
:mod:`app.security.permissions` and turns every refused save into a clear message while
keeping what the user typed; no database error text ever reaches the page.
"""

from __future__ import annotations

import logging

from flask import abort, flash, request
from flask_appbuilder import ModelView
from flask_appbuilder.fieldwidgets import Select2Widget
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.urltools import (
    get_filter_args,
    get_order_args,
    get_page_args,
    get_page_size_args,
)
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm.exc import StaleDataError
from wtforms import BooleanField, SelectField
from wtforms.validators import DataRequired, Optional

from app.extensions import db
from app.security.permissions import (
    CAN_DELETE,
    CAN_READ,
    CAN_WRITE,
    MODEL_VIEW_PERMISSIONS,
    READ_ONLY_VIEW_PERMISSIONS,
)
from app.services.errors import DomainError, integrity_message
from app.validators import ValidationError
from app.views.labels import enum_label, labels_for

log = logging.getLogger(__name__)

STALE_MESSAGE = _l(
    "This record was changed by someone else while you edited it. "
    "Reload it to see the current data; nothing was saved."
)


def _refusal(exc: Exception):
    """The message to show for an exception raised while saving, or None if unexpected."""
    db.session.rollback()
    if isinstance(exc, DomainError | ValidationError):
        return str(exc)
    cause = exc.__cause__ if exc.__cause__ is not None else exc
    if isinstance(cause, IntegrityError):
        return integrity_message(cause)
    if isinstance(cause, StaleDataError):
        return STALE_MESSAGE
    return None


class PanelModelView(ModelView):
    """CRUD screen with the panel's permission mapping and error handling."""

    method_permission_name = MODEL_VIEW_PERMISSIONS
    page_size = 25
    # Column labels come from the shared catalogue in app.views.labels.
    label_columns: dict = {}

    def __init__(self, **kwargs):
        columns = set(self.list_columns or []) | set(self.show_columns or [])
        columns |= set(self.add_columns or []) | set(self.edit_columns or [])
        columns |= set(self.search_columns or [])
        self.label_columns = {**labels_for(columns), **(self.label_columns or {})}
        self._enum_fields(columns)
        super().__init__(**kwargs)

    def _boolean_field(self, column: str) -> None:
        """A plain checkbox: FAB marks non-null booleans required, refusing "unchecked"."""
        sa_column = self.datamodel.list_columns[column]
        default = getattr(sa_column.default, "arg", False)
        label = self.label_columns.get(column, column)
        self.add_form_extra_fields.setdefault(column, BooleanField(label, default=bool(default)))
        self.edit_form_extra_fields.setdefault(column, BooleanField(label))

    def _enum_fields(self, columns: set[str]) -> None:
        """Select fields and list formatting with translated labels for enum columns.

        Enums are stored by value; FAB's own EnumField expects member names.
        """
        self.add_form_extra_fields = dict(self.add_form_extra_fields or {})
        self.edit_form_extra_fields = dict(self.edit_form_extra_fields or {})
        self.formatters_columns = dict(self.formatters_columns or {})
        self.search_form_extra_fields = dict(self.search_form_extra_fields or {})
        for column in columns:
            if self.datamodel.is_boolean(column):
                self._boolean_field(column)
                continue
            if not self.datamodel.is_enum(column):
                continue
            enum_cls = self.datamodel.list_columns[column].type.enum_class
            choices = [(m.value, enum_label(m)) for m in enum_cls]
            field = SelectField(
                self.label_columns.get(column, column),
                choices=choices,
                coerce=lambda v, e=enum_cls: e(v) if v not in (None, "") else None,
                validators=[DataRequired()],
                widget=Select2Widget(),
            )
            self.add_form_extra_fields.setdefault(column, field)
            self.edit_form_extra_fields.setdefault(column, field)
            self.formatters_columns.setdefault(column, enum_label)
            self.search_form_extra_fields.setdefault(
                column,
                SelectField(
                    self.label_columns.get(column, column),
                    choices=choices,
                    validators=[Optional()],
                    widget=Select2Widget(),
                ),
            )

    def _save_failed(self, exc: Exception) -> None:
        message = _refusal(exc)
        if message is None:
            log.exception("unexpected error saving %s", self.datamodel.obj.__name__)
            message = _l("The record could not be saved; nothing was changed.")
        flash(str(message), "danger")

    def _add(self):
        get_filter_args(self._filters, disallow_if_not_in_search=False)
        exclude_cols = self._filters.get_relation_cols()
        form = self.add_form.refresh()
        if request.method == "POST":
            self._fill_form_exclude_cols(exclude_cols, form)
            if form.validate():
                self.process_form(form, True)
                item = self.datamodel.obj()
                try:
                    form.populate_obj(item)
                    self.pre_add(item)
                    self.datamodel.add(item)
                except (DomainError, ValidationError, SQLAlchemyError) as exc:
                    self._save_failed(exc)
                else:
                    self.post_add(item)
                    flash(str(self.add_row_message), "success")
                    return None
        else:
            self.update_redirect()
        return self._get_add_widget(form=form, exclude_cols=exclude_cols)

    def _edit(self, pk):
        pages = get_page_args()
        page_sizes = get_page_size_args()
        orders = get_order_args()
        get_filter_args(self._filters, disallow_if_not_in_search=False)
        exclude_cols = self._filters.get_relation_cols()
        item = self.datamodel.get(pk, self._base_filters)
        if not item:
            abort(404)
        pk = self.datamodel.get_pk_value(item)
        if request.method == "POST":
            form = self.edit_form.refresh(request.form)
            self._fill_form_exclude_cols(exclude_cols, form)
            form._id = pk
            if form.validate():
                self.process_form(form, False)
                try:
                    form.populate_obj(item)
                    self.pre_update(item)
                    self.datamodel.edit(item)
                except (DomainError, ValidationError, SQLAlchemyError) as exc:
                    self._save_failed(exc)
                else:
                    self.post_update(item)
                    flash(str(self.edit_row_message), "success")
                    return None
        else:
            form = self.edit_form.refresh(obj=item)
            self.prefill_form(form, pk)
            self.update_redirect()
        widgets = self._get_edit_widget(form=form, exclude_cols=exclude_cols)
        return self._get_related_views_widgets(
            item, filters={}, orders=orders, pages=pages, page_sizes=page_sizes, widgets=widgets
        )

    def _delete(self, pk):
        item = self.datamodel.get(pk, self._base_filters)
        if not item:
            abort(404)
        try:
            self.pre_delete(item)
            self.datamodel.delete(item)
        except (DomainError, ValidationError, SQLAlchemyError) as exc:
            message = _refusal(exc)
            if message is None:
                log.exception("unexpected error deleting %s", self.datamodel.obj.__name__)
                message = _l("The record could not be deleted; nothing was changed.")
            flash(str(message), "danger")
        else:
            self.post_delete(item)
            flash(str(self.delete_row_message), "success")
            self.update_redirect()


class ReadOnlyModelView(PanelModelView):
    """A list/show screen; add, edit and delete are refused and their buttons hidden.

    ``base_permissions`` lists the permissions of the whole view menu, which other views
    and the API of the same entity share: FAB deletes from a view menu any permission a
    registering view does not declare.
    """

    method_permission_name = READ_ONLY_VIEW_PERMISSIONS
    base_permissions = [CAN_READ, CAN_WRITE, CAN_DELETE]


def interface(model) -> SQLAInterface:
    """FAB's data interface for a model, bound to the panel's session."""
    return SQLAInterface(model)
