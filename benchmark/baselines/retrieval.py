"""The ``retrieval`` baseline: for each field, the sentences closest to a description of it.

Every article is split into sentences (``scorers.sentences.split_sentences``)
and embedded with the bundled all-MiniLM-L6-v2 sentence encoder
(``scorers.similarity.load_encoder().sentence_embeddings``, the same model
the scorer uses). Each field has a plain-language description
(``FIELD_DESCRIPTIONS``); the ``TOP_K[field]`` sentences of each article with
the highest cosine similarity to it are retrieved, in the article's order, and
turned into items:

* attendees: every person named in the attendee sentences (the ``rules``
  name patterns, without its presence and exclusion checks);
* venue and time: the ``rules`` extractors, run on the venue and time
  sentences only (both on both, as a sentence saying when often says where);
* demands and stakes: each retrieved sentence is one item, its text the
  sentence and its party the sentence's subject (``rules.subject_party``);
  a sentence whose subject is no known party is dropped.

For ``event`` the sentences of all five articles are retrieved article by
article (``TOP_K`` each) and pooled. Similarities are rounded to 4 decimals
before ranking, and ties go to the earlier sentence, so that tiny numerical
differences between machines cannot reorder the output.
"""

from __future__ import annotations

from benchmark.baselines import rules
from benchmark.data import Article
from benchmark.schema import PartyItem, Summary
from scorers.sentences import split_sentences

DESCRIPTION = (
    "Sentence retrieval: for each field, the article sentences most similar (all-MiniLM-L6-v2 embeddings, cosine) "
    "to a description of the field, turned into items with the rules baseline's name, place and time patterns; "
    "demands and stakes are the retrieved sentences themselves."
)
MODEL = "all-MiniLM-L6-v2"

FIELD_DESCRIPTIONS: dict[str, str] = {
    "attendees": "officials who travelled to the summit, attended the meeting or are part of a delegation",
    "venue": "the place where the summit meeting is held: a base, a city and a state",
    "time": "the day and the clock time at which the summit meeting begins",
    "demands": "a party demands or insists on a condition for a ceasefire or a peace deal",
    "stakes": "what a country stands to gain or lose from the summit: a benefit, a cost or a threat",
}
# Sentences retrieved per article and field: a few for the slot fields, more
# for the list fields, which have several items per article.
TOP_K: dict[str, int] = {"attendees": 4, "venue": 3, "time": 3, "demands": 4, "stakes": 4}
_SIMILARITY_DECIMALS = 4


def _retrieve(article: Article) -> dict[str, list[rules.Sentence]]:
    """The top sentences of one article for every field, in the article's order.

    The key ``"venue+time"`` holds the union of the venue and time sentences: a
    sentence that says when often says where too ("at the base at 1900 GMT"),
    so both extractors read both.
    """
    from scorers.similarity import load_encoder

    texts = split_sentences(article.text)
    encoder = load_encoder()
    similarities = encoder.sentence_embeddings(list(FIELD_DESCRIPTIONS.values())) @ encoder.sentence_embeddings(texts).T
    chosen: dict[str, list[int]] = {}
    for row, field in enumerate(FIELD_DESCRIPTIONS):
        scores = [round(float(value), _SIMILARITY_DECIMALS) for value in similarities[row]]
        ranked = sorted(range(len(texts)), key=lambda index: (-scores[index], index))
        chosen[field] = sorted(ranked[: TOP_K[field]])
    chosen["venue+time"] = sorted(set(chosen["venue"]) | set(chosen["time"]))
    return {field: [rules.Sentence(article.id, texts[index]) for index in indices] for field, indices in chosen.items()}


def _sentence_items(sentences: list[rules.Sentence]) -> list[PartyItem]:
    items: list[PartyItem] = []
    for sentence in sentences:
        party = rules.subject_party(sentence.text)
        if party is not None and all(item.text != sentence.text for item in items):
            items.append(PartyItem(party=party, text=sentence.text))
    return items


def summarize(instance_id: str, sources: tuple[Article, ...]) -> Summary:
    """Summarise the articles of one instance from the sentences retrieved for each field."""
    del instance_id  # retrieval reads the text only
    pooled: dict[str, list[rules.Sentence]] = {}
    for article in sources:
        for field, sentences in _retrieve(article).items():
            pooled.setdefault(field, []).extend(sentences)
    venue = rules.extract_venue(pooled["venue+time"])
    return Summary(
        attendees=rules.named_people(pooled["attendees"]),
        venue=venue,
        time=rules.extract_time(pooled["venue+time"], venue),
        demands=_sentence_items(pooled["demands"]),
        stakes=_sentence_items(pooled["stakes"]),
    )
