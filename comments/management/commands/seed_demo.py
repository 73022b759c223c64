"""Synthetic volume for demos and benchmarks: `seed_demo --articles N --comments M [--pending P] [--if-empty]`.

Lives in the comments app because it makes both articles and comments (comments depend on articles, never the
reverse). The seed article is loaded first, so it stays the first row, and it gets no demo comments.
"""

import random

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from articles.demo import demo_articles_create, demo_articles_exist
from comments.services.demo import demo_comments_create


class Command(BaseCommand):
    help = "Create clearly synthetic ([demo]) articles and comments in bulk, with a progress bar."

    def add_arguments(self, parser):
        parser.add_argument("--articles", type=int, default=0, help="demo articles to add")
        parser.add_argument("--comments", type=int, default=0, help="demo comments to add (on demo articles)")
        parser.add_argument("--pending", type=int, default=0, help="how many of the comments are held (pending)")
        parser.add_argument("--if-empty", action="store_true", help="do nothing when demo articles exist already")
        parser.add_argument("--seed", type=int, default=2013, help="random seed (same seed, same text)")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args, **options):
        articles, comments, pending = options["articles"], options["comments"], options["pending"]
        if min(articles, comments, pending) < 0:
            raise CommandError("counts cannot be negative")
        if pending > comments:
            raise CommandError("--pending cannot exceed --comments")
        if options["if_empty"] and demo_articles_exist():
            self.stdout.write("Demo data is there already (--if-empty): nothing to do.")
            return
        call_command("load_seed", stdout=self.stdout)
        rng = random.Random(options["seed"])
        quiet = options["no_progress"]

        with tqdm(total=articles, desc="articles", unit="art", disable=quiet or not articles) as bar:
            made_articles = demo_articles_create(count=articles, rng=rng, progress=bar.update)
        try:
            with tqdm(total=comments, desc="comments", unit="cmt", disable=quiet or not comments) as bar:
                made_comments = demo_comments_create(count=comments, pending=pending, rng=rng, progress=bar.update)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Demo data: {made_articles} articles and {made_comments} comments added ({pending} pending)."
        )
