from django import forms
from django.utils.translation import gettext_lazy as _

from xinyong.core.text import TextField


class ExportRequestForm(forms.Form):
    reason = TextField(label=_("Why the export is needed"), max_length=2000, multiline=True,
                       widget=forms.Textarea(attrs={"rows": 3}),
                       help_text=_("Told to the colleague who approves it, and kept in the audit log."))


class ExportDecisionForm(forms.Form):
    decision = forms.ChoiceField(label=_("Decision"), widget=forms.RadioSelect,
                                 choices=[("approve", _("Approve the export")), ("refuse", _("Refuse the export"))])
    note = TextField(label=_("Note"), max_length=2000, required=False, multiline=True,
                     widget=forms.Textarea(attrs={"rows": 2}),
                     help_text=_("Required when you refuse: the requester is told why."))
