"""Base classes of the panel's FAB screens.

:class:`PanelModelView` maps CRUD methods onto the read/write/delete permissions of
:mod:`app.security.permissions`; :class:`SafeModelViewMixin` (also used by the security
screens) derives input rules from each column's type, turns every refused save into a
clear message while keeping what the user typed (no database error text ever reaches
the page), and refuses a save based on a stale version of the record.
"""

from __future__ import annotations

import logging

from flask import abort, flash, has_request_context, request
from flask_appbuilder import ModelView
from flask_appbuilder.exceptions import DatabaseException, FABException
from flask_appbuilder.models.sqla.interface import SQLAInterface, is_column_dotted
from flask_appbuilder.urltools import (
    get_filter_args,
    get_order_args,
    get_page_args,
    get_page_size_args,
)
from flask_babel import lazy_gettext as _l
from markupsafe import escape
from sqlalchemy import func, inspect, literal_column, select, text
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.exc import StaleDataError
from sqlalchemy.sql.expression import ClauseElement, Executable
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectField,
    StringField,
)
from wtforms.validators import DataRequired, Optional

from app.extensions import db
from app.models.base import is_versioned
from app.security.permissions import (
    CAN_DELETE,
    CAN_READ,
    CAN_WRITE,
    MODEL_VIEW_PERMISSIONS,
    READ_ONLY_VIEW_PERMISSIONS,
)
from app.services.errors import DomainError, integrity_message
from app.validators import ValidationError
from app.views.forms import (
    KnownChoices,
    MoneyRule,
    PanelSelect2Widget,
    PlainText,
    column_rules,
    fast_select_widgets,
)
from app.views.labels import enum_label, labels_for

log = logging.getLogger(__name__)

# Hidden field of the edit forms of versioned records: the version the form was read at.
VERSION_FIELD = "version"

STALE_MESSAGE = _l(
    "This record was changed by someone else while you edited it. "
    "Reload it to see the current data; nothing was saved."
)


def _refusal(exc: Exception):
    """The message to show for an exception raised while saving, or None if unexpected."""
    db.session.rollback()
    if isinstance(exc, DomainError | ValidationError):
        return str(exc)
    if isinstance(exc, FABException) and not isinstance(exc, DatabaseException):
        # FAB's own refusals (a role that still has users ...) carry a message for
        # people; its DatabaseException wraps driver text that must never be shown.
        return str(exc.args[0]) if exc.args else None
    cause = exc.__cause__ if exc.__cause__ is not None else exc
    if isinstance(cause, IntegrityError):
        return integrity_message(cause)
    if isinstance(cause, StaleDataError):
        return STALE_MESSAGE
    return None


def stale_message(item) -> str:
    """Say that ``item`` changed while it was being edited, and by whom when known."""
    from flask_babel import format_datetime
    from sqlalchemy import select

    from app.models import AuditLog

    identity = inspect(item).identity
    last = None
    if identity:
        last = db.session.scalar(
            select(AuditLog)
            .where(
                AuditLog.table_name == item.__tablename__,
                AuditLog.record_id == ",".join(str(i) for i in identity),
            )
            .order_by(AuditLog.id.desc())
            .limit(1)
        )
    if last is None or not last.username:
        return str(STALE_MESSAGE)
    return str(
        _l(
            "This record was changed by %(user)s at %(time)s while you edited it. "
            "Reload it to see the current data; nothing was saved.",
            user=last.username,
            time=format_datetime(last.at, "short"),
        )
    )


def escape_errors(form) -> None:
    """Escape the form's error messages before FAB's template shows them.

    FAB's form template prints each error through ``_()``, whose result Jinja marks
    safe: a message that quotes what was typed (``unknown attribute: <script>...``)
    would reach the page as HTML.
    """
    for field in form:
        field.errors = [escape(str(error)) for error in field.errors]


def _with_validator(field, validator):
    """A copy of the unbound WTForms ``field`` with one more validator."""
    kwargs = dict(field.kwargs)
    kwargs["validators"] = [*(kwargs.get("validators") or []), validator]
    return field.field_class(*field.args, **kwargs)


