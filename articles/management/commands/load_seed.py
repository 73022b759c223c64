"""Load the seed article page (articles/fixtures/seed_article.txt) and its lists. Run it as often as you like."""

from django.core.management.base import BaseCommand

from articles.seed import SEED_FILE, load_seed_page
from articles.services import seed_load


class Command(BaseCommand):
    help = "Load the seed article and the headlines of its page (idempotent: a second run changes nothing)."

    def handle(self, *args, **options):
        article = seed_load(seed=load_seed_page(SEED_FILE))
        self.stdout.write(f"Seed article loaded: {article.headline} -> {article.get_absolute_url()}")
