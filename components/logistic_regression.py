"""Rasa's LogisticRegressionClassifier, building its input row without
scipy's general-purpose stacking, and saved as plain arrays.

For each message Rasa first combines every featurizer's sequence *and*
sentence features (a deep copy and an hstack each), then stacks the
sentence row next to an empty dense block and stacks the rows: ~0.6 ms of
matrix bookkeeping per message, close to a tenth of the server's time under
load. The classifier reads only the sentence features, and with sparse
features alone (this pipeline) its row is those features side by side, in
featurizer order: the same matrix, built directly, for training and
prediction alike.

Rasa saves the classifier with skops, whose import computes its trusted
types by searching every loaded module for every scikit-learn type: with
Rasa and TensorFlow loaded that took over ten minutes of training and of
every server start on this machine. A fitted linear model is four arrays;
they are saved with numpy (no pickle, so a model file cannot carry code)
and the estimators rebuilt around them.
"""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional, Text

import numpy as np
from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.utils.tensorflow.constants import RANKING_LENGTH
from scipy.sparse import coo_matrix, csr_matrix, vstack
from sklearn.feature_extraction.text import TfidfTransformer
from sklearn.pipeline import Pipeline

logger = logging.getLogger(__name__)

# A message whose every feature is in more than half of the training
# examples (a lone space n-gram: "🌸", "🐶🐱") tells the classifier nothing;
# without this its intercepts alone pick an intent ("🌸" → affirm at 0.81).
# Such a message gets equal probabilities and so the fallback. Smoothed idf
# is ln((1 + n) / (1 + df)) + 1, so df > n / 2 is idf < 1 + ln 2.
UNINFORMATIVE_IDF = 1.0 + np.log(2.0)