class SafeModelViewMixin:
    """Hardening for any FAB ``ModelView``: the panel's own screens and FAB's security ones.

    - every column gets the rules its type implies (no control characters or HTML tags,
      bounded text, integers the column can hold, sane dates, money as money), so a
      field nobody thought about cannot take hostile input;
    - a refused save shows a clear message and keeps what was typed; no database error
      text ever reaches the page (FAB's own ``_add``/``_delete`` flash it verbatim);
    - versioned records carry the version read in a hidden field, and a save based on
      a stale one is refused, so two people editing one record never overwrite each
      other silently.
    """

    def __init__(self, **kwargs):
        self._automatic_rules()
        self._version_field()
        super().__init__(**kwargs)

    # ------------------------------------------------------------- form building

    def _automatic_rules(self) -> None:
        """Add :func:`column_rules` to every column of the forms, :class:`KnownChoices`
        to multiple selects, and :class:`PlainText` to extra text fields."""
        self.validators_columns = {
            column: list(rules) for column, rules in (self.validators_columns or {}).items()
        }
        for column in set(self.add_columns or []) | set(self.edit_columns or []):
            if self.datamodel.is_relation_many_to_many(
                column
            ) or self.datamodel.is_relation_one_to_many(column):
                self.validators_columns.setdefault(column, []).append(KnownChoices())
                continue
            sa_column = self.datamodel.list_columns.get(column)
            if sa_column is None or not hasattr(sa_column, "type"):
                continue  # many-to-one relations (FAB checks those) and extra fields
            rules = self.validators_columns.setdefault(column, [])
            for rule in column_rules(sa_column):
                if isinstance(rule, MoneyRule) and any(isinstance(r, MoneyRule) for r in rules):
                    continue
                rules.append(rule)
        for name in ("add_form_extra_fields", "edit_form_extra_fields"):
            fields = dict(getattr(self, name, None) or {})
            for key, field in fields.items():
                field_class = getattr(field, "field_class", object)
                if issubclass(field_class, StringField):
                    # Passwords may hold any printable character, "<" included.
                    rule = PlainText(allow_markup=issubclass(field_class, PasswordField))
                    fields[key] = _with_validator(field, rule)
            setattr(self, name, fields)

    def _version_field(self) -> None:
        """A hidden field with the version the edit form was read at (versioned models)."""
        if not self.edit_columns or not is_versioned(self.datamodel.obj):
            return
        self.edit_form_extra_fields = {
            **(self.edit_form_extra_fields or {}),
            VERSION_FIELD: HiddenField(),
        }
        # A new list: add_columns and edit_columns are often the same list object.
        self.edit_columns = [*self.edit_columns, VERSION_FIELD]

    # ------------------------------------------------------------- saving

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
            if not form.validate():
                escape_errors(form)
            else:
                self.process_form(form, True)
                item = self.datamodel.obj()
                try:
                    form.populate_obj(item)
                    self.pre_add(item)
                    self.datamodel.add(item)
                except (DomainError, ValidationError, SQLAlchemyError, FABException) as exc:
                    self._save_failed(exc)
                else:
                    self.post_add(item)
                    flash(str(self.add_row_message), "success")
                    return None
        else:
            self.update_redirect()
        return self._get_add_widget(form=form, exclude_cols=exclude_cols)

    @staticmethod
    def _read_version(form) -> str | None:
        """The version the form was built from; None for records without a version."""
        if VERSION_FIELD not in form:
            return None
        return (form[VERSION_FIELD].data or "").strip()

    def _populate(self, form, item) -> None:
        """``form.populate_obj(item)`` without the version field.

        Setting the version attribute would make SQLAlchemy write that value instead of
        counting up; the field stays on the form to be shown again if the save fails.
        """
        version = form._fields.pop(VERSION_FIELD, None)
        try:
            form.populate_obj(item)
        finally:
            if version is not None:
                form._fields[VERSION_FIELD] = version

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
            if not form.validate():
                escape_errors(form)
            else:
                expected = self._read_version(form)
                if expected is not None and expected != str(item.version):
                    flash(stale_message(item), "danger")
                else:
                    self.process_form(form, False)
                    try:
                        self._populate(form, item)
                        self.pre_update(item)
                        self.datamodel.edit(item)
                    except (DomainError, ValidationError, SQLAlchemyError, FABException) as exc:
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
        except (DomainError, ValidationError, SQLAlchemyError, FABException) as exc:
            message = _refusal(exc)
            if message is None:
                log.exception("unexpected error deleting %s", self.datamodel.obj.__name__)
                message = _l("The record could not be deleted; nothing was changed.")
            flash(str(message), "danger")
        else:
            self.post_delete(item)
            flash(str(self.delete_row_message), "success")
            self.update_redirect()


