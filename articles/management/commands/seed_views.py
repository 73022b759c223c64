"""Demo view histories: the seed page's "Most Popular" headlines get readers in the seed's order, other published
articles a little background noise, then one ranking pass ranks them (nothing is typed into the list).

Every view goes through the view store like a reader's (one distinct visitor per article per hour), over the
last 24 hours. Article k of the seed list (k = 0..9) gets (10 - k) * w readers in each hour, w = 3 in the last 6
hours and 2 before; a noise article gets at most 1 reader an hour, so it stays below the tenth (2 an hour at
least) in "Most read" and "Trending" alike. Re-running it in the same hour adds nothing (same visitors).
"""

import random

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from articles import ranking
from articles.models import Article
from articles.popularity.services import popular_rank
from articles.popularity.store import get_view_store
from articles.seed import SEED_FILE, load_seed_page

HOURS = 24
NOISE_ARTICLES = 300


def readers_per_hour(position: int, age_hours: int) -> int:
    return (10 - position) * (3 if age_hours < 6 else 2)


class Command(BaseCommand):
    help = "Give the seed page's Most Popular headlines view histories in the seed's order, add noise, rank once."

    def add_arguments(self, parser):
        parser.add_argument("--reset", action="store_true", help="forget every counted view first")

    def handle(self, *args, reset=False, **options):
        headlines = load_seed_page(SEED_FILE).most_popular.items
        by_headline = {a.headline: a.pk for a in Article.objects.published().filter(headline__in=headlines)}
        missing = [h for h in headlines if h not in by_headline]
        if missing:
            raise CommandError(f"run load_seed first: no published article for {missing}")
        store = get_view_store()
        if reset:
            store.clear()
        current = ranking.hour_of(timezone.now())
        views = 0
        for position, headline in enumerate(headlines):
            article_id = by_headline[headline]
            for age in range(HOURS):
                for reader in range(readers_per_hour(position, age)):
                    views += store.record(
                        article_id=article_id, visitor_ids=[f"seed:{position}:{reader}"], hour=current - age
                    )
        rng = random.Random(2013)
        latest = Article.objects.published().exclude(pk__in=by_headline.values()).order_by("-published_at", "-pk")
        others = latest.values_list("pk", flat=True)[:NOISE_ARTICLES]
        for article_id in others:
            for age in range(HOURS):
                if rng.random() < 0.3:
                    views += store.record(article_id=article_id, visitor_ids=[f"noise:{age}"], hour=current - age)
        result = popular_rank()
        self.stdout.write(f"{views} demo views counted; most read now: {result.site[ranking.MOST_READ]}")