def sentence_row(message: Message) -> Optional[csr_matrix]:
    """The message's sparse sentence features side by side, or None when
    there are none or dense ones too (left to Rasa's general code)."""
    parts = []
    for features in message.features:
        if features.attribute == TEXT and features.type == FEATURE_TYPE_SENTENCE:
            if not features.is_sparse():
                return None
            parts.append(features.features.tocoo())
    if not parts:
        return None
    if len(parts) == 1:
        return parts[0].tocsr()
    offsets = np.cumsum([0] + [part.shape[1] for part in parts[:-1]])
    data = np.concatenate([part.data for part in parts])
    rows = np.concatenate([part.row for part in parts])
    cols = np.concatenate([part.col + offset for part, offset in zip(parts, offsets)])
    width = sum(part.shape[1] for part in parts)
    return coo_matrix((data, (rows, cols)), shape=(parts[0].shape[0], width)).tocsr()


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class WalletLogisticRegressionClassifier(LogisticRegressionClassifier):
    """With `tfidf: true` the counts are reweighted (sublinear tf-idf, rows
    scaled to unit length) before the regression: long messages no longer
    outweigh short ones, and the solver converges in a few seconds instead of
    running out of iterations on raw counts."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {**LogisticRegressionClassifier.get_default_config(), "tfidf": False, "C": 1.0}

    def __init__(self, config: Dict[Text, Any], name: Text, model_storage: Any, resource: Any) -> None:
        super().__init__(config, name, model_storage, resource)
        if self.config["tfidf"]:
            self.clf.set_params(C=self.config["C"])
            self.clf = Pipeline([("tfidf", TfidfTransformer(sublinear_tf=True)), ("classifier", self.clf)])

    def _create_X(self, messages: List[Message]) -> csr_matrix:
        rows = [sentence_row(message) for message in messages]
        if any(row is None for row in rows):
            return super()._create_X(messages)
        return rows[0] if len(rows) == 1 else vstack(rows, format="csr")

    def process(self, messages: List[Message]) -> List[Message]:
        """Rasa's process, with the probabilities computed here: sklearn's
        predict_proba validated its input and went through the pipeline on
        every message (10% of the server's time per message under load)."""
        tfidf, regression = self._parts()
        if not hasattr(regression, "coef_"):
            return super().process(messages)
        X = self._create_X(messages).tocsr()
        weights = self._weights(tfidf, regression)
        idf = self._idf(tfidf)
        scores = np.empty((X.shape[0], weights.shape[1]))
        blank = np.zeros(X.shape[0], dtype=bool)
        for row in range(X.shape[0]):
            # One short row at a time, on its non-zero columns only: sparse
            # matrix operations cost more in set-up than in arithmetic here.
            start, end = X.indptr[row], X.indptr[row + 1]
            columns, values = X.indices[start:end], X.data[start:end].astype(np.float64)
            if tfidf is not None:
                blank[row] = not len(columns) or idf[columns].max() < UNINFORMATIVE_IDF
                values = (np.log(values) + 1.0) * idf[columns]     # sublinear tf-idf
                norm = np.sqrt(values @ values)
                if norm:
                    values = values / norm
            scores[row] = values @ weights[columns]
        scores += regression.intercept_
        if len(regression.classes_) == 2:
            scores = np.hstack([-scores, scores])  # sklearn's binary case: one column of scores
        one_vs_rest = regression.multi_class == "ovr" or (
            regression.multi_class == "auto" and (regression.solver == "liblinear" or len(regression.classes_) == 2))
        if one_vs_rest:
            probas = 1.0 / (1.0 + np.exp(-scores))
        else:
            probas = np.exp(scores - scores.max(axis=1, keepdims=True))
        probas /= probas.sum(axis=1, keepdims=True)
        probas[blank] = 1.0 / probas.shape[1]
        intents = regression.classes_
        for row, message in zip(probas, messages):
            ranking = sorted(({"name": name, "confidence": value} for name, value in zip(intents, row)),
                             key=lambda entry: -entry["confidence"])
            message.set("intent", ranking[0], add_to_output=True)
            if self.config[RANKING_LENGTH] > 0:
                ranking = ranking[: self.config[RANKING_LENGTH]]
            message.set("intent_ranking", ranking, add_to_output=True)
        return messages

    def _weights(self, tfidf: Any, regression: Any) -> np.ndarray:
        """The coefficients one row per feature, made once after loading."""
        made_from, weights = getattr(self, "_by_feature", (None, None))
        if made_from is not regression.coef_:   # trained again since
            weights = np.ascontiguousarray(regression.coef_.T, dtype=np.float64)
            self._by_feature = (regression.coef_, weights)
        return weights

    def _idf(self, tfidf: Any) -> Optional[np.ndarray]:
        """The idf weights as an array, made once: sklearn's `idf_` rebuilds
        it from a diagonal matrix on every access (8% of the server's time
        under load when read per message)."""
        if tfidf is None:
            return None
        made_from, idf = getattr(self, "_idf_array", (None, None))
        if made_from is not tfidf._idf_diag:
            idf = np.asarray(tfidf.idf_, dtype=np.float64)
            self._idf_array = (tfidf._idf_diag, idf)
        return idf

    def _parts(self):
        """(tf-idf transformer or None, logistic regression) of self.clf."""
        if isinstance(self.clf, Pipeline):
            return self.clf.named_steps["tfidf"], self.clf.named_steps["classifier"]
        return None, self.clf

    def persist(self) -> None:
        tfidf, regression = self._parts()
        with self._model_storage.write_to(self._resource) as model_dir:
            np.savez(model_dir / f"{self._resource.name}.npz", coef=regression.coef_, intercept=regression.intercept_,
                     classes=np.array([str(c) for c in regression.classes_]),
                     idf=tfidf.idf_ if tfidf is not None else np.zeros(0))

    @classmethod
    def load(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> "WalletLogisticRegressionClassifier":
        component = cls(config, execution_context.node_name, model_storage, resource)
        try:
            with model_storage.read_from(resource) as model_dir:
                with np.load(model_dir / f"{resource.name}.npz", allow_pickle=False) as saved:
                    tfidf, regression = component._parts()
                    regression.coef_, regression.intercept_ = saved["coef"], saved["intercept"]
                    regression.classes_ = saved["classes"]
                    regression.n_features_in_ = saved["coef"].shape[1]
                    if tfidf is not None:
                        tfidf.idf_ = saved["idf"]
                        tfidf.n_features_in_ = saved["idf"].shape[0]
        except ValueError:
            logger.debug(f"No trained classifier in '{resource.name}': the component is untrained.")
        return component