class PanelModelView(SafeModelViewMixin, ModelView):
    """CRUD screen with the panel's permission mapping and error handling."""

    method_permission_name = MODEL_VIEW_PERMISSIONS
    page_size = 25
    # Relationship paths the list's columns read beyond its many-to-one columns (which
    # are loaded anyway), e.g. "access_point.city" when an access point prints its city.
    list_eager: tuple[str, ...] = ()
    # Relation search columns whose records are too many to list in a drop-down (FAB
    # renders every customer or contract into the search form): they take the record's
    # number instead, as the links from other screens already pass it.
    search_by_id: tuple[str, ...] = ()
    # Column labels come from the shared catalogue in app.views.labels.
    label_columns: dict = {}

    def __init__(self, **kwargs):
        columns = set(self.list_columns or []) | set(self.show_columns or [])
        columns |= set(self.add_columns or []) | set(self.edit_columns or [])
        columns |= set(self.search_columns or [])
        self.label_columns = {**labels_for(columns), **(self.label_columns or {})}
        self._enum_fields(columns)
        for column in self.search_by_id:
            self.search_form_extra_fields.setdefault(
                column,
                IntegerField(self.label_columns.get(column, column), validators=[Optional()]),
            )
        super().__init__(**kwargs)
        for form_class in (self.search_form, self.add_form, self.edit_form):
            if form_class is not None:
                fast_select_widgets(form_class)
        if isinstance(self.datamodel, PanelInterface):
            shown = [c for c in self.list_columns if self.datamodel.is_relation_many_to_one(c)]
            self.datamodel.list_eager = list(dict.fromkeys([*shown, *self.list_eager]))

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
                widget=PanelSelect2Widget(),
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
                    widget=PanelSelect2Widget(),
                ),
            )


class ReadOnlyModelView(PanelModelView):
    """A list/show screen; add, edit and delete are refused and their buttons hidden.

    ``base_permissions`` lists the permissions of the whole view menu, which other views
    and the API of the same entity share: FAB deletes from a view menu any permission a
    registering view does not declare.
    """

    method_permission_name = READ_ONLY_VIEW_PERMISSIONS
    base_permissions = [CAN_READ, CAN_WRITE, CAN_DELETE]


class Explain(Executable, ClauseElement):
    """``EXPLAIN (FORMAT JSON)`` of a statement, its parameters bound as usual."""

    inherit_cache = False

    def __init__(self, statement) -> None:
        self.statement = statement


@compiles(Explain, "postgresql")
def _compile_explain(element: Explain, compiler, **kw) -> str:
    return "EXPLAIN (FORMAT JSON) " + compiler.process(element.statement, **kw)


