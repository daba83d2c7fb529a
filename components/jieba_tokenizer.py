"""JiebaTokenizer that reads Traditional characters and typing slips as the
words meant, reduces English words to their stems, and drops
whitespace-only tokens.

The text is simplified and corrected first (components/spelling.py keeps
its length, so token positions still point into the user's own text).
jieba emits " " as a token of its own; the featurizers then see empty words
and, for some inputs, crash (rasa issue #7910). The user dictionary is loaded
by the stock tokenizer from `dictionary_path`.
"""

from __future__ import annotations

import re
from typing import List, Text

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.tokenizers.jieba_tokenizer import JiebaTokenizer
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.shared.nlu.training_data.message import Message

from components import spelling


EMPTY_TOKEN = "__empty__"
_ENGLISH_WORD = re.compile(r"[A-Za-z]+")


def english_stem(word: str) -> str:
    """An English word without its ending, the same way in training and at
    run time ("scammed" / "scam", "paying" / "pay", "accounts" / "account"):
    the training data has a few English lines per intent, and users write
    other forms of the same words. Other tokens are kept as they are."""
    if not _ENGLISH_WORD.fullmatch(word):
        return word
    word = word.lower()
    for ending in ("ing", "ed", "es", "s"):
        if word.endswith(ending) and len(word) - len(ending) >= 3:
            word = word[:-len(ending)]
            break
    if len(word) > 3 and word[-1] == word[-2] and word[-1] not in "lsz":
        word = word[:-1]       # "scamm" → "scam", "topp" → "top"
    if len(word) > 4 and word.endswith("e"):
        word = word[:-1]       # "charge" and "charg(ed)" alike
    return word


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=True)
class WalletJiebaTokenizer(JiebaTokenizer):
    def tokenize(self, message: Message, attribute: Text) -> List[Token]:
        import jieba

        text = spelling.plain(message.get(attribute) or "")
        tokens = self._apply_token_pattern([Token(english_stem(word), start, end)
                                            for word, start, end in jieba.tokenize(text)])
        kept = [token for token in tokens if token.text.strip()]
        # A blank message still needs one token: with none, the classifier
        # gets a zero-width feature matrix and raises instead of falling back.
        return kept or [Token(EMPTY_TOKEN, 0)]
