"""Django's and allauth's own strings that show on our pages in other words than ours.

Listed here so that makemessages keeps them in our catalogue, whose translation wins over
the library's (LOCALE_PATHS comes first): docs/glossary.md says which words we use.
"""

from django.utils.translation import gettext_noop

OVERRIDDEN = [
    # Django's EmailField error: "adresse de courriel" → "adresse e-mail".
    gettext_noop("Enter a valid email address."),
]
