"""Subscription requests, the contact form and "Mes demandes".

A request belongs to the account that filed it: every page that shows one fetches it
through ``Inquiry.objects.for_user`` (404 otherwise). Attachments are served by a view to
their owner and to staff allowed to see requests, never under a public URL.
"""

from __future__ import annotations

from allauth.core import ratelimit
from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from accounts.http import AuthenticatedRequest
from core.decorators import subscriber_page
from core.files import private_file
from inquiries import services
from inquiries.forms import ContactForm, ReplyForm, SubscriptionForm
from inquiries.models import Attachment, Inquiry, InquiryKind

SESSION_KEY = "inquiries:filed"


def _too_many(request: HttpRequest, form: forms.Form) -> bool:
    """Per account and per IP (shared cache), then the daily business limit (database)."""
    action = "inquiry" if request.user.is_authenticated else "inquiry_anonymous"
    email = getattr(form, "cleaned_data", {}).get("email", "")
    if ratelimit.consume(request, action=action) and not services.over_daily_limit(
        user=request.user, email=email
    ):
        return False
    form.add_error(
        None,
        _(
            "You have sent many requests in a short time. For the Régie's security, "
            "please wait a few minutes and try again, or call us."
        ),
    )
    return True


def _filed(request: HttpRequest, inquiry: Inquiry) -> HttpResponse:
    request.session[SESSION_KEY] = inquiry.reference
    return redirect("inquiries:confirmation")


@subscriber_page
@require_http_methods(["GET", "HEAD", "POST"])
def subscription(request: AuthenticatedRequest) -> HttpResponse:
    form = SubscriptionForm(request.POST or None, initial={"email": request.user.email})
    status = 200
    if request.method == "POST":
        if form.is_valid() and not _too_many(request, form):
            inquiry = services.file_inquiry(
                InquiryKind.SUBSCRIPTION,
                form.inquiry_fields(),
                form.cleaned_data["message"],
                user=request.user,
            )
            return _filed(request, inquiry)
        status = 429 if form.non_field_errors() else 200
    return render(request, "inquiries/subscription.html", {"form": form}, status=status)


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def contact(request: HttpRequest) -> HttpResponse:
    """The Régie's contact details, and a form to write to it (accounts and visitors)."""
    form = ContactForm(request.POST or None, request.FILES or None, user=request.user)
    status = 200
    if request.method == "POST":
        if form.is_valid() and not _too_many(request, form):
            data = form.cleaned_data
            fields = {"subject": data["subject"], "contract": data.get("contract")}
            if "email" in data:
                fields["email"] = data["email"]
            inquiry = services.file_inquiry(
                InquiryKind.CONTACT,
                fields,
                data["message"],
                user=request.user,
                attachment=form.checked_attachment,
            )
            return _filed(request, inquiry)
        form.add_reattach_notice(request)
        status = 429 if form.non_field_errors() else 200
    return render(request, "portal/contact.html", {"form": form}, status=status)


@never_cache
@require_safe
def confirmation(request: HttpRequest) -> HttpResponse:
    reference = request.session.get(SESSION_KEY)
    inquiry = Inquiry.objects.filter(reference=reference).first() if reference else None
    if inquiry is None:
        return redirect("inquiries:list" if request.user.is_authenticated else "contact")
    return render(request, "inquiries/confirmation.html", {"inquiry": inquiry})


@subscriber_page
@require_safe
def inquiry_list(request: AuthenticatedRequest) -> HttpResponse:
    inquiries = Inquiry.objects.for_user(request.user).order_by("-created_at")
    return render(request, "inquiries/list.html", {"inquiries": inquiries})


@subscriber_page
@require_http_methods(["GET", "HEAD", "POST"])
def detail(request: AuthenticatedRequest, reference: str) -> HttpResponse:
    inquiry = get_object_or_404(
        Inquiry.objects.for_user(request.user).select_related("commune", "contract"),
        reference=reference,
    )
    form = ReplyForm(request.POST or None, request.FILES or None) if inquiry.is_open else None
    if request.method == "POST":
        if form is None:
            messages.error(request, _("This request is closed: write a new message instead."))
            return redirect("inquiries:detail", reference=inquiry.reference)
        if form.is_valid():
            if ratelimit.consume(request, action="inquiry_message"):
                services.add_subscriber_message(
                    inquiry, form.cleaned_data["message"], form.checked_attachment
                )
                messages.success(request, _("Your message has been sent to the Régie."))
                return redirect("inquiries:detail", reference=inquiry.reference)
            form.add_error(
                None, _("Too many messages in a short time: try again in a few minutes.")
            )
        form.add_reattach_notice(request)
    thread = inquiry.messages.prefetch_related("attachments").order_by("created_at", "pk")
    context = {"inquiry": inquiry, "thread": thread, "form": form}
    return render(request, "inquiries/detail.html", context)


@subscriber_page
@require_safe
def attachment(request: AuthenticatedRequest, reference: str, pk: int) -> HttpResponseBase:
    """The file, as a download, to the request's owner or to staff who may see requests."""
    if request.user.is_staff and request.user.has_perm("inquiries.view_inquiry"):
        visible = Attachment.objects.all()
    else:
        visible = Attachment.objects.filter(inquiry__in=Inquiry.objects.for_user(request.user))
    item = visible.filter(pk=pk, inquiry__reference=reference).first()
    if item is None:
        raise Http404("No such attachment")
    return private_file(
        item.file,
        item.original_name,
        content_type=item.content_type,
        inline=False,
        sandbox=True,
    )
