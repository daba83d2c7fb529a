"""Rasa's CountVectorsFeaturizer making only the sentence features.

For every message Rasa's featurizer transforms the text twice: once token
by token (sequence features, one row per token) and once whole (sentence
features). The classifier of this pipeline reads the sentence features only
(components/logistic_regression.py), and no other component reads either,
so the per-token pass was a fifth of the time the featurizers took under
load for nothing. The vocabulary, and so the sentence features, are
exactly Rasa's: training is unchanged.
"""

from __future__ import annotations

from typing import List, Optional, Text, Tuple

import scipy.sparse
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.constants import DENSE_FEATURIZABLE_ATTRIBUTES
from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import CountVectorsFeaturizer

Matrices = List[Optional[scipy.sparse.spmatrix]]


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=True)
class SentenceCountVectorsFeaturizer(CountVectorsFeaturizer):
    def _create_features(self, attribute: Text, all_tokens: List[List[Text]]) -> Tuple[Matrices, Matrices]:
        if not self.vectorizers.get(attribute):
            return [None], [None]
        sentences: Matrices = []
        for tokens in all_tokens:
            if not tokens or attribute not in DENSE_FEATURIZABLE_ATTRIBUTES:
                sentences.append(None)
                continue
            vector = self.vectorizers[attribute].transform([" ".join(tokens)])
            vector.sort_indices()
            sentences.append(vector.tocoo())
        return [None] * len(all_tokens), sentences