class PanelInterface(SQLAInterface):
    """FAB's data interface, with list pages whose cost does not grow with the table.

    FAB's own list query counts every matching row, reads a page with ``OFFSET`` and
    loads each related record shown in a column with a query of its own. Here:

    - the records the list shows (many-to-one columns, and the paths a view names in
      ``list_eager``) come in the page's query, so a page costs the same number of
      queries whatever it shows;
    - a deep page (``OFFSET`` past :attr:`DEFERRED_FROM` rows) first finds the ids of
      its rows (an index-only scan on PostgreSQL) and only then reads those rows,
      instead of reading and throwing away every row before it;
    - on PostgreSQL, a large unfiltered table is counted from the planner's statistics,
      and a filtered count stops at :attr:`COUNT_CAP` rows, above which the planner's
      estimate is used: pagination then shows an approximate number of pages, as a
      search engine does, instead of reading a million rows to number them. SQLite
      (the default install, a small ISP) always counts exactly.

    Calls with ``select_columns`` (the REST API) keep FAB's behaviour.
    """

    DEFERRED_FROM = 1_000
    ESTIMATE_ABOVE = 100_000
    COUNT_CAP = 10_000

    def __init__(self, obj, session=None) -> None:
        super().__init__(obj, session)
        # Relationship paths ("plan", "access_point.city") loaded with each page.
        self.list_eager: list[str] = []

    def query(
        self,
        filters=None,
        order_column="",
        order_direction="",
        page=None,
        page_size=None,
        select_columns=None,
        outer_default_load=False,
    ):
        """``(count, rows)`` of one list page; see the class for what differs from FAB."""
        if select_columns or is_column_dotted(order_column or ""):
            return super().query(
                filters,
                order_column,
                order_direction,
                page,
                page_size,
                select_columns,
                outer_default_load,
            )
        base = self.session.query(self.obj)
        if page is None and page_size is None:
            # Unpaged: every row is read (a form's drop-down of related records), so
            # they are their own count; counting them first would cost two statements.
            rows = self.apply_all(base, filters, order_column, order_direction)
            rows = rows.options(*self._eager_options()).all()
            return len(rows), rows
        count = self._count(base, filters)
        if page and page_size and page * page_size >= self.DEFERRED_FROM:
            ids = (
                self._apply_inner_all(
                    base, filters, order_column, order_direction, page, page_size, None, {}
                )
                .with_entities(self.get_pk())
                .subquery()
            )
            rows = self.session.query(self.obj).join(ids, self.get_pk() == ids.c[0])
            rows = self.apply_order_by(rows, order_column, order_direction, add_pk=True)
        else:
            rows = self.apply_all(base, filters, order_column, order_direction, page, page_size)
        return count, rows.options(*self._eager_options()).all()

    def get(self, id, filters=None, select_columns=None, outer_default_load=False):
        """FAB's read of one record, kept for the rest of the request (see
        :meth:`read_in_request`)."""
        item = super().get(id, filters, select_columns, outer_default_load)
        if item is not None and has_request_context():
            request.__dict__.setdefault("_panel_read", {})[(self.obj, str(id))] = item
        return item

    def read_in_request(self, id):
        """The record of ``id`` this request already read through :meth:`get`, or None."""
        if not has_request_context():
            return None
        return request.__dict__.get("_panel_read", {}).get((self.obj, str(id)))

    def _eager_options(self) -> list:
        options = []
        for path in self.list_eager:
            model, load = self.obj, None
            for name in path.split("."):
                attribute = getattr(model, name)
                load = joinedload(attribute) if load is None else load.joinedload(attribute)
                model = attribute.property.mapper.class_
            options.append(load)
        return options

    def _count(self, base, filters) -> int:
        if self.session.get_bind().dialect.name != "postgresql":
            return self.query_count(base, filters)
        if not filters or not filters.filters:
            estimate = self.session.scalar(
                text("SELECT reltuples::bigint FROM pg_class WHERE oid = CAST(:t AS regclass)"),
                {"t": self.obj.__table__.name},
            )
            if estimate is not None and estimate >= self.ESTIMATE_ABOVE:
                return int(estimate)
            return self.query_count(base, filters)
        matching = self._apply_inner_all(base, filters, aliases_mapping={})
        capped = matching.with_entities(literal_column("1")).limit(self.COUNT_CAP + 1).subquery()
        count = self.session.scalar(select(func.count()).select_from(capped))
        if count <= self.COUNT_CAP:
            return count
        plan = self.session.scalar(Explain(matching.with_entities(literal_column("1")).statement))
        return max(count, int(plan[0]["Plan"]["Plan Rows"]))


def interface(model) -> PanelInterface:
    """FAB's data interface for a model, bound to the panel's session."""
    return PanelInterface(model)
