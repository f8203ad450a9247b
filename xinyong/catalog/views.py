"""Catalog pages (Art 18): the public catalog, and the console where catalog managers edit and publish it.

Public (no login): `/catalog/` lists the catalog in force by category, `/catalog/<code>/` shows one item with
its fields. Console (`Permission.MANAGE_CATALOG`, others get the 403 page): the versions of each tier, a
version's items, an item's fields; a draft's items can be added, edited and removed, and a draft published.
Every change goes through the services in `xinyong.catalog.services`, which audit it (Art 18, 19).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST

from xinyong.accounts.permissions import Permission, has_permission
from xinyong.catalog.forms import DraftForm, FieldForm, FieldFormSet, ItemForm, PublishForm
from xinyong.catalog.selectors import (
    item_current,
    item_fields,
    published_catalog,
    published_item,
    published_versions,
    version_get,
    version_item_get,
    version_items,
    versions_by_tier,
)
from xinyong.catalog.services import (
    PublishRefused,
    catalog_item_remove,
    catalog_item_save,
    catalog_version_create_draft,
    catalog_version_problems,
    catalog_version_publish,
    version_not_draft,
)
from xinyong.core.errors import NotFoundOrForbidden, ServiceError
from xinyong.web.views import staff_required

ITEM_ATTRIBUTES = (
    "name", "category", "conduct", "subject_kinds", "disclosure_class", "sharing_scope",
    "publication_period_parameter", "publication_note", "retention_parameter", "update_frequency",
    "submission_deadline_parameter", "legal_basis", "is_market_information", "rules", "providers",
)


# --- public -------------------------------------------------------------------------------------------------


def catalog_public(request):
    """The catalog in force, by category (Art 18: information is published according to the catalog)."""
    return render(
        request,
        "catalog/public_catalog.html",
        {"categories": published_catalog(), "versions": published_versions()},
    )


def catalog_public_item(request, code):
    try:
        item = item_current(code)
    except NotFoundOrForbidden:
        raise Http404 from None
    return render(request, "catalog/public_item.html", {"entry": published_item(item)})


# --- console ------------------------------------------------------------------------------------------------


def _require_manage(user) -> None:
    if not has_permission(user, Permission.MANAGE_CATALOG):
        raise PermissionDenied


def _version_or_404(pk: int):
    try:
        return version_get(pk)
    except NotFoundOrForbidden:
        raise Http404 from None


def _item_or_404(version, code: str):
    try:
        return version_item_get(version, code)
    except NotFoundOrForbidden:
        raise Http404 from None


def _version_url(version) -> str:
    return reverse("catalog_console:version", args=[version.pk])


def _versions_page(request, draft_form=None, status=200):
    return render(
        request,
        "catalog/console_versions.html",
        {"tiers": versions_by_tier(), "draft_form": draft_form or DraftForm()},
        status=status,
    )


@staff_required
def console_versions(request):
    _require_manage(request.user)
    return _versions_page(request)


@staff_required
@require_POST
def console_version_create(request):
    _require_manage(request.user)
    form = DraftForm(request.POST)
    if form.is_valid():
        try:
            version = catalog_version_create_draft(
                tier=form.cleaned_data["tier"], title=form.cleaned_data["title"], actor=request.user
            )
        except ServiceError as error:
            form.add_error(error.field if error.field in form.fields else None, str(error.message))
        else:
            messages.success(
                request,
                _("Draft v%(number)s is started as a copy of the version in force. Edit its items, then publish it.")
                % {"number": version.number},
            )
            return HttpResponseRedirect(_version_url(version))
    return _versions_page(request, draft_form=form)


@staff_required
def console_version(request, pk):
    _require_manage(request.user)
    version = _version_or_404(pk)
    problems = catalog_version_problems(version) if version.is_draft else []
    return render(
        request,
        "catalog/console_version.html",
        {"version": version, "items": version_items(version), "problems": problems},
    )


@staff_required
def console_item(request, pk, code):
    _require_manage(request.user)
    version = _version_or_404(pk)
    item = _item_or_404(version, code)
    return render(
        request,
        "catalog/console_item.html",
        {"version": version, "entry": published_item(item), "item": item},
    )


def _attach_error(error: ServiceError, form: ItemForm, formset, ordered_forms) -> None:
    """Show a service's refusal next to the field it concerns (`fields.<index>.<attribute>` for fields)."""
    target = error.field or ""
    message = str(error.message)
    if target.startswith("fields."):
        parts = target.split(".")
        index = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else -1
        attribute = parts[2] if len(parts) > 2 else None
        if 0 <= index < len(ordered_forms):
            field_form = ordered_forms[index]
            field_form.add_error(attribute if attribute in field_form.fields else None, message)
            return
        formset._non_form_errors = formset.error_class([message])
        return
    form.add_error(target if target in form.fields else None, message)


