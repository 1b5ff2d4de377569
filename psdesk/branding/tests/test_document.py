from __future__ import annotations

import pytest

from psdesk.branding.document import content_problems, display_name, items_of, tidy
from psdesk.branding.models import VendorProfile
from psdesk.branding.selectors import vendor_get, vendor_profile_get


def test_the_customer_text_check_names_internal_keys_doubled_punctuation_and_placeholders() -> None:
    assert content_problems("Discovery workshop (Remote): 16 hours.\nGitLab Inc. (Vendor)") == []
    assert content_problems("Scope: impl_discovery 16") == ["internal key 'impl_discovery'"]
    assert content_problems("entered into by GitLab Inc..") == ["doubled punctuation in 'entered into by GitLab Inc..'"]
    assert content_problems("Dear {customer},") == ["unfilled placeholder in 'Dear {customer},'"]
    assert content_problems("Hello {{ name }}") == ["unfilled placeholder in 'Hello {{ name }}'"]


def test_internal_keys_read_as_their_description_and_lists_split_by_line() -> None:
    assert display_name("impl_discovery", "Discovery and architecture design workshop") == (
        "Discovery and architecture design workshop"
    )
    assert display_name("mig_pm", "") == "Mig pm"
    assert display_name("Install GitLab", "ignored") == "Install GitLab"
    assert tidy("GitLab Inc..  done") == "GitLab Inc. done"
    assert items_of("CI/CD pipeline conversion\n- Jenkins decommissioning\n\n") == [
        "CI/CD pipeline conversion",
        "Jenkins decommissioning",
    ]


@pytest.mark.django_db
def test_the_vendor_profile_is_seeded_and_read_by_documents() -> None:
    assert VendorProfile.objects.count() == 1
    p = vendor_profile_get()
    p.legal_name, p.address = "Example Vendor Ltd", "1 Main Street\n\nSpringfield"
    p.save()
    v = vendor_get()
    assert (v.legal_name, v.address_lines, v.logo_data_uri) == (
        "Example Vendor Ltd",
        ("1 Main Street", "Springfield"),
        "",
    )
