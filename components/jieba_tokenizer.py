"""JiebaTokenizer that reads Traditional characters and typing slips as the
words meant, and drops whitespace-only tokens.

The text is simplified and corrected first (components/spelling.py keeps
its length, so token positions still point into the user's own text).
jieba emits " " as a token of its own; the featurizers then see empty words
and, for some inputs, crash (rasa issue #7910). The user dictionary is loaded
by the stock tokenizer from `dictionary_path`.
"""

from __future__ import annotations

from typing import List, Text

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.tokenizers.jieba_tokenizer import JiebaTokenizer
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.shared.nlu.training_data.message import Message

from components import spelling


EMPTY_TOKEN = "__empty__"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=True)
class WalletJiebaTokenizer(JiebaTokenizer):
    def tokenize(self, message: Message, attribute: Text) -> List[Token]:
        import jieba

        text = spelling.plain(message.get(attribute) or "")
        tokens = self._apply_token_pattern([Token(word, start) for word, start, _end in jieba.tokenize(text)])
        kept = [token for token in tokens if token.text.strip()]
        # A blank message still needs one token: with none, the classifier
        # gets a zero-width feature matrix and raises instead of falling back.
        return kept or [Token(EMPTY_TOKEN, 0)]