def _ordered_field_forms(formset) -> list[FieldForm]:
    """The filled-in, not deleted field forms, in the order their ORDER boxes give (then page order)."""
    chosen = [f for f in formset.forms if f.has_changed() or f.initial]
    chosen = [f for f in chosen if not f.cleaned_data.get("DELETE")]
    return sorted(
        chosen,
        key=lambda f: (f.cleaned_data.get("ORDER") is None, f.cleaned_data.get("ORDER") or 0, formset.forms.index(f)),
    )


@staff_required
@require_http_methods(["GET", "POST"])
def console_item_edit(request, pk, code=None):
    """Add an item to a draft (`code` None) or edit one: its attributes and its fields in one form."""
    _require_manage(request.user)
    version = _version_or_404(pk)
    item = _item_or_404(version, code) if code else None
    if not version.is_draft:
        messages.error(request, str(version_not_draft(version).message))
        if item is not None:
            return HttpResponseRedirect(reverse("catalog_console:item", args=[version.pk, item.code]))
        return HttpResponseRedirect(_version_url(version))

    if item is not None:
        initial = {name: getattr(item, name) for name in ITEM_ATTRIBUTES if name != "providers"}
        initial["category"] = item.category_id
        initial["code"] = item.code
        initial["providers"] = list(item.providers.all())
        field_initial = [
            FieldForm.initial_for(f) | {"ORDER": position}
            for position, f in enumerate(item_fields(item), start=1)
        ]
    else:
        initial, field_initial = {}, []

    if request.method == "POST":
        form = ItemForm(request.POST, initial=initial, editing=item is not None)
        formset = FieldFormSet(request.POST, initial=field_initial, prefix="fields")
        if form.is_valid() and formset.is_valid():
            ordered = _ordered_field_forms(formset)
            data = form.cleaned_data
            try:
                saved = catalog_item_save(
                    version=version,
                    code=item.code if item is not None else data["code"],
                    fields=[f.field_data() for f in ordered],
                    actor=request.user,
                    **{name: data[name] for name in ITEM_ATTRIBUTES},
                )
            except ServiceError as error:
                _attach_error(error, form, formset, ordered)
            else:
                messages.success(request, _("The item %(name)s is saved.") % {"name": saved.name})
                return HttpResponseRedirect(reverse("catalog_console:item", args=[version.pk, saved.code]))
        status = 400
    else:
        form = ItemForm(initial=initial, editing=item is not None)
        formset = FieldFormSet(initial=field_initial, prefix="fields")
        status = 200
    return render(
        request,
        "catalog/console_item_form.html",
        {"version": version, "item": item, "form": form, "formset": formset},
        status=status,
    )


@staff_required
@require_POST
def console_item_remove(request, pk, code):
    _require_manage(request.user)
    version = _version_or_404(pk)
    item = _item_or_404(version, code)
    try:
        catalog_item_remove(version=version, code=item.code, actor=request.user)
    except ServiceError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("The item %(name)s is removed from the draft.") % {"name": item.name})
    return HttpResponseRedirect(_version_url(version))


@staff_required
@require_http_methods(["GET", "POST"])
def console_version_publish(request, pk):
    """Check a draft and publish it after an explicit confirmation (POST)."""
    _require_manage(request.user)
    version = _version_or_404(pk)
    if not version.is_draft:
        messages.error(request, str(version_not_draft(version).message))
        return HttpResponseRedirect(_version_url(version))
    status = 200
    problems = catalog_version_problems(version)
    if request.method == "POST":
        form = PublishForm(request.POST)
        if form.is_valid():
            try:
                catalog_version_publish(
                    version=version, actor=request.user, effective_from=form.cleaned_data["effective_from"]
                )
            except PublishRefused as refused:
                problems = refused.problems
                for problem in problems:
                    if problem.field == "effective_from":
                        form.add_error("effective_from", str(problem.message))
            except ServiceError as error:
                form.add_error(None, str(error.message))
            else:
                messages.success(
                    request,
                    _("Version %(number)s is published and in force; the previous version is superseded.")
                    % {"number": version.number},
                )
                return HttpResponseRedirect(_version_url(version))
        status = 400
    else:
        form = PublishForm()
    return render(
        request,
        "catalog/console_publish.html",
        {
            "version": version,
            "form": form,
            "problems": [p for p in problems if p.field != "effective_from"],
            "item_count": version.items.count(),
        },
        status=status,
    )
