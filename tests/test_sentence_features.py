"""The sentence-only featurizer gives exactly Rasa's sentence features, and
no per-token features (which nothing in this pipeline reads)."""

import numpy as np
import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import CountVectorsFeaturizer
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, FEATURE_TYPE_SEQUENCE, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from components.jieba_tokenizer import WalletJiebaTokenizer
from components.sentence_features import SentenceCountVectorsFeaturizer

TRAIN = ["付款失败了", "转账没到账", "提现失败", "余额不对了吧", "wifi一直连着"]
PROBE = ["付款又失败了", "到账了没", "wifi连着 余额不对"]


def featurized(cls, config, tmp_path, name):
    tokenizer = WalletJiebaTokenizer(WalletJiebaTokenizer.get_default_config(), None, None)
    context = ExecutionContext(GraphSchema({}), node_name=name)
    featurizer = cls.create({**cls.get_default_config(), **config}, LocalModelStorage(tmp_path), Resource(name), context)
    training = TrainingData([Message(data={TEXT: text, "intent": "x"}) for text in TRAIN])
    tokenizer.process_training_data(training)
    featurizer.train(training)
    probe = [Message(data={TEXT: text}) for text in PROBE]
    tokenizer.process(probe)
    featurizer.process(probe)
    return probe


@pytest.mark.parametrize("config", [{}, {"analyzer": "char_wb", "min_ngram": 1, "max_ngram": 3}])
def test_sentence_features_are_rasas_and_nothing_per_token(tmp_path, config):
    ours = featurized(SentenceCountVectorsFeaturizer, config, tmp_path, "ours")
    rasas = featurized(CountVectorsFeaturizer, config, tmp_path, "rasa")
    for mine, theirs in zip(ours, rasas):
        sentence = [f.features.toarray() for f in mine.features if f.type == FEATURE_TYPE_SENTENCE]
        expected = [f.features.toarray() for f in theirs.features if f.type == FEATURE_TYPE_SENTENCE
                    and f.attribute == TEXT]
        assert len(sentence) == 1 and sentence[0].sum() >= 1 and np.array_equal(sentence[0], expected[0])
        assert not [f for f in mine.features if f.type == FEATURE_TYPE_SEQUENCE]
