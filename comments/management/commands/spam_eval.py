"""Train a fresh spam text model on one labelled CSV and measure it on another.

    python manage.py spam_eval --train A.csv --test B.csv

CSV columns `text,label` (label spam|ham; other columns ignored; quoted fields, a UTF-8 BOM are fine; bad rows
are counted and skipped). Training goes through the same code as production's full retrain
(comments.spam.learning.train_full) with no bootstrap data, as if moderators had decided every row of A.
"""

import time

from django.core.management.base import BaseCommand, CommandError

from comments.spam.learning import CsvLabels, evaluate, read_labelled_csv, train_full


def _read(path: str) -> CsvLabels:
    try:
        with open(path, encoding="utf-8-sig", errors="replace", newline="") as f:
            return read_labelled_csv(f)
    except OSError as exc:
        raise CommandError(f"cannot read {path}: {exc}") from exc
    except ValueError as exc:
        raise CommandError(f"{path}: {exc}") from exc


class Command(BaseCommand):
    help = "Train a fresh spam model on --train and report precision, recall, F1 and ROC-AUC on --test."

    def add_arguments(self, parser):
        parser.add_argument("--train", required=True, help="CSV with columns text,label (spam|ham)")
        parser.add_argument("--test", required=True, help="CSV with columns text,label (spam|ham)")

    def handle(self, *args, train: str, test: str, **options):
        a, b = _read(train), _read(test)
        if len(set(a.labels)) < 2:
            raise CommandError(f"{train}: need both spam and ham rows to train ({len(a.labels)} usable rows)")
        if not b.labels:
            raise CommandError(f"{test}: no usable rows")
        started = time.perf_counter()
        model = train_full(a.texts, a.labels)
        trained_in = time.perf_counter() - started
        started = time.perf_counter()
        metrics = evaluate(model, b.texts, b.labels)
        scored_in = time.perf_counter() - started
        auc = "n/a (one class in test)" if metrics["auc"] is None else f"{metrics['auc']:.4f}"
        out = self.stdout.write
        out(f"train: {len(a.labels)} rows ({sum(a.labels)} spam), {a.bad_rows} bad rows skipped, {trained_in:.1f} s")
        out(f"test:  {len(b.labels)} rows ({sum(b.labels)} spam), {b.bad_rows} bad rows skipped")
        out(f"precision: {metrics['precision']:.4f}")
        out(f"recall:    {metrics['recall']:.4f}")
        out(f"F1:        {metrics['f1']:.4f}")
        out(f"ROC-AUC:   {auc}")
        out(f"texts per second: {len(b.texts) / max(scored_in, 1e-9):.0f}")
