"""Worker tasks on the "documents" queue. They import downward: the quote services enqueue them
after a change, never the other way round."""

from __future__ import annotations

from django.tasks import task

from psdesk.branding.document import content_hash
from psdesk.branding.services import document_store_now
from psdesk.quotes.documents import order_form_document
from psdesk.quotes.models import Quote


@task(queue_name="documents")
def order_form_render_task(quote_id: int) -> str:
    """Render the quote's order form as it is now and store it by content hash (nothing to do when
    that content is stored already); returns the content hash, or "" for a deleted quote."""
    quote = Quote.objects.select_related("opportunity__account").filter(pk=quote_id).first()
    if quote is None:
        return ""
    d = order_form_document(quote)
    document_store_now(document=d)
    return content_hash(d)
