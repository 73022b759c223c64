from django.core.management.base import BaseCommand

from articles.popularity.services import popular_rank


class Command(BaseCommand):
    help = "One Most Popular ranking pass now (what the beat job does every minute): reads views, stores the snapshot."

    def handle(self, *args, **options):
        result = popular_rank()
        self.stdout.write(
            f"ranked {result.published} published of {result.candidates} viewed articles into {result.lists} lists; "
            f"most read: {result.site['most_read']}; trending: {result.site['trending']}"
        )
