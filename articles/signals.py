"""Keep cached fragments honest: any editor's change reaches readers at once (see articles/caching.py)."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone

from articles.caching import shared_fragments_invalidate
from articles.models import Article, ArticlePage, CuratedItem, CuratedList, Photo, RelatedLink, Section


@receiver([post_save, post_delete], sender=Article)
@receiver([post_save, post_delete], sender=Section)
@receiver([post_save, post_delete], sender=CuratedList)
@receiver([post_save, post_delete], sender=CuratedItem)
def _shared_content_changed(sender, **kwargs) -> None:
    shared_fragments_invalidate()


@receiver([post_save, post_delete], sender=ArticlePage)
@receiver([post_save, post_delete], sender=Photo)
@receiver([post_save, post_delete], sender=RelatedLink)
def _article_part_changed(sender, instance, **kwargs) -> None:
    # The article's content fragment is keyed by updated_at: a new value is a new key.
    Article.objects.filter(pk=instance.article_id).update(updated_at=timezone.now())
