"""The classifier's faster input row must be exactly the matrix Rasa builds,
or the model would answer differently from how it was measured."""

import numpy as np
import pytest
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, FEATURE_TYPE_SEQUENCE, TEXT
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from scipy.sparse import coo_matrix

from components.logistic_regression import WalletLogisticRegressionClassifier, sentence_row


def message(seed: int) -> Message:
    rng = np.random.default_rng(seed)
    result = Message(data={TEXT: "付款失败"})
    for origin, width in (("words", 40), ("chars", 90)):
        result.add_features(Features(coo_matrix(rng.random((3, width)) > 0.8), FEATURE_TYPE_SEQUENCE, TEXT, origin))
        result.add_features(Features(coo_matrix((rng.random((1, width)) > 0.7) * rng.integers(1, 4, (1, width))),
                                     FEATURE_TYPE_SENTENCE, TEXT, origin))
    return result


def rasa_matrix(messages):
    return LogisticRegressionClassifier._create_X(None, messages)


def our_matrix(messages):
    classifier = object.__new__(WalletLogisticRegressionClassifier)  # _create_X needs no trained state
    return classifier._create_X(messages)


def test_one_message_gives_rasas_matrix():
    ours = our_matrix([message(1)])
    assert ours.shape == (1, 130)
    assert (ours != rasa_matrix([message(1)])).nnz == 0


def test_many_messages_give_rasas_matrix():
    messages = [message(seed) for seed in range(25)]
    ours = our_matrix(messages)
    assert ours.shape == (25, 130)
    assert (ours != rasa_matrix(messages)).nnz == 0


def test_dense_features_are_left_to_rasa():
    with_dense = message(2)
    with_dense.add_features(Features(np.ones((1, 4)), FEATURE_TYPE_SENTENCE, TEXT, "dense"))
    assert sentence_row(with_dense) is None
    assert our_matrix([with_dense]).shape == (1, 134)


def test_saved_and_loaded_classifier_answers_exactly_as_trained(tmp_path):
    from rasa.engine.graph import ExecutionContext, GraphSchema
    from rasa.engine.storage.local_model_storage import LocalModelStorage
    from rasa.engine.storage.resource import Resource
    from rasa.shared.nlu.training_data.training_data import TrainingData

    storage = LocalModelStorage(tmp_path)
    resource = Resource("intent_classifier")
    context = ExecutionContext(GraphSchema({}), node_name="intent_classifier")
    config = {"tfidf": True, "solver": "liblinear", "C": 10}
    trained = WalletLogisticRegressionClassifier.create(config, storage, resource, context)
    examples = [message(seed) for seed in range(30)]
    for index, example in enumerate(examples):
        example.set("intent", ["payment_failed", "refund_request", "greet"][index % 3])
    trained.train(TrainingData(examples))                 # persists

    loaded = WalletLogisticRegressionClassifier.load(config, storage, resource, context)
    probe = [message(seed) for seed in range(100, 110)]
    assert list(loaded.clf.classes_) == list(trained.clf.classes_)
    assert np.allclose(loaded.clf.predict_proba(our_matrix(probe)), trained.clf.predict_proba(our_matrix(probe)))
    assert list((tmp_path / "intent_classifier").iterdir())[0].suffix == ".npz"   # plain arrays, no pickle


@pytest.mark.parametrize("config", [
    {"tfidf": True, "solver": "liblinear", "C": 10},     # this project's pipeline (one-vs-rest)
    {"tfidf": False, "solver": "lbfgs", "C": 1.0},       # Rasa's default (multinomial)
])
def test_process_ranks_intents_as_sklearn_would(tmp_path, config):
    from rasa.engine.graph import ExecutionContext, GraphSchema
    from rasa.engine.storage.local_model_storage import LocalModelStorage
    from rasa.engine.storage.resource import Resource
    from rasa.shared.nlu.training_data.training_data import TrainingData

    context = ExecutionContext(GraphSchema({}), node_name="intent_classifier")
    classifier = WalletLogisticRegressionClassifier.create(config, LocalModelStorage(tmp_path), Resource("c"), context)
    examples = [message(seed) for seed in range(40)]
    for index, example in enumerate(examples):
        example.set("intent", ["payment_failed", "refund_request", "greet", "thanks"][index % 4])
    classifier.train(TrainingData(examples))
    probe = [message(seed) for seed in range(200, 212)]
    expected = classifier.clf.predict_proba(our_matrix(probe))
    classifier.process(probe)
    for row, processed in zip(expected, probe):
        ranking = processed.get("intent_ranking")
        by_name = {entry["name"]: entry["confidence"] for entry in ranking}
        assert np.allclose([by_name[name] for name in classifier.clf.classes_], row)
        assert processed.get("intent")["name"] == classifier.clf.classes_[int(np.argmax(row))]
        assert [entry["confidence"] for entry in ranking] == sorted(by_name.values(), reverse=True)


def sentence_message(columns, width=10) -> Message:
    row = np.zeros((1, width))
    row[0, list(columns)] = 1
    result = Message(data={TEXT: "x"})
    result.add_features(Features(coo_matrix(row), FEATURE_TYPE_SENTENCE, TEXT, "words"))
    return result


def test_a_message_with_only_everyday_features_gets_no_intent(tmp_path):
    """"🌸" shares nothing with the training data but a space n-gram that
    every example has: the classifier must not pick an intent for it."""
    from rasa.engine.graph import ExecutionContext, GraphSchema
    from rasa.engine.storage.local_model_storage import LocalModelStorage
    from rasa.engine.storage.resource import Resource
    from rasa.shared.nlu.training_data.training_data import TrainingData

    intents = ["payment_failed", "refund_request", "greet", "affirm"]
    context = ExecutionContext(GraphSchema({}), node_name="intent_classifier")
    config = {"tfidf": True, "solver": "liblinear", "C": 10}
    classifier = WalletLogisticRegressionClassifier.create(config, LocalModelStorage(tmp_path), Resource("c"), context)
    # Column 0 (a space) is in most examples, and in every "affirm" one: the
    # intent an uninformed classifier would pick. Columns 1-4 tell the
    # intents apart.
    labels = [index % 4 for index in range(40)]
    examples = [sentence_message([1 + label] + ([0] if label == 3 or index % 3 else []))
                for index, label in enumerate(labels)]
    for label, example in zip(labels, examples):
        example.set("intent", intents[label])
    classifier.train(TrainingData(examples))

    everyday, telling = sentence_message([0]), sentence_message([0, 2])
    classifier.process([everyday, telling])
    confidences = [entry["confidence"] for entry in everyday.get("intent_ranking")]
    assert np.allclose(confidences, 1 / len(intents))
    assert telling.get("intent")["name"] == "refund_request" and telling.get("intent")["confidence"] > 0.5
