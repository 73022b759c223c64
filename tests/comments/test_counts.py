"""Counts stay exact after any sequence of posts and status changes; reconcile_counts proves it and repairs drift."""

import pytest
from django.core.management import CommandError, call_command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from articles.models import Article
from comments.management.commands.reconcile_counts import count_drift
from comments.models import Comment
from comments.services.lifecycle import comment_transition
from comments.services.posting import comment_create
from tests.comments.conftest import make_article, new_client
from tests.factories import CommentFactory

STATUSES = [s.value for s in Comment.Status]

steps = st.lists(
    st.one_of(
        st.tuples(st.just("post"), st.integers(0, 1), st.integers(0, 30), st.booleans()),
        st.tuples(st.just("move"), st.integers(0, 30), st.sampled_from(STATUSES)),
    ),
    min_size=1,
    max_size=25,
)


@pytest.mark.django_db
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=steps)
def test_counts_match_rows_after_any_sequence(steps):
    articles = [make_article(), make_article()]
    made: list[Comment] = []
    for step in steps:
        if step[0] == "post":
            _, which, parent_index, held = step
            parents = [c for c in made if c.article_id == articles[which].pk]
            parent = parents[parent_index % len(parents)] if parents else None
            if parent is not None and Comment.objects.get(pk=parent.pk).status != Comment.Status.PUBLISHED:
                parent = None
            made.append(
                comment_create(
                    article=articles[which],
                    body=f"step {len(made)}",
                    client=new_client(),
                    author_name="R",
                    parent=parent,
                    signals={"honeypot": held},
                ).comment
            )
        elif made:
            _, index, status = step
            comment_transition(comment=made[index % len(made)], to_status=status, action=None)
    assert count_drift() == ([], [])
    for article in articles:
        article.refresh_from_db()
        assert article.comment_count == article.comments.filter(status="published").count()


@pytest.mark.django_db
def test_reconcile_reports_drift_with_a_failing_exit_and_fixes_it(capsys):
    article = make_article()
    root = CommentFactory(article=article)
    CommentFactory(parent=root)
    # two published rows, counted by the factory; then the stored counts drift back to zero behind its back
    Article.objects.filter(pk=article.pk).update(comment_count=0)
    Comment.objects.filter(pk=root.pk).update(reply_count=0)
    with pytest.raises(CommandError, match="2 count"):
        call_command("reconcile_counts")
    out = capsys.readouterr().out
    assert f"article {article.pk}: comment_count 0, rows say 2" in out
    assert f"comment {root.pk}: reply_count 0, rows say 1" in out

    call_command("reconcile_counts", "--fix")
    assert Article.objects.get(pk=article.pk).comment_count == 2
    assert Comment.objects.get(pk=root.pk).reply_count == 1
    call_command("reconcile_counts")
    assert "no drift" in capsys.readouterr().out
