"""Synthetic, clearly made-up spam/ham comment corpora (no third-party text), for the bootstrap model and benchmarks.

    python bench/spam_corpus.py bootstrap > comments/spam/data/bootstrap.csv
    python bench/spam_corpus.py eval --kind sms --seed 2 --n 2000 > /tmp/sms.csv

Each kind ("news" comments, "sms", "video" comments, "email") draws from its own phrase lists, so a model
trained on one seed and tested on another still meets sentences it has not seen word for word.
"""

import argparse
import csv
import random
import sys

TOPICS = [
    "the rail project", "the school reform", "the harbour expansion", "water prices", "the new museum",
    "bus timetables", "the heat wave", "the library hours", "night trains", "the river clean-up", "the budget",
    "the election", "the trade talks", "housing costs", "the hospital plan", "air quality", "the bridge repairs",
    "the football final", "pension reform", "the farm subsidies", "the port strike", "tuition fees",
]  # fmt: skip
HAM = {
    "news": [
        "I think {t} deserves more attention than this article gives it.",
        "Interesting piece on {t}, but the numbers in paragraph three look off to me.",
        "My neighbours have been talking about {t} for weeks. Glad someone finally wrote about it.",
        "Does anyone know when the council will vote on {t}?",
        "The author ignores how {t} affects people outside the capital.",
        "Good reporting. I would like a follow-up on {t} next month.",
        "I lived near the site for ten years and {t} was always a sore point.",
        "Not sure I agree. {t} has been debated since 2009 and nothing changed.",
        "Thanks for explaining {t} so clearly, my kids asked me about it yesterday.",
        "Why is nobody asking who pays for {t}?",
        "This is the third article about {t} this week, is there really nothing else happening?",
        "The photo caption is wrong, that is not the old station.",
        "Well written, although the headline overstates what the minister said about {t}.",
        "I work in the sector and {t} is more complicated than the quotes suggest.",
        "Can you publish the full report on {t}? A link to the source would help.",
        "Sad to read this. My grandfather used to tell stories about {t}.",
        "Finally some good news about {t}!",
        "We will see. Promises about {t} are cheap before an election.",
    ],
    "sms": [
        "hey are we still meeting at 7? bring the charger pls",
        "ok see you there, running 10 min late sorry",
        "Mum says dinner is at 6, don't forget to pick up bread",
        "did you watch the match last night? what a finish",
        "I'm at the station now, which exit are you at",
        "can you call me when you get this, nothing urgent",
        "thanks for yesterday, had a really nice time :)",
        "haha no way, tell me everything later",
        "lecture cancelled today, going to the library instead",
        "sorry missed your call, was driving. talk tonight?",
        "got the tickets! row 12, seats 4 and 5",
        "the plumber comes tomorrow between 8 and 12 so I'll work from home",
        "happy birthday!! hope you have a lovely day",
        "where did you put the spare keys",
        "ok np, I'll send the notes after class",
    ],
    "video": [
        "this song takes me back to summer {y}",
        "the guitar solo at 2:31 is unreal",
        "who is still listening in {y}?",
        "my dad showed me this band and now I can't stop playing it",
        "the drummer deserves more credit honestly",
        "I love how the video was shot in one take",
        "came here after hearing it on the radio, not disappointed",
        "this tutorial saved my project, thank you so much",
        "great explanation, the part about {t} finally clicked for me",
        "the live version is even better than the studio one",
    ],
    "email": [
        "Hi team, attached are the minutes from Tuesday's meeting about {t}. Please send corrections by Friday.",
        "Dear colleagues, the quarterly review is moved to room 4B. Agenda unchanged.",
        "Hello Anna, thanks for the draft. I left a few comments on section two.",
        "Reminder: the office will be closed on Monday for maintenance.",
        "Could you review the budget sheet before our call tomorrow? Thanks, Mark",
        "Please find the updated schedule for {t} below. Let me know if anything clashes.",
        "Following up on our conversation, I have booked the venue for the workshop.",
        "The server migration finished overnight; report any problems to the help desk.",
    ],
}
SPAM = {
    "news": [
        "Earn ${n} a week from home! No experience needed, visit {u} now",
        "Great article! Btw I make ${n} per month online, see how at {u}",
        "CHEAP MEDS WITHOUT PRESCRIPTION!!! ORDER AT {u}",
        "Best casino bonus of {y}: 200 free spins, register at {u}",
        "Lose 10 kg in 2 weeks with this one weird trick {u}",
        "Hot singles in your area are waiting for you {u}",
        "I was skeptical but this crypto robot doubled my savings. Join: {u}",
        "Buy followers and likes, cheapest prices guaranteed {u} contact {e}",
        "Need a loan? Instant approval, bad credit OK. Call {p}",
        "Replica watches and designer bags 90% off {u} {u2}",
        "Work from home and earn {n} dollars daily, WhatsApp {p}",
        "Click here to claim your free iPhone {u}",
    ],
    "sms": [
        "URGENT! You have won a {n} cash prize. Call {p} now to claim. T&Cs apply",
        "Congratulations! You've been selected for a free holiday. Reply YES to {s}",
        "FREE entry to win a new phone! Text WIN to {s}. Std msg rates apply",
        "Your account has been suspended. Verify now at {u}",
        "You have 1 unclaimed reward of £{n}. Claim before midnight: {u}",
        "PRIVATE! Your {y} statement shows {n} unredeemed points. Call {p}",
        "Final notice: your parcel is held, pay the £2 fee at {u}",
        "Get 50% off your next order with code SAVE50, shop now {u}. STOP to opt out",
        "Ringtone club: get the latest hits for free, text TONE to {s}",
        "Your mobile number won £{n} in our weekly draw! Call {p} to collect",
    ],
    "video": [
        "Check out my channel for more music!! subscribe plz {u}",
        "I'm giving away 1000 dollars to my subscribers, click {u}",
        "free robux generator {u} works {y}!!!",
        "Subscribe to me and I'll subscribe back :) {u}",
        "Want more views? Buy real youtube views cheap at {u}",
        "Hey guys, I'm a small artist, please check out my new song {u}",
        "win free gift cards here {u} {u2}",
        "Make money watching videos!! {u}",
    ],
    "email": [
        "Dear friend, I am a banker with an unclaimed sum of ${n} and need your help to transfer it. Reply to {e}",
        "Your mailbox is full. Log in at {u} to keep receiving messages.",
        "Increase your sales with our proven SEO services. Guaranteed first page on Google. {u}",
        "You are pre-approved for a credit line of ${n}. Apply at {u}",
        "Limited time offer: Rolex replicas from ${n}. Order at {u}",
        "Invoice #{n} overdue. Download the attached document at {u} to avoid penalties.",
        "Meet beautiful women tonight, no registration needed {u}",
        "Unsubscribe? Never! Best deals on pills: {u}",
    ],
}
DOMAINS = ["cash-now", "best-deal", "free-prize", "win-big", "easy-money", "promo-club", "top-offer", "lucky-draw"]
TLDS = ["com", "net", "ru", "xyz", "top", "info", "biz", "click"]
SHORT = ["bit.ly", "tinyurl.com", "cutt.ly", "goo.gl"]


def _url(r: random.Random) -> str:
    if r.random() < 0.3:
        return f"http://{r.choice(SHORT)}/{''.join(r.choices('abcdefghkmnpqrstuvwxyz23456789', k=6))}"
    host = f"{r.choice(DOMAINS)}{r.randint(1, 99)}.{r.choice(TLDS)}"
    path = r.choice(["", "/join", f"/offer?id={r.randint(1, 999)}"])
    return f"{r.choice(['http://', 'https://', 'www.', ''])}{host}{path}"


def _fill(template: str, r: random.Random) -> str:
    return template.format(
        t=r.choice(TOPICS),
        y=r.randint(2009, 2026),
        n=r.choice([100, 250, 500, 1000, 2000, 5000, 10000]),
        u=_url(r),
        u2=_url(r),
        e=f"{r.choice(['offers', 'agent', 'claims', 'info'])}{r.randint(1, 99)}@{r.choice(DOMAINS)}.{r.choice(TLDS)}",
        p=f"0{r.randint(7, 9)}{r.randint(0, 9)}{r.randint(0, 9)} {r.randint(100, 999)} {r.randint(1000, 9999)}",
        s=str(r.randint(80000, 89999)),
    )


def _vary(text: str, r: random.Random) -> str:
    if r.random() < 0.15:
        text = text.lower()
    if r.random() < 0.1:
        text = text.upper()
    if r.random() < 0.2:
        text += r.choice([" :)", " !!", " ...", " lol", "", " thanks"])
    return text


def rows(kinds: list[str], n: int, seed: int, spam_share: float = 0.3, half: int | None = None):
    """`half` 0/1 keeps only even/odd templates of each list (train on one half, test on the other)."""
    r = random.Random(seed)
    for _ in range(n):
        kind = r.choice(kinds)
        is_spam = r.random() < spam_share
        pool = (SPAM if is_spam else HAM)[kind]
        if half is not None:
            pool = pool[half::2] or pool
        yield _vary(_fill(r.choice(pool), r), r), "spam" if is_spam else "ham"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("what", choices=["bootstrap", "eval"])
    parser.add_argument("--kind", default="all", choices=["all", *HAM])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--half", type=int, choices=[0, 1], default=None)
    args = parser.parse_args()
    kinds = list(HAM) if args.kind == "all" else [args.kind]
    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow(["text", "label"])
    if args.what == "bootstrap":
        seen = set()
        for text, label in rows(list(HAM), 2000, seed=20240101, spam_share=0.4):
            if text not in seen and len(seen) < 400:
                seen.add(text)
                out.writerow([text, label])
    else:
        for text, label in rows(kinds, args.n, args.seed, half=args.half):
            out.writerow([text, label])


if __name__ == "__main__":
    main()
